/* llm/text/tokenizer_test.c: selftests for the SPM tokenizer on a tiny vocabulary
 * written as GGUF in memory: merge order by score (ties leftmost), byte
 * fallback (<0xXX>, the byte-as-piece fallback, unk), multi-byte and broken
 * UTF-8, the space prefix, user-defined tokens, decoding, and the checks of
 * tokenizer_init. The real vocabularies are tested in tests/host/test_tokenizer.c. */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/gguf/gguf_write.h"
#include "llm/text/tokenizer.h"

#define SP "\xe2\x96\x81"   /* U+2581, SentencePiece's space */

enum { UNK, BOS, EOS, B0A, BC3, BA9, SPACE, A, B, C, AB, BC, SP_A, ABC, E_ACUTE, SP_E_ACUTE,
       USER, X, EURO, XA, AX, N_TINY };

static const char *const tiny_pieces[N_TINY] = {
    "<unk>", "<s>", "</s>", "<0x0A>", "<0xC3>", "<0xA9>", SP, "a", "b", "c", "ab", "bc", SP "a",
    "abc", "\xc3\xa9", SP "\xc3\xa9", "<user>", "x", "\xe2\x82\xac", "xa", "ax",
};
static const float tiny_scores[N_TINY] = {
    0, 0, 0, 0, 0, 0, -1, -2, -2, -2, -0.5f, -0.2f, -0.3f, -0.1f, -3, -0.4f, 0, -2, -3, -0.7f, -0.7f,
};
static const int32_t tiny_types[N_TINY] = {
    TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL, TOKEN_BYTE, TOKEN_BYTE, TOKEN_BYTE,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, TOKEN_USER_DEFINED, 1, 1, 1, 1,
};

struct tiny {
    struct gw_buf    file;
    struct gguf_file f;
    struct tokenizer t;
    struct llm_err   err;
};

/* Variants of the vocabulary for the init checks. */
struct tiny_opts {
    const char *model;
    int         n_scores;        /* entries in tokenizer.ggml.scores */
    bool        types_as_f32;    /* token_type with the wrong element type */
    bool        no_space_prefix;
    uint32_t    bos_id;          /* written when != 0 */
};

static int tiny_open(struct tiny *v, const struct tiny_opts *o)
{
    struct gguf_writer w;
    memset(v, 0, sizeof *v);
    gw_init(&w);
    gw_kv_str(&w, "tokenizer.ggml.model", o->model ? o->model : "llama");
    gw_kv_arr_str(&w, "tokenizer.ggml.tokens", tiny_pieces, N_TINY);
    gw_kv_arr(&w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, tiny_scores,
              o->n_scores ? (uint64_t)o->n_scores : N_TINY, 4);
    gw_kv_arr(&w, "tokenizer.ggml.token_type", o->types_as_f32 ? GGUF_TYPE_FLOAT32 : GGUF_TYPE_INT32,
              tiny_types, N_TINY, 4);
    if (o->no_space_prefix) {
        uint8_t no = 0;
        gw_key(&w, "tokenizer.ggml.add_space_prefix", GGUF_TYPE_BOOL);
        gw_bytes(&w.meta, &no, 1);
    }
    if (o->bos_id)
        gw_kv_u32(&w, "tokenizer.ggml.bos_token_id", o->bos_id);
    int r = gw_finish(&w, &v->file);
    gw_free(&w);
    if (r || gguf_open(&v->f, v->file.p, v->file.len, &v->err)) {
        gw_buf_free(&v->file);
        return -1;
    }
    if (tokenizer_init(&v->t, &v->f, &v->err)) {
        gguf_close(&v->f);
        gw_buf_free(&v->file);
        return -1;
    }
    return 0;
}

static void tiny_close(struct tiny *v)
{
    tokenizer_free(&v->t);
    gguf_close(&v->f);
    gw_buf_free(&v->file);
}

/* Encode text (no BOS) and compare with want[0..n). */
static bool enc_is(const struct tokenizer *t, const char *text, const int32_t *want, int n)
{
    int32_t got[32];
    int k = tokenizer_encode(t, text, strlen(text), false, got, 32);
    return k == n && memcmp(got, want, sizeof *got * (size_t)n) == 0;
}

