#!/bin/sh
# scripts/bench.sh: speed of build/host-arm64/llm under qemu-aarch64, as a
# markdown table on stdout (docs/bench.md keeps the latest one).
#  - instructions per token, counted by the insncount QEMU plugin (exact and
#    repeatable, unlike TCG wall time), 1 thread, greedy, --ignore-eos:
#      decode = (I(-n 80) - I(-n 16)) / 64 with the prompt "Once upon a time";
#      prompt = (I(long, -n 1) - I(short, -n 1)) / (token difference), the long
#      prompt being the first 56 (synth15M) or 33 (stories260K) words of
#      ../shared/models/reference/ppl-text.txt;
#  - their ratio to llama.cpp's counts for the same runs (same commit, same QEMU);
#  - wall-clock tok/s of a long-prompt -n 64 run with 1 and then 2 threads;
#  - thread scaling: synth15M decode tok/s, -t 1 and -t 2 alternating, 5 times,
#    and `llm bench -t 1,2` (thread counts alternating inside one process);
#  - the kernel (build/kernel.bin, if built): `llm bench` under
#    run-qemu.sh --icount (insn/tok from the guest clock) for the q4_0 models,
#    and with --smp 2, `llm bench -t 1,2` (wall time, median speed-up of pairs).
#  - K-quants: the stories260K-pad256 rows above (no llama.cpp counts for
#    them), and instructions per matmul weight on generated models with rows
#    of 2048, or KDIM (kweights below).
#  - TinyLlama-1.1B shape: the kernel's `llm bench -p 32 -n 4 -r 1 -t 1` under
#    --icount on the 22-layer gen_gguf --shape 1b files (Q4_0, Q4_K_M, Q8_0;
#    made once into build/scale by scripts/scale_lib.sh, as make test-scale
#    does), beside llama.cpp's figures from issue 15 (scale1b below).
# Usage: scripts/bench.sh [--cpu NAME] [--quick | --kquant | --1b | --no-1b] [--out FILE]
#   --quick: stories260K q4_0 only; --kquant: the K-quant rows and per-weight
#   table only; --1b: the TinyLlama-1.1B section only (with --out, FILE keeps
#   its other sections: make bench-1b); --no-1b: all but that section (FILE's
#   one kept); --out: also write the report to FILE (make bench:
#   docs/bench.md) once every run has succeeded, in place of FILE's sections
#   of the same headings (those written by hand stay).
cd "$(dirname "$0")/.." || exit 1
SHARED=../shared
M=$SHARED/models
LLM=build/host-arm64/llm
PLUGIN=build/insncount.so
CPU=max
OUT=
QUICK=
MODELS="synth/synth15M-random-q4_0:56:10.36:1.33 synth/synth15M-random-q4_0:56:10.36:1.33:--repack
stories260K/stories260K-f32:33:1.34:0.60 stories260K/stories260K-q8_0:33:1.40:0.55
stories260K/stories260K-q4_0:33:1.20:0.49 stories260K/stories260K-q4_0:33:1.20:0.49:--repack"
KMODELS="stories260K-pad256/stories260K-pad256-q6_k:33:-:- stories260K-pad256/stories260K-pad256-q4_k_m:33:-:-
stories260K-pad256/stories260K-pad256-q3_k_m:33:-:- stories260K-pad256/stories260K-pad256-q2_k:33:-:-"
MODELS="$MODELS
$KMODELS"
KQUANT=
ONLY1B= NO1B=
while [ $# -gt 0 ]; do
    case $1 in
    --cpu) CPU=$2; shift ;;
    --quick) MODELS="stories260K/stories260K-q4_0:33:1.20:0.49 stories260K/stories260K-q4_0:33:1.20:0.49:--repack" QUICK=1 ;;
    --kquant) MODELS=$KMODELS KQUANT=1 QUICK=1 ;;
    --1b) ONLY1B=1 ;;
    --no-1b) NO1B=1 ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--cpu NAME] [--quick | --kquant | --1b | --no-1b] [--out FILE]" >&2; exit 2 ;;
    esac
    shift
