#!/bin/sh
# tests/golden/golden.sh: build/host/llm against llama.cpp's reference outputs
# (../shared/models/reference, arm64 build): every stories260K type x the 3
# reference prompts, greedy, 64 tokens, judged by ../shared/tools/compare_ref.py
# (F32/F16: all ids equal, step-0 logits within 0.02; quantized: one split only
# at a near-tie, step-0 within 0.5), with the F16 KV cache and again with F32;
# then perplexity (-c 128) within 0.3 % of reference/perplexity.tsv; then the
# stories260K-pad256 files (K-quants) strictly: ids equal, step-0 within 1e-4,
# perplexity within 0.1 %.
# GOLDEN_PROMPT=N runs the Nth reference prompt only, GOLDEN_PAD_PPL="TYPES"
# the pad256 perplexity of those types only (default: all of both);
# tests/arm64/golden.sh narrows them.
# Prints PASS/FAIL/SKIP lines; SKIPs everything when ../shared is absent.
cd "$(dirname "$0")/../.." || exit 1
SHARED=../shared
MODELS=$SHARED/models/stories260K
REF=$SHARED/models/reference
LLM=${LLM:-build/host/llm}   # tests/arm64/golden.sh runs it on the arm64 build
TYPES="f32 f16 q8_0 q4_0 q4_1 q5_0 q5_1"

if [ ! -d "$REF" ] || [ ! -d "$MODELS" ]; then
    echo "SKIP golden: $SHARED/models not present"
    exit 0
fi
if [ ! -x "$LLM" ]; then
    echo "FAIL golden: $LLM not built (make host)"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP golden: no python3 for compare_ref.py"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
if [ -n "${GOLDEN_PROMPT:-}" ]; then
    sed -n "${GOLDEN_PROMPT}p" "$REF/prompts.txt" >"$tmp/prompts"
else
    cp "$REF/prompts.txt" "$tmp/prompts"
fi

# Largest |ours - reference| over the step-0 logits, and the first generated
# position where the ids differ ("-" when none).
summary() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
ours = json.load(open(sys.argv[1]))
ref = next(r for r in map(json.loads, open(sys.argv[2])) if r["prompt"] == sys.argv[3])
d = max(abs(a - b) for a, b in zip(ours["logits_step0"], ref["logits_step0"]))
g, w = ours["gen_ids"], ref["gen_ids"]
split = next((str(i) for i in range(min(len(g), len(w))) if g[i] != w[i]), "-")
print(f"step0 max diff {d:.4g}, first split {split}")
EOF
}

# The judges of one run (type, our --json, reference jsonl, prompt): print the
# details, return non-zero on a failure.
judge_ref() {      # compare_ref.py's verdict
    verdict=$(python3 $SHARED/tools/compare_ref.py "$1" "$2" "$3" "$4" 2>&1)
    rc=$?
    echo "$verdict; $(summary "$2" "$3" "$4" 2>&1)"
    return $rc
}
judge_strict() {   # every id equal, step-0 logits within 1e-4
    detail=$(summary "$2" "$3" "$4" 2>&1)
    if echo "$detail" | awk '{ d = $4; sub(/,$/, "", d) } $7 == "-" && d + 0 <= 1e-4 { ok = 1 } END { exit !ok }'; then
        echo "$detail"
    else
        echo "$detail (want no split, step0 within 1e-4)"
        return 1
    fi
}
# golden_run JUDGE TYPE NAME MODEL REF PROMPT SECONDS [llm flags]: one greedy
# run of 64 tokens, one PASS/FAIL/SKIP line.
golden_run() {
    judge=$1 t=$2 name=$3 model=$4 ref=$5 prompt=$6 secs=$7
    shift 7
    if [ ! -f "$model" ] || [ ! -f "$ref" ]; then
        echo "SKIP $name: $model or $ref missing"
        return
    fi
    out=$tmp/out.json
    if ! timeout "$secs" "$LLM" --json -m "$model" -p "$prompt" -n 64 --temp 0 "$@" >"$out" 2>"$tmp/err"; then
        echo "FAIL $name: llm failed: $(tail -n 1 "$tmp/err")"
        fails=$((fails + 1))
    elif detail=$($judge "$t" "$out" "$ref" "$prompt"); then
        echo "PASS $name: $detail"
    else
        echo "FAIL $name: $detail"
        fails=$((fails + 1))
    fi
}

while IFS= read -r prompt; do
    [ -n "$prompt" ] || continue
    for t in $TYPES; do
        golden_run judge_ref "$t" "golden $t \"$prompt\"" "$MODELS/stories260K-$t.gguf" \
            "$REF/stories260K-$t.arm64.jsonl" "$prompt" 60
        golden_run judge_ref "$t" "golden $t -kvf32 \"$prompt\"" "$MODELS/stories260K-$t.gguf" \
            "$REF/stories260K-$t.arm64-kvf32.jsonl" "$prompt" 60 --kv-type f32
    done
done <"$tmp/prompts"

# stories260K-pad256 (the same network padded to rows of 256, so that it
# K-quantizes): the standard for these files is stricter than compare_ref.py.
PAD=$SHARED/models/stories260K-pad256
PAD_TYPES="f32 q8_0 q6_k q5_k_m q4_k_m q4_0 q3_k_m q2_k"
while IFS= read -r prompt; do
    [ -n "$prompt" ] || continue
    for t in $PAD_TYPES; do
        golden_run judge_strict "$t" "golden pad256-$t \"$prompt\"" "$PAD/stories260K-pad256-$t.gguf" \
            "$REF/stories260K-pad256-$t.arm64.jsonl" "$prompt" 180
    done
done <"$tmp/prompts"

# Perplexity: reference/perplexity.tsv rows "model platform ppl stderr"
# (pad256 files within 0.1 %).
ppl_check() {   # dir file tolerance seconds (pad256 is 8x the weights: slow under qemu)
    name="golden perplexity ${2%.gguf}"
    want=$(awk -v m="$2" '$1 == m && $2 ~ /^aarch64/ { print $3 }' "$REF/perplexity.tsv")
    if [ -z "$want" ] || [ ! -f "$1/$2" ]; then
        echo "SKIP $name: no arm64 reference or no $1/$2"
        return
    fi
    got=$(timeout "$4" "$LLM" -m "$1/$2" --perplexity "$REF/ppl-text.txt" -c 128 -b 128 2>"$tmp/err" |
          sed -n 's/^ppl = //p')
    if [ -z "$got" ]; then
        echo "FAIL $name: no result: $(tail -n 1 "$tmp/err")"
        fails=$((fails + 1))
        return
    fi
    if awk -v g="$got" -v w="$want" -v tol="$3" 'BEGIN { d = (g - w) / w; if (d < 0) d = -d; exit !(d <= tol) }'; then
        echo "PASS $name: ppl $got vs llama.cpp $want"
    else
        echo "FAIL $name: ppl $got vs llama.cpp $want (more than $3 apart, relative)"
        fails=$((fails + 1))
    fi
}
for t in $TYPES; do
    ppl_check "$MODELS" "stories260K-$t.gguf" 0.003 120
done
for t in ${GOLDEN_PAD_PPL:-$PAD_TYPES}; do
    ppl_check "$PAD" "stories260K-pad256-$t.gguf" 0.001 600
done
[ $fails -eq 0 ]
