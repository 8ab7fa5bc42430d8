/* llm/model/forward.c: the forward pass over a batch of tokens: the buffers,
 * the architecture's embeddings, blocks and final norm (llm/model/arch.h),
 * the vocabulary projection, and the attention every block shares, as
 * llama.cpp's non-flash path (llm_build_kqv): K/V stored in the cache first,
 * then per head softmax(K q * scale + mask) V. */
#include "llm/model/arch.h"
#include "llm/model/forward.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant.h"
#include "lib/math.h"
#include "lib/string.h"

#define BUF_ALIGN 64

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Converted-activation scratch for the largest of all the model's matmuls. */
static size_t matmul_scratch_needed(const struct model *m, uint32_t n_batch)
{
    size_t need = ops_matmul_scratch(m->output->type, m->output->ne[0], n_batch);
    for (uint32_t il = 0; il < m->hp.n_layer; il++) {
        const struct gguf_tensor *w[MODEL_LAYER_MATMULS];
        int nw = model_layer_matmuls(&m->layers[il], w);
        for (int i = 0; i < nw; i++)
            need = max_size(need, ops_matmul_scratch(w[i]->type, w[i]->ne[0], n_batch));
    }
    return need;
}

/* The FFN hidden rows converted for w_down (written while mm_scratch is read). */
static size_t ffn_scratch_needed(const struct model *m, uint32_t n_batch)
{
    size_t need = 0;
    for (uint32_t il = 0; il < m->hp.n_layer; il++) {
        const struct gguf_tensor *w = m->layers[il].w_down;
        need = max_size(need, ops_matmul_scratch(w->type, w->ne[0], n_batch));
    }
    return need;
}

/* One list of buffers serves both sizing (a == NULL) and carving. */
#define CARVE(field, bytes)                                                     \
    do {                                                                        \
        size_t b_ = (bytes);                                                    \
        *total += b_ + BUF_ALIGN;                                               \
        if (a && !(s->field = arena_alloc(a, b_ ? b_ : 1, BUF_ALIGN)))          \
            return -1;                                                          \
    } while (0)

static int layout(struct fwd_state *s, const struct model *m, uint32_t n_ctx, uint32_t n_batch,
                  bool all_logits, struct arena *a, size_t *total)
{
    const struct model_hparams *hp = &m->hp;
    const size_t b = n_batch, f = sizeof(float);
    *total = 0;
    CARVE(x, b * hp->n_embd * f);
    CARVE(xb, b * hp->n_embd * f);
    CARVE(xb2, b * hp->n_embd * f);
    CARVE(q, b * hp->n_embd * f);
    CARVE(k, b * model_kv_dim(hp) * f);
    CARVE(v, b * model_kv_dim(hp) * f);
    CARVE(hb, b * hp->n_ff * f);
    CARVE(hb2, b * hp->n_ff * f);
    s->att_stride = n_ctx + 32;
    CARVE(att, (size_t)hp->n_head * FWD_ATT_GROUP * s->att_stride * f);
    CARVE(q16, (size_t)hp->n_embd * FWD_ATT_GROUP * sizeof(uint16_t));
    CARVE(att16, (size_t)hp->n_head * FWD_ATT_GROUP * s->att_stride * sizeof(uint16_t));
    CARVE(rope, b * hp->n_rot * f);
    CARVE(mm_scratch, matmul_scratch_needed(m, n_batch));
    CARVE(ffn_scratch, ffn_scratch_needed(m, n_batch));
    CARVE(logits, (all_logits ? b : 1) * hp->n_vocab * f);
    CARVE(row, b * sizeof(struct fwd_row));
    s->qkv = NULL;
    if (m->layers[0].wqkv)    /* fused Q/K/V (gpt2): the projection before its split */
        CARVE(qkv, b * (hp->n_embd + 2 * model_kv_dim(hp)) * f);
    return 0;
}

size_t forward_mem_needed(const struct model *m, uint32_t n_ctx, uint32_t n_batch, bool all_logits)
{
    struct fwd_state s;
    size_t total;
    layout(&s, m, n_ctx, n_batch, all_logits, NULL, &total);
    return total;
}

int forward_init(struct fwd_state *s, const struct model *m, uint32_t n_ctx, uint32_t n_batch,
                 bool all_logits, struct arena *a)
{
    size_t total;
    if (n_batch == 0 || layout(s, m, n_ctx, n_batch, all_logits, a, &total))
        return -1;
    s->n_batch = n_batch;
    s->n_logit_rows = all_logits ? n_batch : 1;
    return 0;
}