done
need="$LLM $PLUGIN build/host/gen_gguf $M/reference/ppl-text.txt"
[ -z "$ONLY1B" ] || need="build/kernel.bin build/host/gen_gguf"
for f in $need; do
    [ -e "$f" ] || { echo "bench: $f missing (make host-arm64 build/insncount.so; ../shared)" >&2; exit 1; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
SHORT="Once upon a time"

# run MODEL PROMPT N THREADS PLUGIN(0/1): stats line in $tmp/err, insns printed
# ($FLAGS: the model row's extra flags, such as --repack)
FLAGS=
run() {
    plug=
    [ "$5" = 1 ] && plug="-plugin $PLUGIN -d plugin"
    if ! timeout 900 qemu-aarch64 -cpu "$CPU" $plug "$LLM" -m "$1" -p "$2" -n "$3" --temp 0 \
            --ignore-eos -t "$4" $FLAGS >/dev/null 2>"$tmp/err"; then
        echo "bench: llm failed on $1: $(tail -n 1 "$tmp/err")" >&2
        exit 1
    fi
    sed -n 's/^insns: //p' "$tmp/err"
}
# The 1.1B-shape section (last in the report), kept from FILE (or docs/bench.md) when not measured.
SCALE=$(sed -n '/^## TinyLlama-1.1B shape/,$p' "${OUT:-docs/bench.md}" 2>/dev/null | awk 'NR > 1 && /^## / { exit } { print }')
. scripts/scale_lib.sh
prompt_tokens() { sed -n 's/.*prompt \([0-9]*\) tok.*/\1/p' "$tmp/err"; }
# measure MODEL LONG LO HI: a row's four counted runs (1 thread). Sets dec =
# (I(-n HI) - I(-n LO)) / (HI - LO) after $SHORT, pp = (I(LONG, -n 1) -
# I($SHORT, -n 1)) / ptok, and ptok, the prompts' token difference.
measure() {
    ilo=$(run "$1" "$SHORT" "$3" 1 1) || exit 1
    ihi=$(run "$1" "$SHORT" "$4" 1 1) || exit 1
    is=$(run "$1" "$SHORT" 1 1 1) || exit 1
    ns=$(prompt_tokens)
    il=$(run "$1" "$2" 1 1 1) || exit 1
    ptok=$(($(prompt_tokens) - ns))
    dec=$(( (ihi - ilo) / ($4 - $3) ))
    pp=$(( (il - is) / ptok ))
}
# tok/s of "prompt" or "gen" from the stats line
rate() { sed -n "s/.*$1 [0-9]* tok \(in \)\{0,1\}[0-9.]* ms (\([0-9.]*\) tok\/s).*/\2/p" "$tmp/err"; }

report() {
    echo "# Speed: instructions per token under qemu-aarch64"
    echo
    echo "Made by \`scripts/bench.sh\` (\`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'):"
    echo "$(qemu-aarch64 --version | head -n 1), guest CPU \`-cpu $CPU\`, host CPU"
    echo "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores)."
    echo
    echo "- insn/tok: guest instructions per token counted by the insncount plugin, 1 thread,"
    echo "  greedy, --ignore-eos. decode = (I(-n 80) - I(-n 16)) / 64 after \"$SHORT\"; prompt ="
    echo "  (I(long prompt, -n 1) - I(\"$SHORT\", -n 1)) / token difference, the long prompt being"
    echo "  the first 56 (synth15M) or 33 (stories260K) words of reference/ppl-text.txt."
    echo "- llama.cpp: the same counts for llama.cpp c392e50 (arm64, 1 thread, -cpu max)."
    echo "  Targets: decode <= 0.8x, prompt <= 1.0x. Rows with --repack: Q4_0 matmul weights"
    echo "  copied at load into the kernels' 4-row layout (llm/quant/repack.h; the host's default maps"
    echo "  the file and copies nothing; llama.cpp's figures include its own load-time repack). The"
    echo "  kernel repacks in place by default; its --no-repack rows read the file's rows."
    echo "- wall: tok/s of one long-prompt -n 64 run (prompt / generation), 1 then 2 threads;"
    echo "  TCG wall time on a shared machine is noisy: compare only within one table"
    echo "  (load average when this run started: $LOAD; with other jobs on the cores a"
    echo "  second thread finds no free core, and t=2 cannot beat t=1)."
    echo
    echo "| model | decode insn/tok | llama.cpp | ratio | prompt insn/tok | llama.cpp | ratio | wall t=1 pp / tg tok/s | wall t=2 pp / tg tok/s |"
    echo "|---|---|---|---|---|---|---|---|---|"
    cat "$tmp/rows"
    [ -s "$tmp/kw" ] && cat "$tmp/kw"
    [ -s "$tmp/threads" ] && cat "$tmp/threads"
    [ -s "$tmp/kernel" ] && cat "$tmp/kernel"
    [ -z "$SCALE" ] || printf '\n%s\n' "$SCALE"
}

# Two -t 1 decode runs of MODEL at once: their summed gen tok/s.
pair() {
    for k in a b; do
        timeout 900 qemu-aarch64 -cpu "$CPU" "$LLM" -m "$1" -p "$SHORT" -n 48 --temp 0 --ignore-eos \
            -t 1 >/dev/null 2>"$tmp/pair.$k" &
    done
    wait
    cat "$tmp/pair.a" "$tmp/pair.b" | sed -n 's/.*gen [0-9]* tok \(in \)\{0,1\}[0-9.]* ms (\([0-9.]*\) tok\/s).*/\2/p' |
        awk '{ s += $1 } END { printf "%.1f", s }'
}

# Decode tok/s of synth15M at -t 1 and -t 2, back to back, 5 times, with
# the ratio of each pair and their median; what the machine gives two
# independent jobs at once (two -t 1 runs side by side: their summed tok/s
# over one alone bounds what a second thread can give); and `llm bench -t 1,2`,
# which alternates the thread counts inside one process.
threads() {
    model=$M/synth/synth15M-random-q4_0.gguf
    [ -f "$model" ] || return 0
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    r1= r2= rp=
    for rep in 1 2 3 4 5; do
        run "$model" "$SHORT" 48 1 0 >/dev/null || exit 1
        r1="$r1 $(rate gen)"
        run "$model" "$SHORT" 48 2 0 >/dev/null || exit 1
        r2="$r2 $(rate gen)"
        rp="$rp $(pair "$model")"
    done
    timeout 900 qemu-aarch64 -cpu "$CPU" "$LLM" bench -m "$model" -p 64 -n 64 -r 9 -t 1,2 >"$tmp/hb" ||
        { echo "bench: llm bench failed" >&2; exit 1; }
    l1=$(cut -d' ' -f1-3 /proc/loadavg)
    {
        echo
        echo "## Threads (host build, qemu-aarch64)"
        echo
        echo "synth15M-random-q4_0 decode (\"$SHORT\", -n 48, greedy, sampling included), gen tok/s,"
        echo "-t 1 then -t 2, 5 times; load average $l0 before, $l1 after. \"2 jobs\": two -t 1 runs"
        echo "at once, their tok/s summed: over -t 1, the most a second thread could give on this"
        echo "machine then."
        echo
        echo "| -t 1 tok/s | -t 2 tok/s | speed-up per pair | median | 2 jobs tok/s | machine bound |"
        echo "|---|---|---|---|---|---|"
        echo "$r1|$r2|$rp" | awk -F'|' '{ n = split($1, a, " "); split($2, b, " "); split($3, c, " ")
            s1 = s3 = 0
            for (i = 1; i <= n; i++) { s1 += a[i]; s3 += c[i]; q[i] = b[i] / a[i] }
            for (i = 2; i <= n; i++) for (k = i; k > 1 && q[k - 1] > q[k]; k--) { t = q[k]; q[k] = q[k - 1]; q[k - 1] = t }
            for (i = 1; i <= n; i++) r = r (i > 1 ? ", " : "") sprintf("%.2fx", b[i] / a[i])
            printf "| %s | %s | %s | %.2fx | %s | %.2fx |\n", join(a, n), join(b, n), r, q[int((n + 1) / 2)],
                join(c, n), s3 / s1 }
            function join(v, n,   s, i) { s = v[1]; for (i = 2; i <= n; i++) s = s ", " v[i]; return s }'
        echo
        echo "\`llm bench -p 64 -n 64 -r 9 -t 1,2\` (the forward pass only; each repetition runs both"
        echo "thread counts back to back, and the speed-up is the median of those 9 pairs):"
        echo
        grep '^|' "$tmp/hb"
        echo
        sed -n 's/^speed-up/- speed-up/p' "$tmp/hb"
    } >>"$tmp/threads"
}

