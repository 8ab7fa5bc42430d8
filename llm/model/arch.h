/* llm/model/arch.h: a model architecture behind one small table of functions.
 * model_load picks the table by general.architecture; the table reads the
 * hyperparameters and finds the tensors, and the forward pass calls it for the
 * embeddings, each block and the final norm. Everything else is shared: the
 * matmuls, attention over the KV cache, the logits, generate and the sampler.
 * A new architecture is one arch_<name>.c defining its struct arch_ops, plus
 * its entry in model.c's arch_list. Also the helpers those files share. */
#ifndef LLM_MODEL_ARCH_H
#define LLM_MODEL_ARCH_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/gguf/gguf.h"
#include "llm/model/forward.h"
#include "llm/model/kv_cache.h"
#include "llm/model/model.h"

struct arch_ops {
    const char *name;   /* general.architecture, and the prefix of its keys */
    /* m->hp from the "<name>.*" keys, range-checked */
    int  (*load_hparams)(struct model_hparams *hp, const struct gguf_file *f, struct llm_err *err);
    /* tensors beyond token_embd, output_norm.weight and output.weight, which
     * model_load finds first (NULL: none); their bytes go to m->weight_bytes */
    int  (*load_globals)(struct model *m, const struct gguf_file *f, struct llm_err *err);
    /* layer il's tensors; their bytes are added to *bytes */
    int  (*load_layer)(struct layer_weights *l, const struct gguf_file *f, uint32_t il,
                       const struct model_hparams *hp, uint64_t *bytes, struct llm_err *err);
    /* rows 0..n-1 of s->x for tokens (already range-checked) at the
     * positions s->row gives */
    void (*embed)(const struct model *m, struct fwd_state *s, const int32_t *tokens, uint32_t n);
    /* one block over rows 0..r.n-1 of s->x (their sessions, positions and
     * cells in s->row); it may leave its last residual add pending in s->xb2
     * for the next block's norm or output_norm. With last_only, only each
     * session's last row is wanted (the rows may be cut to them once
     * attention has stored every K/V). Returns the rows still live. */
    struct ops_rows (*layer)(const struct model *m, struct fwd_state *s, uint32_t il, struct ops_rows r,
                             bool last_only);
    /* s->xb = the final norm of rows 0..n-1 of x, after the pending residual */
    void (*output_norm)(const struct model *m, struct fwd_state *s, uint32_t n);
};

extern const struct arch_ops arch_llama, arch_gpt2;
#define MODEL_ARCH_NAMES "llama, gpt2"

/* ---- loading (model.c) */
#define MODEL_ANY_ROWS UINT64_MAX
#define MODEL_KEY_MAX  96
/* "<arch>.<name>" into key; returns key. */
const char *model_key(char key[MODEL_KEY_MAX], const char *arch, const char *name);
int  model_get_u32_opt(const struct gguf_file *f, const char *key, uint32_t def, uint32_t *out,
                       struct llm_err *err);
int  model_get_f32_opt(const struct gguf_file *f, const char *key, float def, float *out,
                       struct llm_err *err);
int  model_check_range(const char *key, uint32_t v, uint32_t lo, uint32_t hi, struct llm_err *err);
/* The keys every transformer here has: context_length, embedding_length,
 * block_count, feed_forward_length, attention.head_count(_kv); sets head_dim. */
int  model_read_dims(struct model_hparams *hp, const struct gguf_file *f, const char *arch,
                     struct llm_err *err);
/* A tensor of shape [ne0] (ne1 == 0: a vector, f32 only) or [ne0, ne1]
 * (MODEL_ANY_ROWS: any row count), type and data checked; NULL with err. */
const struct gguf_tensor *model_find_weight(const struct gguf_file *f, const char *name,
                                            uint64_t ne0, uint64_t ne1, struct llm_err *err);
/* model_find_weight of "blk.<il>.<what>", its bytes added to *bytes. */
const struct gguf_tensor *model_find_layer_weight(const struct gguf_file *f, uint32_t il,
                                                  const char *what, uint64_t ne0, uint64_t ne1,
                                                  uint64_t *bytes, struct llm_err *err);

/* ---- the forward pass (forward.c) */
/* Causal attention of rows 0..r.n-1 of s->q/k/v (each at the position and
 * in the cell of its session's cache that s->row gives) in layer il: RoPE
 * (when hp->n_rot), K/V into the cache, per head softmax(K q) V into s->xb. */
void forward_attend(const struct model_hparams *hp, struct fwd_state *s, uint32_t il, struct ops_rows r);
/* Keep only the last row of each session in s->x and s->xb2 (session i's
 * moved to row i); returns the rows left. */
struct ops_rows forward_keep_last(const struct model_hparams *hp, struct fwd_state *s, struct ops_rows r);

#endif
