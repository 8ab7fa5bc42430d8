#!/bin/sh
# tests/run.sh: run every test suite and count results. A suite is any of
#   build/host/selftest, build/host/test_*  (host programs)
#   tests/*/*.sh except this file          (scripts: QEMU, golden, sweeps)
#                  and */lib.sh             (helpers the scripts source)
# A suite prints one line per check: "PASS name", "FAIL name: why" or
# "SKIP name: why". A suite that exits non-zero without printing FAIL counts as
# one failure, and so does one that outlives its time limit (300 s for a
# program, 600 s for a script: generous, a hang is what they catch). Suites
# run with stdin from /dev/null: none waits for the terminal. TEST_PROGRAM_LIMIT
# and TEST_SCRIPT_LIMIT (seconds) override the limits.
# Suites run TEST_JOBS at a time (default: the number of cores, at most 4):
# most are one process on one core (qemu-aarch64, one TCG thread). Each writes
# to its own log, and the report is printed in the suites' order all the same:
# "== name (N s)" then its PASS/FAIL/SKIP lines, once it has ended.
# The last line is "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
log=build/test-logs
mkdir -p "$log"
passed=0 failed=0 skipped=0
filter="${1:-}"
jobs=${TEST_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); echo $((n < 4 ? n : 4)))}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
state=$(mktemp -d) || exit 1

# The suites, one a line: "limit kind name" (kind p: a program, s: a script).
n=0
add_suite() {   # limit kind name
    case "$3" in *"$filter"*) ;; *) return ;; esac
    n=$((n + 1))
    echo "$1 $2 $3" >"$state/$n.suite"
}
for t in build/host/selftest build/host/test_*; do
    [ -x "$t" ] && add_suite "${TEST_PROGRAM_LIMIT:-300}" p "$t"
done
for t in tests/*/*.sh; do
    [ -f "$t" ] && [ "${t##*/}" != lib.sh ] && add_suite "${TEST_SCRIPT_LIMIT:-600}" s "$t"
done

# timeout runs each suite in a process group of its own (and so do the
# timeouts inside it), which a Ctrl-C at the terminal does not reach: on one,
# end every running suite's whole process tree, and stop.
kill_tree() {
    for c in $(ps -o pid= --ppid "$1"); do kill_tree "$c"; done
    kill -TERM "$1" 2>/dev/null
}
trap 'for p in "$state"/*.pid; do [ -f "$p" ] && kill_tree "$(cat "$p")"; done
      rm -rf "$state"; echo "tests/run.sh: interrupted"; exit 130' INT TERM

log_of() { echo "$log/$(echo "$1" | tr '/' '_').log"; }

start_suite() {   # index: runs in the background; $state/INDEX.done gets "rc seconds"
    read -r limit kind name <"$state/$1.suite"
    out=$(log_of "$name")
    set -- "$1" "$name"
    [ "$kind" = s ] && set -- "$1" sh "$name"
    i=$1; shift
    (
        begin=$(date +%s)
        timeout -k 10 "$limit" "$@" >"$out" 2>&1 </dev/null
        rc=$?
        echo "$rc $(($(date +%s) - begin))" >"$state/$i.tmp" && mv "$state/$i.tmp" "$state/$i.done"
    ) &
    echo $! >"$state/$i.pid"
}

report_suite() {   # index: the suite's lines and counts, once it is done
    read -r limit kind name <"$state/$1.suite"
    read -r rc secs <"$state/$1.done"
    rm -f "$state/$1.pid"
    out=$(log_of "$name")
    echo "== $name ($secs s)"
    grep -E '^(PASS|FAIL|SKIP) ' "$out"
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$secs" -ge "$limit" ]; then
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

# Start suites in order while fewer than $jobs run; report them in order.
next=1 shown=1 wall=$(date +%s)
while [ "$shown" -le "$n" ]; do
    running=0 k=$shown
    while [ "$k" -lt "$next" ]; do
        [ -f "$state/$k.done" ] || running=$((running + 1))
        k=$((k + 1))
    done
    if [ "$running" -lt "$jobs" ] && [ "$next" -le "$n" ]; then
        start_suite "$next"; next=$((next + 1))
    elif [ -f "$state/$shown.done" ]; then
        report_suite "$shown"; shown=$((shown + 1))
    else
        sleep 0.2
    fi
done
wait
rm -rf "$state"
echo "tests/run.sh: $n suites in $(($(date +%s) - wall)) s, $jobs at a time"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
