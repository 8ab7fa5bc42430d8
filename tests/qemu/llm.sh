#!/bin/sh
# tests/qemu/llm.sh: the `llm` shell command under QEMU, through piped stdin,
# on both boot paths (-kernel with the model in the initrd, UEFI with it on
# the ESP as /boot/NAME). Greedy ids of "Once upon a time" must equal
# llama.cpp's (../shared/models/reference: F32 exactly, Q4_0 up to a near tie);
# "</s>" in a prompt is one token for llm tokenize and llm infer, as on the
# host; a truncated or garbage file is refused and the shell goes on; Ctrl-C (0x03)
# stops a long generation; --smp 2 gives the same ids; the pad256 Q4_K_M file
# (K-quants) gives llama.cpp's ids exactly on both boots, and so do Q3_K_M
# (--smp 2) and Q2_K (-cpu cortex-a72). Without ../shared the
# same paths run on a generated model, checked against the host build.
# Every boot runs under scripts/run-qemu.sh --timeout.
cd "$(dirname "$0")/../.." || exit 1
PREFIX=llm_
. tests/qemu/lib.sh
models=${LLM_TEST_MODELS:-../shared/models}   # override to test the path without ../shared
ref=$models/reference
prompt="Once upon a time"

qemu_need_tools llm qemu-system-aarch64 python3
qemu_build kernel build/host/gen_gguf build/host/llm
qemu_workdir build/test-llm
gen=$w/gen-q4_0.gguf
build/host/gen_gguf --type q4_0 -o "$gen" >/dev/null || { echo "FAIL llm_gen_gguf: failed"; exit 1; }
head -c 20000 "$gen" >"$w/truncated.gguf"
head -c 65536 /dev/urandom >"$w/garbage.gguf"
# The host build's answer for the generated model, in the reference format.
build/host/llm -m "$gen" -p "$prompt" -n 64 --temp 0 --json >"$w/gen-host.jsonl" 2>/dev/null ||
    { echo "FAIL llm_host_cli: build/host/llm on the generated model failed"; exit 1; }

# check_ids NAME CHECK N JSONL MODE [PROMPT]: the Nth "ids:" line of NAME's
# output against JSONL's record for PROMPT (default $prompt), n_predict 64, F16 KV.
# MODE exact: equal. MODE tie: equal up to the first difference, which is only
# allowed where the reference's top-2 logit margin is <= 0.25 and ours is its
# second choice (the summation order of quantized dot products may flip it).
check_ids() {
    why=$(python3 - "$w/$1.out" "$3" "$4" "$5" "${6:-$prompt}" <<'EOF'
import json, sys
out, nth, jsonl, mode, prompt = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
lines = [l[5:].split() for l in open(out, errors="replace") if l.startswith("ids: ")]
if len(lines) < nth:
    sys.exit(print(f"only {len(lines)} ids lines in {out}"))
ours = [int(x) for x in lines[nth - 1]]
refs = [json.loads(l) for l in open(jsonl)]
refs = [r for r in refs if r["prompt"] == prompt and r.get("n_predict") == 64
        and r.get("kv_cache_type", "f16") == "f16"]
if not refs:
    sys.exit(print(f"no reference for {prompt!r} in {jsonl}"))
r = refs[0]
want = r["gen_ids"]
if ours == want:
    sys.exit(0)
i = next((k for k in range(min(len(ours), len(want))) if ours[k] != want[k]), min(len(ours), len(want)))
if mode == "tie" and i < len(ours) and i < len(want):
    top = r["top_logits"][i]
    margin = top[0][1] - top[1][1]
    if margin <= 0.25 and ours[i] == top[1][0]:
        sys.exit(0)
    sys.exit(print(f"step {i}: ours {ours[i]}, reference {want[i]} (top-2 margin {margin:.3f}, "
                   f"second choice {top[1][0]})"))
sys.exit(print(f"differs at step {i} of {len(want)}: ours {ours[i:i+4]}, reference {want[i:i+4]}"))
EOF
)
    if [ -z "$why" ]; then pass "$2"; else fail "$2" "$why"; fi
}