#define ENC(t, text, ...)                                                                 \
    do {                                                                                  \
        static const int32_t want_[] = { __VA_ARGS__ };                                   \
        ST_CHECK(enc_is(t, text, want_, (int)(sizeof want_ / sizeof want_[0])),           \
                 "encode \"%s\" differs", text);                                          \
    } while (0)

SELFTEST(tokenizer_merges_by_score)
{
    static struct tiny v;
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ 0 }) == 0, "init: %s", v.err.msg);
    ENC(&v.t, "abc", SPACE, ABC);        /* bc (-0.2) first, then a+bc = abc (-0.1) beats _a */
    ENC(&v.t, "ab", SP_A, B);            /* _a (-0.3) beats ab (-0.5) */
    ENC(&v.t, "xax", SPACE, XA, X);      /* xa and ax tie: the leftmost merges */
    ENC(&v.t, "a b", SP_A, SPACE, B);    /* inner spaces are U+2581 too */
    ENC(&v.t, "  a", SPACE, SPACE, SP_A);
    tiny_close(&v);
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .no_space_prefix = true }) == 0, "init");
    ENC(&v.t, "abc", ABC);
    ENC(&v.t, " a", SP_A);
    tiny_close(&v);
}

SELFTEST(tokenizer_bytes_and_utf8)
{
    static struct tiny v;
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ 0 }) == 0, "init: %s", v.err.msg);
    ENC(&v.t, "\n", SPACE, B0A);                    /* no piece: <0x0A> */
    ENC(&v.t, "\xc3\xa9\xc3\xa9", SP_E_ACUTE, E_ACUTE);
    ENC(&v.t, "\xe2\x82\xac", SPACE, EURO);         /* 3-byte character as one symbol */
    ENC(&v.t, "\xc3\xbc", SPACE, BC3, UNK);         /* no <0xBC>, no such piece: unk */
    ENC(&v.t, "\xc3", SPACE, BC3);                  /* truncated sequence at the end */
    ENC(&v.t, "\xc3" "a", SPACE, BC3, A);           /* lead byte swallows 'a'; 'a' falls back to its piece */
    int32_t ids[4];
    ST_CHECK(tokenizer_encode(&v.t, "", 0, false, ids, 4) == 0, "empty text gave ids");
    ST_CHECK(tokenizer_encode(&v.t, "", 0, true, ids, 4) == 1 && ids[0] == BOS, "empty text + BOS");
    ST_CHECK(tokenizer_encode(&v.t, "abc", 3, true, ids, 4) == 3 && ids[0] == BOS && ids[2] == ABC,
             "BOS + abc");
    ST_CHECK(tokenizer_encode(&v.t, "abc", 3, true, ids, 2) == -1, "overflow not reported");
    ST_CHECK(v.t.byte_ids[0x0a] == B0A && v.t.byte_ids['a'] == A && v.t.byte_ids[0xbc] == -1,
             "byte ids %d %d %d", (int)v.t.byte_ids[0x0a], (int)v.t.byte_ids['a'],
             (int)v.t.byte_ids[0xbc]);
    tiny_close(&v);
}

SELFTEST(tokenizer_user_defined_split)
{
    static struct tiny v;
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ 0 }) == 0, "init: %s", v.err.msg);
    ST_CHECK(v.t.n_user == 1 && v.t.user_ids[0] == USER && !v.t.rstrip_user, "user tokens");
    ENC(&v.t, "a<user>b", SP_A, USER, SPACE, B);    /* the text after it gets a space prefix */
    ENC(&v.t, "<user><user>", USER, USER);
    ENC(&v.t, "<s>", SPACE, UNK, UNK, UNK);         /* control tokens are not parsed: bytes, unk */
    tiny_close(&v);
}

