#!/bin/sh
# install-deps.sh: install the Debian 12 packages the build and tests need, skipping
# the apt run entirely when every tool is already present.
set -e
need=""
check() { command -v "$1" >/dev/null 2>&1 || need="$need $2"; }
check aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
[ -e /usr/aarch64-linux-gnu/lib/libc.a ] || need="$need libc6-dev-arm64-cross"
check qemu-system-aarch64 qemu-system-arm
check qemu-aarch64 qemu-user
[ -e /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || need="$need qemu-efi-aarch64"
check mcopy mtools
check mkfs.vfat dosfstools
check python3 python3
check make make
check gcc gcc
# scripts/gen_unicode.py reads the Unicode Character Database (tests/golden/vocab.sh
# checks llm/text/unicode_data.c against it).
[ -e /usr/share/unicode/UnicodeData.txt ] || need="$need unicode-data"
# make test's sanitizer builds and fuzz replay (tests/sanitize, tests/fuzz, tests/sweep):
# clang-14 with its runtimes (ASan, UBSan, libFuzzer: libclang-rt-14-dev, which
# clang-14 only recommends).
check clang-14 clang-14
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
    need="$need libclang-rt-14-dev"
[ -z "$need" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing$need"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
