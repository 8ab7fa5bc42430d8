/* llm/model/kv_cache.c: per-layer K and V storage in pool blocks and its
 * cells (see llm/model/kv_cache.h). Values are rounded to F16 on the way in,
 * as ggml_cpy does into llama.cpp's cache. The cell bookkeeping follows llama.cpp's
 * src/llama-kv-cache.cpp for one sequence; the K-shift its build_k_shift. */
#include "llm/model/kv_cache.h"
#include "llm/model/ops.h"
#include "llm/quant/cpu_ops.h"
#include "lib/math.h"
#include "lib/string.h"

static uint32_t pad32(uint32_t n)
{
    return (n + 31) & ~31u;
}

_Static_assert(KV_BLOCK == 32, "n_cells (pad32) is a whole number of blocks");

size_t kv_cache_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type)
{
    return kv_pool_block_bytes(n_layer, kv_dim, type) * (pad32(n_ctx) / KV_BLOCK);
}

size_t kv_cache_view_arena_bytes(uint32_t n_ctx)
{
    const size_t n_blk = pad32(n_ctx) / KV_BLOCK;
    return (size_t)n_ctx * 2 * sizeof(int32_t) + n_blk * (sizeof(uint32_t) + sizeof(void *)) + 4 * 64;
}

size_t kv_cache_arena_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type)
{
    return kv_pool_arena_bytes(n_layer, kv_dim, type, pad32(n_ctx) / KV_BLOCK) + kv_cache_view_arena_bytes(n_ctx);
}

uint32_t kv_cache_n_kv(const struct kv_cache *c)
{
    uint32_t n = pad32(c->cell_end ? c->cell_end : 1);
    return n < c->n_cells ? n : c->n_cells;
}

/* Every cell free, the search from cell 0: llama.cpp's empty cache. */
static void forget_cells(struct kv_cache *c)
{
    for (uint32_t i = 0; i < c->n_ctx; i++)
        c->cell_pos[i] = -1;
    c->n_used = c->head = c->cell_end = 0;
    c->shifted = c->defrag_next = false;
}

int kv_cache_init_view(struct kv_cache *c, struct kv_pool *pool, uint32_t n_ctx, struct arena *a)
{
    if (n_ctx == 0)
        return -1;
    c->pool = pool;
    c->type = pool->type;
    c->elt = pool->elt;
    c->n_layer = pool->n_layer;
    c->kv_dim = pool->kv_dim;
    c->n_ctx = n_ctx;
    c->n_cells = pad32(n_ctx);
    c->n_blk = c->n_cells / KV_BLOCK;
    c->cell_pos = arena_alloc(a, (size_t)n_ctx * sizeof(int32_t), 64);
    c->move_to = arena_alloc(a, (size_t)n_ctx * sizeof(uint32_t), 64);
    c->blk = arena_alloc(a, (size_t)c->n_blk * sizeof(uint32_t), 64);
    c->blk_ptr = arena_alloc(a, (size_t)c->n_blk * sizeof(void *), 64);
    if (!c->cell_pos || !c->move_to || !c->blk || !c->blk_ptr)
        return -1;
    for (uint32_t b = 0; b < c->n_blk; b++) {
        c->blk[b] = KV_NO_BLOCK;
        c->blk_ptr[b] = NULL;
    }
    forget_cells(c);
    return 0;
}

int kv_cache_init(struct kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
                  enum ggml_type type, struct arena *a)
{
    memset(c, 0, sizeof *c);
    if (n_ctx == 0 || kv_pool_init(&c->own, n_layer, kv_dim, type, pad32(n_ctx) / KV_BLOCK, a))
        return -1;
    return kv_cache_init_view(c, &c->own, n_ctx, a);
}

static void set_block(struct kv_cache *c, uint32_t b, uint32_t blk)
{
    c->blk[b] = blk;
    c->blk_ptr[b] = blk == KV_NO_BLOCK ? NULL : kv_pool_block(c->pool, blk);
}

void kv_cache_clear(struct kv_cache *c)
{
    for (uint32_t b = 0; b < c->n_blk; b++)
        if (c->blk[b] != KV_NO_BLOCK) {
            kv_pool_unref(c->pool, c->blk[b]);
            set_block(c, b, KV_NO_BLOCK);
        }
    forget_cells(c);
}

bool kv_cache_full(const struct kv_cache *c)
{
    return c->n_used >= c->n_ctx;
}

uint32_t kv_cache_blocks(const struct kv_cache *c, uint32_t *shared)
{
    uint32_t n = 0;
    *shared = 0;
    for (uint32_t b = 0; b < c->n_blk; b++)
        if (c->blk[b] != KV_NO_BLOCK) {
            n++;
            *shared += c->pool->ref[c->blk[b]] > 1;
        }
    return n;
}

