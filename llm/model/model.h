/* llm/model/model.h: a model over a parsed GGUF file: its architecture
 * (llm/model/arch.h, chosen by general.architecture), hyperparameters and
 * weight tensors, checked against each other at load. Weights point into the
 * (mapped, read-only) file: nothing is copied. */
#ifndef LLM_MODEL_H
#define LLM_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/gguf/gguf.h"

/* Keys are "<arch>.<name>", e.g. llama.context_length. */
struct model_hparams {
    uint32_t n_ctx_train;   /* context_length */
    uint32_t n_embd;        /* embedding_length */
    uint32_t n_layer;       /* block_count */
    uint32_t n_ff;          /* feed_forward_length */
    uint32_t n_head;        /* attention.head_count */
    uint32_t n_head_kv;     /* attention.head_count_kv (default n_head) */
    uint32_t head_dim;      /* n_embd / n_head */
    uint32_t n_rot;         /* rope.dimension_count (default head_dim); 0: no RoPE */
    uint32_t n_vocab;       /* rows of token_embd */
    uint32_t n_pos;         /* positions the model can embed (rows of position_embd); 0: any */
    float    rope_base;     /* rope.freq_base (default 10000) */
    float    norm_eps;      /* attention.layer_norm_rms_epsilon (llama), layer_norm_epsilon */
};

/* Tensors an architecture does not have stay NULL. */
struct layer_weights {
    const struct gguf_tensor *attn_norm, *wq, *wk, *wv, *wo;
    const struct gguf_tensor *ffn_norm, *w_gate, *w_up, *w_down;
    const struct gguf_tensor *wqkv;                          /* fused Q/K/V rows (gpt2) */
    const struct gguf_tensor *attn_norm_b, *ffn_norm_b;      /* LayerNorm biases */
    const struct gguf_tensor *bqkv, *bo, *b_up, *b_down;     /* projection biases */
};

struct arch_ops;

struct model {
    const struct arch_ops    *arch;
    struct model_hparams      hp;
    const struct gguf_file   *file;
    const struct gguf_tensor *tok_embd, *output_norm, *output;
    const struct gguf_tensor *pos_embd, *output_norm_b;     /* gpt2 */
    bool                      output_tied;     /* output == tok_embd */
    struct layer_weights     *layers;          /* llm_alloc'd, n_layer entries */
    size_t                    layers_bytes;
    uint64_t                  weight_bytes;    /* tensor data used by the forward pass */
    struct gguf_file         *packed_file;     /* model_repack's: the file whose tensors it repacked */
    uint64_t                  packed_bytes;    /* bytes of repacked copies */
    uint64_t                  packed_in_place; /* bytes repacked in the file's own bytes */
    void                     *repack_scratch;  /* one group's bytes, to undo the in-place repack */
    bool                      repack_discard;  /* the file's bytes are dropped after: no undo */
    size_t                    repack_scratch_bytes;
};

#define MODEL_MAX_LAYERS   1024u
#define MODEL_MAX_EMBD     65536u
#define MODEL_MAX_FF       (1u << 20)
#define MODEL_MAX_HEADS    1024u
#define MODEL_MAX_VOCAB    (1u << 22)
#define MODEL_MAX_CTX      (1u << 20)

/* Read the hyperparameters and find, shape-check and type-check every tensor.
 * On failure returns -1 with a message naming the key or tensor; nothing stays
 * allocated. f must outlive m. */
int  model_load(struct model *m, const struct gguf_file *f, struct llm_err *err);
void model_free(struct model *m);

/* A layer's matmul weights (those it has of wq, wk, wv, wqkv, wo, w_gate,
 * w_up, w_down) into w; returns how many. */
#define MODEL_LAYER_MATMULS 8
int  model_layer_matmuls(const struct layer_weights *l, const struct gguf_tensor *w[MODEL_LAYER_MATMULS]);

/* n_embd of the K/V rows: n_head_kv * head_dim. */
uint32_t model_kv_dim(const struct model_hparams *hp);

/* A multi-line human summary (arch, dims, heads, vocab, ctx, tensor types,
 * bytes) into buf; returns the length written (truncated to cap-1). */
int  model_summary(const struct model *m, char *buf, size_t cap);

#endif
