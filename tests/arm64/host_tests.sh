#!/bin/sh
# tests/arm64/host_tests.sh: the host test programs (selftest, and
# tests/host/test_*.c) as built for aarch64 (build/host-arm64/: NEON kernels,
# the arm64 platform layer), under qemu-aarch64 -cpu max, each as its x86-64
# twin runs in tests/run.sh (selftest whole: also the kernel-vs-host check
# the x86-64 build leaves out; tests/arm64/neon.sh runs its NEON part on two cpus). They link libc dynamically (test_math and test_printf compare
# with libm's and libc's functions): QEMU_LD_PREFIX gives them the aarch64
# loader and libraries. The test_* programs find gen_gguf beside themselves: a directory of
# links gives them the host's (its files are the same bytes on any machine;
# qemu-aarch64 runs an exec'ed x86-64 program natively). Prints PASS/FAIL/SKIP
# lines, each name marked [arm64].
cd "$(dirname "$0")/../.." || exit 1
A64=build/host-arm64
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "SKIP arm64 host tests: qemu-aarch64 not installed"
    exit 0
fi
[ -x build/host/gen_gguf ] || { echo "FAIL arm64 host tests: build/host/gen_gguf not built (make host)"; exit 1; }
set -- selftest
for src in tests/host/test_*.c; do set -- "$@" "$(basename "$src" .c)"; done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
ln -s "$PWD/build/host/gen_gguf" "$tmp/gen_gguf"
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
fails=0
for t in "$@"; do
    if [ ! -x "$A64/$t" ]; then
        echo "FAIL $t [arm64]: $A64/$t not built (make host-arm64)"; fails=$((fails + 1)); continue
    fi
    ln -s "$PWD/$A64/$t" "$tmp/$t"
    timeout 300 qemu-aarch64 -cpu max "$tmp/$t" >"$tmp/out" 2>&1 </dev/null
    rc=$?
    sed -nE 's/^(PASS|FAIL|SKIP) ([^:]*)/\1 \2 [arm64]/p' "$tmp/out"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$tmp/out"; then
        echo "FAIL $t [arm64]: exit status $rc$([ $rc = 124 ] && echo ' (timed out after 300 s)')"
        tail -n 10 "$tmp/out" | sed 's/^/    /'
    elif ! grep -qE '^(PASS|FAIL|SKIP) ' "$tmp/out"; then
        echo "FAIL $t [arm64]: ran no check"
    fi
    [ $rc -eq 0 ] && grep -qE '^(PASS|SKIP) ' "$tmp/out" || fails=$((fails + 1))
done
[ $fails -eq 0 ]
