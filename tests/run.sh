#!/bin/sh
# tests/run.sh: run every test suite and count results. A suite is any of
#   build/host/selftest, build/host/test_*  (host programs)
#   tests/*/*.sh except this file          (scripts: QEMU, golden, sweeps)
# A suite prints one line per check: "PASS name", "FAIL name: why" or
# "SKIP name: why". A suite that exits non-zero without printing FAIL counts as
# one failure, and so does one that outlives its time limit (300 s for a
# program, 600 s for a script: generous, a hang is what they catch). Suites
# run with stdin from /dev/null: none waits for the terminal. TEST_PROGRAM_LIMIT
# and TEST_SCRIPT_LIMIT (seconds) override the limits.
# The last line is "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
log=build/test-logs
mkdir -p "$log"
passed=0 failed=0 skipped=0
filter="${1:-}"
# timeout runs each suite in a process group of its own (and so do the
# timeouts inside it), which a Ctrl-C at the terminal does not reach: on one,
# end the running suite's whole process tree, and stop.
suite=""
kill_tree() {
    for c in $(ps -o pid= --ppid "$1"); do kill_tree "$c"; done
    kill -TERM "$1" 2>/dev/null
}
trap '[ -n "$suite" ] && kill_tree "$suite"; echo "tests/run.sh: interrupted"; exit 130' INT TERM

run_suite() {   # name, time limit in seconds, command...
    name=$1 limit=$2; shift 2
    case "$name" in *"$filter"*) ;; *) return ;; esac
    out="$log/$(echo "$name" | tr '/' '_').log"
    echo "== $name"
    start=$(date +%s)
    timeout -k 10 "$limit" "$@" >"$out" 2>&1 </dev/null &
    suite=$!
    wait "$suite"
    rc=$?
    suite=""
    grep -E '^(PASS|FAIL|SKIP) ' "$out"
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ $(($(date +%s) - start)) -ge "$limit" ]; then
        echo "FAIL $name: timed out after $limit s (log: $out)"; tail -n 15 "$out" | sed 's/^/    /'
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exit status $rc (log: $out)"; tail -n 15 "$out" | sed 's/^/    /'
        f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "FAIL $name: ran no check (log: $out)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in build/host/selftest build/host/test_*; do
    [ -x "$t" ] && run_suite "$t" "${TEST_PROGRAM_LIMIT:-300}" "$t"
done
for t in tests/*/*.sh; do
    [ -f "$t" ] && run_suite "$t" "${TEST_SCRIPT_LIMIT:-600}" sh "$t"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
