/* llm/text/tokenizer.c: loading a vocabulary from GGUF metadata the way
 * llama.cpp's llama_vocab::load does (the BPE merges: tokenizer_bpe.c), the
 * piece -> id index, and the detokenizer (llama_token_to_piece). The encoders
 * are in tokenizer_encode.c (SPM, and the split at user-defined tokens),
 * tokenizer_bpe.c and tokenizer_wpm.c. */
#include "llm/text/tokenizer.h"
#include "llm/text/tokenizer_impl.h"
#include "llm/text/pretok.h"
#include "llm/text/unicode.h"
#include "llm/platform.h"
#include "lib/parse.h"
#include "lib/string.h"

#define HASH_EMPTY 0xffffffffu

int32_t tokenizer_find(const struct tokenizer *t, const char *piece, size_t len)
{
    return tokenizer_find_hashed(t, piece, len, tokenizer_hash(TOKENIZER_HASH0, piece, len));
}

int32_t tokenizer_find_hashed(const struct tokenizer *t, const char *piece, size_t len, uint32_t h)
{
    uint32_t mask = t->hash_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t id = t->hash_ids[i];
        if (id == HASH_EMPTY)
            return -1;
        if (t->pieces[id].len == len && memcmp(t->pieces[id].ptr, piece, len) == 0)
            return (int32_t)id;
    }
}

/* A piece seen twice maps to its last id, as llama.cpp's token_to_id[word] = i. */
static void hash_insert(struct tokenizer *t, uint32_t id)
{
    struct gguf_str p = t->pieces[id];
    uint32_t mask = t->hash_cap - 1;
    uint32_t i = tokenizer_hash(TOKENIZER_HASH0, p.ptr, p.len) & mask;
    for (; t->hash_ids[i] != HASH_EMPTY; i = (i + 1) & mask) {
        struct gguf_str q = t->pieces[t->hash_ids[i]];
        if (q.len == p.len && memcmp(q.ptr, p.ptr, p.len) == 0)
            break;
    }
    t->hash_ids[i] = id;
}

static bool is_int_type(enum gguf_type t)
{
    return t <= GGUF_TYPE_INT32 || t == GGUF_TYPE_UINT64 || t == GGUF_TYPE_INT64;
}

/* Optional key of an expected type (UINT32: any integer type): 1 found,
 * 0 absent, -1 present with another type. */
static int find_opt(const struct gguf_file *f, const char *key, enum gguf_type type,
                    const struct gguf_kv **out, struct llm_err *err)
{
    const struct gguf_kv *kv = gguf_find_key(f, key);
    *out = kv;
    if (!kv)
        return 0;
    if (type == GGUF_TYPE_UINT32 ? !is_int_type(kv->type) : kv->type != type)
        return llm_errf(err, "%s: has type %s, expected %s", key, gguf_type_name(kv->type),
                        gguf_type_name(type));
    return 1;
}

static int get_opt_bool(const struct gguf_file *f, const char *key, bool *val, struct llm_err *err)
{
    const struct gguf_kv *kv;
    int r = find_opt(f, key, GGUF_TYPE_BOOL, &kv, err);
    if (r > 0)
        *val = kv->v.u64 != 0;
    return r < 0 ? -1 : 0;
}

/* llama.cpp keeps the default id when the key holds an id outside the vocab. */
static int get_opt_id(const struct gguf_file *f, const char *key, uint32_t n_vocab, int32_t *id,
                      struct llm_err *err)
{
    const struct gguf_kv *kv;
    if (find_opt(f, key, GGUF_TYPE_UINT32, &kv, err) < 0)
        return -1;
    uint32_t v;
    if (kv && gguf_get_u32(f, key, &v, NULL) == 0 && v < n_vocab)
        *id = (int32_t)v;
    if (*id >= (int64_t)n_vocab)
        *id = -1;
    return 0;
}

