/* llm/model/arch_gpt2.c: the GPT-2 architecture (llama.cpp's build_gpt2):
 * token plus learned position embeddings (no BOS, positions from 0); per
 * block LayerNorm -> fused Q/K/V with bias -> attention (no RoPE) -> output
 * projection + bias -> residual -> LayerNorm -> up + bias -> GELU -> down +
 * bias -> residual; then the final LayerNorm. Every bias is added by itself
 * after its matmul, and each residual after that, as ggml's separate adds do. */
#include "llm/model/arch.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "lib/string.h"

static int gpt2_hparams(struct model_hparams *hp, const struct gguf_file *f, struct llm_err *err)
{
    if (model_read_dims(hp, f, "gpt2", err) ||
        gguf_get_f32(f, "gpt2.attention.layer_norm_epsilon", &hp->norm_eps, err))
        return -1;
    if (!(hp->norm_eps > 0.0f && hp->norm_eps < 1.0f))
        return llm_errf(err, "layer_norm_epsilon %g is not in (0, 1)", (double)hp->norm_eps);
    hp->n_rot = 0;                    /* no RoPE: positions are embedded */
    hp->n_pos = hp->n_ctx_train;      /* rows of position_embd */
    ops_gelu_init();
    return 0;
}

static int gpt2_globals(struct model *m, const struct gguf_file *f, struct llm_err *err)
{
    if (!(m->pos_embd = model_find_weight(f, "position_embd.weight", m->hp.n_embd, m->hp.n_pos, err)) ||
        !(m->output_norm_b = model_find_weight(f, "output_norm.bias", m->hp.n_embd, 0, err)))
        return -1;
    m->weight_bytes += m->pos_embd->nbytes + m->output_norm_b->nbytes;
    return 0;
}

static int gpt2_layer_load(struct layer_weights *l, const struct gguf_file *f, uint32_t il,
                           const struct model_hparams *hp, uint64_t *bytes, struct llm_err *err)
{
    const uint32_t d = hp->n_embd, qkv = d + 2 * model_kv_dim(hp), ff = hp->n_ff;
    if (!(l->attn_norm = model_find_layer_weight(f, il, "attn_norm.weight", d, 0, bytes, err)) ||
        !(l->attn_norm_b = model_find_layer_weight(f, il, "attn_norm.bias", d, 0, bytes, err)) ||
        !(l->wqkv = model_find_layer_weight(f, il, "attn_qkv.weight", d, qkv, bytes, err)) ||
        !(l->bqkv = model_find_layer_weight(f, il, "attn_qkv.bias", qkv, 0, bytes, err)) ||
        !(l->wo = model_find_layer_weight(f, il, "attn_output.weight", d, d, bytes, err)) ||
        !(l->bo = model_find_layer_weight(f, il, "attn_output.bias", d, 0, bytes, err)) ||
        !(l->ffn_norm = model_find_layer_weight(f, il, "ffn_norm.weight", d, 0, bytes, err)) ||
        !(l->ffn_norm_b = model_find_layer_weight(f, il, "ffn_norm.bias", d, 0, bytes, err)) ||
        !(l->w_up = model_find_layer_weight(f, il, "ffn_up.weight", d, ff, bytes, err)) ||
        !(l->b_up = model_find_layer_weight(f, il, "ffn_up.bias", ff, 0, bytes, err)) ||
        !(l->w_down = model_find_layer_weight(f, il, "ffn_down.weight", ff, d, bytes, err)) ||
        !(l->b_down = model_find_layer_weight(f, il, "ffn_down.bias", d, 0, bytes, err)))
        return -1;
    return 0;
}

/* Token rows are independent outside the matmuls and attention: a prompt
 * batch spreads them over the cores. */
struct row_job {
    const struct model       *m;
    struct fwd_state         *s;
    const struct gguf_tensor *w, *b;      /* LayerNorm weight and bias; the row's bias */
    const struct gguf_tensor *res_b;      /* bias of the pending projection (xb2), or NULL */
    bool                      add;        /* x += xb2 + res_b first */
    const int32_t            *tokens;
};