/* Blocks 0 .. b1-1 present (missing ones taken zeroed) and b0 .. b1-1 this
 * cache's own (a write follows: shared ones copied). Counted first, so that
 * a pool too small changes nothing. */
static int own_blocks(struct kv_cache *c, uint32_t b0, uint32_t b1)
{
    uint32_t need = 0;
    for (uint32_t b = 0; b < b1; b++)
        need += c->blk[b] == KV_NO_BLOCK || (b >= b0 && c->pool->ref[c->blk[b]] > 1);
    if (need > c->pool->n_free)
        return KV_POOL_FULL;
    for (uint32_t b = 0; b < b1; b++) {
        uint32_t nb;
        if (c->blk[b] == KV_NO_BLOCK)
            kv_pool_alloc(c->pool, &nb);
        else if (b >= b0 && c->pool->ref[c->blk[b]] > 1) {
            kv_pool_copy(c->pool, c->blk[b], &nb);
            kv_pool_unref(c->pool, c->blk[b]);
        } else
            continue;
        set_block(c, b, nb);
    }
    return 0;
}

/* Blocks this cache holds that others hold too, copied (before a write to all). */
static int own_held_blocks(struct kv_cache *c)
{
    uint32_t need = 0;
    for (uint32_t b = 0; b < c->n_blk; b++)
        need += c->blk[b] != KV_NO_BLOCK && c->pool->ref[c->blk[b]] > 1;
    if (need > c->pool->n_free)
        return KV_POOL_FULL;
    for (uint32_t b = 0; b < c->n_blk; b++)
        if (c->blk[b] != KV_NO_BLOCK && c->pool->ref[c->blk[b]] > 1 && own_blocks(c, b, b + 1))
            return KV_POOL_FULL;   /* cannot happen: counted above */
    return 0;
}

int kv_cache_share_prefix(struct kv_cache *c, const struct kv_cache *src, uint32_t n_blk)
{
    if (c->n_used || c->pool != src->pool || src->shifted || n_blk > c->n_blk ||
        (uint64_t)n_blk * KV_BLOCK > src->n_used)
        return -1;
    for (uint32_t b = 0; b < n_blk; b++) {
        kv_pool_ref(c->pool, src->blk[b]);
        set_block(c, b, src->blk[b]);
    }
    const uint32_t n = n_blk * KV_BLOCK;
    for (uint32_t i = 0; i < n; i++)
        c->cell_pos[i] = (int32_t)i;
    c->n_used = c->cell_end = n;
    c->head = n < c->n_ctx ? n : 0;
    return 0;
}

static uint8_t *cell_k(const struct kv_cache *c, uint32_t il, uint32_t cell)
{
    return (uint8_t *)c->blk_ptr[cell / KV_BLOCK] + kv_pool_k_off(c->pool, il) +
           (size_t)(cell % KV_BLOCK) * c->kv_dim * c->elt;
}

static uint8_t *cell_v(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d)
{
    return (uint8_t *)c->blk_ptr[cell / KV_BLOCK] + kv_pool_v_off(c->pool, il, d) + (size_t)(cell % KV_BLOCK) * c->elt;
}

/* K is a row per position, V a column: both rounded a chunk at a time by
 * the kernels' quantize (the same f16 rounding on every path). */
void kv_cache_store(struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d0, uint32_t nd,
                    const float *k, const float *v)
{
    uint8_t *kp = cell_k(c, il, cell) + (size_t)d0 * c->elt, *vp = cell_v(c, il, cell, d0);
    cpu_ops()->quantize(c->type, k + d0, kp, nd);
    for (uint32_t c0 = 0; c0 < nd; c0 += 64) {
        uint8_t tmp[64 * sizeof(float)];
        const uint32_t n = nd - c0 < 64 ? nd - c0 : 64;
        cpu_ops()->quantize(c->type, v + d0 + c0, tmp, n);
        for (uint32_t d = 0; d < n; d++) {   /* constant sizes: copied inline */
            uint8_t *dst = vp + (size_t)(c0 + d) * KV_BLOCK * c->elt;
            if (c->elt == 2)
                __builtin_memcpy(dst, tmp + d * 2, 2);
            else
                __builtin_memcpy(dst, tmp + d * 4, 4);
        }
    }
}

/* llama_decode's placement: restart the search at cell 0 when enough cells
 * before head are free, then llama_kv_cache_find_slot's scan for n free
 * cells in a row (wrapping once), and head moved past the batch. */
