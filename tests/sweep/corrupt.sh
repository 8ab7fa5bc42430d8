#!/bin/sh
# tests/sweep/corrupt.sh: the corruption sweep (tests/sweep/corrupt.c, built
# with ASan + UBSan by make host-asan) over stories260K Q4_0 and F32 from
# ../shared when present, and over generated models (gen_gguf: llama, and a
# GPT-2) and the tiny model of the fuzz regression corpus always.
# SWEEP_MUTATIONS (default 5000) seeded mutations per stories260K model (a
# quarter of that per generated one when they are there); the two
# stories260K sweeps run side by side (2 cores).
cd "$(dirname "$0")/../.." || exit 1
H=build/host-asan
W=build/sweep
n=${SWEEP_MUTATIONS:-5000}
mkdir -p $W
if ! flock build/host-asan.lock make -s -j2 $H/sweep_corrupt build/host/gen_gguf >$W/build.log 2>&1; then   # as in tests/sanitize/asan.sh
    echo "FAIL sweep build: make failed (log: $W/build.log)"; tail -n 20 $W/build.log
    exit 1
fi
build/host/gen_gguf --type q4_0 -o $W/gen-q4_0.gguf &&
    build/host/gen_gguf --type q8_0 --mixed --seed 3 -o $W/gen-mixed.gguf &&
    build/host/gen_gguf --arch gpt2 --type q4_0 --seed 4 -o $W/gen-gpt2.gguf &&
    build/host/gen_gguf --type q4_K --mixed --seed 5 -o $W/gen-kmix.gguf &&
    build/host/gen_gguf --type q2_K --mixed --seed 6 -o $W/gen-k2mix.gguf || exit 1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1
status=0
sweep() {   # log name, then sweep_corrupt arguments
    log=$W/$1.log; shift
    mkdir -p $W/crash-$(basename $log .log)
    timeout 900 $H/sweep_corrupt --crash-dir $W/crash-$(basename $log .log) "$@" >$log 2>&1
    rc=$?
    cat $log | grep -E '^(PASS|FAIL|SKIP) '
    if [ $rc -ne 0 ] && ! grep -q '^FAIL ' $log; then
        echo "FAIL sweep $(basename $log .log): exit status $rc (log: $log)"
        grep -m1 -E 'SUMMARY|runtime error' $log
    fi
    # Also the function's status: run in the background (a subshell), its
    # status=1 is lost, and `wait` sees only this.
    [ $rc -eq 0 ] || { status=1; return 1; }
}
S=../shared/models/stories260K
start=$(date +%s)
if [ -f $S/stories260K-q4_0.gguf ] && [ -f $S/stories260K-f32.gguf ]; then
    sweep stories-q4_0 --seed 1 --mutations $n $S/stories260K-q4_0.gguf & p1=$!
    sweep stories-f32 --seed 2 --mutations $n $S/stories260K-f32.gguf
    wait $p1 || status=1
    gen_n=$((n / 4))
else
    echo "SKIP sweep stories260K: ../shared/models/stories260K not present"
    gen_n=$n
fi
# tiny-f32 (3.5 KB, committed) is the one with a general.alignment key to aim at.
sweep gen-q4_0 --seed 3 --mutations $gen_n $W/gen-q4_0.gguf tests/fuzz/corpus/model/tiny-f32 & p2=$!
sweep gen-mixed --seed 4 --mutations $gen_n $W/gen-mixed.gguf $W/gen-kmix.gguf $W/gen-k2mix.gguf
wait $p2 || status=1
sweep gen-gpt2 --seed 5 --mutations $gen_n $W/gen-gpt2.gguf
echo "sweep took $(( $(date +%s) - start )) s"
exit $status
