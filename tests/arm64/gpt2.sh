#!/bin/sh
# tests/arm64/gpt2.sh: build/host-arm64/test_gpt2 (the GPT-2 forward pass
# against a double-precision evaluation and llama.cpp's arm64 reference)
# under qemu-aarch64, with the NEON + SDOT kernels (-cpu max) and the
# no-DotProd fallback (-cpu cortex-a72). Check names get " [arm64 CPU]".
cd "$(dirname "$0")/../.." || exit 1
T=build/host-arm64/test_gpt2
GEN=build/host/gen_gguf
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "SKIP gpt2 arm64: qemu-aarch64 not installed"
    exit 0
fi
if [ ! -x "$T" ] || [ ! -x "$GEN" ]; then
    echo "FAIL gpt2 arm64: $T or $GEN not built (make host host-arm64)"
    exit 1
fi
mkdir -p build/test-logs
rc=0
for cpu in max cortex-a72; do
    timeout 600 qemu-aarch64 -cpu "$cpu" "$T" "$GEN" >"build/test-logs/gpt2-arm64-$cpu.log" 2>&1 || rc=1
    sed -E "s/^(PASS|FAIL|SKIP) ([^:]*)/\1 \2 [arm64 $cpu]/" "build/test-logs/gpt2-arm64-$cpu.log"
done
exit $rc