# The kernel's `llm bench` table rows for MODEL under run-qemu.sh ARGS.
kbench() {
    model=$1 cmds=$2
    shift 2
    timeout 900 scripts/run-qemu.sh --timeout 800 "$@" --model "$model" \
        --append "init=\"$cmds;poweroff\"" >"$tmp/kout" 2>&1
    grep '^| ' "$tmp/kout" | grep -v '^| model '
    grep '^speed-up' "$tmp/kout" >>"$tmp/kspeed"
}

kernel() {
    [ -f build/kernel.bin ] || return 0
    {
        echo
        echo "## The kernel (\`llm bench\`, qemu-system-aarch64 -M virt -cpu $CPU)"
        echo
        echo "Instructions per token from \`scripts/run-qemu.sh --icount\` (-icount shift=0: the guest"
        echo "clock counts one ns per instruction; 1 vCPU). pp64: 64 pseudo-random tokens in one batch"
        echo "(the last one's logits included); tg64: 64 single-token passes from an empty cache,"
        echo "no sampling (as llama-bench). Then --smp 2 without icount: wall tok/s at -t 1 and -t 2,"
        echo "back to back in each of 9 repetitions, and the median speed-up of those pairs"
        echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))."
        echo
        echo "Against the user-mode table above: the kernel's pp64 spreads one vocabulary"
        echo "projection over 64 tokens (the user-mode prompt figure is a difference and has none),"
        echo "and its tg64 has no sampling, no all-finite check and a shorter average context than"
        echo "decode = (I(-n 80) - I(-n 16)) / 64; the forward pass itself is the same code."
        echo
        echo "| model | size | threads | test | t/s | insn/tok |"
        echo "|---|---|---|---|---|---|"
        for name in synth/synth15M-random-q4_0 stories260K/stories260K-q4_0; do
            [ -f "$M/$name.gguf" ] || continue
            kbench "$M/$name.gguf" "llm bench -p 64 -n 64 -r 1" --icount
            kbench "$M/$name.gguf" "llm load --no-repack /initrd/$(basename "$name").gguf;llm bench -p 64 -n 64 -r 1" \
                --icount | sed 's/^| \([^ ]*\) |/| \1 --no-repack |/'
        done
        name=$M/synth/synth15M-random-q4_0.gguf
        [ -f "$name" ] && kbench "$name" "llm bench -p 64 -n 64 -r 9 -t 1,2" --smp 2
        echo
        sed -n 's/^speed-up/- speed-up/p' "$tmp/kspeed"
    } >>"$tmp/kernel"
}

