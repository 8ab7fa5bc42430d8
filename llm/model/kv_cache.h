/* llm/model/kv_cache.h: the attention keys and values of every past position, per
 * layer, in F16 (llama.cpp's default) or F32. Laid out as llama.cpp's non-flash
 * path: K as rows per cell, V transposed (a row per dimension, cells along it)
 * so that the weighted sum over cells is a dot product.
 *
 * Paged: cells live in blocks of KV_BLOCK from a pool (llm/model/kv_pool.h)
 * that several caches may share; a cache is a view, a table from its logical
 * blocks (cells b*KV_BLOCK ..) to pool blocks, filled as cells are first used.
 * A V row is then KV_BLOCK-element pieces, one per block, which the kernels
 * walk in order with their sums carried across (struct row_segs): the same
 * bits as one contiguous row.
 *
 * A cell holds one position. Until the first context shift cell i holds
 * position i; the shift (kv_cache_shift) leaves holes that later positions
 * fill, found as llama.cpp's llama_kv_cache_find_slot finds them, and from
 * 2048 cells on its defragmentation (common's defrag_thold 0.1) moves the
 * last cells into the holes. Keeping its placement keeps its summation order
 * over cells, hence its bits. */
#ifndef LLM_KV_CACHE_H
#define LLM_KV_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/arena.h"
#include "llm/model/kv_pool.h"
#include "llm/quant/quant.h"

struct kv_cache {
    struct kv_pool  *pool;       /* where the blocks are (&own, or a shared pool) */
    struct kv_pool   own;        /* kv_cache_init's private pool */
    enum ggml_type   type;       /* GGML_TYPE_F16 or GGML_TYPE_F32 */
    uint32_t         n_layer;
    uint32_t         n_ctx;      /* capacity in positions */
    uint32_t         n_cells;    /* n_ctx rounded up to KV_BLOCK: the V row length */
    uint32_t         kv_dim;     /* n_head_kv * head_dim */
    uint32_t         n_used;     /* positions 0 .. n_used-1 hold data (one cell each) */
    uint32_t         head;       /* where the search for free cells starts */
    uint32_t         cell_end;   /* 1 + the last cell in use (llama_kv_cache_cell_max) */
    bool             shifted;    /* cells no longer hold their own positions */
    bool             defrag_next; /* the next placement compacts the cells first */
    int32_t         *cell_pos;   /* [n_ctx] position held by each cell, -1: free */
    uint32_t        *move_to;    /* [n_ctx] defrag scratch: where each cell goes */
    size_t           elt;        /* bytes per element */
    uint32_t         n_blk;      /* n_cells / KV_BLOCK logical blocks */
    uint32_t        *blk;        /* [n_blk] the pool block of each, KV_NO_BLOCK: none yet */
    const uint8_t  **blk_ptr;    /* [n_blk] its address (NULL: none): the kernels' pieces */
};

/* kv_cache_advance / kv_cache_shift: the pool has no block left. */
#define KV_POOL_FULL (-2)

/* Cells attention reads: like llama.cpp, 1 + the last cell in use rounded up to
 * a multiple of 32 (free cells get weight 0), which fixes the summation order. */
uint32_t kv_cache_n_kv(const struct kv_cache *c);
/* Bytes of K and V data (all layers) of a whole context. */
size_t kv_cache_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type);
/* Bytes kv_cache_init takes from an arena: a private pool of the whole
 * context, the cell and block tables, alignment. */
size_t kv_cache_arena_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type);
/* A cache over a private pool that holds its whole context (one session
 * alone). -1 when type is not F16/F32 or the arena is too small. */
int    kv_cache_init(struct kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
                     enum ggml_type type, struct arena *a);
/* Bytes kv_cache_init_view takes: the cell and block tables. */
size_t kv_cache_view_arena_bytes(uint32_t n_ctx);
/* A cache of n_ctx positions over a shared pool: it takes blocks as it grows. */
int    kv_cache_init_view(struct kv_cache *c, struct kv_pool *pool, uint32_t n_ctx, struct arena *a);
/* Forget every position and give the blocks back to the pool. */
void   kv_cache_clear(struct kv_cache *c);
bool   kv_cache_full(const struct kv_cache *c);

/* Give positions n_used .. n_used+n-1 n consecutive free cells, as llama.cpp's
 * llama_decode places a batch (after the defragmentation the previous batch
 * asked for); *cell is the first. They count as used at once,
 * so attention over them sees the right n_kv. Their blocks (and any below
 * them) are taken from the pool, shared ones copied. -1 when no n free cells
 * in a row are left, KV_POOL_FULL when the pool has too few blocks (nothing
 * changes then, but for a defragmentation, which changes no position). */
