/* llm/text/tokenizer_encode.c: text -> token ids as llama.cpp tokenizes for an SPM
 * ("llama") vocabulary with parse_special = false:
 *  1. user-defined tokens are cut out of the text first (longest piece first);
 *  2. every remaining fragment gets a leading space when it starts the text or
 *     follows such a token (add_space_prefix), and spaces become U+2581;
 *  3. the fragment is split into UTF-8 characters (length from the lead byte
 *     only, as llama.cpp's unicode_len_utf8), and the adjacent pair whose
 *     concatenation is the best-scoring piece is merged, ties to the leftmost,
 *     until no pair is a piece (a binary heap of candidate pairs, O(n log n));
 *  4. symbols that are not pieces become their bytes' <0xXX> tokens, or unk. */
#include "llm/text/tokenizer.h"
#include "llm/platform.h"
#include "lib/string.h"

struct sym {                 /* a run of the escaped text; n = 0 once merged away */
    int32_t  prev, next;
    uint32_t off, n;
};

struct bigram {              /* candidate merge of sym left and its next, right */
    int32_t  left, right;
    float    score;
    uint32_t size;           /* bytes of left + right when the pair was seen */
};

struct frag {                /* a piece of the input: raw text, or a user-defined token */
    uint32_t off, len;
    int32_t  id;             /* -1: raw text */
};

struct enc {
    const struct tokenizer *t;
    char          *buf;      /* escaped text of the fragment being tokenized */
    struct sym    *sym;
    struct bigram *heap;
    uint32_t       n_heap;
    int32_t       *ids;
    int            n_ids, max_ids;
};

static bool emit(struct enc *e, int32_t id)
{
    if (e->n_ids >= e->max_ids)
        return false;
    e->ids[e->n_ids++] = id;
    return true;
}

/* Heap order: higher score first, then the leftmost pair. */
static bool bigram_before(const struct bigram *a, const struct bigram *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct enc *e, struct bigram b)
{
    uint32_t i = e->n_heap++;
    while (i > 0 && bigram_before(&b, &e->heap[(i - 1) / 2])) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = b;
}

static struct bigram heap_pop(struct enc *e)
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

static void try_bigram(struct enc *e, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return;
    uint32_t size = e->sym[left].n + e->sym[right].n;
    int32_t id = tokenizer_find(e->t, e->buf + e->sym[left].off, size);
    if (id >= 0)
        heap_push(e, (struct bigram){ left, right, e->t->scores[id], size });
}

static bool emit_symbol(struct enc *e, const struct sym *s)
{
    const char *text = e->buf + s->off;
    int32_t id = tokenizer_find(e->t, text, s->n);
    if (id >= 0)
        return emit(e, id);
    for (uint32_t i = 0; i < s->n; i++) {          /* byte fallback */
        id = e->t->byte_ids[(uint8_t)text[i]];
        if (id < 0)
            id = e->t->unk_id;
        if (id >= 0 && !emit(e, id))
            return false;
    }
    return true;
}

static uint32_t utf8_len(char lead)
{
    static const uint8_t len[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return len[(uint8_t)lead >> 4];
}

/* Tokenize one raw fragment (steps 2-4). */
static bool encode_fragment(struct enc *e, const char *src, uint32_t len, bool prefix)
{
    uint32_t bl = 0;
    if (prefix) {
        memcpy(e->buf, "\xe2\x96\x81", 3);
        bl = 3;
    }
    for (uint32_t i = 0; i < len; i++) {
        if (src[i] == ' ') {
            memcpy(e->buf + bl, "\xe2\x96\x81", 3);
            bl += 3;
        } else {
            e->buf[bl++] = src[i];
        }
    }
    int32_t n_sym = 0;
    for (uint32_t off = 0; off < bl; n_sym++) {
        uint32_t n = utf8_len(e->buf[off]);
        if (n > bl - off)
            n = bl - off;
        e->sym[n_sym] = (struct sym){ n_sym - 1, -1, off, n };
        if (n_sym > 0)
            e->sym[n_sym - 1].next = n_sym;
        off += n;
    }
    if (n_sym == 0)
        return true;

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
    for (int32_t i = 0; i != -1; i = e->sym[i].next)
        if (!emit_symbol(e, &e->sym[i]))
            return false;
    return true;
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

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, bool add_bos,
                     int32_t *ids, int max_ids)
{
    struct enc e = { .t = t, .ids = ids, .max_ids = max_ids };
    if (add_bos && t->bos_id >= 0 && !emit(&e, t->bos_id))
        return -1;
    if (len == 0)
        return e.n_ids;
    if (len > (1u << 26))                 /* keeps every size below in 32 bits */
        return -1;
    /* Escaping makes a space 3 bytes, and a stray lead byte can split those
     * into single-byte symbols: bound the symbols by the escaped bytes. */
    size_t n_buf = len + 3;
    for (size_t i = 0; i < len; i++)
        n_buf += text[i] == ' ' ? 2 : 0;
    size_t n_frag = t->n_user ? 2 * len + 1 : 0;  /* tokens <= len, raw runs <= tokens + 1 */
    size_t bytes = n_buf * sizeof(struct sym) + 3 * n_buf * sizeof(struct bigram) +
                   2 * n_frag * sizeof(struct frag) + n_buf;
    uint8_t *mem = llm_alloc(bytes, 16);
    if (!mem)
        return -1;
    e.sym = (struct sym *)mem;
    e.heap = (struct bigram *)(e.sym + n_buf);  /* pairs: n - 1 at first, 2 more per merge */
    struct frag *fa = (struct frag *)(e.heap + 3 * n_buf), *fb = fa + n_frag;
    e.buf = (char *)(fb + n_frag);

    struct frag whole = { 0, (uint32_t)len, -1 };
    const struct frag *frags = &whole;
    uint32_t n_frags = 1;
    for (uint32_t u = 0; u < t->n_user; u++) {
        if (t->pieces[t->user_ids[u]].len == 0)
            continue;
        n_frags = split_user_token(t, text, t->user_ids[u], frags, n_frags, fa);
        frags = fa;
        struct frag *tmp = fa; fa = fb; fb = tmp;
    }

    bool ok = true, prev_special = true;
    for (uint32_t k = 0; k < n_frags && ok; k++) {
        if (frags[k].id >= 0) {
            ok = emit(&e, frags[k].id);
            prev_special = true;
        } else {
            ok = encode_fragment(&e, text + frags[k].off, frags[k].len,
                                 t->add_space_prefix && prev_special);
            prev_special = false;
        }
    }
    llm_free(mem, bytes);
    return ok ? e.n_ids : -1;
}