# Instructions per matmul weight: gen_gguf models with dim = ffn = KDIM
# (default 2048; 2 layers, 4 heads / 2 KV heads, 302-token vocab: W = 2 x 6 x
# dim^2 + dim x 302 weights multiplied per token, output included), one type
# each (or a K mix); decode = (I(-n 24) - I(-n 8)) / 16 / W, prompt =
# (I(20 words, -n 1) - I(SHORT, -n 1)) / token difference / W: whole tokens
# (attention, norms, activation quantization, sampling) over the weights.
kweights() {
    dim=${KDIM:-2048}   # KDIM: another row length (a multiple of 256)
    wts=$((2 * 6 * dim * dim + dim * 302))
    long=$(tr -s ' \n' '  ' <"$M/reference/ppl-text.txt" | cut -d' ' -f1-20)
    {
        echo
        echo "## K-quants: instructions per weight (generated models, rows of $dim)"
        echo
        echo "\`build/host/gen_gguf --dim $dim\` models (2 layers, dim = ffn = $dim, 4 heads / 2 KV heads,"
        echo "302-token vocab): W = $wts matmul weights per token (output included). 1 thread,"
        echo "-cpu $CPU, insncount plugin. decode = (I(-n 24) - I(-n 8)) / 16 / W after \"$SHORT\";"
        echo "prompt = (I(first 20 words of ppl-text.txt, -n 1) - I(\"$SHORT\", -n 1)) / token"
        echo "difference / W. Whole tokens (attention, norms, activation quantization, sampling)"
        echo "over the weights, so a little above the matmul kernels alone. \"mix\": \`--mixed\`,"
        echo "the layer matrices cycling through the type, Q6_K, Q5_K, Q8_0, Q4_K, Q4_0, F16,"
        echo "output Q6_K (like llama-quantize's _M files)."
        echo
        echo "llama.cpp at TinyLlama-1.1B shape (issue 13; rows of 2048 and 5632, W = 1034420224):"
        echo "Q4_K_M decode 657.71 M/tok = 0.636/weight, prompt 566.34 M = 0.547/weight; Q4_0"
        echo "(Q6_K output) decode 333.69 M = 0.323, prompt 117.07 M = 0.113; its Q6_K output"
        echo "costs 0.35/weight more than a Q8_0 one."
        echo
        echo "| model | decode insn/weight | prompt insn/weight |"
        echo "|---|---|---|"
    } >>"$tmp/kw"
    for spec in q8_0 q4_0 q6_K q5_K q4_K q3_K q2_K q4_K:--mixed q3_K:--mixed q2_K:--mixed; do
        ty=${spec%%:*} mix=
        [ "$ty" = "$spec" ] || mix=--mixed
        f=$tmp/gen-$ty$mix.gguf
        build/host/gen_gguf --type "$ty" $mix --dim $dim -o "$f" >/dev/null ||
            { echo "bench: gen_gguf --type $ty $mix --dim $dim failed" >&2; exit 1; }
        measure "$f" "$long" 8 24
        awk -v n="$ty${mix:+ mix}" -v d="$dec" -v p="$pp" -v w="$wts" -v t="$ptok" 'BEGIN { printf "| %s | %.3f | %.3f (%d tok) |\n", n, d / w, p / w, t }' >>"$tmp/kw"
    done
}

