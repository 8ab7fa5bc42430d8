/* llm/model/kv_pool_test.c: selftests for the paged KV cache: the pool's
 * blocks and references; attention's products over rows in blocks (K) and
 * in pieces (V) equal the products over the same rows laid out whole, bit
 * for bit, in every order and cache type (so paging changes no result, on
 * the scalar table and, on arm64, the NEON one); a cache sharing another's
 * prefix blocks copies a block before it writes to it, leaving the other's
 * bytes as they were; a pool too small changes nothing. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/arena.h"
#include "llm/model/kv_cache.h"
#include "llm/model/ops.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant.h"

static uint64_t rng_state = 4242;

static float rng_float(float lo, float hi)
{
    return rand_float(&rng_state, lo, hi);
}

SELFTEST(kv_pool_blocks_and_refs)
{
    static uint8_t mem[32 * 1024];
    struct arena a;
    struct kv_pool p;
    uint32_t b0, b1, b2, b3;
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(kv_pool_init(&p, 1, 8, GGML_TYPE_Q8_0, 3, &a) == -1, "a Q8_0 pool accepted");
    ST_CHECK(kv_pool_init(&p, 1, 8, GGML_TYPE_F16, 3, &a) == 0 && p.block_bytes == 2 * 32 * 8 * 2,
             "pool refused or block of %zu bytes", p.block_bytes);
    ST_CHECK(kv_pool_alloc(&p, &b0) == 0 && kv_pool_alloc(&p, &b1) == 0 && b0 == 0 && b1 == 1, "first blocks");
    memset(kv_pool_block(&p, b1), 0x5a, p.block_bytes);
    ST_CHECK(kv_pool_copy(&p, b1, &b2) == 0 && !memcmp(kv_pool_block(&p, b1), kv_pool_block(&p, b2), p.block_bytes),
             "copy differs");
    ST_CHECK(kv_pool_alloc(&p, &b3) == -1 && p.n_free == 0, "a fourth block from a pool of 3");
    kv_pool_ref(&p, b1);
    kv_pool_unref(&p, b1);
    ST_CHECK(p.n_free == 0 && p.ref[b1] == 1, "a block freed while held");
    kv_pool_unref(&p, b1);
    ST_CHECK(p.n_free == 1 && kv_pool_alloc(&p, &b3) == 0 && b3 == b1 && kv_pool_block(&p, b3)[7] == 0,
             "a freed block comes back zeroed");
}

/* n_kv cells of kv_dim per layer, K and V random (F16: rounded), in a cache
 * whose blocks come from a pool with the blocks taken in reverse (so no two
 * logical neighbours are neighbours in memory); the same data laid out
 * whole: K [n][kvd], V [kvd][n]. */
#define P_KVD 16
#define P_N   96
static void paged_vs_whole(struct selftest_ctx *t, enum ggml_type type)
{
    static uint8_t mem[256 * 1024];
    static uint8_t kw[P_N * P_KVD * 4], vw[P_KVD * P_N * 4], x[8 * P_N * 4];
    static float k[P_N][P_KVD], v[P_N][P_KVD], ya[8 * P_N], yb[8 * P_N];
    struct arena a;
    struct kv_pool p;
    struct kv_cache c;
    uint32_t cell, held[8];
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(kv_pool_init(&p, 1, P_KVD, type, 8, &a) == 0, "pool refused");
    for (int i = 0; i < 5; i++)   /* blocks 0..4 taken, then 4..0 back: the cache gets 0, 1, 2 again, */
        kv_pool_alloc(&p, &held[i]);
    kv_pool_unref(&p, held[0]);   /* so free 1 and 3 first: it gets 3, 1, then 4 */
    kv_pool_unref(&p, held[2]);
    kv_pool_unref(&p, held[4]);
    kv_pool_unref(&p, held[1]);
    kv_pool_unref(&p, held[3]);
    ST_CHECK(kv_cache_init_view(&c, &p, P_N, &a) == 0 && kv_cache_advance(&c, P_N, &cell) == 0 && cell == 0,
             "view refused");
    const size_t e = c.elt;
    for (uint32_t i = 0; i < P_N; i++) {
        for (uint32_t d = 0; d < P_KVD; d++)
            k[i][d] = rng_float(-2.0f, 2.0f), v[i][d] = rng_float(-2.0f, 2.0f);
        kv_cache_store(&c, 0, i, 0, P_KVD, k[i], v[i]);
        memcpy(kw + (size_t)i * P_KVD * e, kv_cache_k(&c, 0, i, 0), P_KVD * e);
        for (uint32_t d = 0; d < P_KVD; d++)
            memcpy(vw + ((size_t)d * P_N + i) * e, kv_cache_v(&c, 0, i, d), e);
    }
    ST_CHECK(c.blk_ptr[1] != c.blk_ptr[0] + p.block_bytes, "blocks are neighbours: the test shows nothing");
    for (uint32_t n_tok = 1; n_tok <= 5; n_tok++) {
        for (int o = 0; o < 2; o++) {
            const enum ops_order ord = o ? OPS_SGEMM : OPS_VEC_DOT;
            const enum ggml_type xt = ops_x_type(ord, type);
            const size_t xr = (size_t)type_row_bytes(xt, P_N);
            float xf[P_N];
            for (uint32_t j = 0; j < n_tok; j++) {
                for (uint32_t i = 0; i < P_N; i++)
                    xf[i] = rng_float(0.0f, 1.0f);
                quantize_row(xt, xf, x + j * xr, P_N);
            }
            /* V: rows of P_N in pieces of 32 */
            ops_dot_rows(ord, type, P_N, vw, (size_t)P_N * e, P_KVD, x, xr, n_tok, ya, P_KVD);
            ops_dot_paged(ord, type, P_N, c.blk_ptr, kv_cache_v_off(&c, 0, 0), KV_BLOCK, 0, (size_t)KV_BLOCK * e,
                          P_KVD, x, xr, n_tok, yb, P_KVD);
            ST_CHECK(!memcmp(ya, yb, (size_t)n_tok * P_KVD * sizeof(float)), "V %s order, %u tokens: paged differs",
                     o ? "sgemm" : "vec_dot", n_tok);
        }
        /* K: P_N rows of P_KVD in blocks of 32 (vec_dot, x in the cache type) */
        const size_t xr = (size_t)type_row_bytes(type, P_KVD);
        for (uint32_t j = 0; j < n_tok; j++) {
            float xf[P_KVD];
            for (uint32_t d = 0; d < P_KVD; d++)
                xf[d] = rng_float(-1.0f, 1.0f);
            quantize_row(type, xf, x + j * xr, P_KVD);
        }
        for (uint32_t rows = 1; rows <= P_N; rows += 37) {
            ops_dot_rows(OPS_VEC_DOT, type, P_KVD, kw, P_KVD * e, rows, x, xr, n_tok, ya, P_N);
            ops_dot_paged(OPS_VEC_DOT, type, P_KVD, c.blk_ptr, kv_cache_k_off(&c, 0, 0), 0, KV_BLOCK, P_KVD * e, rows,
                          x, xr, n_tok, yb, P_N);
            for (uint32_t j = 0; j < n_tok; j++)
                ST_CHECK(!memcmp(ya + j * P_N, yb + j * P_N, rows * sizeof(float)), "K %u rows, %u tokens: paged differs",
                         rows, n_tok);
        }
    }
}