/* x = token_embd[id] + position_embd[pos] for row t (xb is free scratch here). */
static void embed_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const struct model *m = j->m;
    const uint32_t d = m->hp.n_embd;
    const struct gguf_tensor *e = m->tok_embd, *p = m->pos_embd;
    float *x = j->s->x + (size_t)t * d, *pos = j->s->xb + (size_t)t * d;
    dequantize_row(e->type, (const uint8_t *)e->data + (size_t)j->tokens[t] * type_row_bytes(e->type, d), x, d);
    dequantize_row(p->type, (const uint8_t *)p->data + (size_t)j->s->row[t].pos * type_row_bytes(p->type, d),
                   pos, d);
    ops_add(x, pos, d);
}

static void gpt2_embed(const struct model *m, struct fwd_state *s, const int32_t *tokens, uint32_t n)
{
    struct row_job j = { .m = m, .s = s, .tokens = tokens };
    llm_parallel_for((int)n, embed_row, &j);
}

/* x += xb2 + res_b (when add), then xb = layernorm(x) * w + b, for row t. */
static void norm_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const uint32_t d = j->m->hp.n_embd;
    float *x = j->s->x + (size_t)t * d, *xb2 = j->s->xb2 + (size_t)t * d;
    if (j->add) {
        ops_add(xb2, j->res_b->data, d);
        ops_add(x, xb2, d);
    }
    ops_layernorm(j->s->xb + (size_t)t * d, x, j->w->data, j->b->data, d, j->m->hp.norm_eps);
}

static void residual_norm(const struct model *m, struct fwd_state *s, const struct gguf_tensor *res_b,
                          const struct gguf_tensor *w, const struct gguf_tensor *b, uint32_t n)
{
    struct row_job j = { .m = m, .s = s, .w = w, .b = b, .res_b = res_b, .add = res_b != NULL };
    llm_parallel_for((int)n, norm_row, &j);
}

/* Row t of the fused projection plus its bias, split into q, k and v. */
static void split_qkv_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const struct model_hparams *hp = &j->m->hp;
    const uint32_t d = hp->n_embd, kvd = model_kv_dim(hp), w = d + 2 * kvd;
    float *r = j->s->qkv + (size_t)t * w;
    ops_add(r, j->b->data, w);
    memcpy(j->s->q + (size_t)t * d, r, d * sizeof(float));
    memcpy(j->s->k + (size_t)t * kvd, r + d, kvd * sizeof(float));
    memcpy(j->s->v + (size_t)t * kvd, r + d + kvd, kvd * sizeof(float));
}

/* The FFN hidden row t: + b_up, then GELU. */
static void up_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const uint32_t ff = j->m->hp.n_ff;
    float *h = j->s->hb + (size_t)t * ff;
    ops_add(h, j->b->data, ff);
    ops_gelu(h, ff);
}

static struct ops_rows gpt2_layer(const struct model *m, struct fwd_state *s, uint32_t il, struct ops_rows r,
                                  bool last_only)
{
    const struct model_hparams *hp = &m->hp;
    const struct layer_weights *l = &m->layers[il];

    residual_norm(m, s, il > 0 ? m->layers[il - 1].b_down : NULL, l->attn_norm, l->attn_norm_b, r.n);
    ops_matmul(l->wqkv, s->xb, r, s->qkv, s->mm_scratch);
    struct row_job j = { .m = m, .s = s, .b = l->bqkv };
    llm_parallel_for((int)r.n, split_qkv_row, &j);
    forward_attend(hp, s, il, r);
    ops_matmul(l->wo, s->xb, r, s->xb2, s->mm_scratch);
    if (last_only && r.seq > 1)
        r = forward_keep_last(hp, s, r);
    residual_norm(m, s, l->bo, l->ffn_norm, l->ffn_norm_b, r.n);
    ops_matmul(l->w_up, s->xb, r, s->hb, s->mm_scratch);
    j.b = l->b_up;
    llm_parallel_for((int)r.n, up_row, &j);
    ops_matmul(l->w_down, s->hb, r, s->xb2, s->mm_scratch);
    return r;
}

static void gpt2_output_norm(const struct model *m, struct fwd_state *s, uint32_t n)
{
    residual_norm(m, s, m->layers[m->hp.n_layer - 1].b_down, m->output_norm, m->output_norm_b, n);
}

const struct arch_ops arch_gpt2 = {
    .name = "gpt2",
    .load_hparams = gpt2_hparams,
    .load_globals = gpt2_globals,
    .load_layer = gpt2_layer_load,
    .embed = gpt2_embed,
    .layer = gpt2_layer,
    .output_norm = gpt2_output_norm,
};
