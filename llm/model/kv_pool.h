/* llm/model/kv_pool.h: the KV cache's storage: fixed blocks of KV_BLOCK
 * positions from one pool, shared by every session of a model (each session's
 * struct kv_cache is a table of blocks into it, llm/model/kv_cache.h).
 *
 * KV_BLOCK is 32: llama.cpp pads the cells attention reads (n_kv) to 32, and
 * the f16/f32 dot products step through a row 16 elements (vec_dot) or 4
 * (sgemm) at a time, so a block boundary never falls inside a step and the
 * sums carried across blocks keep the order of one contiguous row. A block
 * holds, for every layer, K as rows [KV_BLOCK][kv_dim] and V transposed
 * [kv_dim][KV_BLOCK]. Blocks are refcounted: sessions that start with the
 * same tokens share the blocks of that prefix, and a write into a shared
 * block copies it first (copy on write). */
#ifndef LLM_KV_POOL_H
#define LLM_KV_POOL_H
#include <stddef.h>
#include <stdint.h>
#include "llm/arena.h"
#include "llm/quant/quant.h"

#define KV_BLOCK    32
#define KV_NO_BLOCK UINT32_MAX

struct kv_pool {
    enum ggml_type type;          /* GGML_TYPE_F16 or GGML_TYPE_F32 */
    uint32_t       n_layer, kv_dim;
    size_t         elt;           /* bytes per element */
    size_t         block_bytes;   /* one block: every layer's K and V */
    uint32_t       n_blocks, n_free;
    uint8_t       *data;          /* [n_blocks][block_bytes] */
    uint32_t      *ref;           /* [n_blocks] block tables holding each block (0: free) */
    uint32_t      *free_list;     /* [n_blocks] a stack of the free blocks (n_free of them) */
};

/* Bytes of one block; 0 when type is not F16/F32. */
size_t kv_pool_block_bytes(uint32_t n_layer, uint32_t kv_dim, enum ggml_type type);
/* Arena bytes kv_pool_init takes for n_blocks blocks (data, tables, alignment). */
size_t kv_pool_arena_bytes(uint32_t n_layer, uint32_t kv_dim, enum ggml_type type, uint32_t n_blocks);
/* -1 when type is not F16/F32, n_blocks is 0 or the arena is too small. */
int    kv_pool_init(struct kv_pool *p, uint32_t n_layer, uint32_t kv_dim, enum ggml_type type,
                    uint32_t n_blocks, struct arena *a);
/* A block of zeros (free cells are weighted 0 in attention, and 0 times a
 * stale inf would be NaN) with one reference; -1 when none is free. */
int    kv_pool_alloc(struct kv_pool *p, uint32_t *blk);
/* A new block holding a copy of blk (one reference); -1 when none is free. */
int    kv_pool_copy(struct kv_pool *p, uint32_t blk, uint32_t *out);
void   kv_pool_ref(struct kv_pool *p, uint32_t blk);
void   kv_pool_unref(struct kv_pool *p, uint32_t blk);   /* the last one frees it */
static inline uint8_t *kv_pool_block(const struct kv_pool *p, uint32_t blk)
{
    return p->data + (size_t)blk * p->block_bytes;
}
/* Offsets inside a block: layer il's K rows, and its V row of dimension d. */
static inline size_t kv_pool_k_off(const struct kv_pool *p, uint32_t il)
{
    return (size_t)il * 2 * KV_BLOCK * p->kv_dim * p->elt;
}
static inline size_t kv_pool_v_off(const struct kv_pool *p, uint32_t il, uint32_t d)
{
    return kv_pool_k_off(p, il) + ((size_t)KV_BLOCK * p->kv_dim + (size_t)d * KV_BLOCK) * p->elt;
}

#endif