session_ids() {   # the commands of a plain ids run: each prompt given, else $prompt
    printf '\n'
    [ $# -gt 0 ] || set -- "$prompt"
    for p in "$@"; do printf 'llm infer -n 64 --temp 0 --ids "%s"\n' "$p"; done
    printf 'poweroff\n'
}
# check_all NAME CHECK JSONL MODE: every prompt of JSONL, in the order ref_prompts gives
check_all() {
    n=0
    while IFS= read -r p; do
        n=$((n + 1))
        check_ids "$1" "$2_$n" "$n" "$3" "$4" "$p"
    done <"$w/prompts.txt"
}

have_shared=0
[ -f "$models/stories260K/stories260K-f32.gguf" ] && [ -f "$models/stories260K/stories260K-q4_0.gguf" ] &&
    [ -f "$ref/stories260K-f32.arm64.jsonl" ] && [ -f "$ref/stories260K-q4_0.arm64.jsonl" ] && have_shared=1
[ "$have_shared" = 1 ] || skip shared "$models/stories260K or $ref absent: generated model only"

# ---- -kernel: --model puts the file into the initrd and sets llm.model.
if [ "$have_shared" = 1 ]; then
    python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("n_predict") == 64 and r.get("kv_cache_type", "f16") == "f16": print(r["prompt"])' \
        "$ref/stories260K-f32.arm64.jsonl" >"$w/prompts.txt"
    while IFS= read -r p; do set -- "$@" "$p"; done <"$w/prompts.txt"
    session_ids "$@" | boot k_f32 --model "$models/stories260K/stories260K-f32.gguf"
    expect k_f32 kernel_boot_load "llm: loading /initrd/stories260K-f32.gguf (boot argument llm.model)"
    expect k_f32 kernel_zero_copy "/initrd/stories260K-f32.gguf: 1185376 bytes mapped, 0 bytes copied"
    expect k_f32 kernel_stats_line "[llm] prompt 5 tok "
    check_all k_f32 kernel_f32_ids "$ref/stories260K-f32.arm64.jsonl" exact
    session_ids "$@" | boot k_q4 --model "$models/stories260K/stories260K-q4_0.gguf"
    check_all k_q4 kernel_q4_0_ids "$ref/stories260K-q4_0.arm64.jsonl" tie
    expect k_q4 kernel_q4_0_in_place "/initrd/stories260K-q4_0.gguf: 277024 bytes mapped, 0 bytes copied"
    expect k_q4 kernel_q4_0_repacked "repacked in place: "
    session_ids | boot k_smp2 --smp 2 --model "$models/stories260K/stories260K-f32.gguf"
    expect k_smp2 smp2_two_cpus "kernel: 2 cpus"
    check_ids k_smp2 smp2_f32_ids 1 "$ref/stories260K-f32.arm64.jsonl" exact
fi
# K-quants (Q4_K + Q6_K, Q8_K activations): the pad256 Q4_K_M file against
# llama.cpp exactly, on 1 and 2 cpus; without ../shared a generated Q4_K_M-like
# mix against the host build.
k4m=$models/stories260K-pad256/stories260K-pad256-q4_k_m.gguf
k4m_ref=$ref/stories260K-pad256-q4_k_m.arm64.jsonl
if [ -f "$k4m" ] && [ -f "$k4m_ref" ]; then
    k_ids_ref=$k4m_ref
else
    skip pad256 "$k4m or $k4m_ref absent: generated K-quant mix only"
    k4m=$w/gen-kmix.gguf
    k_ids_ref=$w/gen-kmix-host.jsonl
    { build/host/gen_gguf --type q4_K --mixed -o "$k4m" &&
      build/host/llm -m "$k4m" -p "$prompt" -n 64 --temp 0 --json >"$k_ids_ref"; } >/dev/null 2>&1 ||
        fail k_gen "gen_gguf or the host run on the generated K-quant mix failed"
fi
session_ids | boot k_q4km --model "$k4m"
check_ids k_q4km kernel_q4_k_m_ids 1 "$k_ids_ref" exact
session_ids | boot k_q4km_smp2 --smp 2 --model "$k4m"
check_ids k_q4km_smp2 smp2_q4_k_m_ids 1 "$k_ids_ref" exact
# Q2_K/Q3_K (with Q4_K..Q6_K beside them): pad256 Q3_K_M on 2 cpus, Q2_K on
# -cpu cortex-a72 (no DotProd), both against llama.cpp exactly.
for t in q3_k_m:--smp:2 q2_k:--cpu:cortex-a72; do
    IFS=: read -r kt opt val <<EOF2
$t
EOF2
    f=$models/stories260K-pad256/stories260K-pad256-$kt.gguf
    if [ -f "$f" ] && [ -f "$ref/stories260K-pad256-$kt.arm64.jsonl" ]; then
        session_ids | boot k_$kt "$opt" "$val" --model "$f"
        check_ids k_$kt kernel_${kt}_ids 1 "$ref/stories260K-pad256-$kt.arm64.jsonl" exact
    else
        skip pad256_$kt "$f or its reference absent"
    fi
done
session_ids | boot k_gen --model "$gen"
expect k_gen kernel_gen_zero_copy "/initrd/gen-q4_0.gguf: $(wc -c <"$gen") bytes mapped, 0 bytes copied"
check_ids k_gen kernel_gen_ids_vs_host 1 "$w/gen-host.jsonl" tie
session_ids | boot k_gen_smp2 --smp 2 --model "$gen"
check_ids k_gen_smp2 smp2_gen_ids_vs_host 1 "$w/gen-host.jsonl" tie
a=$(grep '^ids: ' "$w/k_gen.out"); b=$(grep '^ids: ' "$w/k_gen_smp2.out")
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass smp2_same_ids; else fail smp2_same_ids "smp 1: '$a', smp 2: '$b'"; fi
# The default load repacks the Q4_0 weights in place (tests/qemu/repack.sh
# tests it further); llm load --no-repack reads the file's rows: the same ids.
expect k_gen repack_in_place "repacked in place: "
{ printf '\nllm load --no-repack /initrd/gen-q4_0.gguf\n'; session_ids | sed 1d; } | boot k_gen_norepack --smp 2 --model "$gen"
r=$(grep '^ids: ' "$w/k_gen_norepack.out")
if [ -n "$a" ] && [ "$a" = "$r" ]; then pass repack_same_ids; else fail repack_same_ids "in place: '$a', file's rows: '$r'"; fi
# -cpu cortex-a72 (no DotProd: the widening-multiply kernels), on 2 cpus: the
# same ids as -cpu max.
{ printf 'info\n'; session_ids; } | boot k_gen_a72 --cpu cortex-a72 --smp 2 --model "$gen"
if grep -qx 'features: FP AdvSIMD' "$w/k_gen_a72.out"; then pass a72_no_dotprod; else
    fail a72_no_dotprod "no 'features: FP AdvSIMD' line (FP and AdvSIMD only) in $w/k_gen_a72.out"; fi
c=$(grep '^ids: ' "$w/k_gen_a72.out")
if [ -n "$a" ] && [ "$a" = "$c" ]; then pass a72_same_ids; else fail a72_same_ids "max: '$a', cortex-a72: '$c'"; fi
if [ "$have_shared" = 1 ]; then
    session_ids | boot k_q4_a72 --cpu cortex-a72 --model "$models/stories260K/stories260K-q4_0.gguf"
    check_ids k_q4_a72 a72_q4_0_ids 1 "$ref/stories260K-q4_0.arm64.jsonl" tie
fi
# llm bench with both thread counts back to back: a row for each and the
# median speed-up; a count the kernel cannot run is refused. Then -npl: the
# rows of 1 and 4 sessions decoding together, and its check that each of the
# 4 sessions' greedy ids equal its solo run.
printf 'llm bench -p 8 -n 8 -r 3 -t 1,2\nllm bench -t 3\nllm bench -p 0 -n 8 -r 1 -t 1,2 -npl 1,4\npoweroff\n' |
    boot k_bench2 --smp 2 --model "$gen"
if grep -q '^| gen-q4_0.gguf | .* | 1 | tg8 | [0-9.]* ± [0-9.]* | - |' "$w/k_bench2.out" &&
   grep -q '^| gen-q4_0.gguf | .* | 2 | tg8 | [0-9.]* ± [0-9.]* | - |' "$w/k_bench2.out" &&
   grep -q '^speed-up pp8: -t 2 over -t 1: [0-9.]*x (median of 3 back-to-back pairs' "$w/k_bench2.out" &&
   grep -q '^speed-up tg8: -t 2 over -t 1: [0-9.]*x' "$w/k_bench2.out"
then pass bench_thread_pairs; else fail bench_thread_pairs "no -t 1,2 rows or speed-up in $w/k_bench2.out"; fi
expect k_bench2 bench_bad_threads "llm bench: -t 3: this kernel runs 1 or all 2 cpus"
if grep -q '^| gen-q4_0.gguf | .* | 1 | tg8 x1 | [0-9.]* ± [0-9.]* | - |' "$w/k_bench2.out" &&
   grep -q '^| gen-q4_0.gguf | .* | 2 | tg8 x4 | [0-9.]* ± [0-9.]* | - |' "$w/k_bench2.out"
then pass bench_parallel_rows; else fail bench_parallel_rows "no tg8 x1 / tg8 x4 rows in $w/k_bench2.out"; fi
expect k_bench2 bench_parallel_ids "tg8 x4: each session's 8 greedy ids equal its solo run"

# ---- bad files, hot swap, Ctrl-C: one boot, the 0x03 sent while the last
# command (a long generation) runs; it is queued behind that command's line.
printf 'Once upon a time, there was a little dog. The dog liked to run in the park with his friend, %s\n' \
    'a small cat. One day they found a big red ball under a tree and played until the sun went down.' >"$w/text.txt"
host_ppl=$(build/host/llm -m "$gen" --perplexity "$w/text.txt" -c 32 2>/dev/null | sed -n 's/^ppl = //p')
host_tok=$(build/host/llm -m "$gen" -p "$prompt" --tokenize 2>/dev/null)
# A special token's text in a prompt is that token (llama-cli's and
# llama-tokenize's parse_special): "A</s> B" gives A's ids, the one id of
# "</s>" (its own prompt: BOS and it) and " B"'s without BOS, in --tokenize
# and in a generation's prompt_ids (tests/host/test_model.c: that id is EOS).
sp_prompt="Once upon</s> a time"
host_sp=$(build/host/llm -m "$gen" -p "$sp_prompt" --tokenize 2>/dev/null)
host_sp_gen=$(build/host/llm -m "$gen" -p "$sp_prompt" -n 1 --temp 0 --json 2>/dev/null |
    sed -n 's/.*"prompt_ids": \[\([0-9, ]*\)\].*/\1/p' | tr -d ,)
sp_alone=$(build/host/llm -m "$gen" -p "</s>" --tokenize 2>/dev/null)
sp_id=$(echo "$sp_alone" | cut -d' ' -f2)
sp_want="$(build/host/llm -m "$gen" -p "Once upon" --tokenize 2>/dev/null) $sp_id $(build/host/llm -m "$gen" \
    -p " a time" --tokenize 2>/dev/null | cut -d' ' -f2-)"
if [ "$(echo "$sp_alone" | wc -w)" = 2 ] && [ "$sp_id" != "${sp_alone%% *}" ] && [ "$host_sp" = "$sp_want" ] &&
   [ "$host_sp_gen" = "$sp_want" ]; then
    pass host_parse_special
else
    fail host_parse_special "'$sp_prompt': --tokenize '$host_sp', prompt_ids '$host_sp_gen', expected '$sp_want' ('</s>': $sp_alone)"
fi
scripts/mkinitrd.sh -o "$w/bad.cpio" "$gen" "$w/truncated.gguf" "$w/garbage.gguf" "$w/text.txt" >/dev/null ||
    { echo "FAIL llm_mkinitrd: failed"; exit 1; }
{
    printf '\nmem\nllm load /initrd/truncated.gguf\nllm info\nllm load /initrd/gen-q4_0.gguf\n'
    printf 'llm load /initrd/truncated.gguf\nllm load /initrd/garbage.gguf\nllm info\n'
    printf 'llm infer -n 8 --temp 0 "%s"\n' "$prompt"
    printf 'llm tokenize %s\nllm perplexity /initrd/text.txt -c 32\n' "$prompt"
    printf 'llm tokenize %s\nllm infer -n 3 --temp 0 --ignore-eos %s\n' "$sp_prompt" "$sp_prompt"
    printf 'llm bench -p 32 -n 16 -r 2\nllm bench -r 0x\n'
    printf 'llm infer -c 1048576 --kv-type f32 too big\nllm load /initrd/gen-q4_0.gguf\n'
    printf 'llm unload\nmem\nllm load /initrd/gen-q4_0.gguf\n' 
    printf 'llm infer -n 100000 -c 8192 --ignore-eos "%s"\n' "$prompt"
    sleep "${CTRLC_DELAY:-8}"
    printf '\003'
    printf 'llm info\npoweroff\n'
} | boot k_bad --mem 256M --initrd "$w/bad.cpio"
expect k_bad truncated_refused "llm: load failed: gguf:"
expect k_bad garbage_refused   "bad magic"
expect k_bad no_model_info     "llm: no model loaded (llm load PATH)"
expect k_bad failed_load_keeps "llm: still loaded: /initrd/gen-q4_0.gguf"
expect k_bad infer_after_errors "[llm] prompt 6 tok "
expect k_bad ctrl_c_stops      "[llm] interrupted (Ctrl-C)"
ours=$(sed -n 's/^ids: //p' "$w/k_bad.out" | head -n 1)
if [ -n "$host_tok" ] && [ "$ours" = "$host_tok" ]; then pass tokenize_vs_host; else
    fail tokenize_vs_host "ours '$ours', host '$host_tok'"; fi
ours=$(sed -n 's/^ids: //p' "$w/k_bad.out" | sed -n 2p)
n_sp=$(sed -n 's/^\[llm\] prompt \([0-9]*\) tok.*| gen 3 tok.*/\1/p' "$w/k_bad.out")
if [ -n "$host_sp" ] && [ "$ours" = "$host_sp" ] && [ "$n_sp" = "$(echo "$host_sp" | wc -w)" ]; then
    pass kernel_parse_special
else
    fail kernel_parse_special "'$sp_prompt': llm tokenize '$ours', llm infer's prompt '$n_sp' tok; host '$host_sp'"
fi
ours=$(sed -n 's/^\[llm\] ppl \([0-9.]*\) over.*/\1/p' "$w/k_bad.out")
if [ -n "$ours" ] && [ -n "$host_ppl" ] &&
   python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-3 * b)" "$ours" "$host_ppl"
