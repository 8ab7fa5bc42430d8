#!/bin/sh
# tests/qemu/gpt2.sh: the GPT-2 architecture in the kernel. Generated GPT-2
# models (gen_gguf --arch gpt2: Q4_0, and --mixed, every layer matrix a
# different type) are loaded with `llm load`, also with --repack, on 2 cpus,
# and their greedy ids must equal the host build's. The shared
# gpt2-tiny-random files (GPT-2 BPE vocabulary) run once the tokenizer takes
# it (SKIP until then): host and kernel ids of "Once upon a time" must equal
# llama.cpp's. Their logits at every position are tests/host/test_gpt2.c's.
cd "$(dirname "$0")/../.." || exit 1
PREFIX=gpt2_
. tests/qemu/lib.sh
prompt="Once upon a time"

qemu_need_tools gpt2 qemu-system-aarch64 python3
qemu_build kernel build/host/gen_gguf build/host/llm
qemu_workdir build/test-gpt2
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
    BOOT_TIMEOUT=120 boot k --smp 2 --initrd "$w/initrd.cpio"
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
# ---- the shared files, through the tokenizer
models=${LLM_TEST_MODELS:-../shared/models}
for ty in f16 q4_0; do
    f=$models/synth/gpt2-tiny-random-$ty.gguf ref=$models/reference/gpt2-tiny-random-$ty.arm64.jsonl
    if [ ! -f "$f" ] || [ ! -f "$ref" ]; then echo "SKIP gpt2_shared_$ty: $f or $ref absent"; continue; fi
    if ! toks=$(build/host/llm -m "$f" -p "$prompt" --tokenize 2>"$w/tok-$ty.err"); then
        echo "SKIP gpt2_shared_$ty: the host build does not load it yet: $(tail -n 1 "$w/tok-$ty.err")"
        continue
    fi
    want=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["prompt"] == sys.argv[2]: print(" ".join(map(str, r["prompt_ids"])), "|", " ".join(map(str, r["gen_ids"])))'         "$ref" "$prompt")
    if [ "$toks" = "${want%% |*}" ]; then pass "shared_${ty}_prompt_ids"; else
        fail "shared_${ty}_prompt_ids" "ours '$toks', llama.cpp '${want%% |*}'"; fi
    host=$(build/host/llm -m "$f" -p "$prompt" -n 16 --temp 0 --json 2>/dev/null |
        python3 -c 'import json, sys; print(" ".join(map(str, json.load(sys.stdin)["gen_ids"])))')
    if [ "$host" = "${want#*| }" ]; then pass "shared_${ty}_host_ids"; else
        fail "shared_${ty}_host_ids" "ours '$host', llama.cpp '${want#*| }'"; fi
    printf '\nllm infer -n 16 --temp 0 --ids "%s"\npoweroff\n' "$prompt" |
        scripts/run-qemu.sh --timeout "${TIMEOUT:-120}" --smp 2 --model "$f" 2>&1 | tr -d '\r' >"$w/k-$ty.out"
    ours=$(sed -n 's/^ids: //p' "$w/k-$ty.out")
    if [ "$ours" = "${want#*| }" ]; then pass "shared_${ty}_kernel_ids"; else
        fail "shared_${ty}_kernel_ids" "ours '$ours', llama.cpp '${want#*| }' ($w/k-$ty.out)"; fi
done
[ "$fails" -eq 0 ]
