#!/bin/sh
# tests/qemu/vocab.sh: the kernel's tokenizers, `llm tokenize-cases` under QEMU,
# on one vocabulary per algorithm from ../shared/models/vocab: llama-spm (SPM),
# gpt-2 (byte-level BPE, GPT-2 pre-tokenizer), deepseek-coder (BPE through the
# regex-list pre-tokenizers) and bert-bge (WordPiece). Each case's ids must
# equal llama.cpp's .out line. Vocab-only files: no `llm load` involved.
cd "$(dirname "$0")/../.." || exit 1
PREFIX=vocab_kernel_
. tests/qemu/lib.sh
VOCAB=${LLM_TEST_MODELS:-../shared/models}/vocab
names="llama-spm gpt-2 deepseek-coder bert-bge"

qemu_need_tools vocab_kernel qemu-system-aarch64
[ -d "$VOCAB" ] || { echo "SKIP vocab_kernel: $VOCAB not present"; exit 0; }
qemu_build kernel
qemu_workdir build/test-vocab
files=""
for n in $names; do files="$files $VOCAB/ggml-vocab-$n.gguf $VOCAB/ggml-vocab-$n.gguf.inp"; done
# shellcheck disable=SC2086
scripts/mkinitrd.sh -o "$w/initrd.cpio" $files >/dev/null || { echo "FAIL vocab_initrd: mkinitrd failed"; exit 1; }
{
    printf '\n'     # the PL011 may drop a byte during console_init()
    for n in $names; do
        printf 'llm tokenize-cases /initrd/ggml-vocab-%s.gguf /initrd/ggml-vocab-%s.gguf.inp\n' "$n" "$n"
    done
    printf 'poweroff\n'
} | BOOT_TIMEOUT=120 boot k --initrd "$w/initrd.cpio"
# The "case:" lines of each run end at its summary line.
for n in $names; do
    awk -v n="$n" '
        /^case:/ { buf = buf substr($0, 6) "\n"; next }
        index($0, "llm tokenize-cases: /initrd/ggml-vocab-" n ".gguf.inp:") == 1 { printf "%s", buf; exit }
        /^llm tokenize-cases: / { buf = "" }' "$w/k.out" >"$w/$n.out"
    want=$VOCAB/ggml-vocab-$n.gguf.out
    k=$(wc -l <"$want")
    if ! grep -q "llm tokenize-cases: /initrd/ggml-vocab-$n.gguf.inp: $k cases" "$w/k.out"; then
        fail "$n" "no summary of $k cases in $w/k.out"
    elif cmp -s "$w/$n.out" "$want"; then
        echo "PASS vocab_kernel_$n: $k/$k cases"
    else
        fail "$n" "$(diff "$w/$n.out" "$want" | grep -c '^>') of $k lines differ ($w/$n.out)"
    fi
done
[ "$fails" -eq 0 ]