then pass perplexity_vs_host; else fail perplexity_vs_host "ours '$ours', host '$host_ppl'"; fi
if grep -q '^llm bench: ' "$w/k_bad.out" && grep -q '^| gen-q4_0.gguf | .* | pp32 | [0-9.]* ± [0-9.]* | - |' "$w/k_bad.out" &&
   grep -q '^| gen-q4_0.gguf | .* | tg16 | [0-9.]* ± [0-9.]* | - |' "$w/k_bad.out"
then pass bench_runs; else fail bench_runs "no pp32/tg16 rows in $w/k_bad.out"; fi
expect k_bad bench_usage "usage: llm bench [-p N] [-n N] [-r N]"
expect k_bad preflight_refuses "llm infer: not enough memory for ctx 1048576: the session needs"
# hot swap and unload give every page and heap block back: pages in use
# outside the heap, and live heap allocations, the same after as before
used=$(awk '/^page_alloc in use/ { u = $4 } /^  heap pages/ { h = $3 } /^heap allocations/ { print u - h, $3 }' \
    "$w/k_bad.out")
if [ "$(echo "$used" | wc -l)" = 2 ] && [ "$(echo "$used" | sort -u | wc -l)" = 1 ]; then
    pass unload_frees_all
else
    fail unload_frees_all "pages in use outside the heap (KiB), heap allocations, before/after: $(echo $used)"
