#!/bin/sh
# tests/golden/all_logits.sh: `llm --json --all-logits` (logits_all_positions,
# the logits at every prompt position, from llm_callbacks.on_prompt_logits).
# For each model and prompt:
#  - n_prompt rows of n_vocab finite floats; the last is the logits_step0 the
#    run sampled from (llama.cpp samples the batch's last row too);
#  - --all-logits runs of the prefixes of the prompt's words give the same
#    rows: bit for bit when the prefix has >= 4 tokens (then every matmul
#    takes the summation order of the full batch: llm/model/ops.c
#    ops_order_of), within TOL when shorter;
#  - the last row is within TOL of a normal run's step 0. Not bit for bit: a
#    normal run computes the last layer's tail for the last token alone, as
#    llama.cpp does when it wants only that token's logits, so its one-row
#    matmuls take ggml's vec_dot order instead of llamafile's sgemm.
# Models: generated ones (build/host/gen_gguf: gpt2 F32, llama Q4_0), always;
# from ../shared (SKIP without it), on the 3 prompts of
# reference/prompts.txt: gpt2-tiny-random F16 and Q4_0, also against
# llama.cpp's arm64 reference at every position (its top-50 ids and 52 probe
# ids within 1e-3 and 2e-2; an id in our top 50 but not in its own no higher
# than its 50th logit + that tolerance), and stories260K F32 (llama).
# Everything runs on build/host/llm and again on build/host-arm64/llm under
# qemu-aarch64 -cpu max (names get " [arm64]"; SKIP without qemu-aarch64).
# --all-logits without --json must be refused.
cd "$(dirname "$0")/../.." || exit 1
MODELS=${LLM_TEST_MODELS:-../shared/models}
w=build/test-all-logits
fails=0 n_case=0
pass() { echo "PASS all_logits $1${2:+: $2}"; }
fail() { echo "FAIL all_logits $1: $2"; fails=$((fails + 1)); }
skip() { echo "SKIP all_logits $1: $2"; }

command -v python3 >/dev/null 2>&1 || { skip "" "python3 not installed"; exit 0; }
make -s build/host/llm build/host/gen_gguf >/dev/null 2>&1 ||
    { echo "FAIL all_logits build: make build/host/llm build/host/gen_gguf failed"; exit 1; }
rm -rf "$w" && mkdir -p "$w"
build/host/gen_gguf --arch gpt2 --type f32 --seed 3 -o "$w/gen-gpt2-f32.gguf" >/dev/null &&
    build/host/gen_gguf --type q4_0 --seed 4 -o "$w/gen-llama-q4_0.gguf" >/dev/null ||
    { echo "FAIL all_logits gen_gguf: failed"; exit 1; }
set -f   # prompts are split into words below, never globbed

# judge ALL.json NORMAL.json REF.jsonl|- TOL PROMPT PREFIX_ALL.json...: prints
# the verdict (one line), exits non-zero on a failure.
judge() {
    python3 - "$@" <<'EOF'
import json, math, sys
full_path, normal_path, ref_path, tol, prompt = sys.argv[1:6]
tol, prefixes = float(tol), sys.argv[6:]
def bad(why):
    print(why)
    sys.exit(1)
def max_diff(a, b):
    return max(abs(x - y) for x, y in zip(a, b))
full = json.load(open(full_path))
ids, rows = full["prompt_ids"], full.get("logits_all_positions")
n_vocab = len(full["logits_step0"])
if rows is None:
    bad("no logits_all_positions in the --all-logits output")
if len(rows) != len(ids) or any(len(r) != n_vocab for r in rows):
    bad(f"logits_all_positions is {len(rows)} rows of {sorted(set(map(len, rows)))}, want {len(ids)} of {n_vocab}")
if not all(math.isfinite(x) for r in rows for x in r):
    bad("non-finite logits")
if rows[-1] != full["logits_step0"]:
    bad("the last position's logits are not the ones step 0 sampled from (logits_step0)")
normal = json.load(open(normal_path))
if normal["prompt_ids"] != ids or "logits_all_positions" in normal:
    bad("the normal run has other prompt ids, or logits_all_positions without --all-logits")
d_normal = max_diff(rows[-1], normal["logits_step0"])
if d_normal > tol:
    bad(f"last position differs from a normal run's step 0 by {d_normal:.3g} > {tol}")
exact = near = 0
for p in prefixes:
    d = json.load(open(p))
    pid, prow = d["prompt_ids"], d["logits_all_positions"]
    if pid != ids[:len(pid)]:
        continue   # a prefix of the words that tokenizes differently
    for k in range(len(pid)):
        diff = max_diff(prow[k], rows[k])
        if (len(pid) >= 4 and prow[k] != rows[k]) or diff > tol:
            bad(f"position {k}: the run of the first {len(pid)} tokens gives other logits (by up to {diff:.3g})")
        exact += len(pid) >= 4
        near += len(pid) < 4
verdict = (f"{len(rows)} positions x {n_vocab}; last vs normal step 0 {d_normal:.3g}; "
           f"prefix runs: {exact} rows equal bit for bit, {near} (< 4 tokens) within {tol}")
if ref_path != "-":
    ref = next((r for r in map(json.loads, open(ref_path)) if r["prompt"] == prompt), None)
    if ref is None:
        bad(f"{ref_path} has no prompt {prompt!r}")
    if ref["prompt_ids"] != ids:
        bad(f"prompt ids {ids} != reference {ref['prompt_ids']}")
    worst = (0.0, None)
    for pos, (top, probe) in enumerate(zip(ref["top50_all_positions"], ref["probe_logits_all_positions"])):
        for tid, v in top + list(zip(ref["probe_ids"], probe)):
            worst = max(worst, (abs(rows[pos][tid] - v), (pos, tid)), key=lambda t: t[0])
        ref_ids, floor = {t for t, _ in top}, top[-1][1]
        for tid in sorted(range(n_vocab), key=lambda i: -rows[pos][i])[:len(top)]:
            if tid not in ref_ids and rows[pos][tid] > floor + tol:
                bad(f"position {pos}: id {tid} ({rows[pos][tid]:.7g}) is in our top 50 above the reference's 50th ({floor:.7g}) + {tol}")
    if worst[0] > tol:
        bad(f"max |ours - reference| {worst[0]:.3g} > {tol} at (position, id) {worst[1]}")
    verdict += f"; vs llama.cpp arm64 at its top-50 and probe ids: max diff {worst[0]:.3g} (tolerance {tol})"
print(verdict)
EOF
}

