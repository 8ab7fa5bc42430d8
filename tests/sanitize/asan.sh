#!/bin/sh
# tests/sanitize/asan.sh: the host unit tests (selftest, test_*) built with
# AddressSanitizer + UndefinedBehaviorSanitizer (make host-asan: clang, else
# gcc; -fno-sanitize-recover=all, so any report ends the program). One line
# per program: PASS with its check counts, or FAIL with the first FAIL line or
# sanitizer report. Leaks count too (LeakSanitizer).
cd "$(dirname "$0")/../.." || exit 1
H=build/host-asan
# flock: tests/sweep and tests/fuzz build on the same objects, maybe at once.
if ! flock build/host-asan.lock make -s -j2 host-asan >$H.build.log 2>&1; then
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
# The sanitizer build (clang, libc's string functions) must compute the same
# bits as the plain host build: same greedy ids and the same top logits, with
# no leaks (the --json buffers are freed before exit).
if [ -x $H/llm ] && [ -x build/host/llm ]; then
    build/host/gen_gguf --type q4_1 --mixed -o $H/logs/mixed.gguf >/dev/null || failed=1
    build/host/gen_gguf --type q4_K --mixed -o $H/logs/kmix.gguf >/dev/null || failed=1
    for m in $H/logs/mixed.gguf $H/logs/kmix.gguf ../shared/models/stories260K/stories260K-q4_0.gguf; do
        [ -f $m ] || continue
        set -- -m $m -p "Once upon a time" -n 16 --temp 0 --json -t 1
        if build/host/llm "$@" >$H/logs/plain.json 2>/dev/null && $H/llm "$@" >$H/logs/asan.json 2>$H/logs/asan.err &&
            cmp -s $H/logs/plain.json $H/logs/asan.json; then
            echo "PASS asan llm $(basename $m): same ids and logits as the plain build"
        else
            echo "FAIL asan llm $(basename $m): output differs from build/host/llm (see $H/logs/*.json)"
            failed=1
        fi
    done
fi
exit $failed