fi
n_gen=$(sed -n 's/.*| gen \([0-9]*\) tok.*/\1/p' "$w/k_bad.out" | tail -n 1)
if [ -n "$n_gen" ] && [ "$n_gen" -lt 8000 ]; then pass ctrl_c_early; else fail ctrl_c_early "gen '$n_gen' tokens"; fi
if [ "$(grep -c '^arch llama' "$w/k_bad.out")" -ge 3 ] && grep -q "powering off" "$w/k_bad.out"; then
    pass ctrl_c_shell_returns
else
    fail ctrl_c_shell_returns "no llm info / poweroff after the interrupt in $w/k_bad.out"
fi

# ---- UEFI: --model puts the file on the ESP (\models\NAME), seen as /boot/NAME.
if [ ! -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || ! command -v mkfs.vfat >/dev/null 2>&1; then
    skip uefi "QEMU_EFI.fd or mkfs.vfat missing"
else
    if [ "$have_shared" = 1 ]; then
        session_ids | boot u_f32 --uefi --esp "$w/esp.img" --model "$models/stories260K/stories260K-f32.gguf"
        expect u_f32 uefi_boot_load "llm: loading /boot/stories260K-f32.gguf (boot argument llm.model)"
        expect u_f32 uefi_zero_copy "/boot/stories260K-f32.gguf: 1185376 bytes mapped, 0 bytes copied"
        check_ids u_f32 uefi_f32_ids 1 "$ref/stories260K-f32.arm64.jsonl" exact
        session_ids | boot u_q4 --uefi --esp "$w/esp.img" --model "$models/stories260K/stories260K-q4_0.gguf"
        check_ids u_q4 uefi_q4_0_ids 1 "$ref/stories260K-q4_0.arm64.jsonl" tie
    fi
    session_ids | boot u_q4km --uefi --esp "$w/esp.img" --model "$k4m"
    check_ids u_q4km uefi_q4_k_m_ids 1 "$k_ids_ref" exact
    if [ "$have_shared" != 1 ]; then
        session_ids | boot u_gen --uefi --esp "$w/esp.img" --model "$gen"
        expect u_gen uefi_gen_zero_copy "/boot/gen-q4_0.gguf: $(wc -c <"$gen") bytes mapped, 0 bytes copied"
        check_ids u_gen uefi_gen_ids_vs_host 1 "$w/gen-host.jsonl" tie
    fi
fi

[ "$fails" -eq 0 ]
