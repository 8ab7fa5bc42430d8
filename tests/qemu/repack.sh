#!/bin/sh
# tests/qemu/repack.sh: the kernel repacks Q4_0 weights in place by default
# (llm/quant/repack.h), in one -kernel boot on a generated model that is both
# in the initrd and on /disk:
#  - the default load says "repacked in place", copies 0 bytes, and gives the
#    ids of the host's aarch64 build (same NEON kernels) exactly;
#  - while loaded, the file's bytes are the repacked ones (hexdump differs
#    from the file); after `llm unload` hexdump gives the file's bytes again
#    (sha256 of the dump equals the file's); a second load gives the same ids,
#    as do --no-repack (the file's own rows) and a load from /disk, which is
#    read by DMA straight into its pages (few bytes copied by the cpu);
#  - a load whose context does not fit is refused by the preflight, naming
#    the kv cache and arena (256 MiB of RAM), and the loaded model stays.
cd "$(dirname "$0")/../.." || exit 1
PREFIX=repack_
. tests/qemu/lib.sh
prompt="Once upon a time"

qemu_need_tools repack qemu-system-aarch64 qemu-aarch64 python3 mkfs.vfat mcopy
qemu_build kernel build/host/gen_gguf build/host-arm64/llm
qemu_workdir build/test-repack
gen=$w/gen-q4_0.gguf
size=$(build/host/gen_gguf --type q4_0 --seed 3 -o "$gen" >/dev/null && wc -c <"$gen") ||
    { echo "FAIL repack_gen_gguf: failed"; exit 1; }
scripts/mkdisk.sh -o "$w/disk.img" "$gen" >/dev/null || { echo "FAIL repack_mkdisk: failed"; exit 1; }
host=$(timeout 120 qemu-aarch64 -cpu max build/host-arm64/llm -m "$gen" --repack -p "$prompt" -n 32 --temp 0 \
    --json 2>/dev/null | python3 -c 'import json, sys; print(*json.loads(sys.stdin.readline())["gen_ids"])')
[ -n "$host" ] || { echo "FAIL repack_host: build/host-arm64/llm on $gen failed"; exit 1; }

ids='llm infer -n 32 --temp 0 --ids "'"$prompt"'"'
{
    printf '\n%s\nhexdump /initrd/gen-q4_0.gguf 0 %s\nllm unload\n' "$ids" "$size"
    printf 'hexdump /initrd/gen-q4_0.gguf 0 %s\nllm load /initrd/gen-q4_0.gguf\n%s\n' "$size" "$ids"
    printf 'llm load --no-repack /initrd/gen-q4_0.gguf\n%s\n' "$ids"
    printf 'llm load /initrd/gen-q4_0.gguf\nllm load -c 1048576 /initrd/gen-q4_0.gguf\nllm info\n'
    printf 'llm load /disk/gen-q4_0.gguf\n%s\npoweroff\n' "$ids"
} | boot k --mem 256M --model "$gen" --disk "$w/disk.img"
expect k in_place_default "repacked in place: "
expect k zero_copy "/initrd/gen-q4_0.gguf: $size bytes mapped, 0 bytes copied"
expect k memory_line "repacked 0 KiB in place + 0 KiB copied"   # the --no-repack load (and the 64 KiB file)
expect k reload_same_file "llm: /initrd/gen-q4_0.gguf is the loaded model's file: unloading that first"
expect k preflight_refuses "llm: load failed: not enough memory for ctx 1048576: the session needs"
expect k preflight_names_kv "KiB (kv cache "
expect k preflight_keeps_model "llm: still loaded: /initrd/gen-q4_0.gguf"
expect k disk_dma "device requests ("

# the ids: host, then the four loads (in place, again, --no-repack, /disk)
n=0
for got in $(sed -n 's/^ids: //p' "$w/k.out" | tr ' ' ','); do
    n=$((n + 1))
    if [ "$(echo "$got" | tr ',' ' ')" = "$host" ]; then pass "ids_$n"; else fail "ids_$n" "'$got', host '$host'"; fi
done
[ "$n" = 4 ] && pass ids_count || fail ids_count "$n ids lines in $w/k.out, want 4"

# the two hexdumps: the first (loaded) is not the file, the second (unloaded) is
python3 - "$w/k.out" "$gen" <<'PYEOF' || fails=$((fails + 1))
import hashlib, sys
out, path = sys.argv[1], sys.argv[2]
want = open(path, "rb").read()
dumps, cur = [], None
for line in open(out, errors="replace"):
    parts = line.split("|")[0].split()
    if len(parts) >= 2 and len(parts[0]) == 8 and all(len(p) == 2 for p in parts[1:]):
        off = int(parts[0], 16)
        if off == 0:
            cur = bytearray()
            dumps.append(cur)
        if cur is not None:
            cur += bytes(int(p, 16) for p in parts[1:])
ok = len(dumps) == 2 and len(dumps[0]) == len(want) and len(dumps[1]) == len(want)
print(("PASS" if ok else "FAIL") + f" repack_two_dumps: {len(dumps)} hexdumps of {[len(d) for d in dumps]} bytes")
if ok:
    h = lambda b: hashlib.sha256(b).hexdigest()[:16]
    a, b, f = h(dumps[0]), h(dumps[1]), h(want)
    print(("PASS" if a != f else "FAIL") + f" repack_loaded_bytes_rewritten: loaded {a}, file {f}")
    print(("PASS" if b == f else "FAIL") + f" repack_unload_restores: after unload {b}, file {f}")
    ok = a != f and b == f
sys.exit(0 if ok else 1)
PYEOF
grep -q "powering off" "$w/k.out" && pass shell_usable || fail shell_usable "no poweroff in $w/k.out"
[ "$fails" -eq 0 ]
