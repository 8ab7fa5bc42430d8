/* llm/model/kv_cache_test.c: selftests for the KV cache's cells and its context
 * shift (llm/model/kv_cache.c): after a shift every kept or moved key equals a
 * key roped directly at its new position (float rounding for F32, an f16 step
 * for F16), V is moved nowhere (byte-identical), the first n_keep positions are
 * untouched, and the next cells are the holes llama.cpp's find_slot picks. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/arena.h"
#include "llm/model/kv_cache.h"
#include "llm/model/ops.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant.h"

#define T_LAYERS 2
#define T_CTX    40
#define T_HEADS  2
#define T_HD     8
#define T_ROT    6                     /* < head_dim: dims 6, 7 pass through */
#define T_KVD    (T_HEADS * T_HD)
#define T_BASE   10000.0f

static uint64_t rng = 777;

static float rnd(void)
{
    return rand_float(&rng, -2.0f, 2.0f);
}

/* Per layer and original position: the unroped key and the value. */
static float raw_k[T_LAYERS][T_CTX][T_KVD], raw_v[T_LAYERS][T_CTX][T_KVD];

/* raw_k of (layer, original position) roped at position pos, as the forward pass does. */
static void key_at(uint32_t il, uint32_t orig, uint32_t pos, float *k)
{
    float rc[T_ROT];
    memcpy(k, raw_k[il][orig], sizeof raw_k[il][orig]);
    ops_rope_cache(rc, T_ROT, (int32_t)pos, T_BASE);
    ops_rope(k, rc, T_HEADS, T_HD, T_ROT);
}

/* A cache of n positions, filled as forward() fills it. */
static int fill_cache(struct kv_cache *c, enum ggml_type type, struct arena *a, uint32_t n)
{
    if (kv_cache_init(c, T_LAYERS, T_CTX, T_KVD, type, a))
        return -1;
    for (uint32_t p = 0; p < n; p++) {
        uint32_t cell;
        if (kv_cache_advance(c, 1, &cell) || cell != p)
            return -1;
        for (uint32_t il = 0; il < T_LAYERS; il++) {
            float k[T_KVD];
            key_at(il, p, p, k);
            kv_cache_store(c, il, cell, 0, T_KVD, k, raw_v[il][p]);
        }
    }
    return 0;
}

static int32_t cell_of(const struct kv_cache *c, uint32_t pos)
{
    for (uint32_t i = 0; i < c->n_ctx; i++)
        if (c->cell_pos[i] == (int32_t)pos)
            return (int32_t)i;
    return -1;
}

static float key_elt(const struct kv_cache *c, uint32_t il, uint32_t cell, uint32_t d)
{
    float x;
    dequantize_row(c->type, (const uint8_t *)kv_cache_k(c, il, cell, 0) + d * c->elt, &x, 1);
    return x;
}

/* Shift a cache of n_used positions by (n_keep, n_discard) and check it against
 * keys roped directly at the new positions, within tol (relative to |key|+1). */
