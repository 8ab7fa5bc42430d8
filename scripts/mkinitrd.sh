#!/bin/sh
# scripts/mkinitrd.sh: pack files into a cpio "newc" archive for /initrd.
#   scripts/mkinitrd.sh [-o OUT] FILE...   (default OUT: build/initrd.cpio)
# Each FILE lands at the archive root under its base name (directories are
# packed with their contents).
#
# The kernel maps files in place (kernel/cpio.c), so each file's data starts
# at a multiple of 32 bytes in the archive (GGUF's tensor alignment; the
# archive itself is page-aligned in memory): newc puts data right after the
# header and name, 4-byte aligned, so the name gets leading "./" (which the
# kernel and cpio -i strip) until it ends where the data must begin. `cpio -o`
# drops them, so the archive is written here: its headers are ASCII.
set -e
cd "$(dirname "$0")/.." && root=$(pwd) && cd - >/dev/null
out="$root/build/initrd.cpio"
if [ "$1" = "-o" ]; then out=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: $0 [-o OUT] FILE..." >&2; exit 2; }
case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for f in "$@"; do
    [ -e "$f" ] || { echo "mkinitrd: $f: no such file" >&2; exit 1; }
    cp -RL "$f" "$stage/$(basename "$f")"
done
mkdir -p "$(dirname "$out")"

ALIGN=32
off=0 ino=0
zeros() { [ "$1" -eq 0 ] || head -c "$1" /dev/zero; }
# entry NAME MODE SIZE [FILE]: header, name (prefixed with "./" for a
# file with data), NUL, 4-byte padding, data, 4-byte padding; advances $off.
entry() {
    name=$1 pad=0
    if [ "$3" -gt 0 ]; then
        while [ $(((off + 110 + pad + ${#name} + 1 + 3) / 4 * 4 % ALIGN)) -ne 0 ]; do pad=$((pad + 2)); done
    fi
    ino=$((ino + 1))
    nsize=$((pad + ${#name} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$ino" "$2" 0 0 1 0 "$3" 0 0 0 0 "$nsize" 0
    [ "$pad" -eq 0 ] || printf "%$((pad / 2))s" "" | sed 's| |./|g'
    printf '%s\0' "$name"
    data=$(((off + 110 + nsize + 3) / 4 * 4))
    zeros $((data - off - 110 - nsize))
    [ -z "$4" ] || cat "$4"
    off=$(((data + $3 + 3) / 4 * 4))
    zeros $((off - data - $3))
}
(
    cd "$stage"
    find . -mindepth 1 | LC_ALL=C sort | {
        while read -r p; do
            name=${p#./}
            if [ -d "$p" ]; then
                entry "$name" $((0040755)) 0
            else
                entry "$name" $((0100644)) "$(wc -c <"$p")" "$p"
            fi
        done
        entry "TRAILER!!!" 0 0
    }
) >"$out"
echo "mkinitrd: $out ($(wc -c <"$out") bytes, $# item(s))"