static int find_slot(struct kv_cache *c, uint32_t n, uint32_t *cell)
{
    const uint32_t size = c->n_ctx;
    uint32_t head = c->head > c->n_used + 2 * n ? 0 : c->head, tested = 0;
    if (n == 0 || n > size)
        return -1;
    for (;;) {
        if (head + n > size) {
            tested += size - head;
            head = 0;
            continue;
        }
        uint32_t i = 0;
        while (i < n && c->cell_pos[head + i] < 0)
            i++;
        if (i == n)
            break;
        head += i + 1;
        tested += i + 1;
        if (tested >= size)
            return -1;
    }
    *cell = head;
    return 0;
}

static void update_cell_end(struct kv_cache *c)
{
    c->cell_end = 0;
    for (uint32_t i = 0; i < c->n_ctx; i++)
        if (c->cell_pos[i] >= 0)
            c->cell_end = i + 1;
}

/* Copy cell `from`'s K row and V column of every layer to cell `to`. */
static void move_cell(struct kv_cache *c, uint32_t from, uint32_t to)
{
    for (uint32_t il = 0; il < c->n_layer; il++) {
        memcpy(cell_k(c, il, to), cell_k(c, il, from), c->kv_dim * c->elt);
        for (uint32_t d = 0; d < c->kv_dim; d++)
            memcpy(cell_v(c, il, to, d), cell_v(c, il, from, d), c->elt);
    }
}

/* llama_kv_cache_defrag_impl: each hole below n_used, in order, is filled with
 * as many cells taken from the end (the last ones not moved yet, kept in
 * order), at most max_moves runs of cells in all (llama.cpp's graph budget,
 * for a model of at most 1638 tensors: max_nodes 8192); the data moves after
 * the plan, in the order of the cells it comes from. */
static void defrag(struct kv_cache *c)
{
    const uint32_t n_kv = c->cell_end, n_used = c->n_used;
    const uint32_t max_moves = (8192 - 2 * c->n_layer) / (6 * c->n_layer);
    uint32_t n_moves = 0, *to = c->move_to;
    for (uint32_t i = 0; i < n_kv; i++)
        to[i] = n_kv;
    for (uint32_t i0 = 0; i0 < n_used; i0++) {
        if (c->cell_pos[i0] >= 0) {
            to[i0] = i0;
            continue;
        }
        uint32_t nh = 1, nf = 0, is = n_kv - 1;
        while (i0 + nh < n_used && c->cell_pos[i0 + nh] < 0)
            nh++;
        for (; is > i0; is--)   /* the first of the nh last unmoved cells */
            if (c->cell_pos[is] >= 0 && to[is] == n_kv && ++nf == nh)
                break;
        bool run = false, stop = false;
        nf = 0;
        for (uint32_t i1 = is; i1 < n_kv; i1++) {
            if (c->cell_pos[i1] < 0 || to[i1] != n_kv) {
                if (n_moves == max_moves) {
                    stop = true;
                    break;
                }
                run = false;
                continue;
            }
            to[i1] = i0 + nf;
            c->cell_pos[i0 + nf] = c->cell_pos[i1];
            c->cell_pos[i1] = -1;
            c->head = n_used;
            n_moves += !run;
            run = true;
            if (++nf == nh)
                break;
        }
        if (stop || n_moves == max_moves)
            break;
        i0 += nh - 1;
    }
    for (uint32_t i = 0; i < n_kv; i++)
        if (to[i] != i && to[i] != n_kv)
            move_cell(c, i, to[i]);
    update_cell_end(c);
}

int kv_cache_advance(struct kv_cache *c, uint32_t n, uint32_t *cell)
{
    uint32_t c0;
    if (c->defrag_next && own_held_blocks(c))   /* it writes into the held blocks */
        return KV_POOL_FULL;
    if (c->defrag_next)
        defrag(c);
    c->defrag_next = false;
    if (n > c->n_ctx - c->n_used || find_slot(c, n, &c0))
        return -1;
    /* The batch's blocks, and every one below (attention reads them all). */
    if (own_blocks(c, c0 / KV_BLOCK, (c0 + n - 1) / KV_BLOCK + 1))
        return KV_POOL_FULL;
    for (uint32_t i = 0; i < n; i++)
        c->cell_pos[c0 + i] = (int32_t)(c->n_used + i);
    c->n_used += n;
    c->head = c0 + n < c->n_ctx ? c0 + n : 0;
    if (c0 + n > c->cell_end)
        c->cell_end = c0 + n;
    *cell = c0;
    /* llama_decode's test after the batch: fragmentation of the n_kv cells it
     * attended, counting the padding as used, from 2048 cells on. */
    const uint32_t n_kv = kv_cache_n_kv(c);
    c->defrag_next = n_kv >= 2048 && 1.0f - (float)(c->n_used + 32) / (float)n_kv > 0.1f;
    return 0;
}

