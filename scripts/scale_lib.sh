# scripts/scale_lib.sh: sourced by scripts/test-scale.sh and scripts/bench.sh
# (from the repository root): the TinyLlama-1.1B-shaped files they share and
# the kernel bench run on them.
#   scale_model TYPE       build/scale/1b-TYPE.gguf (gen_gguf --shape 1b --seed 1),
#                          generated when missing or older than gen_gguf; prints its path
#   scale_bench MODEL OUT  the kernel's `llm bench -p 32 -n 4 -r 1 -t 1` under
#                          run-qemu.sh --icount --mem $SCALE_MEM, output in OUT
#   scale_rows OUT         its pp32 and tg4 rows (insn/tok in the last column)
#   step WHAT CMD...       run CMD, then print its wall time on stderr
SCALE_DIR=build/scale
SCALE_MEM=${MEM:-2G}

step() {   # on stderr: CMD's stdout may be a file
    what=$1 t0=$(date +%s)
    shift
    "$@"
    rc=$?
    echo "time $what: $(($(date +%s) - t0)) s" >&2
    return $rc
}
scale_model() {
    m=$SCALE_DIR/1b-$1.gguf
    mkdir -p "$SCALE_DIR"
    if [ ! -f "$m" ] || [ build/host/gen_gguf -nt "$m" ]; then
        # into a .part file first: an interrupted run must not leave a file that looks made
        step "gen_$1" build/host/gen_gguf --shape 1b --type "$1" --seed 1 -o "$m.part" >&2 && mv "$m.part" "$m" ||
            { rm -f "$m.part"; return 1; }
    fi
    echo "$m"
}
scale_bench() {
    scripts/run-qemu.sh --timeout "${TIMEOUT:-1800}" --icount --mem "$SCALE_MEM" --model "$1" \
        --append 'init="llm bench -p 32 -n 4 -r 1 -t 1;poweroff"' >"$2" 2>&1
}
scale_rows() {
    tr -d '\r' <"$1" | grep -E '^\| .* \| (pp32|tg4) \| .*M \|$'
}
