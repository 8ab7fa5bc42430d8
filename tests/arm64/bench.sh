#!/bin/sh
# tests/arm64/bench.sh: `llm bench` of the static arm64 host build under
# qemu-aarch64 (the same llm/bench.c as the kernel's): with -t 1,2 a row for
# each thread count and the median speed-up of the back-to-back pairs; bad
# options refused with a message and a non-zero exit. Runs on a generated
# model, so it needs nothing from ../shared. Prints PASS/FAIL/SKIP lines.
# (Speed itself is measured by scripts/bench.sh, never asserted here.)
cd "$(dirname "$0")/../.." || exit 1
LLM=build/host-arm64/llm
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "SKIP bench: qemu-aarch64 not installed"
    exit 0
fi
make -s build/host/gen_gguf >/dev/null 2>&1 || { echo "FAIL bench_build: make build/host/gen_gguf failed"; exit 1; }
[ -x "$LLM" ] || { echo "FAIL bench: $LLM not built (make host-arm64)"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
build/host/gen_gguf --type q4_0 -o "$tmp/gen.gguf" >/dev/null || { echo "FAIL bench_gen_gguf: failed"; exit 1; }

check() {   # check NAME CONDITION-EXIT-STATUS DETAIL
    if [ "$2" -eq 0 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; fi
}

timeout 300 qemu-aarch64 -cpu max "$LLM" bench -m "$tmp/gen.gguf" -p 8 -n 8 -r 3 -t 1,2 >"$tmp/out" 2>&1
rc=$?
rows=$(grep -c '^| gen.gguf | [0-9.]* MiB | [12] | \(pp\|tg\)8 | [0-9.]* ± [0-9.]* | - |$' "$tmp/out")
check bench_host_runs "$rc" "exit $rc: $(tail -n 1 "$tmp/out")"
[ "$rows" = 4 ]; check bench_host_rows $? "$rows of 4 rows (pp8, tg8 at -t 1 and 2) in: $(cat "$tmp/out")"
grep -q '^speed-up tg8: -t 2 over -t 1: [0-9.]*x (median of 3 back-to-back pairs, [0-9.]* to [0-9.]*)$' "$tmp/out"
check bench_host_speedup $? "no speed-up line in: $(cat "$tmp/out")"

bad() {   # bad NAME EXPECTED-MESSAGE ARGS...
    name=$1 msg=$2
    shift 2
    timeout 60 qemu-aarch64 -cpu max "$LLM" bench "$@" >"$tmp/bad" 2>&1
    rc=$?
    [ "$rc" -ne 0 ] && grep -qF -- "$msg" "$tmp/bad"
    check "$name" $? "exit $rc, output: $(cat "$tmp/bad")"
}
bad bench_no_model "no model given (-m FILE)" -p 8
bad bench_bad_threads "bad value for -t: '0'" -m "$tmp/gen.gguf" -t 0
bad bench_many_threads "bad value for -t: '1,2,3,4,5'" -m "$tmp/gen.gguf" -t 1,2,3,4,5
bad bench_empty_count "bad value for -t: '1,'" -m "$tmp/gen.gguf" -t 1,
bad bench_unknown "unknown option -x" -m "$tmp/gen.gguf" -x 3
bad bench_zero_reps "-r must be 1..100" -m "$tmp/gen.gguf" -r 0
bad bench_too_long "-p and -n must be 1.." -m "$tmp/gen.gguf" -p 100000
