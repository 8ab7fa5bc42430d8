#!/bin/sh
# scripts/profile.sh: guest instructions per function of one run of the
# static aarch64 host build, from the tools/qemu/insnprof.c plugin.
#   scripts/profile.sh [-n TOP] -- build/host-arm64/llm -m MODEL -p "..." -n 16 -t 1
# Prints the top functions (instructions, share). Run with one thread: the
# plugin's counters are not atomic. Two runs subtracted (-n 80 minus -n 16)
# give a per-token profile: scripts/profile.sh -d "ARGS1" "ARGS2" -- BINARY.
set -eu
cd "$(dirname "$0")/.."
TOP=25
[ "${1:-}" = "-n" ] && { TOP=$2; shift 2; }
mkdir -p build
SO=build/insnprof.so
[ "$SO" -nt tools/qemu/insnprof.c ] || gcc -shared -fPIC -O2 -Wall -o "$SO" tools/qemu/insnprof.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Instructions per TB of one run (decimal addresses: mawk has no hex) -> "func insns" lines
fold() {   # $1 = binary, rest = its args
    bin=$1
    shift
    qemu-aarch64 -cpu "${CPU:-max}" -plugin "$SO" -d plugin -D "$tmp/raw" "$bin" "$@" >/dev/null 2>&1 || true
    nm -n -t d "$bin" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$tmp/syms"
    awk 'NR == FNR { a[NR] = $1 + 0; s[NR] = $2; n = NR; next }
         $1 == "tb" { x = $2 + 0; lo = 1; hi = n
             while (lo < hi) { m = int((lo + hi + 1) / 2); if (a[m] <= x) lo = m; else hi = m - 1 }
             f[(a[lo] <= x) ? s[lo] : "?"] += $3 }
         END { for (k in f) printf "%s %.0f\n", k, f[k] }   # %.0f: mawk prints 2^31 and up as 2.1e+09' "$tmp/syms" "$tmp/raw"
}

if [ "${1:-}" = "-d" ]; then
    a1=$2 a2=$3
    shift 3
    [ "$1" = "--" ] && shift
    eval "fold \"\$1\" $a1" >"$tmp/p1"
    eval "fold \"\$1\" $a2" >"$tmp/p2"
    awk 'NR == FNR { b[$1] = $2; next } { f[$1] = $2 - b[$1]; delete b[$1] }
         END { for (k in b) f[k] = -b[k]; for (k in f) printf "%s %.0f\n", k, f[k] }' "$tmp/p1" "$tmp/p2" >"$tmp/prof"
else
    [ "${1:-}" = "--" ] && shift
    fold "$@" >"$tmp/prof"
fi
sort -k2,2nr "$tmp/prof" | awk -v top="$TOP" '{ t += $2; l[NR] = $0 } END {
    printf "%14.0f  total\n", t
    for (i = 1; i <= top && i <= NR; i++) { split(l[i], p, " "); printf "%14.0f  %5.1f%%  %s\n", p[2], 100 * p[2] / t, p[1] } }'
