/* llm/text/tokenizer_bpe_test.c: selftests for byte-level BPE and WordPiece on
 * tiny vocabularies written as GGUF in memory: merges by rank (not by their
 * order in the text), ties to the leftmost, GPT-2's byte stand-ins, bytes with
 * no token dropped, user-defined and control tokens, Llama 3's whole-word
 * tokens, decoding; WordPiece's lower-casing, accent stripping, punctuation
 * split, longest match and unknown words. The real vocabularies are tested in
 * tests/host/test_tokenizer.c and tests/golden/vocab.sh. */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/gguf/gguf_write.h"
#include "llm/text/tokenizer.h"

#define G "\xc4\xa0"                 /* U+0120: GPT-2's stand-in for ' ' */

enum { A, B, C, SP, AB, BC, ABC, SP_A, END, USER, C3, A9, E_ACUTE, AC, AA, N_BPE };
static const char *const bpe_pieces[N_BPE] = {
    "a", "b", "c", G, "ab", "bc", "abc", G "a", "<|end|>", "<u>", "\xc3\x83", "\xc2\xa9",
    "\xc3\x83\xc2\xa9", "ac", "aa",
};
static const int32_t bpe_types[N_BPE] = { 1, 1, 1, 1, 1, 1, 1, 1, 3, 4, 1, 1, 1, 1, 1 };
static const char *const bpe_merges[] = { "b c", "a b", G " a", "a bc", "\xc3\x83 \xc2\xa9", "a a" };

enum { UNK, CLS, SEP, HELLO, WORLD, COMMA, WO, RLD, N_WPM };
static const char *const wpm_pieces[N_WPM] = {
    "[UNK]", "[CLS]", "[SEP]", "\xe2\x96\x81hello", "\xe2\x96\x81world", "\xe2\x96\x81,",
    "\xe2\x96\x81wo", "rld",
};
static const int32_t wpm_types[N_WPM] = { 2, 3, 3, 1, 1, 1, 1, 1 };

struct vocab {
    struct gw_buf    file;
    struct gguf_file f;
    struct tokenizer t;
    struct llm_err   err;
};

static int vocab_open(struct vocab *v, bool bpe, const char *pre)
{
    struct gguf_writer w;
    memset(v, 0, sizeof *v);
    gw_init(&w);
    gw_kv_str(&w, "tokenizer.ggml.model", bpe ? "gpt2" : "bert");
    if (pre)
        gw_kv_str(&w, "tokenizer.ggml.pre", pre);
    gw_kv_arr_str(&w, "tokenizer.ggml.tokens", bpe ? bpe_pieces : wpm_pieces, bpe ? N_BPE : N_WPM);
    gw_kv_arr(&w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, bpe ? bpe_types : wpm_types,
              bpe ? N_BPE : N_WPM, 4);
    if (bpe) {
        gw_kv_arr_str(&w, "tokenizer.ggml.merges", bpe_merges, sizeof bpe_merges / sizeof *bpe_merges);
        gw_kv_u32(&w, "tokenizer.ggml.bos_token_id", END);
    } else {
        gw_kv_u32(&w, "tokenizer.ggml.bos_token_id", CLS);
        gw_kv_u32(&w, "tokenizer.ggml.seperator_token_id", SEP);
        gw_kv_u32(&w, "tokenizer.ggml.unknown_token_id", UNK);
    }
    int r = gw_finish(&w, &v->file);
    gw_free(&w);
    if (r || gguf_open(&v->f, v->file.p, v->file.len, &v->err) || tokenizer_init(&v->t, &v->f, &v->err)) {
        gw_buf_free(&v->file);
        return -1;
    }
    return 0;
}

static void vocab_close(struct vocab *v)
{
    tokenizer_free(&v->t);
    gguf_close(&v->f);
    gw_buf_free(&v->file);
}

static bool enc_is(const struct tokenizer *t, const char *text, bool special, const int32_t *want, int n)
{
    int32_t got[32];
    int k = tokenizer_encode(t, text, strlen(text), special, got, 32);
    return k == n && (n == 0 || memcmp(got, want, sizeof *got * (size_t)n) == 0);
}

