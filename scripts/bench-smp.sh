#!/bin/sh
# scripts/bench-smp.sh: decode speed-up of 2 threads over 1 in the kernel, wall
# time: one `-kernel` boot with --smp 2 (no icount: the vCPUs run in parallel
# only without it) runs `llm bench -p 0 -n N -r R -t 1,2`, which decodes N
# tokens at -t 1 and then at -t 2, back to back, R times; the speed-up is the
# median of those R pairs (as docs/bench.md's "speed-up tg64" rows). Issue 15
# wants >= 1.9x at the TinyLlama-1.1B shape. TCG wall time needs two idle host
# cores: the load average before and after is printed beside the result, and a
# ratio measured under load says little.
#   scripts/bench-smp.sh [-n N] [-r R] [--mem SIZE] [MODEL]
#   (defaults: -n 16 -r 5, --mem 2G, build/scale/1b-q4_0.gguf: make test-scale
#   or make bench-1b makes it; a 2-layer one, gen_gguf --shape 1b --layers 2,
#   is quicker)
cd "$(dirname "$0")/.." || exit 1
n=16 reps=5 mem=2G model=build/scale/1b-q4_0.gguf
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift ;;
    -r) reps=$2; shift ;;
    --mem) mem=$2; shift ;;
    -*) echo "usage: $0 [-n N] [-r R] [--mem SIZE] [MODEL]" >&2; exit 2 ;;
    *) model=$1 ;;
    esac
    shift
done
[ -f "$model" ] || { echo "bench-smp: $model missing (make bench-1b, or gen_gguf --shape 1b)" >&2; exit 1; }
[ -f build/kernel.bin ] || { echo "bench-smp: build/kernel.bin missing (make kernel)" >&2; exit 1; }
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
l0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
scripts/run-qemu.sh --timeout 3600 --smp 2 --mem "$mem" --model "$model" \
    --append "init=\"llm bench -p 0 -n $n -r $reps -t 1,2;poweroff\"" >"$out" 2>&1
rc=$?
l1=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$rc" -ne 0 ] || ! grep -q '^speed-up' "$out"; then
    echo "bench-smp: the boot failed (rc $rc): $(tr -d '\r' <"$out" | tail -n 3)" >&2
    exit 1
fi
echo "$(basename "$model"): llm bench -p 0 -n $n -r $reps -t 1,2, --smp 2, $(($(date +%s) - t0)) s;" \
    "load average $l0 before, $l1 after ($(nproc) host cores)"
tr -d '\r' <"$out" | grep -E '^\| |^speed-up'
