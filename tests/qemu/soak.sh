#!/bin/sh
# tests/qemu/soak.sh: the short soak for `make test`: scripts/soak.sh with 60
# `llm infer` calls and model swaps in one boot (well under a minute); every
# page and heap block must come back. `make soak` runs the long one (1000).
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib.sh
qemu_need_tools soak qemu-system-aarch64
SOAK_DIR=build/test-soak exec scripts/soak.sh 60