/* An optional per-token array: absent -> NULL; else it must have n_vocab elements of elem. */
static int get_opt_arr(const struct gguf_file *f, const char *key, enum gguf_type elem,
                       uint64_t n_vocab, const uint8_t **data, struct llm_err *err)
{
    const struct gguf_kv *kv;
    *data = NULL;
    int r = find_opt(f, key, GGUF_TYPE_ARRAY, &kv, err);
    if (r <= 0)
        return r;
    if (kv->v.arr.elem_type != elem)
        return llm_errf(err, "%s: array of %s, expected %s", key,
                        gguf_type_name(kv->v.arr.elem_type), gguf_type_name(elem));
    if (kv->v.arr.count != n_vocab)
        return llm_errf(err, "%s: %llu entries, but %llu tokens", key,
                        (unsigned long long)kv->v.arr.count, (unsigned long long)n_vocab);
    *data = kv->v.arr.data;
    return 0;
}

static bool name_is_phi3(const struct gguf_file *f)
{
    const struct gguf_kv *kv = gguf_find_key(f, "general.name");
    if (!kv || kv->type != GGUF_TYPE_STRING)
        return false;
    char low[64];
    size_t n = kv->v.str.len < sizeof low - 1 ? (size_t)kv->v.str.len : sizeof low - 1;
    for (size_t i = 0; i < n; i++) {
        char c = kv->v.str.ptr[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    low[n] = 0;
    return strstr(low, "phi-3") || strstr(low, "phi3");
}

static void find_byte_tokens(struct tokenizer *t)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; b++) {
        char name[6] = { '<', '0', 'x', hex[b >> 4], hex[b & 15], '>' };
        char raw = (char)b;
        t->byte_ids[b] = tokenizer_find(t, name, 6);
        if (t->byte_ids[b] < 0)           /* llama.cpp's fallback: the byte itself as a piece */
            t->byte_ids[b] = tokenizer_find(t, &raw, 1);
    }
}

/* id into list[0..*n), longest piece first; equal lengths by id. */
static void insert_by_length(const struct tokenizer *t, int32_t *list, uint32_t *n, uint32_t id)
{
    uint32_t j = (*n)++;
    for (; j > 0 && t->pieces[list[j - 1]].len < t->pieces[id].len; j--)
        list[j] = list[j - 1];
    list[j] = (int32_t)id;
}

/* The special tokens (CONTROL, USER_DEFINED, UNKNOWN) and the USER_DEFINED
 * ones among them, longest piece first (llama.cpp's special-token cache
 * order). Insertion sort: such tokens are few. */
static void collect_special_tokens(struct tokenizer *t)
{
    for (uint32_t id = 0; id < t->n_vocab; id++) {
        const uint8_t ty = t->types[id];
        if (ty == TOKEN_CONTROL || ty == TOKEN_USER_DEFINED || ty == TOKEN_UNKNOWN)
            insert_by_length(t, t->special_ids, &t->n_special, id);
        if (ty == TOKEN_USER_DEFINED)
            insert_by_length(t, t->user_ids, &t->n_user, id);
    }
}

static size_t align_up(size_t x)
{
    return (x + 15) & ~(size_t)15;
}

/* tokenizer.ggml.model and .pre, and llama.cpp's defaults for each model. */
static int read_model(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err)
{
    struct gguf_str model, pre = { "default", 7 };
    const struct gguf_kv *kv;
    if (gguf_get_str(f, "tokenizer.ggml.model", &model, err) ||
        find_opt(f, "tokenizer.ggml.pre", GGUF_TYPE_STRING, &kv, err) < 0)
        return -1;
    if (kv)
        pre = kv->v.str;
    t->bos_id = -1, t->eos_id = -1, t->unk_id = -1, t->sep_id = -1;
    if (gguf_str_eq(model, "llama")) {
        t->model = TOK_SPM;
        t->bos_id = 1, t->eos_id = 2, t->unk_id = 0;
        t->add_bos = true, t->add_space_prefix = true;
    } else if (gguf_str_eq(model, "bert")) {
        t->model = TOK_WPM;
        t->bos_id = 101, t->unk_id = 100, t->sep_id = 102;
        t->add_bos = true;
    } else if (gguf_str_eq(model, "gpt2")) {
        t->model = TOK_BPE;
        t->bos_id = 11, t->eos_id = 11;
        int p = pretok_from_name(pre.ptr, (size_t)pre.len);
        if (p < 0)
            return llm_errf(err, "unknown pre-tokenizer type: '%.*s'",
                            (int)(pre.len > 64 ? 64 : pre.len), pre.ptr);
        t->pre = (uint8_t)p;
        /* Llama 3's vocabulary: whole-word tokens before merges, and a BOS. */
        t->ignore_merges = t->add_bos = gguf_str_eq(pre, "llama3") ||
                                        gguf_str_eq(pre, "llama-v3") || gguf_str_eq(pre, "llama-bpe");
    } else {
        return llm_errf(err, "unsupported tokenizer %.*s", (int)(model.len > 64 ? 64 : model.len),
                        model.ptr);
    }
    return 0;
}

