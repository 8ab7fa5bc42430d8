/* llm/model/kv_pool.c: the pool of KV blocks (see llm/model/kv_pool.h): a
 * stack of free blocks and a reference count per block. */
#include "llm/model/kv_pool.h"
#include "lib/string.h"

size_t kv_pool_block_bytes(uint32_t n_layer, uint32_t kv_dim, enum ggml_type type)
{
    const size_t elt = type == GGML_TYPE_F16 ? 2 : type == GGML_TYPE_F32 ? 4 : 0;
    /* Inputs are bounded by the model limits, so this cannot overflow 64 bits. */
    return 2 * (size_t)n_layer * KV_BLOCK * kv_dim * elt;
}

size_t kv_pool_arena_bytes(uint32_t n_layer, uint32_t kv_dim, enum ggml_type type, uint32_t n_blocks)
{
    return kv_pool_block_bytes(n_layer, kv_dim, type) * n_blocks + (size_t)n_blocks * 2 * sizeof(uint32_t) +
           3 * 64;
}

int kv_pool_init(struct kv_pool *p, uint32_t n_layer, uint32_t kv_dim, enum ggml_type type, uint32_t n_blocks,
                 struct arena *a)
{
    memset(p, 0, sizeof *p);
    p->block_bytes = kv_pool_block_bytes(n_layer, kv_dim, type);
    if (p->block_bytes == 0 || n_blocks == 0)
        return -1;
    p->data = arena_alloc(a, p->block_bytes * n_blocks, 64);
    p->ref = arena_alloc(a, (size_t)n_blocks * sizeof(uint32_t), 64);
    p->free_list = arena_alloc(a, (size_t)n_blocks * sizeof(uint32_t), 64);
    if (!p->data || !p->ref || !p->free_list)
        return -1;
    p->type = type;
    p->n_layer = n_layer;
    p->kv_dim = kv_dim;
    p->elt = type == GGML_TYPE_F16 ? 2 : 4;
    p->n_blocks = p->n_free = n_blocks;
    for (uint32_t i = 0; i < n_blocks; i++) {   /* block 0 on top: handed out in order */
        p->ref[i] = 0;
        p->free_list[i] = n_blocks - 1 - i;
    }
    return 0;
}

static int take(struct kv_pool *p, uint32_t *blk)
{
    if (p->n_free == 0)
        return -1;
    *blk = p->free_list[--p->n_free];
    p->ref[*blk] = 1;
    return 0;
}

int kv_pool_alloc(struct kv_pool *p, uint32_t *blk)
{
    if (take(p, blk))
        return -1;
    memset(kv_pool_block(p, *blk), 0, p->block_bytes);
    return 0;
}

int kv_pool_copy(struct kv_pool *p, uint32_t blk, uint32_t *out)
{
    if (take(p, out))
        return -1;
    memcpy(kv_pool_block(p, *out), kv_pool_block(p, blk), p->block_bytes);
    return 0;
}

void kv_pool_ref(struct kv_pool *p, uint32_t blk)
{
    p->ref[blk]++;
}

void kv_pool_unref(struct kv_pool *p, uint32_t blk)
{
    if (--p->ref[blk] == 0)
        p->free_list[p->n_free++] = blk;
}