# TinyLlama-1.1B shape: per type, the kernel's bench on build/scale/1b-TYPE.gguf
# (scale_model, scale_bench: scripts/scale_lib.sh), its tg4 and pp32 insn/tok
# against llama.cpp's (c392e50, qemu-aarch64 -cpu max, 1 thread; quoted from
# issue 15), and the kernel's memory after the load (file + session).
scale1b() {
    {
        echo "## TinyLlama-1.1B shape (the kernel's \`llm bench\`, \`make bench-1b\`)"
        echo
        echo "Random-weight models from \`gen_gguf --shape 1b --seed 1\` (dim 2048, 22 layers, 32/4 heads,"
        echo "ffn 5632, the 32000-token Llama vocab), types mixed as llama-quantize mixes them. The"
        echo "kernel's \`llm bench -p 32 -n 4 -r 1 -t 1\` under \`scripts/run-qemu.sh --icount --mem $SCALE_MEM\`"
        echo "(\`-kernel\`, model in the initrd, 1 vCPU, -cpu max; the default load: Q4_0 repacked in"
        echo "place, 0 bytes copied): insn/tok of the measured row (pp32: one batch of 32 tokens, the"
        echo "last one's logits; tg4: 4 single-token passes). llama.cpp: c392e50 arm64, 1 thread,"
        echo "\`qemu-aarch64 -cpu max\`, the same shapes and mixes, figures quoted from issue 15 (not"
        echo "measured again). Memory: the file and the session (ctx 2048) as \`llm load\` reports them."
        echo "Issue 15's targets: Q4_0 decode and pp32 <= 0.7x; Q4_K_M decode <= 0.6x, pp32 <= 0.3x;"
        echo "Q8_0 keeps 0.66x. Made on $(date -u '+%Y-%m-%d %H:%M UTC')."
        echo
        echo "| model | file | decode (tg4) insn/tok | llama.cpp | ratio | pp32 insn/tok | llama.cpp | ratio | memory |"
        echo "|---|---|---|---|---|---|---|---|---|"
    } >"$tmp/scale"
    for spec in "q4_0:333.69:128.51:Q4_0, Q6_K output" "q4_k_m:657.71:569.1:Q4_K_M (Q6_K output, attn_v, ffn_down)" \
                "q8_0:619.6:382.2:Q8_0 (all tensors)"; do
        IFS=: read -r ty ref_dec ref_pp label <<SPEC
$spec
SPEC
        m=$(scale_model "$ty") || { echo "bench: gen_gguf --shape 1b --type $ty failed" >&2; exit 1; }
        scale_bench "$m" "$tmp/b1b" || { echo "bench: the kernel's bench on $m failed: $(tail -n 2 "$tmp/b1b")" >&2; exit 1; }
        mem=$(tr -d '\r' <"$tmp/b1b" | sed -n 's/^memory: file \([0-9]*\) KiB .* session \([0-9]*\) KiB.*/\1 \2/p' | head -n 1)
        scale_rows "$tmp/b1b" | awk -F'|' -v n="$label" -v size="$(wc -c <"$m")" -v rd="$ref_dec" -v rp="$ref_pp" -v mem="$mem" '
            { v = $7; gsub(/[ M]/, "", v); if ($5 ~ /pp32/) pp = v; if ($5 ~ /tg4/) tg = v }
            END { if (pp == "" || tg == "") exit 1
                  split(mem, k, " ")
                  printf "| %s | %.0f MiB | %.1fM | %.2fM | %.2fx | %.1fM | %.2fM | %.2fx | %.0f + %.0f MiB |\n", n,
                      size / 1048576, tg, rd, tg / rd, pp, rp, pp / rp, k[1] / 1024, k[2] / 1024 }' >>"$tmp/scale" ||
            { echo "bench: no pp32/tg4 rows in the kernel's bench on $m" >&2; exit 1; }
    done
    SCALE=$(cat "$tmp/scale")
}

