/* llm/text/tokenizer_encode.c: text -> token ids as llama.cpp's llama_tokenize,
 * and the SPM ("llama") encoder:
 *  1. user-defined tokens (with parse_special, every special token: control
 *     and unknown ones too) are cut out of the text first (longest piece
 *     first), whatever the model; each remaining fragment goes to the model's
 *     encoder (BPE: tokenizer_bpe.c, WPM: tokenizer_wpm.c);
 *  2. SPM: a fragment gets a leading space when it starts the text or follows
 *     such a token (add_space_prefix), and spaces become U+2581;
 *  3. the fragment is split into UTF-8 characters (length from the lead byte
 *     only, as llama.cpp's unicode_len_utf8), and the adjacent pair whose
 *     concatenation is the best-scoring piece is merged, ties to the leftmost,
 *     until no pair is a piece (a binary heap of candidate pairs, O(n log n));
 *     BPE runs the same loop per word with the merge rank as the score;
 *  4. symbols that are not pieces become their bytes' <0xXX> tokens, or unk
 *     (BPE: their single bytes as pieces, when they are). */
#include "llm/text/tokenizer.h"
#include "llm/text/tokenizer_impl.h"
#include "llm/platform.h"
#include "lib/string.h"

struct sym {                 /* a run of the text; n = 0 once merged away */
    int32_t  prev, next;
    uint32_t off, n;
};

struct bigram {              /* candidate merge of sym left and its next, right */
    int32_t  left, right;
    float    score;          /* BPE: -rank (exact: ranks < 2^24) */
    uint32_t size;           /* bytes of left + right when the pair was seen */
};

struct frag {                /* a piece of the input: raw text, or a user-defined token */
    uint32_t off, len;
    int32_t  id;             /* -1: raw text */
};

struct merger {
    const struct tokenizer *t;
    const char    *buf;      /* the text being merged */
    struct sym    *sym;
    struct bigram *heap;
    uint32_t       n_heap;
};

/* Heap order: higher score first, then the leftmost pair. */
static bool bigram_before(const struct bigram *a, const struct bigram *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct merger *e, struct bigram b)
{
    uint32_t i = e->n_heap++;
    while (i > 0 && bigram_before(&b, &e->heap[(i - 1) / 2])) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = b;
}

static struct bigram heap_pop(struct merger *e)
{
    struct bigram top = e->heap[0], last = e->heap[--e->n_heap];
    uint32_t i = 0, n = e->n_heap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && bigram_before(&e->heap[c + 1], &e->heap[c]))
            c++;
        if (!bigram_before(&e->heap[c], &last))
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n > 0)
        e->heap[i] = last;
    return top;
}

static void try_bigram(struct merger *e, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return;
    const struct sym *l = &e->sym[left], *r = &e->sym[right];
    uint32_t size = l->n + r->n;
    float score;
    if (e->t->model == TOK_BPE) {
        int32_t rank = bpe_merge_rank(e->t, e->buf + l->off, l->n, e->buf + r->off, r->n);
        if (rank < 0)
            return;
        score = -(float)rank;
    } else {
        int32_t id = tokenizer_find(e->t, e->buf + l->off, size);
        if (id < 0)
            return;
        score = e->t->scores[id];
    }
    heap_push(e, (struct bigram){ left, right, score, size });
}

static bool emit_symbol(const struct tokenizer *t, const char *text, uint32_t n, struct tok_out *o)
{
    int32_t id = tokenizer_find(t, text, n);
    if (id >= 0)
        return tok_emit(o, id);
    for (uint32_t i = 0; i < n; i++) {
        if (t->model == TOK_BPE)                    /* the byte as a piece, else nothing */
            id = tokenizer_find(t, text + i, 1);
        else if ((id = t->byte_ids[(uint8_t)text[i]]) < 0)   /* byte fallback */
            id = t->unk_id;
        if (id >= 0 && !tok_emit(o, id))
            return false;
    }
    return true;
}

