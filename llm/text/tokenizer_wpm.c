/* llm/text/tokenizer_wpm.c: WordPiece ("bert") as llama.cpp's
 * llm_tokenizer_wpm_session runs it on a fragment of raw text:
 *  1. every code point is replaced by the first code point of its NFD (so
 *     accented letters lose the accent, as llama.cpp does), then lower-cased;
 *  2. whitespace separates words; NUL, U+FFFD and control characters vanish;
 *     punctuation, ASCII symbols and CJK ideographs are words of their own;
 *  3. each word, behind a U+2581 (the GGUF's mark of a word start), is covered
 *     by the longest token at each position; if some position has none, the
 *     whole word is the unknown token. */
#include "llm/text/tokenizer_impl.h"
#include "llm/text/unicode.h"
#include "llm/platform.h"
#include "lib/string.h"

static bool is_chinese_char(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B920 && c <= 0x2CEAF) ||   /* sic: HF's Rust code, and llama.cpp, start here */
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* Step 3: word[0..n) starts with U+2581. */
static bool encode_word(const struct tokenizer *t, const char *word, uint32_t n, struct tok_out *o)
{
    int start = o->n;
    for (uint32_t i = 0; i < n;) {
        int32_t best = -1;
        uint32_t best_end = i, h = TOKENIZER_HASH0;
        for (uint32_t j = i; j < n && j - i < t->max_piece; j++) {   /* longest match wins */
            h = tokenizer_hash(h, word + j, 1);
            int32_t id = tokenizer_find_hashed(t, word + i, j + 1 - i, h);
            if (id >= 0)
                best = id, best_end = j + 1;
        }
        if (best < 0) {
            o->n = start;                    /* discard the word */
            break;
        }
        if (!tok_emit(o, best))
            return false;
        i = best_end;
    }
    return o->n > start || (t->unk_id >= 0 ? tok_emit(o, t->unk_id) : true);
}

bool wpm_encode_fragment(const struct tokenizer *t, const char *text, uint32_t len, struct tok_out *o)
{
    /* A word: U+2581 (3 bytes) and <= 4 bytes per code point; code points <= len. */
    char *buf = tok_scratch_get(&o->sc[0], 7 * (size_t)len + 16);
    if (!buf)
        return false;
    uint32_t n = 0;
    bool ok = true;
    for (size_t off = 0, done = 0; !done && ok;) {     /* a space after the text ends its last word */
        done = off == len;
        uint32_t cpt = done ? ' ' : uc_nfd_first(uc_decode(text, len, &off));
        uint16_t f = uc_flags(cpt);
        bool alone = (f & UC_PUNCT) || (cpt < 0x7f && (f & UC_SYMBOL)) || is_chinese_char(cpt);
        if (((f & UC_SPACE) || alone) && n > 0) {     /* finish the word */
            ok = encode_word(t, buf, n, o);
            n = 0;
        }
        if ((f & UC_SPACE) || cpt == 0 || cpt == UC_REPLACEMENT || (f & UC_CONTROL))
            continue;
        if (n == 0) {
            memcpy(buf, "\xe2\x96\x81", 3);
            n = 3;
        }
        n += (uint32_t)uc_encode(uc_tolower(cpt), buf + n);
        if (alone) {
            ok = encode_word(t, buf, n, o);
            n = 0;
        }
    }
    return ok;
}