int    kv_cache_advance(struct kv_cache *c, uint32_t n, uint32_t *cell);
/* Forget positions n_used and on, placed since the cache held n_used with
 * its search at head (no shift since): their cells freed and zeroed, head
 * back (a prompt the pool could not take undone). */
void   kv_cache_truncate(struct kv_cache *c, uint32_t n_used, uint32_t head);
/* Cells a query at position pos must look at: every cell it may see is below.
 * (Inline, as kv_cache_mask's test: attention asks per head and token.) */
static inline uint32_t kv_cache_cells_seen(const struct kv_cache *c, uint32_t pos)
{
    return c->shifted ? c->cell_end : pos + 1;   /* unshifted, cell i holds position i */
}
void kv_cache_mask_cells(const struct kv_cache *c, float *row, uint32_t n, uint32_t pos);
/* Set row[i] = -INF for the cells i < n that a query at position pos does not
 * see (free, or a later position), as llama.cpp's KQ mask does. */
static inline void kv_cache_mask(const struct kv_cache *c, float *row, uint32_t n, uint32_t pos)
{
    if (c->shifted)   /* else cells 0..pos hold positions 0..pos: nothing to hide */
        kv_cache_mask_cells(c, row, n, pos);
}
/* Store elements d0 .. d0+nd-1 of the K and V rows k, v (kv_dim floats each)
 * in cell `cell` of layer il. Disjoint ranges may be stored concurrently. */
void   kv_cache_store(struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d0, uint32_t nd,
                      const float *k, const float *v);
/* The K row of cell `cell` from element offset on (a kv head starts at g*head_dim). */
const void *kv_cache_k(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t offset);
/* Element d of the V column of cell `cell` (V row d is n_cells of them). */
const void *kv_cache_v(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d);
/* The K rows of layer il from element offset on, as blocks of rows: cell
 * i's at c->blk_ptr[i / KV_BLOCK] + kv_cache_k_off(c, il, offset) + (i %
 * KV_BLOCK) * kv_dim elements (struct mm_args' w_seg, seg_rows). */
static inline size_t kv_cache_k_off(const struct kv_cache *c, uint32_t il, uint32_t offset)
{
    return kv_pool_k_off(c->pool, il) + (size_t)offset * c->elt;
}
/* V row d of layer il as pieces: block b's KV_BLOCK elements at
 * c->blk_ptr[b] + kv_cache_v_off(c, il, d) (struct mm_args' w_seg). */
static inline size_t kv_cache_v_off(const struct kv_cache *c, uint32_t il, uint32_t d)
{
    return kv_pool_v_off(c->pool, il, d);
}

/* Blocks the cache holds, and how many of them another cache holds too. */
uint32_t kv_cache_blocks(const struct kv_cache *c, uint32_t *shared);
/* Let the empty cache c start with the first n_blk blocks of src (each full:
 * positions 0 .. n_blk*KV_BLOCK - 1, in their own cells), shared until a
 * write copies them. -1 when c is not empty, src is shifted or holds fewer. */
int    kv_cache_share_prefix(struct kv_cache *c, const struct kv_cache *src, uint32_t n_blk);

/* RoPE of the keys, for the shift's re-rotation (n_rot 0: keys carry no position). */
struct kv_rope {
    uint32_t n_rot, head_dim;   /* rotated dims of each kv head, and its size */
    float    base;              /* rope.freq_base */
    float   *scratch;           /* KV_ROPE_SCRATCH(n_rot) floats */
};
#define KV_ROPE_SCRATCH(n_rot) (3 * (size_t)(n_rot))
/* llama-cli's context shift: forget positions n_keep .. n_keep+n_discard-1
 * (llama_kv_cache_seq_rm), move the later ones n_discard back
 * (llama_kv_cache_seq_add) and rotate their keys by -n_discard as ggml's
 * K-shift does: every cell of every layer roped by its delta (0 for the
 * others), in float from the cache's type and stored back in it. The cells
 * stay where they are (shared blocks are copied first). -1 when n_keep +
 * n_discard > n_used or n_discard is 0, KV_POOL_FULL when the copies find no
 * blocks (no position has changed then). */
int    kv_cache_shift(struct kv_cache *c, uint32_t n_keep, uint32_t n_discard, const struct kv_rope *rope);

#endif