static void check_shift(struct selftest_ctx *t, enum ggml_type type, uint32_t n_used, uint32_t n_keep, float tol)
{
    static uint8_t mem[96 * 1024];
    static uint8_t before[2 * T_LAYERS * 64 * T_KVD * 4];   /* the pool's data: n_cells 64 */
    struct arena a;
    struct kv_cache c;
    float scratch[KV_ROPE_SCRATCH(T_ROT)];
    const struct kv_rope rope = { .n_rot = T_ROT, .head_dim = T_HD, .base = T_BASE, .scratch = scratch };
    const uint32_t n_discard = (n_used - n_keep) / 2;
    arena_init(&a, mem, sizeof mem);
    for (uint32_t il = 0; il < T_LAYERS; il++)
        for (uint32_t p = 0; p < T_CTX; p++)
            for (uint32_t d = 0; d < T_KVD; d++)
                raw_k[il][p][d] = rnd(), raw_v[il][p][d] = rnd();
    ST_CHECK(fill_cache(&c, type, &a, n_used) == 0 && c.n_cells == 64, "filling %u positions failed", n_used);
    const size_t bytes = (size_t)c.own.n_blocks * c.own.block_bytes;
    memcpy(before, c.own.data, bytes);
    ST_CHECK(kv_cache_shift(&c, n_keep, n_discard, &rope) == 0, "shift (%u, %u) refused", n_keep, n_discard);
    ST_CHECK(c.n_used == n_used - n_discard && c.cell_end == n_used && c.shifted, "n_used %u, cell_end %u",
             c.n_used, c.cell_end);
    for (uint32_t il = 0; il < T_LAYERS; il++)
        for (uint32_t i = 0; i < c.n_cells; i++)
            for (uint32_t d = 0; d < T_KVD && c.blk_ptr[i / KV_BLOCK]; d++) {
                const uint8_t *v = kv_cache_v(&c, il, i, d);
                ST_CHECK(memcmp(before + (v - c.own.data), v, c.elt) == 0, "V changed: the shift moves no value");
            }
    for (uint32_t pos = 0; pos < c.n_used; pos++) {
        const uint32_t orig = pos < n_keep ? pos : pos + n_discard;
        ST_CHECK(cell_of(&c, pos) == (int32_t)orig, "position %u is in cell %d, not %u", pos, cell_of(&c, pos), orig);
        for (uint32_t il = 0; il < T_LAYERS; il++) {
            const uint8_t *kr = kv_cache_k(&c, il, orig, 0);
            const size_t row = (size_t)(kr - c.own.data);
            if (pos < n_keep) {   /* roped by 0: the same bits */
                ST_CHECK(memcmp(before + row, kr, T_KVD * c.elt) == 0,
                         "kept position %u changed in layer %u", pos, il);
                continue;
            }
            float want[T_KVD];
            key_at(il, orig, pos, want);
            for (uint32_t d = 0; d < T_KVD; d++) {
                const float got = key_elt(&c, il, orig, d);
                if (d % T_HD >= T_ROT) {   /* past n_rot: untouched */
                    ST_CHECK(memcmp(before + row + d * c.elt, kr + d * c.elt, c.elt) == 0,
                             "dim %u past n_rot changed at position %u", d, pos);
                    continue;
                }
                ST_CHECK(fabsf(got - want[d]) <= tol * (fabsf(want[d]) + 1.0f),
                         "layer %u position %u (from %u) dim %u: %.9g, directly %.9g", il, pos, orig, d,
                         (double)got, (double)want[d]);
            }
        }
    }
    for (uint32_t i = n_keep; i < n_keep + n_discard; i++)
        ST_CHECK(c.cell_pos[i] == -1, "discarded cell %u still holds position %d", i, c.cell_pos[i]);
}

SELFTEST(kv_cache_shift_f32_equals_direct_rope)
{
    check_shift(t, GGML_TYPE_F32, 39, 1, 2e-6f);   /* llama-cli at -c 40: BOS kept */
    check_shift(t, GGML_TYPE_F32, 30, 7, 2e-6f);   /* --keep 6 */
}

SELFTEST(kv_cache_shift_f16_equals_direct_rope)
{
    /* f16(rope(f16(rope(k, p)), -d)) against f16 of the direct key: two f16
     * roundings apart at most, 2^-10 each. */
    check_shift(t, GGML_TYPE_F16, 39, 1, 2.5e-3f);
    check_shift(t, GGML_TYPE_F16, 25, 4, 2.5e-3f);
}

/* After a shift, new positions go where llama.cpp's find_slot puts them: the
 * first hole, then on from there; the mask hides holes and later positions. */