static bool dec_is(const struct tokenizer *t, int32_t prev, int32_t id, const char *want)
{
    char buf[16];
    int n = tokenizer_decode(t, prev, id, buf, sizeof buf);
    return n == (int)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

SELFTEST(tokenizer_decode_pieces)
{
    static struct tiny v;
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ 0 }) == 0, "init: %s", v.err.msg);
    ST_CHECK(dec_is(&v.t, A, SP_A, " a"), "_a after a token");
    ST_CHECK(dec_is(&v.t, -1, SP_A, "a"), "_a first: the prefix space goes");
    ST_CHECK(dec_is(&v.t, BOS, SP_A, " a"), "_a after BOS keeps its space (llama.cpp)");
    ST_CHECK(dec_is(&v.t, A, SP_E_ACUTE, " \xc3\xa9"), "_e-acute");
    ST_CHECK(dec_is(&v.t, A, B0A, "\n") && dec_is(&v.t, A, BC3, "\xc3"), "byte pieces");
    ST_CHECK(dec_is(&v.t, A, BOS, "") && dec_is(&v.t, A, EOS, "") && dec_is(&v.t, A, UNK, ""),
             "control and unknown print nothing");
    ST_CHECK(dec_is(&v.t, A, USER, "<user>"), "user-defined prints as is");
    ST_CHECK(dec_is(&v.t, A, N_TINY, "") && dec_is(&v.t, A, -5, ""), "out of range ids");
    char buf[2];
    ST_CHECK(tokenizer_decode(&v.t, A, ABC, buf, 2) == 2 && buf[0] == 'a' && buf[1] == 'b',
             "truncation to cap");
    ST_CHECK(v.t.max_piece == 6, "max_piece %u", v.t.max_piece);

    /* encode then decode gives the text back (with the prefix space dropped) */
    const char *text = "ab c\n\xc3\xa9<user>x";
    int32_t ids[32];
    char out[64];
    int n = tokenizer_encode(&v.t, text, strlen(text), true, ids, 32), len = 0;
    ST_CHECK(n > 0, "encode");
    for (int i = 1; i < n; i++)
        len += tokenizer_decode(&v.t, i > 1 ? ids[i - 1] : -1, ids[i], out + len, (int)sizeof out - len);
    /* the user token's following text got a space prefix of its own: llama.cpp does the same */
    ST_CHECK(len == (int)strlen("ab c\n\xc3\xa9<user> x") &&
             memcmp(out, "ab c\n\xc3\xa9<user> x", (size_t)len) == 0, "round trip: %.*s", len, out);
    tiny_close(&v);
}

SELFTEST(tokenizer_init_checks)
{
    static struct tiny v;
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .model = "rwkv" }) != 0, "rwkv accepted");
    ST_CHECK(strcmp(v.err.msg, "unsupported tokenizer rwkv") == 0, "message: %s", v.err.msg);
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .model = "gpt2" }) != 0, "gpt2 without merges accepted");
    ST_CHECK(strstr(v.err.msg, "tokenizer.ggml.merges") != NULL, "message: %s", v.err.msg);
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .n_scores = N_TINY - 1 }) != 0, "short scores accepted");
    ST_CHECK(strstr(v.err.msg, "tokenizer.ggml.scores") != NULL, "message: %s", v.err.msg);
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .types_as_f32 = true }) != 0, "f32 token types accepted");
    ST_CHECK(strstr(v.err.msg, "tokenizer.ggml.token_type") != NULL, "message: %s", v.err.msg);

    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .bos_id = 1000 }) == 0, "init: %s", v.err.msg);
    ST_CHECK(v.t.bos_id == 1 && v.t.eos_id == 2 && v.t.unk_id == 0, "out-of-range BOS not defaulted");
    ST_CHECK(v.t.add_bos && v.t.add_space_prefix && v.t.n_vocab == N_TINY, "defaults");
    ST_CHECK(tokenizer_find(&v.t, "abc", 3) == ABC && tokenizer_find(&v.t, "abd", 3) == -1 &&
             tokenizer_find(&v.t, SP "a", 4) == SP_A, "find");
    tiny_close(&v);
    ST_CHECK(tiny_open(&v, &(struct tiny_opts){ .bos_id = EOS }) == 0, "init: %s", v.err.msg);
    ST_CHECK(v.t.bos_id == EOS, "bos_token_id ignored");
    tiny_close(&v);
}