# check LLM TAG NAME MODEL REF TOL PROMPT: the --all-logits run of the prompt,
# a normal run of it, and --all-logits runs of the prefixes of its words.
check() {
    llm=$1 name="$3 \"$7\"$2" model=$4 ref=$5 tol=$6 text=$7
    n_case=$((n_case + 1))
    base=$w/case$n_case
    if ! "$llm" -m "$model" -p "$text" -n 1 --temp 0 --json --all-logits >"$base-all.json" 2>"$base.err" ||
        ! "$llm" -m "$model" -p "$text" -n 1 --temp 0 --json >"$base-normal.json" 2>"$base.err"; then
        fail "$name" "$llm on \"$text\" failed: $(tail -n 1 "$base.err")"
        return
    fi
    prefix="" i=0 files=""
    for word in $text; do
        prefix="${prefix:+$prefix }$word" i=$((i + 1))
        [ "$prefix" = "$text" ] && break
        if ! "$llm" -m "$model" -p "$prefix" -n 1 --temp 0 --json --all-logits >"$base-p$i.json" 2>"$base.err"; then
            fail "$name" "$llm on \"$prefix\" failed: $(tail -n 1 "$base.err")"
            return
        fi
        files="$files $base-p$i.json"
    done
    # shellcheck disable=SC2086   # files: one word per path, no spaces
    if why=$(judge "$base-all.json" "$base-normal.json" "$ref" "$tol" "$text" $files 2>&1); then
        pass "$name" "$why"
    else
        fail "$name" "$why"
    fi
}

# run_all LLM TAG: every check on one build.
run_all() {
    llm=$1 tag=$2
    check "$llm" "$tag" gen-gpt2-f32 "$w/gen-gpt2-f32.gguf" - 1e-4 "Once upon a time"
    check "$llm" "$tag" gen-llama-q4_0 "$w/gen-llama-q4_0.gguf" - 1e-4 "Once upon a time"
    prompts=$MODELS/reference/prompts.txt
    if [ ! -f "$prompts" ] || [ ! -d "$MODELS/synth" ] || [ ! -d "$MODELS/stories260K" ]; then
        skip "shared$tag" "$MODELS (synth, stories260K, reference) not present"
        return
    fi
    while IFS= read -r prompt; do
        [ -n "$prompt" ] || continue
        for t in f16:0.001 q4_0:0.02; do
            ty=${t%%:*}
            check "$llm" "$tag" "gpt2-tiny-random-$ty" "$MODELS/synth/gpt2-tiny-random-$ty.gguf" \
                "$MODELS/reference/gpt2-tiny-random-$ty.arm64.jsonl" "${t#*:}" "$prompt"
        done
        check "$llm" "$tag" stories260K-f32 "$MODELS/stories260K/stories260K-f32.gguf" - 1e-4 "$prompt"
    done <"$prompts"
}

if build/host/llm -m "$w/gen-llama-q4_0.gguf" -p "Once" --all-logits >"$w/refuse.out" 2>"$w/refuse.err"; then
    fail "refused_without_json" "--all-logits without --json exited 0"
elif ! grep -q -- "--all-logits needs --json" "$w/refuse.err" || [ -s "$w/refuse.out" ]; then
    fail "refused_without_json" "no '--all-logits needs --json' message (or output on stdout): $(cat "$w/refuse.err")"
else
    pass "refused_without_json"
fi

run_all build/host/llm ""
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    skip "[arm64]" "qemu-aarch64 not installed"
elif [ ! -x build/host-arm64/llm ]; then
    fail "[arm64]" "build/host-arm64/llm not built (make host-arm64)"
else
    printf '#!/bin/sh\nexec qemu-aarch64 -cpu max "%s" "$@"\n' "$(pwd)/build/host-arm64/llm" >"$w/llm-arm64"
    chmod +x "$w/llm-arm64"
    run_all "$w/llm-arm64" " [arm64]"
fi
[ "$fails" -eq 0 ]
