#!/bin/sh
# tests/fuzz/fuzz.sh: the libFuzzer targets tests/fuzz/fuzz_*.c (ASan + UBSan).
#   tests/fuzz/fuzz.sh          (make test) per target: replay the regression
#                               corpus tests/fuzz/corpus/<target>/, then a fixed
#                               number of executions (runs_of below, or FUZZ_RUNS)
#                               from the seed corpus with a fixed seed, in a fresh
#                               work directory: about 20 s in all
#   tests/fuzz/fuzz.sh --long   (make fuzz) FUZZ_SECONDS (default 300) per target;
#                               the corpus grows in build/fuzz/corpus/<target>/
# Seeds (build/fuzz/seeds/): generated models and broken variants (gen_gguf),
# ../shared's stories260K and vocab files when present, prompts, shell lines.
# A crash leaves its input in build/fuzz/artifacts/<target>/: minimize it with
#   build/fuzz/<target> -minimize_crash=1 -max_total_time=60 <input>
# and commit the result to tests/fuzz/corpus/<target>/ once fixed.
cd "$(dirname "$0")/../.." || exit 1
mode=short
[ "${1:-}" = --long ] && mode=long
seconds=${FUZZ_SECONDS:-300}
F=build/fuzz
S=../shared/models
targets="${FUZZ_ONLY:-gguf model tokenizer args line_edit}"   # FUZZ_ONLY=name picks targets

skip_all() { for t in $targets; do echo "SKIP fuzz_$t: $1"; done; exit 0; }
cc=$(command -v clang-14 || command -v clang) || skip_all "clang not installed (scripts/install-deps.sh installs clang-14)"
mkdir -p $F
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' >$F/probe.c
$cc -fsanitize=fuzzer,address,undefined $F/probe.c -o $F/probe 2>/dev/null ||
    skip_all "$cc cannot link a libFuzzer + ASan program (scripts/install-deps.sh installs libclang-rt-14-dev)"
if ! flock build/host-asan.lock make -s -j2 fuzz-build >$F/build.log 2>&1; then   # as in tests/sanitize/asan.sh
    echo "FAIL fuzz build: make fuzz-build failed (log: $F/build.log)"; tail -n 20 $F/build.log
    exit 1
fi

# ---------------------------------------------------------------- seeds
seed_dir() { rm -rf "$F/seeds/$1"; mkdir -p "$F/seeds/$1"; echo "$F/seeds/$1"; }
models=$(seed_dir model)
for ty in f32 f16 q4_0 q8_0; do
    build/host/gen_gguf --type $ty -o $models/gen-$ty.gguf || exit 1
done
build/host/gen_gguf --type q4_1 --mixed -o $models/gen-mixed.gguf || exit 1
build/host/gen_gguf --arch gpt2 --type q8_0 -o $models/gen-gpt2.gguf || exit 1
build/host/gen_gguf --type q4_K --mixed -o $models/gen-kmix.gguf || exit 1   # K-quants, Q6_K output
build/host/gen_gguf --type q3_K --mixed -o $models/gen-k3mix.gguf || exit 1  # Q3_K beside them
for f in $S/stories260K/stories260K-q4_0.gguf $S/stories260K/stories260K-f32.gguf; do
    [ -f "$f" ] && cp "$f" $models/
done
ggufs=$(seed_dir gguf)
cp $models/* $ggufs/
for kind in $(build/host/gen_gguf --list-broken | cut -f1); do
    build/host/gen_gguf --broken $kind -o $ggufs/broken-$kind.gguf || exit 1
done
for v in llama-spm phi-3 gpt-2 deepseek-coder bert-bge; do
    [ -f "$S/vocab/ggml-vocab-$v.gguf" ] && cp "$S/vocab/ggml-vocab-$v.gguf" $ggufs/
done

# Tokenizer inputs: one byte choosing the vocab (and add_bos), then text.
FUZZ_VOCABS=$models/gen-q8_0.gguf
for v in llama-spm phi-3 gpt-2 deepseek-llm bert-bge; do
    f=$S/vocab/ggml-vocab-$v.gguf
    [ -f "$f" ] && FUZZ_VOCABS=$FUZZ_VOCABS:$f
done
export FUZZ_VOCABS
texts=$(seed_dir tokenizer)
printf '\000Once upon a time' >$texts/once
printf '\001 leading  and  double spaces\n\ttabs' >$texts/spaces
printf '\002caf\303\251 \342\202\254 \360\237\230\200 \346\227\245\346\234\254' >$texts/utf8
printf '\022<s></s><unk><0x41>\342\226\201x' >$texts/special
for f in $S/vocab/ggml-vocab-llama-spm.gguf.inp; do
    [ -f "$f" ] && awk -v RS='\n__ggml_vocab_test__\n' -v d="$texts" \
        '{ n++; printf "%c%s", n % 6, $0 > (d "/inp" n) }' "$f"
done
lines=$(seed_dir args)
printf '\010llm infer -n 64 "Once upon a time"' >$lines/infer
printf '\003a"b c"d \\"q\\" \\\\ ""' >$lines/quotes
printf '\077  ls   /initrd \t cat "/a b"  ' >$lines/blanks
keys=$(seed_dir line_edit)
printf 'help\rls\r\033[A\033[A\033[B\r' >$keys/history
printf 'abc\033[D\033[D\177x\033[3~\001\005\025caf\303\251\r\n' >$keys/edit
printf 'xyz\033[1~\033[4~\033OH\033OF\003\r' >$keys/keys

# ---------------------------------------------------------------- runs
runs_of() {   # executions per target in a make test run: the cheap ones get more
    case $1 in gguf|model) echo 2000 ;; tokenizer|line_edit) echo 20000 ;; *) echo 50000 ;; esac
}
failed=0
run_target() {   # target, then libFuzzer arguments; prints one line
    t=$1; shift
    log=$F/logs/$t.log
    mkdir -p $F/logs $F/artifacts/$t
    start=$(date +%s)
    if timeout $((seconds + 600)) $F/fuzz_$t -seed=1 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=$F/artifacts/$t/ "$@" >$log 2>&1; then
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' $log | tail -n 1)
        echo "PASS fuzz_$t: ${n:-?} executions in $(( $(date +%s) - start )) s"
    else
        why=$(grep -m1 -E 'SUMMARY|runtime error|ERROR:' $log)
        echo "FAIL fuzz_$t: ${why:-exit status} (log: $log, input in $F/artifacts/$t/)"
        failed=1
    fi
}

for t in $targets; do
    reg=tests/fuzz/corpus/$t
    if [ -d $reg ] && [ -n "$(ls $reg)" ]; then
        log=$F/logs/$t-replay.log
        mkdir -p $F/logs
        if $F/fuzz_$t -timeout=30 $reg/* >$log 2>&1; then
            echo "PASS fuzz_$t regression: $(ls $reg | wc -l) inputs replayed"
        else
            echo "FAIL fuzz_$t regression: $(grep -m1 -E 'SUMMARY|runtime error|ERROR:' $log) (log: $log)"
            failed=1
        fi
    fi
    [ -d $reg ] || reg=
    if [ $mode = long ]; then
        mkdir -p $F/corpus/$t
        run_target $t -max_total_time=$seconds $F/corpus/$t $F/seeds/$t $reg
    else
        rm -rf $F/work/$t && mkdir -p $F/work/$t
        run_target $t -runs=${FUZZ_RUNS:-$(runs_of $t)} $F/work/$t $F/seeds/$t $reg
    fi
done
exit $failed
