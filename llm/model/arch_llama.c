/* llm/model/arch_llama.c: the llama architecture (llama.cpp's llm_build_llama):
 * token embeddings; per block RMSNorm -> Q/K/V -> RoPE -> attention -> output
 * projection -> residual -> RMSNorm -> SwiGLU FFN -> residual; then the final
 * RMSNorm (the vocabulary projection is forward.c's). */
#include "llm/model/arch.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "lib/math.h"

static int llama_hparams(struct model_hparams *hp, const struct gguf_file *f, struct llm_err *err)
{
    if (model_read_dims(hp, f, "llama", err) ||
        gguf_get_f32(f, "llama.attention.layer_norm_rms_epsilon", &hp->norm_eps, err) ||
        model_get_f32_opt(f, "llama.rope.freq_base", 10000.0f, &hp->rope_base, err))
        return -1;
    if (hp->head_dim % 2)
        return llm_errf(err, "head dimension %u is odd (RoPE rotates pairs)", hp->head_dim);
    if (model_get_u32_opt(f, "llama.rope.dimension_count", hp->head_dim, &hp->n_rot, err))
        return -1;
    if (hp->n_rot == 0 || hp->n_rot % 2 || hp->n_rot > hp->head_dim)
        return llm_errf(err, "rope.dimension_count %u must be even and in [2, %u]",
                        hp->n_rot, hp->head_dim);
    if (!(hp->norm_eps > 0.0f && hp->norm_eps < 1.0f))
        return llm_errf(err, "layer_norm_rms_epsilon %g is not in (0, 1)", (double)hp->norm_eps);
    if (!(hp->rope_base > 1.0f && isfinite(hp->rope_base)))
        return llm_errf(err, "rope.freq_base %g is not a finite number > 1", (double)hp->rope_base);
    return 0;
}

static int llama_layer_load(struct layer_weights *l, const struct gguf_file *f, uint32_t il,
                            const struct model_hparams *hp, uint64_t *bytes, struct llm_err *err)
{
    uint32_t d = hp->n_embd, kv = model_kv_dim(hp), ff = hp->n_ff;
    if (!(l->attn_norm = model_find_layer_weight(f, il, "attn_norm.weight", d, 0, bytes, err)) ||
        !(l->wq = model_find_layer_weight(f, il, "attn_q.weight", d, d, bytes, err)) ||
        !(l->wk = model_find_layer_weight(f, il, "attn_k.weight", d, kv, bytes, err)) ||
        !(l->wv = model_find_layer_weight(f, il, "attn_v.weight", d, kv, bytes, err)) ||
        !(l->wo = model_find_layer_weight(f, il, "attn_output.weight", d, d, bytes, err)) ||
        !(l->ffn_norm = model_find_layer_weight(f, il, "ffn_norm.weight", d, 0, bytes, err)) ||
        !(l->w_gate = model_find_layer_weight(f, il, "ffn_gate.weight", d, ff, bytes, err)) ||
        !(l->w_up = model_find_layer_weight(f, il, "ffn_up.weight", d, ff, bytes, err)) ||
        !(l->w_down = model_find_layer_weight(f, il, "ffn_down.weight", ff, d, bytes, err)))
        return -1;
    return 0;
}

/* Token rows are independent outside the matmuls and attention: a prompt
 * batch spreads them over the cores (one token runs on the caller). */
struct row_job {
    const struct model *m;
    struct fwd_state   *s;
    const float        *norm;     /* RMSNorm weights */
    bool                add;      /* x += xb2 first (the residual of the last projection) */
    const int32_t      *tokens;   /* embed_row */
};

/* x += xb2 (when add), then xb = rmsnorm(x) * norm, for row t. */
static void norm_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const uint32_t d = j->m->hp.n_embd;
    float *x = j->s->x + (size_t)t * d;
    if (j->add)
        ops_add(x, j->s->xb2 + (size_t)t * d, d);
    ops_rmsnorm(j->s->xb + (size_t)t * d, x, j->norm, d, j->m->hp.norm_eps);
}

static void residual_norm(const struct model *m, struct fwd_state *s, bool add,
                          const struct gguf_tensor *norm, uint32_t n)
{
    struct row_job j = { .m = m, .s = s, .norm = norm->data, .add = add };
    llm_parallel_for((int)n, norm_row, &j);
}

/* Row t of x from the token embedding, and its position's RoPE factors. */
static void embed_row(int t, void *arg)
{
    const struct row_job *j = arg;
    const struct model_hparams *hp = &j->m->hp;
    const struct gguf_tensor *e = j->m->tok_embd;
    const size_t row = (size_t)type_row_bytes(e->type, hp->n_embd);
    dequantize_row(e->type, (const uint8_t *)e->data + (size_t)j->tokens[t] * row,
                   j->s->x + (size_t)t * hp->n_embd, hp->n_embd);
    ops_rope_cache(j->s->rope + (size_t)t * hp->n_rot, hp->n_rot, (int32_t)j->s->row[t].pos, hp->rope_base);
}

static void llama_embed(const struct model *m, struct fwd_state *s, const int32_t *tokens, uint32_t n)
{
    struct row_job e = { .m = m, .s = s, .tokens = tokens };
    llm_parallel_for((int)n, embed_row, &e);
}

/* One transformer block over rows 0..r.n-1 of s->x; the residual add of its
 * FFN output (xb2) is left to the next norm (the next block's, or the
 * output's). With last_only, rows are dropped after the attention output as
 * llama.cpp does in the last layer (only the last token's logits are wanted):
 * the FFN then runs on one row per session, which also decides its kernels.
 * Returns the rows still live. */
static struct ops_rows llama_layer(const struct model *m, struct fwd_state *s, uint32_t il, struct ops_rows r,
                                   bool last_only)
{
    const struct model_hparams *hp = &m->hp;
    const struct layer_weights *l = &m->layers[il];

    residual_norm(m, s, il > 0, l->attn_norm, r.n);
    const struct gguf_tensor *qkv[] = { l->wq, l->wk, l->wv };
    float *const qkv_out[] = { s->q, s->k, s->v };
    ops_matmul_n(qkv, qkv_out, 3, s->xb, r, s->mm_scratch);
    forward_attend(hp, s, il, r);
    ops_matmul(l->wo, s->xb, r, s->xb2, s->mm_scratch);
    if (last_only && r.seq > 1)
        r = forward_keep_last(hp, s, r);
    residual_norm(m, s, true, l->ffn_norm, r.n);
    /* The gate/up items also convert their SwiGLU rows for w_down. */
    const enum ggml_type down_xt = ops_matmul_x_type(l->w_down, r);
    ops_matmul_swiglu(l->w_gate, l->w_up, s->xb, r, s->hb, s->hb2, s->mm_scratch, l->w_down, s->ffn_scratch);
    ops_matmul_converted(l->w_down, r, s->xb2, down_xt == GGML_TYPE_F32 ? (const void *)s->hb : s->ffn_scratch);
    return r;
}

static void llama_output_norm(const struct model *m, struct fwd_state *s, uint32_t n)
{
    residual_norm(m, s, true, m->output_norm, n);
}

const struct arch_ops arch_llama = {
    .name = "llama",
    .load_hparams = llama_hparams,
    .load_layer = llama_layer_load,
    .embed = llama_embed,
    .layer = llama_layer,
    .output_norm = llama_output_norm,
};
