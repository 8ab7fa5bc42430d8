#!/bin/sh
# tests/qemu/1b.sh: a TinyLlama-1.1B-shaped model (rows of 2048 and 5632,
# 32/4 heads, vocab 32000) in the kernel, cut to 2 layers so it boots fast:
# gen_gguf --shape 1b --layers 2 --type q4_0 (Q4_0 layers, a Q6_K output, as
# llama-quantize mixes them) booted with -kernel from the initrd, mapped with
# 0 bytes copied; the greedy ids of `llm infer --ids -n 8 --temp 0` must equal
# the host build's (build/host/llm --json). The full 22-layer models on both
# boots, with the bench, are `make test-scale` (scripts/test-scale.sh).
cd "$(dirname "$0")/../.." || exit 1
PREFIX=1b_
. tests/qemu/lib.sh
prompt="Once upon a time"

qemu_need_tools 1b qemu-system-aarch64 python3
qemu_build kernel build/host/gen_gguf build/host/llm
qemu_workdir build/test-1b
qemu_gen_model 1b-2l-q4_0 --shape 1b --layers 2 --type q4_0 --seed 5
# at its old place too (scripts use build/test-1b/1b-2l-q4_0.gguf): a hard link
ln -f "$model" "$w/1b-2l-q4_0.gguf" 2>/dev/null || cp "$model" "$w/1b-2l-q4_0.gguf" || exit 1
model=$w/1b-2l-q4_0.gguf
build/host/llm -m "$model" --info >"$w/info.txt" 2>&1 &&
    build/host/llm -m "$model" -p "$prompt" -n 8 --temp 0 --json >"$w/host.json" 2>"$w/host.err" ||
    { fail host "build/host/llm on $model failed: $(tail -n 1 "$w/host.err")"; exit 1; }
if grep -q '^arch llama: 2 layers, dim 2048, ffn 5632, heads 32, kv heads 4' "$w/info.txt" &&
   grep -q '^vocab 32000' "$w/info.txt" && grep -q 'q4_0 x15 .* q6_K x1 ' "$w/info.txt"
then pass shape_and_mix; else fail shape_and_mix "$w/info.txt: $(head -n 3 "$w/info.txt")"; fi

printf '\nllm infer --ids -n 8 --temp 0 "%s"\npoweroff\n' "$prompt" |
    BOOT_TIMEOUT=300 boot k --mem 1G --model "$model"
expect k kernel_zero_copy "/initrd/1b-2l-q4_0.gguf: $(wc -c <"$model") bytes mapped, 0 bytes copied"
# Equal ids, or (as tests/qemu/llm.sh allows for Q4_0) equal up to a step
# where the host's top-2 logits are within 0.25 and the kernel took the second.
why=$(python3 - "$w/k.out" "$w/host.json" <<'EOF'
import json, sys
lines = [l[5:].split() for l in open(sys.argv[1], errors="replace") if l.startswith("ids: ")]
if not lines:
    sys.exit(print(f"no ids line in {sys.argv[1]}"))
ours = [int(x) for x in lines[0]]
r = json.loads(open(sys.argv[2]).readline())
want = r["gen_ids"]
if len(want) != 8:
    sys.exit(print(f"the host gave {len(want)} ids, not 8"))
if ours == want:
    sys.exit(0)
i = next((k for k in range(min(len(ours), len(want))) if ours[k] != want[k]), min(len(ours), len(want)))
if i < len(ours) and i < len(want):
    top = r["top_logits"][i]
    if top[0][1] - top[1][1] <= 0.25 and ours[i] == top[1][0]:
        sys.exit(0)
sys.exit(print(f"kernel {ours}, host {want} (first difference at step {i})"))
EOF
)
if [ -z "$why" ]; then pass kernel_ids_vs_host; else fail kernel_ids_vs_host "$why"; fi
[ "$fails" -eq 0 ]
