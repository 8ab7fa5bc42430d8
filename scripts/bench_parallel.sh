#!/bin/sh
# scripts/bench_parallel.sh: instructions per token of N sessions decoding
# together (`llm bench -npl N`), from the insncount plugin under
# qemu-aarch64 with one thread: the whole run at -r 2 minus the run at -r 1,
# which is one repetition of the tg test: N sessions decoding TG tokens each
# from empty caches (the load, the warm-up and the ids check after the table
# are in both runs and cancel out).
#   scripts/bench_parallel.sh [--cpu NAME] [-n TG] [-npl 1,2,4,8] MODEL.gguf [llm flags, e.g. --repack]
# Prints a markdown table: N, insn/tok, and the gain over N = 1.
cd "$(dirname "$0")/.." || exit 1
LLM=build/host-arm64/llm
PLUGIN=build/insncount.so
CPU=max TG=64 NPL=1,2,4,8
while [ $# -gt 0 ]; do
    case $1 in
    --cpu) CPU=$2; shift 2 ;;
    -n) TG=$2; shift 2 ;;
    -npl) NPL=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--cpu NAME] [-n TG] [-npl 1,2,4,8] MODEL.gguf [llm flags]" >&2; exit 2; }
model=$1
shift
for f in "$LLM" "$PLUGIN" "$model"; do
    [ -e "$f" ] || { echo "bench_parallel: $f missing (make host-arm64 build/insncount.so)" >&2; exit 1; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

insns() {   # N REPS [llm flags]
    np=$1 reps=$2
    shift 2
    if ! qemu-aarch64 -cpu "$CPU" -plugin "$PLUGIN" -d plugin "$LLM" bench -m "$model" "$@" -p 0 -n "$TG" \
            -r "$reps" -t 1 -npl "$np" >"$tmp/out" 2>"$tmp/err"; then
        echo "bench_parallel: llm bench -npl $np -r $reps failed: $(tail -n 1 "$tmp/err")" >&2
        exit 1
    fi
    sed -n 's/^insns: //p' "$tmp/err"
}

echo "| model | N | insn/tok | vs N=1 |"
echo "|---|---|---|---|"
one=
for n in $(echo "$NPL" | tr ',' ' '); do
    a=$(insns "$n" 1 "$@") || exit 1
    b=$(insns "$n" 2 "$@") || exit 1
    per=$(awk -v a="$a" -v b="$b" -v n="$n" -v t="$TG" 'BEGIN { printf "%.0f", (b - a) / (t * n) }')
    [ -n "$one" ] || one=$per
    awk -v m="$(basename "$model")" -v n="$n" -v p="$per" -v o="$one" \
        'BEGIN { printf "| %s | %d | %.3fM | %.2fx |\n", m, n, p / 1e6, o / p }'
done
