#!/bin/sh
# tests/golden/vocab.sh: `llm --tokenize-cases` against llama.cpp's tokenizer
# test vectors: for every ../shared/models/vocab/*.gguf with an .inp/.out pair
# (SPM, byte-level BPE with its pre-tokenizers, WordPiece), the ids printed for
# each case must equal the .out file line for line. Also the Unicode table is
# what scripts/gen_unicode.py makes of this machine's UCD, when it has one.
# Prints PASS/FAIL/SKIP lines; SKIPs when ../shared is absent.
cd "$(dirname "$0")/../.." || exit 1
VOCAB=../shared/models/vocab
LLM=${LLM:-build/host/llm}

if [ -f /usr/share/unicode/UnicodeData.txt ] && command -v python3 >/dev/null 2>&1; then
    if python3 scripts/gen_unicode.py | cmp -s - llm/text/unicode_data.c; then
        echo "PASS unicode_data.c: regenerated from /usr/share/unicode, identical"
    else
        echo "FAIL unicode_data.c: differs from scripts/gen_unicode.py's output (rerun it)"
    fi
else
    echo "SKIP unicode_data.c: no /usr/share/unicode (Debian unicode-data) to regenerate from"
fi
if [ ! -d "$VOCAB" ]; then
    echo "SKIP vocab: $VOCAB not present"
    exit 0
fi
if [ ! -x "$LLM" ]; then
    echo "FAIL vocab: $LLM not built (make host)"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for inp in "$VOCAB"/*.gguf.inp; do
    gguf=${inp%.inp}
    name=$(basename "$gguf" .gguf)
    if ! "$LLM" -m "$gguf" --tokenize-cases "$inp" >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL $name: $(head -c 300 "$tmp/err")"
        continue
    fi
    n=$(wc -l <"$gguf.out")
    bad=$(diff "$tmp/out" "$gguf.out" | grep -c '^>')
    if cmp -s "$tmp/out" "$gguf.out"; then
        echo "PASS $name: $n/$n cases"
    else
        echo "FAIL $name: $bad of $n .out lines differ; first: $(diff "$tmp/out" "$gguf.out" | head -3 | tr '\n' ' ')"
    fi
done
