/* llm/text/tokenizer_bpe.c: byte-level BPE ("gpt2") as llama.cpp's
 * llm_tokenizer_bpe_session runs it on a fragment of raw text:
 *  1. the bytes are read as code points (a bad byte: U+FFFD, as llama.cpp);
 *  2. the pre-tokenizer cuts them into words (pretok.c);
 *  3. each word is written back as UTF-8 and every byte replaced by GPT-2's
 *     printable stand-in (U+0021..U+0143), so pieces never hold a raw space;
 *  4. the word's characters merge by tokenizer.ggml.merges, lowest rank first
 *     (tokenizer_encode.c's merge loop); Llama 3 keeps a word that is itself a
 *     token whole;
 *  5. a symbol that is no token becomes the tokens of its single bytes, where
 *     there are such tokens, else nothing. */
#include "llm/text/tokenizer_impl.h"
#include "llm/text/pretok.h"
#include "llm/text/unicode.h"
#include "llm/platform.h"
#include "lib/string.h"

#define HASH_EMPTY 0xffffffffu

static bool merge_is(const struct tokenizer *t, uint32_t r, const char *l, uint32_t ll, const char *rt,
                     uint32_t rl)
{
    struct gguf_str m = t->merges[r];
    return t->merge_split[r] == ll && m.len == (uint64_t)ll + 1 + rl && memcmp(m.ptr, l, ll) == 0 &&
           memcmp(m.ptr + ll + 1, rt, rl) == 0;
}

int32_t bpe_merge_rank(const struct tokenizer *t, const char *left, uint32_t ll, const char *right,
                       uint32_t rl)
{
    if (ll + 1 + rl > t->max_merge)
        return -1;
    uint32_t h = tokenizer_hash(tokenizer_hash(tokenizer_hash(TOKENIZER_HASH0, left, ll), " ", 1),
                                right, rl);
    uint32_t mask = t->merge_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t r = t->merge_hash[i];
        if (r == HASH_EMPTY)
            return -1;
        if (merge_is(t, r, left, ll, right, rl))
            return (int32_t)r;
    }
}

/* llama.cpp splits a merge at its first space after the first byte; a merge
 * seen before keeps its first (lower) rank. */
static int add_merge(struct tokenizer *t, uint32_t r, struct llm_err *err)
{
    struct gguf_str m = t->merges[r];
    const char *sp = m.len > 1 ? memchr(m.ptr + 1, ' ', (size_t)m.len - 1) : NULL;
    if (!sp)
        return llm_errf(err, "tokenizer.ggml.merges[%u]: no space in \"%.*s\"", r,
                        (int)(m.len > 64 ? 64 : m.len), m.ptr);
    uint32_t ll = (uint32_t)(sp - m.ptr), rl = (uint32_t)m.len - ll - 1;
    t->merge_split[r] = ll;
    if (m.len > t->max_merge)
        t->max_merge = (uint32_t)m.len;
    uint32_t mask = t->merge_cap - 1;
    uint32_t i = tokenizer_hash(TOKENIZER_HASH0, m.ptr, (size_t)m.len) & mask;
    for (; t->merge_hash[i] != HASH_EMPTY; i = (i + 1) & mask)
        if (merge_is(t, t->merge_hash[i], m.ptr, ll, sp + 1, rl))
            return 0;
    t->merge_hash[i] = r;
    return 0;
}