SELFTEST(kv_cache_shift_slots_and_mask)
{
    static uint8_t mem[96 * 1024];
    struct arena a;
    struct kv_cache c;
    float scratch[KV_ROPE_SCRATCH(T_ROT)];
    const struct kv_rope rope = { .n_rot = T_ROT, .head_dim = T_HD, .base = T_BASE, .scratch = scratch };
    uint32_t cell;
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(fill_cache(&c, GGML_TYPE_F16, &a, 39) == 0, "fill failed");
    ST_CHECK(kv_cache_shift(&c, 3, 0, &rope) == -1 && kv_cache_shift(&c, 3, 37, &rope) == -1,
             "a shift discarding nothing, or more than there is, was accepted");
    ST_CHECK(kv_cache_shift(&c, 3, 18, &rope) == 0, "shift refused");   /* holes: cells 3..20 */
    ST_CHECK(kv_cache_advance(&c, 1, &cell) == 0 && cell == 3 && c.cell_pos[3] == 21, "first new cell %u", cell);
    ST_CHECK(kv_cache_advance(&c, 17, &cell) == 0 && cell == 4 && c.n_used == 39, "batch at cell %u", cell);
    ST_CHECK(kv_cache_advance(&c, 2, &cell) == -1 && c.n_used == 39, "2 cells found in a full context");
    ST_CHECK(kv_cache_n_kv(&c) == 64 && kv_cache_cells_seen(&c, 5) == 39, "n_kv %u, seen %u", kv_cache_n_kv(&c),
             kv_cache_cells_seen(&c, 5));
    float row[T_CTX];
    for (uint32_t i = 0; i < T_CTX; i++)
        row[i] = 1.0f;
    kv_cache_mask(&c, row, T_CTX, 22);   /* sees positions 0..22: cells 0..4 and 21..38 */
    for (uint32_t i = 0; i < T_CTX; i++) {
        const bool seen = i < 5 || (i >= 21 && i < 39);
        ST_CHECK(seen ? row[i] == 1.0f : row[i] == -INFINITY, "cell %u (position %d) mask %g", i, c.cell_pos[i],
                 (double)row[i]);
    }
    kv_cache_clear(&c);
    ST_CHECK(!c.shifted && c.cell_end == 0 && kv_cache_advance(&c, 5, &cell) == 0 && cell == 0 &&
             kv_cache_cells_seen(&c, 2) == 3, "clear did not restore the contiguous cache");
}

/* From 2048 cells on, the batch after a shift leaves llama.cpp's fragmentation
 * test true (1 - (used + 32) / n_kv > 0.1) and the next one defragments: the
 * hole is filled with the last cells, in order, K rows and V columns moved
 * unchanged, and the new position goes to head = n_used. */
SELFTEST(kv_cache_defrag_after_shift)
{
    static uint8_t mem[80 * 1024];
    struct arena a;
    struct kv_cache c;
    const struct kv_rope no_rope = { 0 };
    uint32_t cell;
    float k[2], v[2];
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(kv_cache_init(&c, 1, 2048, 2, GGML_TYPE_F32, &a) == 0, "init refused");
    for (uint32_t p = 0; p < 2047; p++) {   /* K and V tell where a cell came from */
        ST_CHECK(kv_cache_advance(&c, 1, &cell) == 0 && cell == p && !c.defrag_next, "fill at %u", p);
        k[0] = (float)p, k[1] = -(float)p, v[0] = -(float)p, v[1] = 0.5f * (float)p;
        kv_cache_store(&c, 0, cell, 0, 2, k, v);
    }
    ST_CHECK(kv_cache_shift(&c, 1, 1023, &no_rope) == 0 && c.n_used == 1024, "shift refused");
    ST_CHECK(kv_cache_advance(&c, 1, &cell) == 0 && cell == 1 && c.defrag_next, "cell %u, defrag %d", cell,
             c.defrag_next);
    ST_CHECK(kv_cache_advance(&c, 1, &cell) == 0 && cell == 1025 && c.cell_end == 1026 && !c.defrag_next,
             "after defrag: cell %u, cell_end %u", cell, c.cell_end);
    ST_CHECK(c.cell_pos[0] == 0 && c.cell_pos[1] == 1024 && c.cell_pos[1024] == 1 && c.cell_pos[1025] == 1025,
             "cells 0, 1, 1024, 1025 hold %d %d %d %d", c.cell_pos[0], c.cell_pos[1], c.cell_pos[1024],
             c.cell_pos[1025]);
    for (uint32_t i = 2; i < 1024; i++) {
        const float *kr = kv_cache_k(&c, 0, i, 0), *v0 = kv_cache_v(&c, 0, i, 0), *v1 = kv_cache_v(&c, 0, i, 1);
        const float from = (float)(i + 1023);
        ST_CHECK(c.cell_pos[i] == (int32_t)i && kr[0] == from && kr[1] == -from && *v0 == -from &&
                 *v1 == 0.5f * from, "cell %u: position %d, K %g, V %g", i, c.cell_pos[i], (double)kr[0],
                 (double)*v0);
    }
}