# NEW's "## " sections in OLD's place: OLD with each section (heading to the
# next heading) that NEW also has replaced by NEW's, in OLD's order; NEW's
# others at the end, and NEW's preamble (before its first heading), if it
# has one, in place of OLD's. Sections are matched by their heading up to " (" (the
# rest names a command or a date), so sections written by hand (the -npl
# one) stay.
splice_sections() {   # NEW OLD
    awk 'function key(h) { sub(/ \(.*/, "", h); return h }
         NR == FNR { if (/^## /) { k = key($0); order[++n] = k }
                     if (n) sec[k] = sec[k] $0 "\n"; else pre = pre $0 "\n"
                     next }
         FNR == 1 && pre != "" { printf "%s", pre; skip = 1 }   # NEW has a preamble: it replaces OLD'"'"'s
         /^## / { k = key($0); skip = (k in sec); if (skip && !(k in done)) { printf "%s", sec[k]; if (sec[k] !~ /\n\n$/) print ""; done[k] = 1 } }
         !skip { print }
         END { for (i = 1; i <= n; i++) if (!(order[i] in done)) printf "%s", sec[order[i]] }' "$1" "$2"
}

write_out() {   # NEW: into $OUT, spliced into its old sections
    if [ -f "$OUT" ]; then
        splice_sections "$1" "$OUT" >"$tmp/out" || { echo "bench: could not update $OUT" >&2; exit 1; }
    else
        cp "$1" "$tmp/out"
    fi
    cp "$tmp/out" "$OUT"
}

: >"$tmp/rows"
: >"$tmp/kspeed"
: >"$tmp/kw"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "$ONLY1B" ]; then   # the 1.1B section alone, into FILE in place of its old one
    scale1b
    cat "$tmp/scale"
    if [ -n "$OUT" ]; then
        write_out "$tmp/scale"
    fi
    exit 0
fi
for spec in $MODELS; do
    IFS=: read -r name words ref_dec ref_pp FLAGS <<EOF
$spec
EOF
    model=$M/$name.gguf
    if [ ! -f "$model" ]; then
        echo "| $(basename "$name")${FLAGS:+ $FLAGS} | missing | | | | | | | |" >>"$tmp/rows"
        continue
    fi
    long=$(tr -s ' \n' '  ' <"$M/reference/ppl-text.txt" | cut -d' ' -f1-"$words")
    measure "$model" "$long" 16 80
    run "$model" "$long" 64 1 0 >/dev/null || exit 1
    w1="$(rate prompt) / $(rate gen)"
    run "$model" "$long" 64 2 0 >/dev/null || exit 1
    w2="$(rate prompt) / $(rate gen)"
    awk -v n="$(basename "$name")${FLAGS:+ $FLAGS}" -v d="$dec" -v rd="$ref_dec" -v p="$pp" -v rp="$ref_pp" \
        -v w1="$w1" -v w2="$w2" -v t="$ptok" 'BEGIN {   # rd, rp "-": no llama.cpp count
        printf "| %s | %.3fM | %s | %s | %.3fM (%d tok) | %s | %s | %s | %s |\n", n, d / 1e6,
            rd == "-" ? "-" : sprintf("%.2fM", rd), rd == "-" ? "-" : sprintf("%.2fx", d / 1e6 / rd),
            p / 1e6, t, rp == "-" ? "-" : sprintf("%.2fM", rp), rp == "-" ? "-" : sprintf("%.2fx", p / 1e6 / rp),
            w1, w2 }' >>"$tmp/rows"
done
FLAGS=
if [ -z "$QUICK" ]; then
    threads
    kernel
    [ -n "$NO1B" ] || scale1b
fi
[ -z "$QUICK" ] || [ -n "$KQUANT" ] && kweights
report
if [ -n "$OUT" ]; then
    report >"$tmp/new"
    write_out "$tmp/new"
fi
