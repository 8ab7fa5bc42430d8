#!/bin/sh
# scripts/mkinitrd.sh: pack files into a cpio "newc" archive for /initrd.
#   scripts/mkinitrd.sh [-o OUT] FILE...   (default OUT: build/initrd.cpio)
# Each FILE lands at the archive root under its base name (directories are
# packed with their contents). Needs cpio.
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
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
echo "mkinitrd: $out ($(wc -c <"$out") bytes, $# item(s))"
