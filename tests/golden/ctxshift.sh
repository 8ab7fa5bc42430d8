#!/bin/sh
# tests/golden/ctxshift.sh: generation past a full context (the context shift)
# against llama-cli's text (../shared/models/reference/ctxshift: 200 tokens at
# -c 64 on stories260K F32, F32 and F16 KV caches, the 3 prompts of
# prompts.txt). Checked on build/host/llm, on build/host-arm64/llm under
# qemu-aarch64 and in the kernel under QEMU (one boot runs every case). The
# reference file is " PROMPT" + text + "\n\n" (llama-cli's stdout); ours is
# PROMPT + text + "\n": the texts must be equal byte for byte.
# Without ../shared those SKIP; on a generated model (gen_gguf) a shifted run
# must shift, repeat itself, differ from --no-context-shift's stop, and give
# the same ids on the host and in the kernel.
cd "$(dirname "$0")/../.." || exit 1
MODELS=${LLM_TEST_MODELS:-../shared/models}
REF=$MODELS/reference/ctxshift
MODEL=$MODELS/stories260K/stories260K-f32.gguf
PROMPTS=$MODELS/reference/prompts.txt
ARGS="-n 200 -c 64 --temp 0 --ignore-eos"
GEN_ARGS="-n 100 -c 32 --temp 0 --ignore-eos"
GEN_PROMPT="Once upon a time"
w=build/test-ctxshift
fails=0

pass() { echo "PASS ctxshift $1"; }
fail() { echo "FAIL ctxshift $1: $2"; fails=$((fails + 1)); }
skip() { echo "SKIP ctxshift $1: $2"; }

for tool in python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP ctxshift: $tool not installed"; exit 0; }
done
make -s build/host/llm build/host/gen_gguf >/dev/null 2>&1 ||
    { echo "FAIL ctxshift build: make build/host/llm build/host/gen_gguf failed"; exit 1; }
rm -rf "$w" && mkdir -p "$w"

# compare NAME REF_FILE OUR_TEXT_FILE PROMPT: the reference without its
# leading space and llama-cli's closing "\n\n" against ours without its "\n".
compare() {
    why=$(python3 - "$2" "$3" "$4" <<'EOF'
import sys
ref, ours, prompt = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), sys.argv[3].encode()
if not ref.startswith(b" " + prompt) or not ref.endswith(b"\n\n"):
    sys.exit(print(f"{sys.argv[1]} is not ' PROMPT...\\n\\n'"))
want, got = ref[1:-2], ours[:-1] if ours.endswith(b"\n") else ours
if want == got:
    sys.exit(0)
i = next((k for k in range(min(len(want), len(got))) if want[k] != got[k]), min(len(want), len(got)))
print(f"differs at byte {i} of {len(want)}: ours {got[i:i+24]!r}, llama-cli {want[i:i+24]!r}")
EOF
)
    if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why"; fi
}

# host_runs LABEL LLM: the 6 reference cases through one build of the host CLI.
host_runs() {
    i=0
    while IFS= read -r p; do
        i=$((i + 1))
        for kv in f32 f16; do
            name="$1 kv$kv prompt$i"
            ref=$REF/stories260K-f32.kv$kv.c64.n200.prompt$i.x86.txt
            if ! $2 -m "$MODEL" -p "$p" $ARGS --kv-type $kv >"$w/out" 2>"$w/err"; then
                fail "$name" "llm failed: $(tail -n 1 "$w/err")"
            elif ! grep -q '| ctx shifts [1-9]' "$w/err"; then
                fail "$name" "no context shift in: $(tail -n 1 "$w/err")"
            else
                compare "$name" "$ref" "$w/out" "$p"
            fi
        done
    done <"$PROMPTS"
}

have_shared=0
[ -f "$MODEL" ] && [ -f "$PROMPTS" ] && [ -d "$REF" ] && have_shared=1
if [ "$have_shared" = 1 ]; then
    host_runs host build/host/llm
    if ! command -v qemu-aarch64 >/dev/null 2>&1; then
        skip arm64 "qemu-aarch64 not installed"
    elif ! make -s build/host-arm64/llm >/dev/null 2>&1; then
        fail arm64 "make build/host-arm64/llm failed"
    else
        host_runs arm64 "qemu-aarch64 -cpu max build/host-arm64/llm"
    fi
else
    skip reference "$MODEL, $PROMPTS or $REF absent"
fi