/* Causal attention of a session's tokens (at p0, p0+1, ...) over cells
 * 0..pos, as llama.cpp computes it (src/llama.cpp llm_build_kqv, non-flash):
 *  - kq = K q: q is a permuted view there, never contiguous, so llamafile is
 *    skipped and q is converted to the cache type for ggml's vec_dot;
 *  - kqv = V softmax(kq): a matmul of the V rows (stored transposed, one per
 *    dimension) with the weights as its activations, so the order follows the
 *    matmul rules for the session's n_tok rows (llamafile on f32 weights for a
 *    prompt batch, vec_dot on weights rounded to the cache type for one token).
 * Masked cells weigh exactly 0. KV heads are independent: a job takes one,
 * and for each session of the batch in turn ropes and stores its K and V
 * slices, then ropes and attends every query head of its group (each has its
 * own scratch rows), so nothing of attention is left to one core. */
struct att_job {
    const struct model_hparams *hp;
    struct fwd_state           *s;
    uint32_t                    il;
    struct ops_rows             r;
};

/* A session's rows t0 .. t0+n-1 of the batch: its cache, the first's position and cell. */
struct att_seq {
    struct kv_cache *kv;
    uint32_t         t0, n, p0, n_kv;
};

static void attend_head(const struct att_job *j, const struct att_seq *q, uint32_t h, uint32_t off)
{
    const struct model_hparams *hp = j->hp;
    const struct kv_cache *kv = q->kv;
    struct fwd_state *s = j->s;
    const uint32_t hd = hp->head_dim;
    const float scale = 1.0f / sqrtf((float)hd);
    const bool f16 = kv->type == GGML_TYPE_F16;
    const enum ops_order vo = ops_order_of(kv->type, q->n_kv, hd, q->n);
    const bool att_f16 = ops_x_type(vo, kv->type) == GGML_TYPE_F16;
    const size_t as = s->att_stride;
    float *att = s->att + (size_t)h * FWD_ATT_GROUP * as;
    uint16_t *att16 = s->att16 + (size_t)h * FWD_ATT_GROUP * as, *q16 = s->q16 + (size_t)h * FWD_ATT_GROUP * hd;
    /* Tokens go FWD_ATT_GROUP at a time, so the kernels load each K and V
     * row once per group; a group's K products run to its last token's
     * position, and its earlier tokens' softmax masks the extra cells. */
    for (uint32_t t0 = 0; t0 < q->n; t0 += FWD_ATT_GROUP) {
        const uint32_t g = q->n - t0 < FWD_ATT_GROUP ? q->n - t0 : FWD_ATT_GROUP, row = q->t0 + t0;
        const float *qr = s->q + (size_t)row * hp->n_embd + (size_t)h * hd;
        for (uint32_t t = 0; f16 && t < g; t++)
            cpu_ops()->quantize(GGML_TYPE_F16, qr + (size_t)t * hp->n_embd, q16 + (size_t)t * hd, hd);
        ops_dot_paged(OPS_VEC_DOT, kv->type, hd, kv->blk_ptr, kv_cache_k_off(kv, j->il, off), 0, KV_BLOCK,
                      (size_t)kv->kv_dim * kv->elt, kv_cache_cells_seen(kv, q->p0 + t0 + g - 1),
                      f16 ? (const void *)q16 : (const void *)qr, f16 ? hd * sizeof(uint16_t) : hp->n_embd * sizeof(float),
                      g, att, as);
        for (uint32_t t = 0; t < g; t++) {
            const uint32_t pos = q->p0 + t0 + t, seen = kv_cache_cells_seen(kv, pos);
            kv_cache_mask(kv, att + t * as, seen, pos);
            ops_softmax(att + t * as, q->n_kv, seen, scale);
            if (att_f16)
                cpu_ops()->quantize(GGML_TYPE_F16, att + t * as, att16 + t * as, q->n_kv);
        }
        ops_dot_paged(vo, kv->type, q->n_kv, kv->blk_ptr, kv_cache_v_off(kv, j->il, off), KV_BLOCK, 0,
                      (size_t)KV_BLOCK * kv->elt, hd, att_f16 ? (const void *)att16 : (const void *)att,
                      att_f16 ? as * sizeof(uint16_t) : as * sizeof(float), g,
                      s->xb + (size_t)row * hp->n_embd + (size_t)h * hd, hp->n_embd);
    }
}

static void attend_kv_head(int gi, void *arg)
{
    const struct att_job *j = arg;
    const struct model_hparams *hp = j->hp;
    struct fwd_state *s = j->s;
    const uint32_t hd = hp->head_dim, kvd = model_kv_dim(hp), off = (uint32_t)gi * hd;
    const uint32_t group = hp->n_head / hp->n_head_kv, h0 = (uint32_t)gi * group;
    for (uint32_t t0 = 0; t0 < j->r.n; t0 += j->r.seq) {
        const struct fwd_row *row = &s->row[t0];
        const struct att_seq q = { .kv = row->kv, .t0 = t0, .n = j->r.seq, .p0 = row->pos,
                                   .n_kv = kv_cache_n_kv(row->kv) };
        for (uint32_t t = t0; t < t0 + q.n; t++) {
            const float *rc = s->rope + (size_t)t * hp->n_rot;
            float *k = s->k + (size_t)t * kvd;
            if (hp->n_rot)
                ops_rope(k + off, rc, 1, hd, hp->n_rot);
            kv_cache_store(q.kv, j->il, s->row[t].cell, off, hd, k, s->v + (size_t)t * kvd);
            if (hp->n_rot)
                ops_rope(s->q + (size_t)t * hp->n_embd + (size_t)h0 * hd, rc, group, hd, hp->n_rot);   /* the group's */
        }
        for (uint32_t h = h0; h < h0 + group; h++)
            attend_head(j, &q, h, off);
    }
}

