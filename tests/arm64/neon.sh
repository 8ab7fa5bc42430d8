#!/bin/sh
# tests/arm64/neon.sh: the NEON kernels against their scalar twins, under
# qemu-aarch64 with SDOT (-cpu max) and without it (-cpu cortex-a72):
#  - the SELFTESTs of llm/quant/quant_neon_test.c in build/host-arm64/selftest
#    (memcmp of kernel outputs on random asymmetric data, odd sizes);
#  - whole runs: build/host-arm64/llm --json (ids and logits) with the NEON
#    kernels must be byte-identical to the same run with --scalar, and so
#    must Q4_0 with its weights repacked at load (--repack), and the K-quant
#    files (generated mixes, the stories260K-pad256 ones).
# (the scalar reference runs on 1 thread, the NEON runs on all: threads must
# not change a bit either). Prints PASS/FAIL/SKIP lines.
cd "$(dirname "$0")/../.." || exit 1
ST=build/host-arm64/selftest
LLM=build/host-arm64/llm
MODELS=../shared/models/stories260K
CPUS="max cortex-a72"

if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "SKIP neon: qemu-aarch64 not installed"
    exit 0
fi
if [ ! -x "$ST" ] || [ ! -x "$LLM" ]; then
    echo "FAIL neon: $ST or $LLM not built (make host-arm64)"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

for cpu in $CPUS; do
    timeout 300 qemu-aarch64 -cpu "$cpu" "$ST" neon >"$tmp/st" 2>&1
    rc=$?
    sed -n "s/^PASS \([^ ]*\)/PASS \1 [$cpu]/p; s/^FAIL \([^:]*\):/FAIL \1 [$cpu]:/p" "$tmp/st"
    if [ $rc -ne 0 ] || ! grep -q '^PASS ' "$tmp/st"; then
        grep -q '^FAIL ' "$tmp/st" || echo "FAIL neon selftest [$cpu]: exit $rc: $(tail -n 1 "$tmp/st")"
        fails=$((fails + 1))
    fi
done

prompt="Once upon a time there was a big dog named"
run() {   # cpu model kv out [--scalar]
    timeout 120 qemu-aarch64 -cpu "$1" "$LLM" -m "$2" -p "$prompt" -n 24 --temp 0 --json \
        --kv-type "$3" $5 >"$4" 2>"$tmp/err" </dev/null
}
# The runs, one a line "model kv name": K-quant files (their own kernels;
# Q4_0 pad256 repacks beside a Q6_K output): generated Q4_K_M-like and
# Q3_K_M-like mixes (Q3_K beside Q4_K..Q6_K, Q8_0, Q4_0, F16), and the pad256
# files when ../shared has them; then every stories260K type with both KV types.
: >"$tmp/runs"
for t in q4_K q3_K; do
    if build/host/gen_gguf --type $t --mixed -o "$tmp/kmix-$t.gguf" >/dev/null 2>&1; then
        echo "$tmp/kmix-$t.gguf f16 kmix-$t" >>"$tmp/runs"
    else
        echo "FAIL neon k-quant runs: build/host/gen_gguf --type $t --mixed failed"
        fails=$((fails + 1))
    fi
done
for t in q6_k q5_k_m q4_k_m q4_0 q3_k_m q2_k; do
    f=../shared/models/stories260K-pad256/stories260K-pad256-$t.gguf
    [ -f "$f" ] && echo "$f f16 stories260K-pad256-$t" >>"$tmp/runs"
done
if [ -d "$MODELS" ]; then
    for t in f32 f16 q8_0 q4_0 q4_1 q5_0 q5_1; do
        model=$MODELS/stories260K-$t.gguf
        [ -f "$model" ] || { echo "SKIP neon run $t: $model missing"; continue; }
        for kv in f16 f32; do echo "$model $kv $t kv $kv" >>"$tmp/runs"; done
    done
else
    echo "SKIP neon whole runs: $MODELS not present"
fi
# Each against the scalar run on -cpu max; Q4_0 files also with --repack,
# which must repack something.
while read -r model kv name; do
    if ! run max "$model" "$kv" "$tmp/scalar" "--scalar -t 1"; then
        echo "FAIL neon run $name: scalar run failed: $(tail -n 1 "$tmp/err")"
        fails=$((fails + 1))
        continue
    fi
    for cpu in $CPUS; do
        for flags in "" --repack; do
            case "$flags:$model" in --repack:*-q4_0.gguf | :*) ;; *) continue ;; esac
            check="neon run $name${flags:+ $flags} [$cpu]"
            if ! run "$cpu" "$model" "$kv" "$tmp/neon" "$flags"; then
                echo "FAIL $check: run failed: $(tail -n 1 "$tmp/err")"
                fails=$((fails + 1))
            elif [ -n "$flags" ] && ! grep -q -- "--repack: [1-9][0-9]* KiB" "$tmp/err"; then
                echo "FAIL $check: nothing repacked: $(grep -- --repack "$tmp/err")"
                fails=$((fails + 1))
            elif cmp -s "$tmp/neon" "$tmp/scalar"; then
                echo "PASS $check: --json output identical to --scalar"
            else
                echo "FAIL $check: --json output differs from --scalar"
                fails=$((fails + 1))
            fi
        done
    done
done <"$tmp/runs"
[ $fails -eq 0 ]
