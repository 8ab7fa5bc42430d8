#!/bin/sh
# scripts/test-scale.sh (make test-scale): the full TinyLlama-1.1B-shaped
# models (gen_gguf --shape 1b: 22 layers, Q4_0 with a Q6_K output, and
# Q4_K_M) in the kernel. For each type: the greedy ids of `llm infer --ids -n 8
# --temp 0` on the -kernel boot (model in the initrd) and the UEFI boot (model
# on the ESP) must equal the host build's, and `llm bench -p 32 -n 4 -r 1 -t 1`
# runs under run-qemu.sh --icount, its rows (insn/tok) printed. Not part of
# make test: it generates two files of 0.6-0.7 GB and boots them six times
# (README.md, "Tests", gives the time it takes). Files stay in build/scale and
# are made again only when gen_gguf changes. TYPES="q4_0" runs one type.
# Prints PASS/FAIL lines like a test suite, and the time of each step.
cd "$(dirname "$0")/.." || exit 1
w=build/scale
prompt="Once upon a time"
types=${TYPES:-q4_0 q4_k_m}
mem=${MEM:-2G}
fails=0
mkdir -p "$w"
make -s kernel build/host/gen_gguf build/host/llm >/dev/null || { echo "FAIL scale_build: make failed"; exit 1; }

pass() { echo "PASS scale_$1"; }
fail() { echo "FAIL scale_$1: $2"; fails=$((fails + 1)); }
step() {   # step WHAT CMD...: run CMD, print its wall time (on stderr: CMD's stdout may be a file)
    what=$1 t0=$(date +%s)
    shift
    "$@"
    rc=$?
    echo "time $what: $(($(date +%s) - t0)) s" >&2
    return $rc
}
boot() {   # boot NAME run-qemu-args...: a session running infer on stdin; output in $w/NAME.out
    name=$1; shift
    printf '\nllm infer --ids -n 8 --temp 0 "%s"\nmem\npoweroff\n' "$prompt" |
        scripts/run-qemu.sh --timeout "${TIMEOUT:-1800}" --mem "$mem" "$@" >"$w/$name.raw" 2>&1
    echo "rc=$?" >>"$w/$name.raw"
    tr -d '\r' <"$w/$name.raw" >"$w/$name.out"
}
check_ids() {   # check_ids NAME HOST_JSON: the kernel's ids equal the host's
    ours=$(sed -n 's/^ids: //p' "$w/$1.out" | head -n 1)
    want=$(python3 -c 'import json, sys; print(" ".join(map(str, json.loads(open(sys.argv[1]).readline())["gen_ids"])))' "$2")
    if [ -n "$ours" ] && [ "$ours" = "$want" ]; then pass "$1_ids"; else fail "$1_ids" "kernel '$ours', host '$want' ($w/$1.out)"; fi
}
gen() { build/host/gen_gguf --shape 1b --type "$1" --seed 1 -o "$2"; }
bench() { scripts/run-qemu.sh --timeout "${TIMEOUT:-1800}" --icount --mem "$mem" --model "$1" \
              --append 'init="llm bench -p 32 -n 4 -r 1 -t 1;poweroff"' >"$2" 2>&1; }

for t in $types; do
    m=$w/1b-$t.gguf
    if [ ! -f "$m" ] || [ build/host/gen_gguf -nt "$m" ]; then
        step "gen_$t" gen "$t" "$m" || { fail "gen_$t" "gen_gguf --shape 1b --type $t failed"; continue; }
    fi
    echo "$m: $(wc -c <"$m") bytes"
    step "host_$t" build/host/llm -m "$m" -p "$prompt" -n 8 --temp 0 --json >"$w/host-$t.json" ||
        { fail "host_$t" "build/host/llm -m $m failed"; continue; }
    step "kernel_$t" boot "k_$t" --model "$m"
    grep -F "bytes mapped" "$w/k_$t.out"
    check_ids "k_$t" "$w/host-$t.json"
    if [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] && command -v mkfs.vfat >/dev/null 2>&1; then
        step "uefi_$t" boot "u_$t" --uefi --esp "$w/esp.img" --model "$m"
        check_ids "u_$t" "$w/host-$t.json"
        rm -f "$w/esp.img"
    else
        echo "SKIP scale_u_${t}_ids: QEMU_EFI.fd or mkfs.vfat missing"
    fi
    step "bench_$t" bench "$m" "$w/bench-$t.out"
    rows=$(tr -d '\r' <"$w/bench-$t.out" | grep -E '^\| .* \| (pp32|tg4) \| .*M \|$')
    if [ "$(echo "$rows" | grep -c .)" -ge 2 ]; then pass "bench_$t"; echo "$rows"; else
        fail "bench_$t" "no pp32/tg4 rows with insn/tok in $w/bench-$t.out"; fi
done
[ "$fails" -eq 0 ]
