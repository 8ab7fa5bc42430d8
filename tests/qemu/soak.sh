#!/bin/sh
# tests/qemu/soak.sh: the short soak for `make test`: scripts/soak.sh with 60
# `llm infer` calls and model swaps in one boot (well under a minute); every
# page and heap block must come back. `make soak` runs the long one (1000).
cd "$(dirname "$0")/../.." || exit 1
for tool in qemu-system-aarch64 cpio; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP soak: $tool not installed"; exit 0; }
done
SOAK_DIR=build/test-soak exec scripts/soak.sh 60