int bpe_load_merges(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err)
{
    struct gguf_arr arr;
    if (gguf_get_arr(f, "tokenizer.ggml.merges", GGUF_TYPE_STRING, &arr, err))
        return -1;
    if (arr.count > (1u << 24))           /* ranks stay exact as float scores */
        return llm_errf(err, "tokenizer.ggml.merges: %llu merges (at most 16777216)",
                        (unsigned long long)arr.count);
    uint32_t n = (uint32_t)arr.count;
    t->merge_cap = 1;
    while (t->merge_cap < 2 * n)
        t->merge_cap <<= 1;
    size_t off_split = ((size_t)n * sizeof *t->merges + 15) & ~(size_t)15;
    size_t off_hash = off_split + (((size_t)n * 4 + 15) & ~(size_t)15);
    t->merge_mem_bytes = off_hash + (size_t)t->merge_cap * 4;
    t->merge_mem = llm_alloc(t->merge_mem_bytes, 16);
    if (!t->merge_mem)
        return llm_errf(err, "tokenizer: out of memory (%zu bytes for %u merges)",
                        t->merge_mem_bytes, n);
    uint8_t *base = t->merge_mem;
    t->merges = (struct gguf_str *)base;
    t->merge_split = (uint32_t *)(base + off_split);
    t->merge_hash = (uint32_t *)(base + off_hash);
    memset(t->merge_hash, 0xff, (size_t)t->merge_cap * 4);
    t->n_merges = n;
    const uint8_t *pos = arr.data;
    for (uint32_t r = 0; r < n; r++) {
        t->merges[r] = gguf_arr_next_str(&pos);
        if (add_merge(t, r, err))
            return -1;
    }
    return 0;
}

/* Step 3: word cpts[0..n) as GPT-2 stand-ins, in UTF-8, into out. */
static uint32_t byte_encode(const uint32_t *cpts, uint32_t n, char *out)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        char u[4];
        int k = uc_encode(cpts[i], u);
        for (int j = 0; j < k; j++)
            o += (uint32_t)uc_encode(uc_byte_to_cpt((uint8_t)u[j]), out + o);
    }
    return o;
}

/* Bytes byte_encode writes for cpts[0..n). */
static uint32_t byte_encoded_len(const uint32_t *cpts, uint32_t n)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        char u[4];
        int k = uc_encode(cpts[i], u);
        for (int j = 0; j < k; j++)
            o += uc_byte_to_cpt((uint8_t)u[j]) < 0x80 ? 1 : 2;
    }
    return o;
}

/* Steps 3-5 for every word; the scratch is sized for the longest. */
static bool encode_words(const struct tokenizer *t, const uint32_t *cpts, const uint32_t *ends,
                         uint32_t n_words, struct tok_out *o)
{
    uint32_t max_wl = 0;
    for (uint32_t w = 0, start = 0; w < n_words; start = ends[w++]) {
        uint32_t wl = byte_encoded_len(cpts + start, ends[w] - start);
        max_wl = wl > max_wl ? wl : max_wl;
    }
    size_t sz_merge = tok_merge_scratch_bytes(max_wl);
    uint8_t *mem = tok_scratch_get(&o->sc[1], sz_merge + max_wl);
    if (!mem)
        return false;
    char *word = (char *)mem + sz_merge;
    bool ok = true;
    for (uint32_t w = 0, start = 0; w < n_words && ok; start = ends[w++]) {
        uint32_t wl = byte_encode(cpts + start, ends[w] - start, word);
        int32_t id = t->ignore_merges ? tokenizer_find(t, word, wl) : -1;
        ok = id >= 0 ? tok_emit(o, id) : tok_merge_emit(t, word, wl, mem, o);
    }
    return ok;
}

bool bpe_encode_fragment(const struct tokenizer *t, const char *text, uint32_t len, struct tok_out *o)
{
    /* code points, their flags, word ends and the pre-tokenizer's scratch: <= len each */
    size_t sz_cp = ((size_t)len * 4 + 15) & ~(size_t)15;
    uint8_t *mem = tok_scratch_get(&o->sc[0], 3 * sz_cp + (size_t)len * 2);
    if (!mem)
        return false;
    uint32_t *cpts = (uint32_t *)mem, *ends = (uint32_t *)(mem + sz_cp), *tmp = (uint32_t *)(mem + 2 * sz_cp);
    uint16_t *flags = (uint16_t *)(mem + 3 * sz_cp);
    uint32_t n = 0;
    for (size_t off = 0; off < len; n++) {
        cpts[n] = uc_decode(text, len, &off);
        flags[n] = uc_flags(cpts[n]);
    }
    uint32_t n_words = pretok_split((enum pretok)t->pre, cpts, flags, n, ends, tmp);
    return encode_words(t, cpts, ends, n_words, o);
}
