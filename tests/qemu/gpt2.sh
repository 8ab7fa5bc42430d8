#!/bin/sh
# tests/qemu/gpt2.sh: the GPT-2 architecture in the kernel. Generated GPT-2
# models (gen_gguf --arch gpt2: Q4_0, and --mixed, every layer matrix a
# different type) are loaded with `llm load`, also with --repack, on 2 cpus,
# and their greedy ids must equal the host build's. (The shared
# gpt2-tiny-random files have the GPT-2 BPE vocabulary, which the kernel's
# tokenizer does not load yet; their logits are tests/host/test_gpt2.c's.)
cd "$(dirname "$0")/../.." || exit 1
w=build/test-gpt2
prompt="Once upon a time"
fails=0
pass() { echo "PASS gpt2_$1"; }
fail() { echo "FAIL gpt2_$1: $2"; fails=$((fails + 1)); }

for tool in qemu-system-aarch64 cpio python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP gpt2: $tool not installed"; exit 0; }
done
make -s kernel build/host/gen_gguf build/host/llm >/dev/null 2>&1 ||
    { echo "FAIL gpt2_build: make kernel build/host/gen_gguf build/host/llm failed"; exit 1; }
rm -rf "$w" && mkdir -p "$w"
build/host/gen_gguf --arch gpt2 --type q4_0 --seed 5 -o "$w/gpt2-q4_0.gguf" >/dev/null &&
    build/host/gen_gguf --arch gpt2 --mixed --seed 6 -o "$w/gpt2-mixed.gguf" >/dev/null ||
    { echo "FAIL gpt2_gen_gguf: failed"; exit 1; }
for m in q4_0 mixed; do
    build/host/llm -m "$w/gpt2-$m.gguf" -p "$prompt" -n 32 --temp 0 --json 2>/dev/null |
        python3 -c 'import json, sys; print(" ".join(map(str, json.load(sys.stdin)["gen_ids"])))' >"$w/host-$m.ids" ||
        { echo "FAIL gpt2_host_cli: build/host/llm on $w/gpt2-$m.gguf failed"; exit 1; }
done
scripts/mkinitrd.sh -o "$w/initrd.cpio" "$w/gpt2-q4_0.gguf" "$w/gpt2-mixed.gguf" >/dev/null ||
    { echo "FAIL gpt2_mkinitrd: failed"; exit 1; }
infer="llm infer -n 32 --temp 0 --ids \"$prompt\""
printf '\nllm load /initrd/gpt2-q4_0.gguf\nllm info\n%s\nllm load --repack /initrd/gpt2-q4_0.gguf\n%s\nllm load /initrd/gpt2-mixed.gguf\n%s\npoweroff\n' \
    "$infer" "$infer" "$infer" |
    scripts/run-qemu.sh --timeout "${TIMEOUT:-120}" --smp 2 --initrd "$w/initrd.cpio" 2>&1 | tr -d '\r' >"$w/k.out"
if grep -q '^arch gpt2: 2 layers, dim 64, ffn 96, heads 4, kv heads 4, head dim 16, learned positions' "$w/k.out"
then pass kernel_load; else fail kernel_load "no 'arch gpt2' summary in $w/k.out"; fi
sed -n 's/^ids: //p' "$w/k.out" >"$w/k.ids"
n=0
for m in q4_0 q4_0-repack mixed; do
    n=$((n + 1))
    ours=$(sed -n "${n}p" "$w/k.ids")
    want=$(cat "$w/host-${m%-repack}.ids")
    if [ -n "$ours" ] && [ "$ours" = "$want" ]; then pass "kernel_${m}_ids_vs_host"; else
        fail "kernel_${m}_ids_vs_host" "kernel '$ours', host '$want'"; fi
done
[ "$fails" -eq 0 ]
