#!/bin/sh
# scripts/test-scale.sh (make test-scale): the full TinyLlama-1.1B-shaped
# models (gen_gguf --shape 1b: 22 layers, Q4_0 with a Q6_K output, and
# Q4_K_M) in the kernel. For each type: the greedy ids of `llm infer --ids -n 8
# --temp 0` on the -kernel boot (model in the initrd, its tensor data 32-byte
# aligned), the UEFI boot (model on the ESP) and a -kernel boot loading it from
# /disk (virtio-blk FAT32; the read's MiB/s and CPU bytes copied printed) must
# equal the host build's, and `llm bench -p 32 -n 4 -r 1 -t 1` runs under
# run-qemu.sh --icount, its rows (insn/tok) printed. Q4_0 also boots UEFI in
# --mem 700M, where the firmware cannot read the file: the boot log must say
# it does not fit in RAM, `llm load` of it must fail naming memory, and the
# shell must go on (loading the ESP's copy from /disk instead either works,
# with the host's ids, or is refused naming memory). Not part of make test: it
# generates two files of 0.6-0.7 GB and boots them eight times (README.md,
# "Tests", gives the time it takes). Files stay in build/scale
# (scripts/scale_lib.sh) and are made again only when gen_gguf changes.
# TYPES="q4_0" runs one type.
# Prints PASS/FAIL lines like a test suite, and the time of each step.
cd "$(dirname "$0")/.." || exit 1
. scripts/scale_lib.sh
w=$SCALE_DIR
prompt="Once upon a time"
infer="llm infer --ids -n 8 --temp 0 \"$prompt\""
types=${TYPES:-q4_0 q4_k_m}
mem=$SCALE_MEM
fails=0
mkdir -p "$w"
make -s kernel build/host/gen_gguf build/host/llm >/dev/null || { echo "FAIL scale_build: make failed"; exit 1; }

pass() { echo "PASS scale_$1"; }
fail() { echo "FAIL scale_$1: $2"; fails=$((fails + 1)); }
boot() {   # boot NAME CMDS run-qemu-args...: a session running the shell lines CMDS, then mem; output in $w/NAME.out
    name=$1 cmds=$2
    shift 2
    printf '\n%s\nmem\npoweroff\n' "$cmds" |
        scripts/run-qemu.sh --timeout "${TIMEOUT:-1800}" --mem "$mem" "$@" >"$w/$name.raw" 2>&1
    echo "rc=$?" >>"$w/$name.raw"
    tr -d '\r' <"$w/$name.raw" >"$w/$name.out"
}
check_ids() {   # check_ids NAME HOST_JSON: the kernel's ids equal the host's
    ours=$(sed -n 's/^ids: //p' "$w/$1.out" | head -n 1)
    want=$(python3 -c 'import json, sys; print(" ".join(map(str, json.loads(open(sys.argv[1]).readline())["gen_ids"])))' "$2")
    if [ -n "$ours" ] && [ "$ours" = "$want" ]; then pass "$1_ids"; else fail "$1_ids" "kernel '$ours', host '$want' ($w/$1.out)"; fi
}
# The UEFI boot in 700M (see the top): $1 the type, $2 the model, $3 the host's json.
uefi_small() {
    step "uefi700_$1" boot "u700_$1" "$infer
llm load /disk/models/$(basename "$2")
$infer" --uefi --esp "$w/esp.img" --model "$2" --mem 700M
    rm -f "$w/esp.img"
    o=$w/u700_$1.out
    grep -E "does not fit|load failed|MiB/s|bytes mapped" "$o"
    if grep -q "^vfs: /boot/1b-$1.gguf: [0-9]* MiB does not fit in this machine's [0-9]* MiB of RAM" "$o" &&
       grep -q "^llm: load failed: /boot/1b-$1.gguf: does not fit in memory" "$o" &&
       grep -q '^rc=0$' "$o"; then pass "u700_$1_refused"; else
        fail "u700_$1_refused" "no 'does not fit in this machine's N MiB of RAM' and 'load failed' lines, or no clean poweroff ($o)"; fi
    if grep -q '^ids: ' "$o"; then check_ids "u700_$1" "$3"
    elif grep -q "^llm: load failed: /disk/models/1b-$1.gguf: .*memory" "$o"; then pass "u700_$1_disk_refused"
    else fail "u700_$1_disk" "loading /disk/models/1b-$1.gguf neither gave ids nor was refused naming memory ($o)"; fi
}
for t in $types; do
    m=$(scale_model "$t") || { fail "gen_$t" "gen_gguf --shape 1b --type $t failed"; continue; }
    echo "$m: $(wc -c <"$m") bytes"
    step "host_$t" build/host/llm -m "$m" -p "$prompt" -n 8 --temp 0 --json >"$w/host-$t.json" ||
        { fail "host_$t" "build/host/llm -m $m failed"; continue; }
    step "kernel_$t" boot "k_$t" "$infer" --model "$m"
    grep -F "bytes mapped" "$w/k_$t.out"
    check_ids "k_$t" "$w/host-$t.json"
    if grep -q "^llm: /initrd/1b-$t.gguf: .* bytes mapped, 0 bytes copied, tensor data at .* (32-byte aligned)" "$w/k_$t.out"
    then pass "k_${t}_mapped_aligned"; else fail "k_${t}_mapped_aligned" "no '0 bytes copied ... (32-byte aligned)' in $w/k_$t.out"; fi
    if [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] && command -v mkfs.vfat >/dev/null 2>&1; then
        step "uefi_$t" boot "u_$t" "$infer" --uefi --esp "$w/esp.img" --model "$m"
        check_ids "u_$t" "$w/host-$t.json"
        rm -f "$w/esp.img"
        [ "$t" = q4_0 ] && uefi_small "$t" "$m" "$w/host-$t.json"
        step "mkdisk_$t" scripts/mkdisk.sh -o "$w/disk.img" "$m" >/dev/null
        step "disk_$t" boot "d_$t" "llm load /disk/$(basename "$m")
$infer" --disk "$w/disk.img"
        rm -f "$w/disk.img"
        grep -E "^vfs: read .*MiB/s" "$w/d_$t.out" || fail "d_${t}_read" "no 'vfs: read ... MiB/s' line in $w/d_$t.out"
        check_ids "d_$t" "$w/host-$t.json"
    else
        echo "SKIP scale_u_${t}_ids, scale_d_${t}_ids: QEMU_EFI.fd or mkfs.vfat missing"
    fi
    step "bench_$t" scale_bench "$m" "$w/bench-$t.out"
    rows=$(scale_rows "$w/bench-$t.out")
    if [ "$(echo "$rows" | grep -c .)" -ge 2 ]; then pass "bench_$t"; echo "$rows"; else
        fail "bench_$t" "no pp32/tg4 rows with insn/tok in $w/bench-$t.out"; fi
done
[ "$fails" -eq 0 ]
