#!/bin/sh
# tests/arm64/golden.sh: tests/golden/golden.sh (llama.cpp reference outputs,
# perplexity) run on the arm64 build: build/host-arm64/llm under qemu-aarch64
# -cpu max, i.e. with the NEON + SDOT kernels. Check names get " [arm64]".
# Not all of it: under qemu-aarch64 it is the slowest suite. Every file and KV
# type on one prompt (the 2nd, the longest) and the perplexity of every
# stories260K type, but of two pad256 files only: Q3_K_M (Q3_K, Q4_K, Q5_K,
# Q6_K) and Q2_K (Q2_K, Q3_K, Q6_K), one for each K-quant kernel at least.
# The rest on arm64 follows from the x86-64 run of the whole of golden.sh (the
# scalar kernels: the same C, -ffp-contract=off) and tests/arm64/neon.sh (every
# one of these files: NEON output byte for byte equal to --scalar).
cd "$(dirname "$0")/../.." || exit 1
LLM_A64=build/host-arm64/llm
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "SKIP golden arm64: qemu-aarch64 not installed"
    exit 0
fi
if [ ! -x "$LLM_A64" ]; then
    echo "FAIL golden arm64: $LLM_A64 not built (make host-arm64)"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexec qemu-aarch64 -cpu max "%s" "$@"\n' "$(pwd)/$LLM_A64" >"$tmp/llm"
chmod +x "$tmp/llm"
LLM="$tmp/llm" GOLDEN_PROMPT=2 GOLDEN_PAD_PPL="q3_k_m q2_k" sh tests/golden/golden.sh >"$tmp/out" 2>&1
rc=$?
sed -E 's/^(PASS|FAIL|SKIP) (golden[^:]*)/\1 \2 [arm64]/' "$tmp/out"
exit $rc