# ---- a generated model: determinism and the stop it replaces (host).
gen=$w/gen-f32.gguf
build/host/gen_gguf --type f32 -o "$gen" >/dev/null || { echo "FAIL ctxshift gen_gguf: failed"; exit 1; }
run_gen() {   # run_gen OUT [flags]: ids of a shifted run (--json), stats line in OUT.err
    out=$1; shift
    build/host/llm -m "$gen" -p "$GEN_PROMPT" $GEN_ARGS --json "$@" 2>"$out.err" |
        python3 -c 'import json, sys; print(" ".join(map(str, json.load(sys.stdin)["gen_ids"])))' >"$out"
}
run_gen "$w/gen1"
run_gen "$w/gen2"
run_gen "$w/gen_stop" --no-context-shift
n1=$(wc -w <"$w/gen1")
if [ "$n1" = 100 ] && grep -q '| ctx shifts [1-9]' "$w/gen1.err"; then pass "gen shifts"; else
    fail "gen shifts" "$n1 ids: $(tail -n 1 "$w/gen1.err")"; fi
if [ -s "$w/gen1" ] && cmp -s "$w/gen1" "$w/gen2"; then pass "gen repeats"; else
    fail "gen repeats" "two runs differ: $w/gen1 $w/gen2"; fi
if grep -q 'stop ctx_full' "$w/gen_stop.err" && [ "$(wc -w <"$w/gen_stop")" -lt 32 ]; then
    pass "gen no-context-shift stops"; else fail "gen no-context-shift stops" "$(tail -n 1 "$w/gen_stop.err")"; fi

# ---- the kernel: one boot, both models in the initrd.
for tool in qemu-system-aarch64; do
    command -v "$tool" >/dev/null 2>&1 || { skip kernel "$tool not installed"; exit $((fails > 0)); }
done
make -s kernel >/dev/null 2>&1 || { fail kernel "make kernel failed"; exit 1; }
files=$gen
[ "$have_shared" = 1 ] && files="$files $MODEL"
scripts/mkinitrd.sh -o "$w/initrd.cpio" $files >/dev/null || { fail kernel "mkinitrd failed"; exit 1; }
{
    printf '\nllm load /initrd/gen-f32.gguf\n'
    printf 'llm infer %s --ids "%s"\n' "$GEN_ARGS" "$GEN_PROMPT"
    if [ "$have_shared" = 1 ]; then
        printf 'llm load /initrd/%s\n' "$(basename "$MODEL")"
        while IFS= read -r p; do
            for kv in f32 f16; do printf 'llm infer %s --kv-type %s "%s"\n' "$ARGS" "$kv" "$p"; done
        done <"$PROMPTS"
    fi
    printf 'poweroff\n'
} | scripts/run-qemu.sh --timeout "${TIMEOUT:-300}" --initrd "$w/initrd.cpio" >"$w/k.raw" 2>&1
echo "rc=$?" >>"$w/k.raw"
tr -d '\r' <"$w/k.raw" >"$w/k.out"
ours=$(sed -n 's/^ids: //p' "$w/k.out" | head -n 1)
if [ -n "$ours" ] && [ "$ours" = "$(cat "$w/gen1")" ]; then pass "kernel gen ids vs host"; else
    fail "kernel gen ids vs host" "kernel '$ours', host '$(cat "$w/gen1")' ($w/k.out)"; fi
[ "$have_shared" = 1 ] || exit $((fails > 0))
# Each `llm infer` echo line starts a block: the prompt and text, then a "\n"
# and the "[llm] prompt" stats line.
python3 - "$w/k.out" "$w" <<'EOF'
import sys
lines, k = open(sys.argv[1], "rb").read().split(b"\n"), 0
for i, l in enumerate(lines):
    if l.startswith(b"> llm infer -n 200"):
        j = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(b"[llm] prompt ") or j == len(lines) - 1)
        k += 1
        open(f"{sys.argv[2]}/k{k}", "wb").write(b"\n".join(lines[i + 1:j]) + b"\n")
EOF
i=0 k=0
while IFS= read -r p; do
    i=$((i + 1))
    for kv in f32 f16; do
        k=$((k + 1))
        if [ -f "$w/k$k" ]; then
            compare "kernel kv$kv prompt$i" "$REF/stories260K-f32.kv$kv.c64.n200.prompt$i.x86.txt" "$w/k$k" "$p"
        else
            fail "kernel kv$kv prompt$i" "no output block in $w/k.out"
        fi
    done
done <"$PROMPTS"
[ $fails -eq 0 ]