void forward_attend(const struct model_hparams *hp, struct fwd_state *s, uint32_t il, struct ops_rows r)
{
    struct att_job j = { .hp = hp, .s = s, .il = il, .r = r };
    llm_parallel_for((int)hp->n_head_kv, attend_kv_head, &j);
}

struct ops_rows forward_keep_last(const struct model_hparams *hp, struct fwd_state *s, struct ops_rows r)
{
    const uint32_t d = hp->n_embd;
    for (uint32_t q = 0; q < r.n / r.seq; q++) {
        const size_t from = ((size_t)q * r.seq + r.seq - 1) * d;
        memmove(s->x + (size_t)q * d, s->x + from, d * sizeof(float));
        memmove(s->xb2 + (size_t)q * d, s->xb2 + from, d * sizeof(float));
    }
    return (struct ops_rows){ .n = r.n / r.seq, .seq = 1 };
}

/* Rows 0..r.n-1 (tokens, already checked, with s->row set): the blocks, then
 * the logits of every row (all_logits) or of each session's last. */
static void forward_rows(const struct model *m, struct fwd_state *s, const int32_t *tokens, struct ops_rows r,
                         bool all_logits)
{
    const struct model_hparams *hp = &m->hp;
    m->arch->embed(m, s, tokens, r.n);
    for (uint32_t il = 0; il < hp->n_layer; il++)
        r = m->arch->layer(m, s, il, r, il + 1 == hp->n_layer && !all_logits);
    m->arch->output_norm(m, s, r.n);
    ops_matmul(m->output, s->xb, r, s->logits, s->mm_scratch);
}

/* A token id the vocabulary has, and room in the cache (and the model's
 * positions) for n more positions. */
static bool batch_fits(const struct model_hparams *hp, const struct fwd_state *s, const struct kv_cache *kv,
                       const int32_t *tokens, uint32_t n)
{
    for (uint32_t t = 0; t < n; t++)
        if (tokens[t] < 0 || (uint32_t)tokens[t] >= hp->n_vocab)
            return false;
    if (kv->n_cells > s->att_stride || kv->n_used + n > kv->n_ctx)
        return false;
    return !hp->n_pos || (kv->n_used <= hp->n_pos && n <= hp->n_pos - kv->n_used);
}

/* Rows t0 .. t0+n-1 for n positions after kv's, in the cells it gives them. */
static int place_rows(struct fwd_state *s, struct kv_cache *kv, uint32_t t0, uint32_t n)
{
    const uint32_t p0 = kv->n_used;
    uint32_t c0;
    const int rc = kv_cache_advance(kv, n, &c0);
    if (rc)
        return rc;
    for (uint32_t t = 0; t < n; t++)
        s->row[t0 + t] = (struct fwd_row){ .kv = kv, .pos = p0 + t, .cell = c0 + t };
    return 0;
}

int forward(const struct model *m, struct fwd_state *s, struct kv_cache *kv,
            const int32_t *tokens, uint32_t n, bool all_logits)
{
    if (n == 0 || n > s->n_batch || (all_logits && n > s->n_logit_rows) || !batch_fits(&m->hp, s, kv, tokens, n))
        return -1;
    const int rc = place_rows(s, kv, 0, n);
    if (rc)
        return rc;
    forward_rows(m, s, tokens, ops_rows_seq(n), all_logits);
    return 0;
}

int forward_sessions(const struct model *m, struct fwd_state *s, struct kv_cache *const *kv,
                     const int32_t *tokens, uint32_t n)
{
    if (n == 0 || n > s->n_batch || n > s->n_logit_rows)
        return -1;
    /* Every check before the first cell is taken: one free cell is always
     * placeable, so only the pool can refuse a session its cell. Then the
     * sessions already advanced are taken back: none moves unless all do. */
    uint32_t used[FWD_MAX_SEQ], head[FWD_MAX_SEQ];
    if (n > FWD_MAX_SEQ)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!batch_fits(&m->hp, s, kv[i], &tokens[i], 1))
            return -1;
        for (uint32_t k = 0; k < i; k++)
            if (kv[k] == kv[i])
                return -1;
        used[i] = kv[i]->n_used;
        head[i] = kv[i]->head;
    }
    for (uint32_t i = 0; i < n; i++) {
        const int rc = place_rows(s, kv[i], i, 1);
        if (rc) {
            while (i--)
                kv_cache_truncate(kv[i], used[i], head[i]);
            return rc;
        }
    }
    forward_rows(m, s, tokens, (struct ops_rows){ .n = n, .seq = 1 }, false);
    return 0;
}
