#!/bin/sh
# tests/run.sh: run every test suite and count results. A suite is any of
#   build/host/selftest, build/host/test_*  (host programs)
#   tests/*/*.sh except this file          (scripts: QEMU, golden, sweeps)
# A suite prints one line per check: "PASS name", "FAIL name: why" or
# "SKIP name: why". A suite that exits non-zero without printing FAIL counts as
# one failure. The last line is "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
log=build/test-logs
mkdir -p "$log"
passed=0 failed=0 skipped=0
filter="${1:-}"

run_suite() {
    name=$1; shift
    case "$name" in *"$filter"*) ;; *) return ;; esac
    out="$log/$(echo "$name" | tr '/' '_').log"
    echo "== $name"
    "$@" >"$out" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL|SKIP) ' "$out"
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exit status $rc (log: $out)"; tail -n 15 "$out" | sed 's/^/    /'
        f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "FAIL $name: ran no check (log: $out)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in build/host/selftest build/host/test_*; do
    [ -x "$t" ] && run_suite "$t" "$t"
done
for t in tests/*/*.sh; do
    [ -f "$t" ] && run_suite "$t" sh "$t"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
