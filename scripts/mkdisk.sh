#!/bin/sh
# scripts/mkdisk.sh: a FAT32 disk image (superfloppy: no partition table) for /disk.
#   scripts/mkdisk.sh [-o OUT] [-s MIB] FILE...   (default OUT: build/disk.img)
# Each FILE is copied to the image root under its base name; directories are
# copied recursively, so long names and subdirectories come along. The size
# defaults to the files plus slack, at least 40 MiB (FAT32's minimum cluster count).
# Needs mkfs.vfat (dosfstools) and mcopy (mtools); nothing is mounted.
set -e
cd "$(dirname "$0")/.." && root=$(pwd) && cd - >/dev/null
out="$root/build/disk.img"
mib=
while [ $# -gt 0 ]; do
    case "$1" in
    -o) out=$2; shift 2 ;;
    -s) mib=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-o OUT] [-s MIB] FILE..." >&2; exit 2; }
for f in "$@"; do [ -e "$f" ] || { echo "mkdisk: $f: no such file" >&2; exit 1; }; done
if [ -z "$mib" ]; then
    kib=$(du -skL "$@" | awk '{s += $1} END {print s}')
    mib=$((kib / 1024 * 5 / 4 + 8))
    [ "$mib" -ge 40 ] || mib=40
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
mkfs.vfat -F 32 -n LLMK -C "$out" $((mib * 1024)) >/dev/null
for f in "$@"; do
    MTOOLS_SKIP_CHECK=1 mcopy -s -i "$out" "$f" ::/
done
echo "mkdisk: $out ($mib MiB, FAT32, $# item(s))"