static uint32_t utf8_len(char lead)
{
    static const uint8_t len[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return len[(uint8_t)lead >> 4];
}

static void merge_symbols(struct merger *e, uint32_t len)
{
    int32_t n_sym = 0;
    for (uint32_t off = 0; off < len; n_sym++) {
        uint32_t n = utf8_len(e->buf[off]);
        if (n > len - off)
            n = len - off;
        e->sym[n_sym] = (struct sym){ n_sym - 1, -1, off, n };
        if (n_sym > 0)
            e->sym[n_sym - 1].next = n_sym;
        off += n;
    }
    e->n_heap = 0;
    for (int32_t i = 1; i < n_sym; i++)
        try_bigram(e, i - 1, i);
    while (e->n_heap > 0) {
        struct bigram b = heap_pop(e);
        struct sym *l = &e->sym[b.left], *r = &e->sym[b.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
            continue;                           /* stale: one side changed since */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            e->sym[r->next].prev = b.left;
        try_bigram(e, l->prev, b.left);
        try_bigram(e, b.left, l->next);
    }
}

void *tok_scratch_get(struct tok_scratch *s, size_t bytes)
{
    if (bytes <= s->bytes)
        return s->p;
    if (s->p)
        llm_free(s->p, s->bytes);
    s->p = llm_alloc(bytes, 16);
    s->bytes = s->p ? bytes : 0;
    return s->p;
}

/* n symbols; pairs: n - 1 at first, 2 more per merge */
size_t tok_merge_scratch_bytes(uint32_t len)
{
    return (size_t)len * sizeof(struct sym) + 3 * (size_t)len * sizeof(struct bigram);
}

bool tok_merge_emit(const struct tokenizer *t, const char *buf, uint32_t len, void *scratch,
                    struct tok_out *o)
{
    if (len == 0)
        return true;
    struct merger e = { .t = t, .buf = buf, .sym = scratch };
    e.heap = (struct bigram *)(e.sym + len);
    merge_symbols(&e, len);
    bool ok = true;
    for (int32_t i = 0; i != -1 && ok; i = e.sym[i].next)
        ok = emit_symbol(t, buf + e.sym[i].off, e.sym[i].n, o);
    return ok;
}

/* SPM, steps 2-4. A stray lead byte can split a U+2581 into single-byte
 * symbols, so symbols are bounded by the escaped bytes, not characters. */
static bool spm_encode_fragment(const struct tokenizer *t, const char *src, uint32_t len, bool prefix,
                                struct tok_out *o)
{
    size_t n_buf = len + 3;
    for (uint32_t i = 0; i < len; i++)
        n_buf += src[i] == ' ' ? 2 : 0;
    size_t scratch = tok_merge_scratch_bytes((uint32_t)n_buf);
    uint8_t *mem = tok_scratch_get(&o->sc[0], scratch + n_buf);
    if (!mem)
        return false;
    char *buf = (char *)mem + scratch;
    uint32_t bl = 0;
    if (prefix) {
        memcpy(buf, "\xe2\x96\x81", 3);
        bl = 3;
    }
    for (uint32_t i = 0; i < len; i++) {
        if (src[i] == ' ') {
            memcpy(buf + bl, "\xe2\x96\x81", 3);
            bl += 3;
        } else {
            buf[bl++] = src[i];
        }
    }
    return tok_merge_emit(t, buf, bl, mem, o);
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Step 1, as llama.cpp's tokenizer_st_partition: user tokens in priority order,
 * each taking every leftmost non-overlapping occurrence that lies wholly in
 * text no earlier token took. The text can hold many (deepseek-llm has 2398),
 * so a token is looked for only where its first two bytes are: chains of the
 * positions of every byte pair (and byte, for one-byte tokens), each walked
 * once per token. at[i]: -1 free text, an id where a token starts, -2 taken
 * (inside a token, or whitespace Phi-3 drops after one). */
#define NO_POS 0xffffffffu
#define FREE   (-1)
#define TAKEN  (-2)

struct user_split {
    int32_t  *at;
    uint32_t *next1, *next2;               /* next position with the same byte / byte pair */
    uint32_t  first1[256], *first2;        /* first2: 65536 heads */
};

static uint32_t pair_at(const char *text, uint32_t i)
{
    return (uint32_t)(uint8_t)text[i] << 8 | (uint8_t)text[i + 1];
}

static void index_text(struct user_split *us, const char *text, uint32_t len)
{
    for (int c = 0; c < 256; c++)
        us->first1[c] = NO_POS;
    for (uint32_t c = 0; c < 65536; c++)
        us->first2[c] = NO_POS;
    for (uint32_t i = len; i-- > 0;) {
        us->at[i] = FREE;
        us->next1[i] = us->first1[(uint8_t)text[i]];
        us->first1[(uint8_t)text[i]] = i;
        if (i + 1 < len) {
            us->next2[i] = us->first2[pair_at(text, i)];
            us->first2[pair_at(text, i)] = i;
        }
    }
}

static bool all_free(const int32_t *at, uint32_t i, uint64_t n)
{
    for (uint64_t k = 0; k < n; k++)
        if (at[i + k] != FREE)
            return false;
    return true;
}

/* Phi-3's special tokens drop the whitespace after them, but for these three
 * (llama.cpp sets RSTRIP by the model's name, then clears it for them). */
static bool rstrips(const struct tokenizer *t, struct gguf_str p)
{
    static const char *const keep[] = { "<unk>", "<s>", "<|endoftext|>" };
    for (int k = 0; t->rstrip_user && k < 3; k++)
        if (p.len == strlen(keep[k]) && memcmp(p.ptr, keep[k], p.len) == 0)
            return false;
    return t->rstrip_user;
}

static void take_user_token(const struct tokenizer *t, struct user_split *us, const char *text,
                            uint32_t len, int32_t id)
{
    struct gguf_str p = t->pieces[id];
    const bool one = p.len == 1, rstrip = rstrips(t, p);
    uint32_t i = one ? us->first1[(uint8_t)p.ptr[0]] : us->first2[pair_at(p.ptr, 0)];
    uint32_t *next = one ? us->next1 : us->next2, end = 0;
    for (; i != NO_POS && p.len <= len - i; i = next[i]) {
        if (i < end || !all_free(us->at, i, p.len) || memcmp(text + i, p.ptr, p.len) != 0)
            continue;
        us->at[i] = id;
        for (end = i + 1; end < i + p.len; end++)
            us->at[end] = TAKEN;
        while (rstrip && end < len && us->at[end] == FREE && is_space(text[end]))
            us->at[end++] = TAKEN;
    }
}

/* The fragments in text order; returns their count. */
static uint32_t collect_frags(const struct tokenizer *t, const int32_t *at, uint32_t len, struct frag *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < len;) {
        uint32_t j = i;
        if (at[i] >= 0) {
            out[n++] = (struct frag){ i, (uint32_t)t->pieces[at[i]].len, at[i] };
            i += (uint32_t)t->pieces[at[i]].len;
        } else if (at[i] == TAKEN) {
            i++;
        } else {
            while (j < len && at[j] == FREE)
                j++;
            out[n++] = (struct frag){ i, j - i, -1 };
            i = j;
        }
    }
    return n;
}

/* Fragments of text[0..len) (at most 2 len + 1) into frags, split at the
 * tokens list[0..n_list); their count, or -1 without memory. */
static int64_t split_user_tokens(const struct tokenizer *t, const int32_t *list, uint32_t n_list,
                                 const char *text, uint32_t len, struct frag *frags)
{
    if (n_list == 0 || len == 0) {
        frags[0] = (struct frag){ 0, len, -1 };
        return len > 0;
    }
    size_t bytes = (size_t)len * 12 + 65536 * 4;
    uint8_t *mem = llm_alloc(bytes, 16);
    if (!mem)
        return -1;
    struct user_split us = { .at = (int32_t *)mem, .next1 = (uint32_t *)(mem + (size_t)len * 4),
                             .next2 = (uint32_t *)(mem + (size_t)len * 8),
                             .first2 = (uint32_t *)(mem + (size_t)len * 12) };
    index_text(&us, text, len);
    for (uint32_t u = 0; u < n_list; u++)
        if (t->pieces[list[u]].len > 0)
            take_user_token(t, &us, text, len, list[u]);
    uint32_t n = collect_frags(t, us.at, len, frags);
    llm_free(mem, bytes);
    return n;
}

static bool encode_fragment(const struct tokenizer *t, const char *text, uint32_t len, bool prefix,
                            struct tok_out *o)
{
    switch (t->model) {
    case TOK_BPE: return bpe_encode_fragment(t, text, len, o);
    case TOK_WPM: return wpm_encode_fragment(t, text, len, o);
    default:      return spm_encode_fragment(t, text, len, prefix, o);
    }
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, bool add_special,
                     int32_t *ids, int max_ids)
{
    return tokenizer_encode_special(t, text, len, add_special, false, ids, max_ids);
}

int tokenizer_encode_special(const struct tokenizer *t, const char *text, size_t len, bool add_special,
                             bool parse_special, int32_t *ids, int max_ids)
{
    const int32_t *list = parse_special ? t->special_ids : t->user_ids;
    const uint32_t n_list = parse_special ? t->n_special : t->n_user;
    struct tok_out o = { .ids = ids, .max = max_ids };
    if (add_special && t->add_bos && t->bos_id >= 0 && !tok_emit(&o, t->bos_id))
        return -1;
    if (len > (1u << 26))                 /* keeps every size below in 32 bits */
        return -1;
    size_t n_frag = n_list ? 2 * len + 1 : 1;  /* tokens <= len, raw runs <= tokens + 1 */
    size_t bytes = n_frag * sizeof(struct frag);
    struct frag *frags = llm_alloc(bytes, 16);
    int64_t n_frags = frags ? split_user_tokens(t, list, n_list, text, (uint32_t)len, frags) : -1;
    if (n_frags < 0) {
        if (frags)
            llm_free(frags, bytes);
        return -1;
    }
    bool ok = true, prev_special = true;
    for (int64_t k = 0; k < n_frags && ok; k++) {
        if (frags[k].id >= 0) {
            ok = tok_emit(&o, frags[k].id);
            prev_special = true;
        } else {
            ok = encode_fragment(t, text + frags[k].off, frags[k].len,
                                 t->add_space_prefix && prev_special, &o);
            prev_special = false;
        }
    }
    llm_free(frags, bytes);
    for (int k = 0; k < 2; k++)
        if (o.sc[k].p)
            llm_free(o.sc[k].p, o.sc[k].bytes);
    if (ok && add_special && t->model == TOK_WPM && t->sep_id >= 0)
        ok = tok_emit(&o, t->sep_id);
    if (ok && add_special && t->add_eos && t->eos_id >= 0)
        ok = tok_emit(&o, t->eos_id);
    return ok ? o.n : -1;
}
