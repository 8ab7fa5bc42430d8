/* llm/model/kv_cache.h: the attention keys and values of every past position, per
 * layer, in F16 (llama.cpp's default) or F32. Laid out as llama.cpp's non-flash
 * path: K as rows per position, V transposed (a row per dimension, positions
 * along it) so that the weighted sum over positions is a dot product. */
#ifndef LLM_KV_CACHE_H
#define LLM_KV_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/arena.h"
#include "llm/quant/quant.h"

struct kv_cache {
    enum ggml_type type;        /* GGML_TYPE_F16 or GGML_TYPE_F32 */
    uint32_t       n_layer;
    uint32_t       n_ctx;       /* capacity in positions */
    uint32_t       n_cells;     /* n_ctx rounded up to 32: the V row length */
    uint32_t       kv_dim;      /* n_head_kv * head_dim */
    uint32_t       n_used;      /* positions 0 .. n_used-1 hold data */
    size_t         elt;         /* bytes per element */
    uint8_t       *k;           /* [n_layer][n_ctx][kv_dim] */
    uint8_t       *v;           /* [n_layer][kv_dim][n_ctx] */
};

/* Positions attention reads for n_used filled ones: like llama.cpp, a multiple
 * of 32 (the empty, zeroed tail gets weight 0), which fixes the summation order. */
uint32_t kv_cache_n_kv(const struct kv_cache *c);
/* Bytes kv_cache_init takes from an arena (both K and V, all layers). */
size_t kv_cache_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type);
/* -1 when type is not F16/F32 or the arena is too small. */
int    kv_cache_init(struct kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
                     enum ggml_type type, struct arena *a);
/* Forget every position (and zero the data: masked positions are multiplied
 * by 0 in attention, and 0 * a stale inf would be NaN). */
void   kv_cache_clear(struct kv_cache *c);
bool   kv_cache_full(const struct kv_cache *c);

/* Take the next n positions (the caller checked they fit): returns the first.
 * They count as used at once, so attention over them sees the right n_kv. */
uint32_t kv_cache_advance(struct kv_cache *c, uint32_t n);
/* Store elements d0 .. d0+nd-1 of the K and V rows k, v (kv_dim floats each)
 * at position pos of layer il. Disjoint ranges may be stored concurrently. */
void   kv_cache_store(struct kv_cache *c, uint32_t il, uint32_t pos, uint32_t d0, uint32_t nd,
                      const float *k, const float *v);
/* The K row of position pos from element offset on (a kv head starts at g*head_dim). */
const void *kv_cache_k(const struct kv_cache *c, uint32_t il, uint32_t pos, uint32_t offset);
/* The V row of dimension d (n_cells elements, one per position). */
const void *kv_cache_v(const struct kv_cache *c, uint32_t il, uint32_t d);

#endif