#define ENC(t, special, text, ...)                                                         \
    do {                                                                                   \
        static const int32_t want_[] = { __VA_ARGS__ };                                    \
        int n_ = (int)(sizeof want_ / sizeof want_[0]) - 1;   /* a -1 ends every list */   \
        ST_CHECK(enc_is(t, text, special, want_, n_), "encode \"%s\" differs", text);      \
    } while (0)

static bool dec_is(const struct tokenizer *t, int32_t id, const char *want)
{
    char buf[32];
    int n = tokenizer_decode(t, -1, id, buf, (int)sizeof buf);
    return n == (int)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

SELFTEST(tokenizer_bpe_merges)
{
    static struct vocab v;
    ST_CHECK(vocab_open(&v, true, "gpt-2") == 0, "init: %s", v.err.msg);
    ST_CHECK(!v.t.add_bos && v.t.n_merges == 6, "gpt-2 defaults");
    ENC(&v.t, false, "abc", ABC, -1);         /* b c (rank 0) before a b (rank 1), then a bc */
    ENC(&v.t, false, "ab", AB, -1);
    ENC(&v.t, false, "aaa", AA, A, -1);       /* a a twice at one rank: the leftmost */
    ENC(&v.t, false, "ac", A, C, -1);         /* no merge "a c": the token ac is not reached */
    ENC(&v.t, false, "ab a", AB, SP_A, -1);   /* " a" is one word: Ġ a merges */
    ENC(&v.t, false, "\xc3\xa9", E_ACUTE, -1);   /* é's bytes C3 A9 as Ã © */
    ENC(&v.t, false, "q\xc3", -1);   /* q has no token; a lone C3 reads as U+FFFD, whose bytes have none */
    ENC(&v.t, false, "a\xc3\xa9" "c", A, E_ACUTE, C, -1);
    ENC(&v.t, false, "a<u>b", A, USER, B, -1);
    ENC(&v.t, false, "<|end|>", -1);          /* control tokens are text: its bytes have no tokens */
    ENC(&v.t, true, "a", A, -1);              /* no BOS unless the vocabulary asks */
    ST_CHECK(dec_is(&v.t, SP_A, " a") && dec_is(&v.t, E_ACUTE, "\xc3\xa9") && dec_is(&v.t, C3, "\xc3") &&
             dec_is(&v.t, USER, "<u>") && dec_is(&v.t, END, ""), "decode");
    vocab_close(&v);
    ST_CHECK(vocab_open(&v, true, "llama-bpe") == 0, "init: %s", v.err.msg);
    ST_CHECK(v.t.add_bos && v.t.ignore_merges, "llama-bpe defaults");
    ENC(&v.t, false, "ac", AC, -1);           /* a word that is a token stays whole */
    ENC(&v.t, true, "abc", END, ABC, -1);
    vocab_close(&v);
    ST_CHECK(vocab_open(&v, true, "no-such-pre") != 0 &&
             strcmp(v.err.msg, "unknown pre-tokenizer type: 'no-such-pre'") == 0, "message: %s", v.err.msg);
}

SELFTEST(tokenizer_wpm)
{
    static struct vocab v;
    ST_CHECK(vocab_open(&v, false, NULL) == 0, "init: %s", v.err.msg);
    ENC(&v.t, false, "Hello, World!", HELLO, COMMA, WORLD, UNK, -1);
    ENC(&v.t, false, "W\xc3\xb6rld  hello", WORLD, HELLO, -1);   /* ö -> o, then lower case */
    ENC(&v.t, false, "wo", WO, -1);
    ENC(&v.t, false, "worlds", UNK, -1);      /* "s" has no piece: the whole word is unknown */
    ENC(&v.t, false, "\xe4\xb8\xad" "hello", UNK, HELLO, -1);   /* a CJK ideograph is a word */
    ENC(&v.t, true, "hello", CLS, HELLO, SEP, -1);
    ENC(&v.t, true, "", CLS, SEP, -1);
    ST_CHECK(dec_is(&v.t, WORLD, " world") && dec_is(&v.t, RLD, "rld") && dec_is(&v.t, CLS, ""), "decode");
    vocab_close(&v);
}
