#!/bin/sh
# tests/arm64/gpt2.sh: build/host-arm64/test_gpt2 (the GPT-2 forward pass
# against a double-precision evaluation and llama.cpp's arm64 reference)
# under qemu-aarch64 -cpu cortex-a72: the no-DotProd NEON fallback kernels
# (tests/arm64/host_tests.sh runs it under -cpu max). Check names get
# " [arm64 cortex-a72]".
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
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
mkdir -p build/test-logs
log=build/test-logs/gpt2-arm64-cortex-a72.log
timeout 600 qemu-aarch64 -cpu cortex-a72 "$T" "$GEN" >"$log" 2>&1 </dev/null
rc=$?
sed -nE "s/^(PASS|FAIL|SKIP) ([^:]*)/\1 \2 [arm64 cortex-a72]/p" "$log"
exit $rc
