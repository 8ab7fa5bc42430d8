/* llm/model/forward.h: the forward pass over a batch of tokens: the model's
 * architecture (llm/model/arch.h) embeds them and runs its blocks (norms,
 * Q/K/V, attention over the KV cache, FFN) and final norm; then the
 * vocabulary projection. All buffers come from one arena.
 *
 * A batch is one session's tokens (a prompt, or one generated token), or
 * one token of each of several sessions: every row has its own token,
 * position, KV cache and cell. The matmuls run once over all the rows, in
 * the order one session's batch would get (struct ops_rows), and attention
 * runs per session against its own cache, so each session's results are the
 * bits it gets alone. */
#ifndef LLM_FORWARD_H
#define LLM_FORWARD_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/arena.h"
#include "llm/model/kv_cache.h"
#include "llm/model/model.h"
#include "llm/model/ops.h"

/* Tokens of a batch that attention handles together (per head). */
#define FWD_ATT_GROUP 4

/* Where a batch row's token goes: its session's cache, the position and
 * the cell kv_cache_advance gave it. Rows of one session are consecutive. */
struct fwd_row {
    struct kv_cache *kv;
    uint32_t         pos, cell;
};

struct fwd_state {
    uint32_t  n_batch;        /* most tokens one forward() call takes */
    uint32_t  n_logit_rows;   /* n_batch when all-position logits were asked for, else 1 */
    float    *x, *xb, *xb2;   /* [n_batch][n_embd]: residual, normed, projection out */
    float    *q, *k, *v;      /* [n_batch][n_embd], [n_batch][kv_dim] x 2 */
    float    *hb, *hb2;       /* [n_batch][n_ff] */
    uint32_t  att_stride;     /* n_ctx + 32: floats per token row in att, att16 */
    float    *att;            /* [n_head][FWD_ATT_GROUP][att_stride] attention weights */
    uint16_t *q16;            /* [n_head][FWD_ATT_GROUP][head_dim] queries rounded to f16 */
    uint16_t *att16;          /* [n_head][FWD_ATT_GROUP][att_stride] weights rounded to f16 */
    float    *rope;           /* [n_batch][n_rot] cos/sin per position */
    void     *mm_scratch;     /* converted activations for the largest matmul */
    void     *ffn_scratch;    /* hb converted for w_down by the gate/up items */
    float    *logits;         /* [n_logit_rows][n_vocab] */
    float    *qkv;            /* [n_batch][n_embd + 2 kv_dim]: a fused Q/K/V projection's */
    struct fwd_row *row;      /* [n_batch]: the current batch's rows */
};

/* Arena bytes forward_init takes (alignment slack included). */
size_t forward_mem_needed(const struct model *m, uint32_t n_ctx, uint32_t n_batch, bool all_logits);
int    forward_init(struct fwd_state *s, const struct model *m, uint32_t n_ctx, uint32_t n_batch,
                    bool all_logits, struct arena *a);

/* Run tokens[0..n) at positions kv->n_used.. and store their K/V (in the
 * cells kv_cache_advance gives them). Logits of the last token go to
 * s->logits (all n rows, in order, when all_logits and the state was made for
 * it). Returns -1 when n is 0 or > n_batch, the context has no n free cells
 * in a row, or a token id is out of range; KV_POOL_FULL when the cache's
 * pool has no block for them (nothing changed). */
int    forward(const struct model *m, struct fwd_state *s, struct kv_cache *kv,
               const int32_t *tokens, uint32_t n, bool all_logits);
/* One token of each of n sessions, tokens[i] after kv[i]'s positions (the
 * caches distinct, each at most att_stride cells: made for at most the
 * context the state was made for); logits row i is session i's, bit for bit
 * what forward(kv[i], &tokens[i], 1) gives. Needs n <= n_logit_rows (a state
 * made with all_logits for n_batch >= n). Returns -1 (nothing stored) when
 * n is 0 or too large, a cache repeats, is too large or full, or a token id
 * or position is out of range; KV_POOL_FULL when the pool has no block for
 * one of them (then no session has moved). At most FWD_MAX_SEQ sessions. */
#define FWD_MAX_SEQ 16
int    forward_sessions(const struct model *m, struct fwd_state *s, struct kv_cache *const *kv,
                        const int32_t *tokens, uint32_t n);

#endif