int tokenizer_init(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err)
{
    memset(t, 0, sizeof *t);
    if (read_model(t, f, err))
        return -1;
    struct gguf_arr tokens;
    if (gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, err))
        return -1;
    if (tokens.count == 0 || tokens.count > (1u << 24))
        return llm_errf(err, "tokenizer.ggml.tokens: %llu tokens (want 1..16777216)",
                        (unsigned long long)tokens.count);
    uint32_t n = (uint32_t)tokens.count;
    const uint8_t *scores, *types;
    if (get_opt_arr(f, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, n, &scores, err) ||
        get_opt_arr(f, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, n, &types, err))
        return -1;

    t->n_vocab = n;
    if (get_opt_id(f, "tokenizer.ggml.bos_token_id", n, &t->bos_id, err) ||
        get_opt_id(f, "tokenizer.ggml.eos_token_id", n, &t->eos_id, err) ||
        get_opt_id(f, "tokenizer.ggml.unknown_token_id", n, &t->unk_id, err) ||
        get_opt_id(f, "tokenizer.ggml.seperator_token_id", n, &t->sep_id, err) ||
        get_opt_bool(f, "tokenizer.ggml.add_bos_token", &t->add_bos, err) ||
        get_opt_bool(f, "tokenizer.ggml.add_eos_token", &t->add_eos, err) ||
        get_opt_bool(f, "tokenizer.ggml.add_space_prefix", &t->add_space_prefix, err))
        return -1;
    if (t->add_bos && t->bos_id < 0)
        return llm_errf(err, "tokenizer.ggml.add_bos_token is true, but there is no BOS token");
    if (t->add_eos && t->eos_id < 0)
        return llm_errf(err, "tokenizer.ggml.add_eos_token is true, but there is no EOS token");

    t->hash_cap = 1;
    while (t->hash_cap < 2 * n)
        t->hash_cap <<= 1;
    size_t off_scores = align_up((size_t)n * sizeof *t->pieces);
    size_t off_hash = off_scores + align_up((size_t)n * sizeof *t->scores);
    size_t off_user = off_hash + align_up((size_t)t->hash_cap * sizeof *t->hash_ids);
    size_t off_special = off_user + align_up((size_t)n * sizeof *t->user_ids);
    size_t off_types = off_special + align_up((size_t)n * sizeof *t->special_ids);
    t->mem_bytes = off_types + n;
    t->mem = llm_alloc(t->mem_bytes, 16);
    if (!t->mem)
        return llm_errf(err, "tokenizer: out of memory (%zu bytes for %u tokens)", t->mem_bytes, n);
    uint8_t *base = t->mem;
    t->pieces = (struct gguf_str *)base;
    t->scores = (float *)(base + off_scores);
    t->hash_ids = (uint32_t *)(base + off_hash);
    t->user_ids = (int32_t *)(base + off_user);
    t->special_ids = (int32_t *)(base + off_special);
    t->types = base + off_types;
    memset(t->hash_ids, 0xff, (size_t)t->hash_cap * sizeof *t->hash_ids);

    const uint8_t *pos = tokens.data;
    for (uint32_t i = 0; i < n; i++) {
        t->pieces[i] = gguf_arr_next_str(&pos);
        if (t->pieces[i].len > t->max_piece)
            t->max_piece = t->pieces[i].len > UINT32_MAX ? UINT32_MAX : (uint32_t)t->pieces[i].len;
        int32_t ty = TOKEN_NORMAL;
        if (scores)                      /* the file's arrays need not be aligned */
            memcpy(&t->scores[i], scores + 4 * (size_t)i, 4);
        if (types)
            memcpy(&ty, types + 4 * (size_t)i, 4);
        t->types[i] = ty >= TOKEN_NORMAL && ty <= TOKEN_BYTE ? (uint8_t)ty : 0;  /* 0: undefined */
        if (t->pieces[i].len > 0)        /* an empty piece can match no text */
            hash_insert(t, i);
    }
    find_byte_tokens(t);
    collect_special_tokens(t);
    t->rstrip_user = name_is_phi3(f);
    if (t->model == TOK_BPE && bpe_load_merges(t, f, err)) {
        tokenizer_free(t);
        return -1;
    }
    return 0;
}

