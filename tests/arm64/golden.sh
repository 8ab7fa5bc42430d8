#!/bin/sh
# tests/arm64/golden.sh: tests/golden/golden.sh (llama.cpp reference outputs,
# perplexity) run on the arm64 build: build/host-arm64/llm under qemu-aarch64
# -cpu max, i.e. with the NEON + SDOT kernels. Check names get " [arm64]".
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
LLM="$tmp/llm" sh tests/golden/golden.sh >"$tmp/out" 2>&1
rc=$?
sed -E 's/^(PASS|FAIL|SKIP) (golden[^:]*)/\1 \2 [arm64]/' "$tmp/out"
exit $rc