void kv_cache_truncate(struct kv_cache *c, uint32_t n_used, uint32_t head)
{
    for (uint32_t i = 0; i < c->n_ctx; i++) {
        if (c->cell_pos[i] < (int32_t)n_used)
            continue;
        c->cell_pos[i] = -1;
        for (uint32_t il = 0; il < c->n_layer; il++) {   /* zeros, as in a block never used */
            memset(cell_k(c, il, i), 0, c->kv_dim * c->elt);
            for (uint32_t d = 0; d < c->kv_dim; d++)
                memset(cell_v(c, il, i, d), 0, c->elt);
        }
    }
    c->n_used = n_used;
    c->head = head;
    update_cell_end(c);
}

void kv_cache_mask_cells(const struct kv_cache *c, float *row, uint32_t n, uint32_t pos)
{
    for (uint32_t i = 0; i < n; i++)
        if (c->cell_pos[i] < 0 || c->cell_pos[i] > (int32_t)pos)
            row[i] = -INFINITY;
}

/* ggml_rope_ext_inplace on one layer's keys: each cell's kv heads rotated by
 * the cell's delta (cells from moved_from on: delta, the others 0, as ggml
 * ropes them all), in float: F32 in place, F16 converted, rotated and rounded
 * back (the dims past n_rot are left as they are, as ggml copies them). */
static void rotate_layer(struct kv_cache *c, uint32_t il, const struct kv_rope *r, int32_t delta,
                         uint32_t moved_from)
{
    float *cache_0 = r->scratch, *cache_d = r->scratch + r->n_rot, *tmp = r->scratch + 2 * r->n_rot;
    const uint32_t n_heads = c->kv_dim / r->head_dim;
    ops_rope_cache(cache_0, r->n_rot, 0, r->base);
    ops_rope_cache(cache_d, r->n_rot, delta, r->base);
    for (uint32_t i = 0; i < c->n_ctx; i++) {
        if (!c->blk_ptr[i / KV_BLOCK])   /* never used: zeros, as a block is when taken */
            continue;
        const float *rc = c->cell_pos[i] >= (int32_t)moved_from ? cache_d : cache_0;
        if (c->type == GGML_TYPE_F32) {
            ops_rope((float *)kv_cache_k(c, il, i, 0), rc, n_heads, r->head_dim, r->n_rot);
            continue;
        }
        for (uint32_t h = 0; h < n_heads; h++) {
            uint8_t *k = (uint8_t *)kv_cache_k(c, il, i, h * r->head_dim);
            dequantize_row(GGML_TYPE_F16, k, tmp, r->n_rot);
            ops_rope(tmp, rc, 1, r->n_rot, r->n_rot);
            cpu_ops()->quantize(GGML_TYPE_F16, tmp, k, r->n_rot);
        }
    }
}

int kv_cache_shift(struct kv_cache *c, uint32_t n_keep, uint32_t n_discard, const struct kv_rope *rope)
{
    if (n_discard == 0 || n_keep > c->n_used || n_discard > c->n_used - n_keep)
        return -1;
    if (own_held_blocks(c))   /* the re-rotation writes every block */
        return KV_POOL_FULL;
    const uint32_t p1 = n_keep + n_discard;
    uint32_t freed = c->n_ctx;
    for (uint32_t i = 0; i < c->n_ctx; i++) {   /* seq_rm: head to the first hole if lower */
        if (c->cell_pos[i] >= (int32_t)n_keep && c->cell_pos[i] < (int32_t)p1) {
            c->cell_pos[i] = -1;
            if (freed == c->n_ctx)
                freed = i;
        }
    }
    if (freed < c->head)
        c->head = freed;
    if (p1 < c->n_used) {   /* seq_add over an empty range changes nothing */
        if (rope->n_rot)    /* before the move: the moved cells are those at p1 and on */
            for (uint32_t il = 0; il < c->n_layer; il++)
                rotate_layer(c, il, rope, -(int32_t)n_discard, p1);
        for (uint32_t i = 0; i < c->n_ctx; i++)
            if (c->cell_pos[i] >= (int32_t)p1)
                c->cell_pos[i] -= (int32_t)n_discard;
        c->head = 0;   /* seq_add frees no cell: the next search starts at 0 */
    }
    c->n_used -= n_discard;
    update_cell_end(c);
    c->shifted = true;
    return 0;
}

const void *kv_cache_k(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t offset)
{
    return cell_k(c, il, cell) + (size_t)offset * c->elt;
}

const void *kv_cache_v(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d)
{
    return cell_v(c, il, cell, d);
}
