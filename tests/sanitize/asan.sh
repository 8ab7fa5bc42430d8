#!/bin/sh
# tests/sanitize/asan.sh: the host unit tests (selftest, test_*) built with
# AddressSanitizer + UndefinedBehaviorSanitizer (make host-asan: clang, else
# gcc; -fno-sanitize-recover=all, so any report ends the program). One line
# per program: PASS with its check counts, or FAIL with the first FAIL line or
# sanitizer report. Leaks count too (LeakSanitizer).
cd "$(dirname "$0")/../.." || exit 1
H=build/host-asan
if ! make -s -j2 host-asan >$H.build.log 2>&1; then
    echo "FAIL asan build: make host-asan failed (log: $H.build.log)"; tail -n 20 $H.build.log
    exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1
mkdir -p $H/logs
failed=0
for t in $H/selftest $H/test_*; do
    [ -x "$t" ] || continue
    name=$(basename $t)
    log=$H/logs/$name.log
    start=$(date +%s)
    timeout 600 $t >$log 2>&1
    rc=$?
    p=$(grep -c '^PASS ' $log); f=$(grep -c '^FAIL ' $log); s=$(grep -c '^SKIP ' $log)
    if [ $rc -eq 0 ] && [ $f -eq 0 ]; then
        echo "PASS asan $name: $p passed, $s skipped under ASan+UBSan in $(( $(date +%s) - start )) s"
    else
        why=$(grep -m1 -E '^FAIL |SUMMARY: |runtime error' $log)
        echo "FAIL asan $name: ${why:-exit status $rc} (log: $log)"
        failed=1
    fi
done
exit $failed
