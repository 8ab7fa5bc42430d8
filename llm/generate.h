/* llm/generate.h: a generation session over a loaded model: one arena sized
 * up front (KV cache, activations, matmul scratch, logits, sampler scratch,
 * token buffer), then prompt -> batch prefill -> decode/sample/stream loop.
 * Nothing is allocated inside the token loop. Also llama.cpp's perplexity. */
#ifndef LLM_GENERATE_H
#define LLM_GENERATE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/arena.h"
#include "llm/error.h"
#include "llm/model/forward.h"
#include "llm/model/kv_cache.h"
#include "llm/model/model.h"
#include "llm/text/sampler.h"
#include "llm/text/tokenizer.h"
#include "llm/llm.h"

struct session;

/* A KV pool the sessions of a model share (llm/model/kv_pool.h): they take
 * blocks as they grow, and a new prompt that starts as another session's
 * did takes that session's full blocks of it instead of computing them. */
struct session_pool {
    struct kv_pool  kv;
    struct session *sessions;   /* the sessions over it (prefix sharing looks among them) */
    void           *mem;
    size_t          mem_bytes;
};
/* A pool of the blocks that fit in `bytes` (at least one); -1 with err. */
int  session_pool_init(struct session_pool *p, const struct model *m, enum ggml_type type, size_t bytes,
                       struct llm_err *err);
void session_pool_free(struct session_pool *p);   /* after its sessions */

struct session_config {
    struct session_pool *pool;  /* NULL: a private pool of the whole context */
    uint32_t       n_ctx;       /* 0: the model's training context */
    uint32_t       n_batch;     /* most prompt tokens per forward call; 0: min(n_ctx, 512) */
    enum ggml_type kv_type;     /* GGML_TYPE_F16 (llama.cpp's default) or GGML_TYPE_F32 */
    bool           all_logits;  /* logits for every batch position (perplexity) */
};

struct session {
    const struct model     *m;
    const struct tokenizer *tok;
    struct session_config   cfg;
    void                   *mem;
    size_t                  mem_bytes;
    struct arena            arena;
    struct kv_cache         kv;
    struct fwd_state        fwd;
    int32_t                *ids;        /* n_ctx: prompt and generated tokens */
    int32_t                 pending;    /* the last sampled token, not decoded yet (-1: none) */
    uint32_t                n_keep;     /* positions a context shift keeps (set by a first turn) */
    size_t                  loop_mark;  /* arena mark where per-run scratch starts */
    struct session         *pool_next;  /* the next session over cfg.pool */
    uint32_t                n_exact;    /* positions 0.. computed as one prompt from an empty
                                           cache would (batches of >= 4): another session may share them */
};

/* Fills in the defaults of c (for m) and returns the bytes session_init will
 * llm_alloc, so a caller can check memory before committing. */
size_t generate_mem_needed(const struct model *m, struct session_config *c);
int    session_init(struct session *s, const struct model *m, const struct tokenizer *tok,
                    const struct session_config *c, struct llm_err *err);
void   session_free(struct session *s);

/* Run one prompt from an empty context (with r->append, after the cached
 * conversation: the prompt's tokens only are processed). When the context
 * fills up it is shifted as llama-cli does (the first n_keep positions kept,
 * half of the rest dropped, the keys of the others re-rotated), unless
 * r->no_ctx_shift. Returns 0 (see st->stop for why it ended; a non-finite or
 * full-context stop also leaves its message in err) or -1 with err. */
int  generate(struct session *s, const struct llm_request *r, const struct llm_callbacks *cb,
              struct llm_stats *st, struct llm_err *err);

/* Several sessions of one model, each with its own request, callbacks and
 * stats (arrays of n; cb may be NULL): every prompt is processed alone, then
 * each forward pass decodes the next token of every session still going
 * (forward_sessions: one pass over the weights). Each session's tokens,
 * logits and stats are those generate() gives it alone. The pass's own
 * activations and logits are llm_alloc'd for the call. At most FWD_MAX_SEQ
 * sessions. */
int  generate_parallel(struct session *const *s, uint32_t n, const struct llm_request *r,
                       const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err);

/* llama.cpp's perplexity: the text (BOS first) in non-overlapping chunks of
 * n_ctx tokens, each chunk's first token replaced by BOS, scoring positions
 * n_ctx/2 .. n_ctx-2 (each predicting the next token). Needs a session made
 * with all_logits. out->ppl = exp(mean NLL) over out->n_scored predictions. */
int  perplexity(struct session *s, const char *text, size_t len, struct llm_perplexity *out,
                struct llm_err *err);

#endif
