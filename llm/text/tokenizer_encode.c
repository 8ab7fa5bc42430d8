/* llm/text/tokenizer_encode.c: text -> token ids as llama.cpp's llama_tokenize
 * with parse_special = false, and the SPM ("llama") encoder:
 *  1. user-defined tokens are cut out of the text first (longest piece first),
 *     whatever the model; each remaining fragment goes to the model's encoder
 *     (BPE: tokenizer_bpe.c, WPM: tokenizer_wpm.c);
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
    size_t scratch = tok_merge_scratch_bytes((uint32_t)n_buf), bytes = scratch + n_buf;
    uint8_t *mem = llm_alloc(bytes, 16);
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
    bool ok = tok_merge_emit(t, buf, bl, mem, o);
    llm_free(mem, bytes);
    return ok;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int32_t find_in(const char *text, uint32_t pos, uint32_t end, struct gguf_str p)
{
    for (; pos < end && end - pos >= p.len; pos++)
        if (text[pos] == p.ptr[0] && memcmp(text + pos, p.ptr, p.len) == 0)
            return (int32_t)pos;
    return -1;
}

/* Step 1: split every raw fragment of `in` at the occurrences of user token id. */
static uint32_t split_user_token(const struct tokenizer *t, const char *text, int32_t id,
                                 const struct frag *in, uint32_t n_in, struct frag *out)
{
    struct gguf_str p = t->pieces[id];
    uint32_t n = 0;
    for (uint32_t k = 0; k < n_in; k++) {
        if (in[k].id >= 0) {
            out[n++] = in[k];
            continue;
        }
        uint32_t pos = in[k].off, end = in[k].off + in[k].len;
        int32_t m;
        while ((m = find_in(text, pos, end, p)) >= 0) {
            if ((uint32_t)m > pos)
                out[n++] = (struct frag){ pos, (uint32_t)m - pos, -1 };
            out[n++] = (struct frag){ (uint32_t)m, (uint32_t)p.len, id };
            pos = (uint32_t)m + (uint32_t)p.len;
            while (t->rstrip_user && pos < end && is_space(text[pos]))
                pos++;
        }
        if (pos < end)
            out[n++] = (struct frag){ pos, end - pos, -1 };
    }
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
    struct tok_out o = { .ids = ids, .max = max_ids };
    if (add_special && t->add_bos && t->bos_id >= 0 && !tok_emit(&o, t->bos_id))
        return -1;
    if (len > (1u << 26))                 /* keeps every size below in 32 bits */
        return -1;
    size_t n_frag = len && t->n_user ? 2 * len + 1 : 1;  /* tokens <= len, raw runs <= tokens + 1 */
    size_t bytes = 2 * n_frag * sizeof(struct frag);
    struct frag *fa = llm_alloc(bytes, 16), *fb = fa + n_frag;
    if (!fa)
        return -1;
    const struct frag *frags = fa;
    fa[0] = (struct frag){ 0, (uint32_t)len, -1 };
    uint32_t n_frags = len > 0;
    for (uint32_t u = 0; u < t->n_user && n_frags; u++) {
        if (t->pieces[t->user_ids[u]].len == 0)
            continue;
        n_frags = split_user_token(t, text, t->user_ids[u], frags, n_frags, fb);
        frags = fb;
        fb = fa;
        fa = (struct frag *)frags;
    }

    bool ok = true, prev_special = true;
    for (uint32_t k = 0; k < n_frags && ok; k++) {
        if (frags[k].id >= 0) {
            ok = tok_emit(&o, frags[k].id);
            prev_special = true;
        } else {
            ok = encode_fragment(t, text + frags[k].off, frags[k].len,
                                 t->add_space_prefix && prev_special, &o);
            prev_special = false;
        }
    }
    llm_free(fa < fb ? fa : fb, bytes);
    if (ok && add_special && t->model == TOK_WPM && t->sep_id >= 0)
        ok = tok_emit(&o, t->sep_id);
    if (ok && add_special && t->add_eos && t->eos_id >= 0)
        ok = tok_emit(&o, t->eos_id);
    return ok ? o.n : -1;
}