void tokenizer_free(struct tokenizer *t)
{
    if (t->mem)
        llm_free(t->mem, t->mem_bytes);
    if (t->merge_mem)
        llm_free(t->merge_mem, t->merge_mem_bytes);
    memset(t, 0, sizeof *t);
}

/* "<0xXX>" -> XX; -1 when the piece is not of that form. */
static int byte_of_piece(struct gguf_str p)
{
    uint64_t v;
    if (p.len != 6 || memcmp(p.ptr, "<0x", 3) != 0 || p.ptr[5] != '>' || !parse_digits(p.ptr + 3, 2, 16, &v))
        return -1;
    return (int)v;
}

/* A byte-level BPE piece back to bytes (llama_decode_text): every code point is
 * GPT-2's stand-in for a byte; one that is not reads "[UNK_BYTE_0x<its UTF-8 in
 * hex><the whole piece>]". */
static int decode_bytes(struct gguf_str p, char *buf, int cap)
{
    static const char hex[] = "0123456789abcdef";
    int n = 0;
    for (size_t off = 0; off < p.len && n < cap;) {
        uint32_t cpt = uc_decode(p.ptr, (size_t)p.len, &off);
        int b = uc_cpt_to_byte(cpt);
        if (b >= 0) {
            buf[n++] = (char)b;
            continue;
        }
        char u[4], tmp[64];
        int k = uc_encode(cpt, u), m = 12;
        memcpy(tmp, "[UNK_BYTE_0x", 12);
        for (int i = 0; i < k; i++)
            tmp[m++] = hex[(uint8_t)u[i] >> 4], tmp[m++] = hex[u[i] & 15];
        for (int i = 0; i < m && n < cap; i++)
            buf[n++] = tmp[i];
        for (size_t i = 0; i < p.len && n < cap; i++)
            buf[n++] = p.ptr[i];
        if (n < cap)
            buf[n++] = ']';
    }
    return n;
}

int tokenizer_decode(const struct tokenizer *t, int32_t prev, int32_t id, char *buf, int cap)
{
    if (id < 0 || (uint32_t)id >= t->n_vocab || cap <= 0)
        return 0;
    struct gguf_str p = t->pieces[id];
    bool unescape = false;
    char byte;
    switch (t->types[id]) {
    case TOKEN_NORMAL:
        if (t->model == TOK_BPE)
            return decode_bytes(p, buf, cap);
        unescape = true;
        break;
    case TOKEN_USER_DEFINED:
        break;
    case TOKEN_BYTE: {
        int b = t->model == TOK_BPE ? -1 : byte_of_piece(p);
        if (b < 0)
            return 0;
        byte = (char)b;
        p.ptr = &byte, p.len = 1;
        break;
    }
    default:                             /* control, unknown, unused, undefined: not printed */
        return 0;
    }
    bool strip = prev < 0 && t->add_space_prefix;
    int n = 0;
    for (uint64_t i = 0; i < p.len && n < cap; i++) {
        char c = p.ptr[i];
        if (unescape && i + 2 < p.len && memcmp(p.ptr + i, "\xe2\x96\x81", 3) == 0)
            c = ' ', i += 2;
        if (strip && c == ' ') {
            strip = false;
            continue;
        }
        strip = false;
        buf[n++] = c;
    }
    return n;
}