SELFTEST(kv_paged_products_equal_whole_f16)
{
    paged_vs_whole(t, GGML_TYPE_F16);
}

SELFTEST(kv_paged_products_equal_whole_f32)
{
    paged_vs_whole(t, GGML_TYPE_F32);
}

/* Two views of one pool: b takes a's first block; b's shift (a write to
 * every key) copies it first, a's bytes stay; a pool with no block left
 * refuses the shift and the placement, and nothing changes. */
SELFTEST(kv_cache_share_copy_on_write)
{
    static uint8_t mem[64 * 1024], before[2 * 32 * 8 * 4];
    struct arena a;
    struct kv_pool p;
    struct kv_cache ca, cb;
    uint32_t cell, shared;
    float k[8], v[8], scratch[KV_ROPE_SCRATCH(8)];
    const struct kv_rope rope = { .n_rot = 8, .head_dim = 8, .base = 10000.0f, .scratch = scratch };
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(kv_pool_init(&p, 1, 8, GGML_TYPE_F32, 3, &a) == 0 && kv_cache_init_view(&ca, &p, 128, &a) == 0 &&
             kv_cache_init_view(&cb, &p, 128, &a) == 0, "init refused");
    for (uint32_t i = 0; i < 40; i++) {
        for (uint32_t d = 0; d < 8; d++)
            k[d] = rng_float(-1.0f, 1.0f), v[d] = rng_float(-1.0f, 1.0f);
        ST_CHECK(kv_cache_advance(&ca, 1, &cell) == 0, "a refused");
        kv_cache_store(&ca, 0, cell, 0, 8, k, v);
    }
    ST_CHECK(kv_cache_share_prefix(&cb, &ca, 2) == -1, "shared a block a has not filled");
    ST_CHECK(kv_cache_share_prefix(&cb, &ca, 1) == 0 && cb.n_used == 32 && cb.blk[0] == ca.blk[0] &&
             kv_cache_blocks(&cb, &shared) == 1 && shared == 1 && p.ref[ca.blk[0]] == 2, "share refused");
    memcpy(before, kv_pool_block(&p, ca.blk[0]), p.block_bytes);
    ST_CHECK(kv_cache_advance(&cb, 1, &cell) == 0 && cell == 32 && p.n_free == 0, "b's next cell");
    ST_CHECK(kv_cache_shift(&cb, 1, 10, &rope) == KV_POOL_FULL && cb.n_used == 33 && !cb.shifted &&
             cb.blk[0] == ca.blk[0], "a shift with no block for the copy went ahead");
    ST_CHECK(kv_cache_advance(&ca, 30, &cell) == KV_POOL_FULL && ca.n_used == 40, "a took a block from a full pool");
    kv_cache_clear(&ca);   /* a lets go: b holds the block alone, writes in place */
    ST_CHECK(p.ref[cb.blk[0]] == 1 && kv_cache_shift(&cb, 1, 10, &rope) == 0 &&
             memcmp(before, kv_pool_block(&p, cb.blk[0]), p.block_bytes) != 0, "b's shift");
    ST_CHECK(kv_cache_init_view(&ca, &p, 128, &a) == 0 && kv_cache_advance(&ca, 32, &cell) == 0, "a again");
    for (uint32_t i = 0; i < 32; i++)
        kv_cache_store(&ca, 0, i, 0, 8, k, v);
    memcpy(before, kv_pool_block(&p, ca.blk[0]), p.block_bytes);
    kv_cache_clear(&cb);
    ST_CHECK(kv_cache_share_prefix(&cb, &ca, 1) == 0 && kv_cache_advance(&cb, 2, &cell) == 0 &&
             kv_cache_shift(&cb, 1, 10, &rope) == 0, "b shares and shifts");
    ST_CHECK(cb.blk[0] != ca.blk[0] && p.ref[ca.blk[0]] == 1 &&
             !memcmp(before, kv_pool_block(&p, ca.blk[0]), p.block_bytes), "b's shift wrote into a's block");
}
