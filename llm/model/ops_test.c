/* llm/model/ops_test.c: selftests for the forward-pass kernels (llm/model/ops.c) and the
 * KV cache: each against a double-precision evaluation of its definition, on
 * asymmetric data and lengths that are not powers of two. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/arena.h"
#include "llm/model/kv_cache.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/repack.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant.h"

static uint64_t rng_state = 12345;

static float rng_float(float lo, float hi)
{
    return rand_float(&rng_state, lo, hi);
}

static void fill(float *x, uint32_t n, float lo, float hi)
{
    for (uint32_t i = 0; i < n; i++)
        x[i] = rng_float(lo, hi);
}

static double rel_err(double got, double want)
{
    double d = fabs(got - want), m = fabs(want);
    return m > 1e-30 ? d / m : d;
}

SELFTEST(ops_softmax_matches_double)
{
    static float x[72];
    float ref[72];
    const uint32_t n = 64, valid = 37;
    const float scale = 0.35355339f;
    fill(x, 72, -30.0f, 12.0f);
    x[5] = 40.0f;                       /* one dominant entry */
    double mx = -1e30, sum = 0;
    for (uint32_t i = 0; i < valid; i++)
        mx = (double)(x[i] * scale) > mx ? (double)(x[i] * scale) : mx;
    for (uint32_t i = 0; i < valid; i++)
        sum += exp((double)(x[i] * scale) - mx);
    for (uint32_t i = 0; i < valid; i++)
        ref[i] = (float)(exp((double)(x[i] * scale) - mx) / sum);
    ops_softmax(x, n, valid, scale);
    double total = 0;
    for (uint32_t i = 0; i < n; i++) {
        total += x[i];
        if (i >= valid)
            ST_CHECK(x[i] == 0.0f, "masked entry %u = %g", i, (double)x[i]);
        else if (ref[i] > 1e-30f)
            ST_CHECK(rel_err(x[i], ref[i]) < 4e-6, "entry %u: %.9g vs %.9g", i, (double)x[i], (double)ref[i]);
    }
    ST_CHECK(fabs(total - 1.0) < 1e-6, "sum %.9g", total);
    /* an odd length exercises the libm tail after the four-lane groups */
    float y[7] = { 1, 2, 3, 4, 5, 6, 7 };
    ops_softmax(y, 7, 7, 1.0f);
    ST_CHECK(rel_err(y[6], 1.0 / (1 + exp(-1) + exp(-2) + exp(-3) + exp(-4) + exp(-5) + exp(-6))) < 4e-6,
             "tail entry %.9g", (double)y[6]);
}

SELFTEST(ops_swiglu_matches_double)
{
    float g[173], u[173], g0[173];
    fill(g, 173, -12.0f, 9.0f);
    fill(u, 173, -2.0f, 3.0f);
    g[0] = 100.0f, g[1] = -100.0f, g[2] = 0.0f, g[3] = -88.0f;   /* exp's scaling paths */
    memcpy(g0, g, sizeof g);
    ops_swiglu(g, u, 173);
    for (int i = 0; i < 173; i++) {
        double x = g0[i], want = x / (1.0 + exp(-x)) * u[i];
        ST_CHECK(isfinite(g[i]), "silu(%g) not finite", x);
        if (fabs(want) > 1e-30)
            ST_CHECK(rel_err(g[i], want) < 1e-6, "silu(%g)*%g = %.9g, want %.9g", x, (double)u[i],
                     (double)g[i], want);
    }
}

SELFTEST(ops_rmsnorm_matches_double)
{
    float x[172], w[172], y[172];
    fill(x, 172, -0.4f, 2.5f);
    fill(w, 172, 0.2f, 1.8f);
    double ss = 0;
    for (int i = 0; i < 172; i++)
        ss += (double)x[i] * x[i];
    double scale = 1.0 / sqrt(ss / 172 + 1e-5);
    ops_rmsnorm(y, x, w, 172, 1e-5f);
    for (int i = 0; i < 172; i++)
        ST_CHECK(rel_err(y[i], x[i] * scale * w[i]) < 1e-6, "element %d: %.9g", i, (double)y[i]);
    ops_rmsnorm(x, x, w, 172, 1e-5f);                 /* in place */
    ST_CHECK(!memcmp(x, y, sizeof y), "in-place result differs");
}

SELFTEST(ops_rope_rotates_pairs)
{
    const uint32_t hd = 12, n_rot = 8, heads = 3, pos = 37;
    float cache[8], x[36], x0[36];
    fill(x, 36, -1.5f, 2.0f);
    memcpy(x0, x, sizeof x);
    ops_rope_cache(cache, n_rot, 0, 10000.0f);
    for (uint32_t i = 0; i < n_rot; i += 2)
        ST_CHECK(cache[i] == 1.0f && cache[i + 1] == 0.0f, "position 0 is not the identity");
    ops_rope_cache(cache, n_rot, pos, 10000.0f);
    ops_rope(x, cache, heads, hd, n_rot);
    for (uint32_t h = 0; h < heads; h++)
        for (uint32_t i = 0; i < hd; i += 2) {
            const float *a = x0 + h * hd + i, *b = x + h * hd + i;
            if (i >= n_rot) {
                ST_CHECK(a[0] == b[0] && a[1] == b[1], "dim %u past n_rot changed", i);
                continue;
            }
            /* theta in double (lib/math has float trig only) */
            float th = (float)(pos * exp(-(double)i / n_rot * log(10000.0)));
            double c = cosf(th), sn = sinf(th);
            double r0 = a[0] * c - a[1] * sn, r1 = a[0] * sn + a[1] * c;
            ST_CHECK(fabs(b[0] - r0) < 2e-5 && fabs(b[1] - r1) < 2e-5, "head %u pair %u: (%g, %g) vs (%g, %g)",
                     h, i, (double)b[0], (double)b[1], r0, r1);
        }
}

SELFTEST(ops_dots_match_double)
{
    float w[172], x[172];
    uint16_t w16[172], x16[172];
    fill(w, 172, -1.0f, 1.3f);
    fill(x, 172, -0.7f, 2.0f);
    quantize_row(GGML_TYPE_F16, w, w16, 172);
    quantize_row(GGML_TYPE_F16, x, x16, 172);
    double d32 = 0, d16 = 0, d16h = 0, mag = 0;
    for (int i = 0; i < 172; i++) {
        d32 += (double)w[i] * x[i];
        d16 += (double)fp16_to_fp32(w16[i]) * x[i];
        d16h += (double)fp16_to_fp32(w16[i]) * fp16_to_fp32(x16[i]);
        mag += fabs((double)w[i] * x[i]);
    }
    float s32 = ops_dot(OPS_SGEMM, GGML_TYPE_F32, 172, w, x), v32 = ops_dot(OPS_VEC_DOT, GGML_TYPE_F32, 172, w, x);
    float s16 = ops_dot(OPS_SGEMM, GGML_TYPE_F16, 172, w16, x), v16 = ops_dot(OPS_VEC_DOT, GGML_TYPE_F16, 172, w16, x16);
    ST_CHECK(fabs(s32 - d32) < 1e-6 * mag && fabs(v32 - d32) < 1e-6 * mag, "f32 dots %.9g %.9g vs %.9g",
             (double)s32, (double)v32, d32);
    ST_CHECK(fabs(s16 - d16) < 1e-6 * mag, "f16 x f32 dot %.9g vs %.9g", (double)s16, d16);
    ST_CHECK(fabs(v16 - d16h) < 1e-6 * mag, "f16 x f16 dot %.9g vs %.9g", (double)v16, d16h);
}

/* The kernel-choice rules of llama.cpp's mul_mat that decide rounding. */
SELFTEST(ops_order_rules)
{
    ST_CHECK(ops_order_of(GGML_TYPE_Q4_0, 64, 172, 1) == OPS_REPACKED &&
             ops_order_of(GGML_TYPE_Q4_0, 64, 174, 5) == OPS_SGEMM &&
             ops_order_of(GGML_TYPE_Q4_0, 64, 174, 1) == OPS_VEC_DOT, "q4_0 orders");
    ST_CHECK(ops_order_of(GGML_TYPE_Q8_0, 64, 512, 2) == OPS_SGEMM &&
             ops_order_of(GGML_TYPE_Q8_0, 64, 512, 1) == OPS_VEC_DOT, "q8_0 orders");
    ST_CHECK(ops_order_of(GGML_TYPE_F16, 172, 64, 2) == OPS_SGEMM &&
             ops_order_of(GGML_TYPE_F16, 170, 64, 2) == OPS_VEC_DOT &&
             ops_order_of(GGML_TYPE_F32, 64, 64, 3) == OPS_VEC_DOT &&
             ops_order_of(GGML_TYPE_F32, 64, 64, 4) == OPS_SGEMM, "float orders");
    ST_CHECK(ops_x_type(OPS_SGEMM, GGML_TYPE_F16) == GGML_TYPE_F32 &&
             ops_x_type(OPS_VEC_DOT, GGML_TYPE_F16) == GGML_TYPE_F16 &&
             ops_x_type(OPS_SGEMM, GGML_TYPE_Q4_0) == GGML_TYPE_Q8_0 &&
             ops_x_type(OPS_VEC_DOT, GGML_TYPE_Q5_1) == GGML_TYPE_Q8_1, "activation types");
}

/* A weight tensor view over a local buffer, as gguf would describe it. */
static struct gguf_tensor tensor_of(uint32_t type, const void *data, uint32_t n, uint32_t rows)
{
    struct gguf_tensor wt;
    memset(&wt, 0, sizeof wt);
    wt.type = type;
    wt.ne[0] = n, wt.ne[1] = rows, wt.ne[2] = wt.ne[3] = 1;
    wt.data = data;
    wt.nbytes = type_row_bytes(type, n) * rows;
    return wt;
}

/* Every kernel family against the double dot of the dequantized weights with
 * the activations, one token (ggml's vec_dot) and three (llamafile paths). */
SELFTEST(ops_matmul_cpu_ops_agree)
{
    enum { N = 96, ROWS = 8, T = 4 };
    static float w[ROWS * N], x[T * N], deq[N], y1[ROWS], y3[T * ROWS];
    static uint8_t wq[ROWS * N * 4], scratch[T * N * 4];
    const uint32_t types[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0,
                               GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1 };
    fill(w, ROWS * N, -0.8f, 1.1f);
    fill(x, T * N, -1.2f, 2.1f);
    for (uint32_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        const uint32_t ty = types[k];
        const size_t row = type_row_bytes(ty, N);
        for (int r = 0; r < ROWS; r++)
            quantize_row(ty, w + r * N, wq + r * row, N);
        struct gguf_tensor wt = tensor_of(ty, wq, N, ROWS);
        ST_CHECK(ops_matmul_scratch(ty, N, T) <= sizeof scratch, "scratch too small for %u", ty);
        ops_matmul(&wt, x + 2 * N, ops_rows_seq(1), y1, scratch);   /* token 2 alone */
        ops_matmul(&wt, x, ops_rows_seq(T), y3, scratch);
        /* activation quantization costs up to ~1 % for the 4/5-bit types' partner Q8 */
        const double tol = ty == GGML_TYPE_F32 ? 1e-6 : ty == GGML_TYPE_F16 ? 2e-3 : 2e-2;
        for (int r = 0; r < ROWS; r++) {
            dequantize_row(ty, wq + r * row, deq, N);
            for (int tk = 0; tk < T; tk++) {
                double want = 0, mag = 0;
                for (int i = 0; i < N; i++) {
                    want += (double)deq[i] * x[tk * N + i];
                    mag += fabs((double)deq[i] * x[tk * N + i]);
                }
                ST_CHECK(fabs(y3[tk * ROWS + r] - want) <= tol * mag, "type %u row %d token %d: %.7g vs %.7g",
                         ty, r, tk, (double)y3[tk * ROWS + r], want);
            }
            /* same converted activations, only the summation order differs
             * (except F16, whose single token is rounded to f16 as in ggml) */
            ST_CHECK(fabs(y1[r] - y3[2 * ROWS + r]) <= (ty == GGML_TYPE_F16 ? 2e-3 : 1e-5) * (fabs(y1[r]) + 1.0),
                     "type %u row %d: one-token %.7g vs batched %.7g", ty, r, (double)y1[r],
                     (double)y3[2 * ROWS + r]);
        }
    }
}

/* Q, K, V-like weights of 100, 52 and 36 rows (items cross them), a
 * gate/up pair whose items also convert (with the block sums) for the
 * down-like weight after them, and that weight on the converted rows: with 1
 * thread, then 3 (the host takes 3 on any machine; the kernel all its cpus),
 * then with the 4-row copies of llm/quant/repack.h where the kernels read them:
 * every output bit the same. */
enum { MT_N = 288, MT_T = 3, MT_FF = 256, MT_DOWN = 8, MT_W = 6 };
struct mt_out {
    float   q[MT_T * 100], k[MT_T * 52], v[MT_T * 36], gate[MT_T * MT_FF], up[MT_T * MT_FF];
    float   down[MT_T * MT_DOWN];
    uint8_t next[MT_T * MT_FF * 2];
};

static void mt_run(struct gguf_tensor *w, const float *x, uint8_t *scratch, struct mt_out *o)
{
    const struct gguf_tensor *qkv[] = { &w[0], &w[1], &w[2] };
    float *const y[] = { o->q, o->k, o->v };
    memset(o, 0, sizeof *o);
    ops_matmul_n(qkv, y, 3, x, ops_rows_seq(MT_T), scratch);
    ops_matmul_swiglu(&w[3], &w[4], x, ops_rows_seq(MT_T), o->gate, o->up, scratch, &w[5], o->next);
    ops_matmul_converted(&w[5], ops_rows_seq(MT_T), o->down, o->next);
}

SELFTEST(ops_matmul_threads_agree)
{
    static const uint32_t rows[MT_W] = { 100, 52, 36, MT_FF, MT_FF, MT_DOWN };
    static const uint32_t cols[MT_W] = { MT_N, MT_N, MT_N, MT_N, MT_N, MT_FF };
    static float wf[MT_FF * MT_N], x[MT_T * MT_N];
    static uint8_t wq[MT_W][MT_FF * MT_N], packed[MT_W][MT_FF * MT_N * 2], scratch[MT_T * MT_N * 2];
    static struct mt_out a, b;
    struct gguf_tensor w[MT_W];
    fill(x, MT_T * MT_N, -1.5f, 1.9f);
    for (int i = 0; i < MT_W; i++) {
        const size_t row = type_row_bytes(GGML_TYPE_Q4_0, cols[i]);
        fill(wf, rows[i] * cols[i], -0.9f, 1.2f);
        for (uint32_t r = 0; r < rows[i]; r++)
            quantize_row(GGML_TYPE_Q4_0, wf + r * cols[i], wq[i] + r * row, cols[i]);
        w[i] = tensor_of(GGML_TYPE_Q4_0, wq[i], cols[i], rows[i]);
    }
    ST_CHECK(ops_matmul_scratch(GGML_TYPE_Q4_0, MT_N, MT_T) <= sizeof scratch &&
             ops_matmul_scratch(GGML_TYPE_Q4_0, MT_FF, MT_T) <= sizeof a.next, "scratch");
    llm_set_threads(1);
    mt_run(w, x, scratch, &a);
    static float down[MT_T * MT_DOWN];   /* the converted path against converting here */
    ops_matmul(&w[5], a.gate, ops_rows_seq(MT_T), down, scratch);
    ST_CHECK(memcmp(down, a.down, sizeof down) == 0, "w_down on the items' conversion differs");
    llm_set_threads(3);
    mt_run(w, x, scratch, &b);
    ST_CHECK(memcmp(&a, &b, sizeof a) == 0, "3 threads differ from 1");
    for (int i = 0; i < MT_W && cpu_ops()->q4_0x4; i++)
        if (rows[i] % 4 == 0) {
            repack_q4_0x4(wq[i], cols[i], rows[i], packed[i]);
            w[i].packed = packed[i];
        }
    mt_run(w, x, scratch, &b);
    llm_set_threads(0);
    ST_CHECK(memcmp(&a, &b, sizeof a) == 0, "the 4-row copies differ from the file's rows");
}

SELFTEST(kv_cache_store_and_limits)
{
    static uint8_t mem[64 * 1024];
    struct arena a;
    struct kv_cache c;
    float k[12], v[12];
    arena_init(&a, mem, sizeof mem);
    ST_CHECK(kv_cache_init(&c, 2, 40, 12, GGML_TYPE_Q8_0, &a) == -1, "Q8_0 cache accepted");
    ST_CHECK(kv_cache_init(&c, 2, 40, 12, GGML_TYPE_F16, &a) == 0, "f16 cache refused");
    ST_CHECK(c.n_cells == 64 && kv_cache_n_kv(&c) == 32, "cells %u, n_kv %u", c.n_cells, kv_cache_n_kv(&c));
    fill(k, 12, -3.0f, 5.0f);
    fill(v, 12, -70000.0f, 70000.0f);   /* beyond f16 range: becomes inf, as in ggml */
    for (uint32_t p = 0; p < 40; p++) {
        uint32_t cell;
        ST_CHECK(kv_cache_advance(&c, 1, &cell) == 0 && cell == p, "advance did not give the next cell");
        kv_cache_store(&c, 1, p, 0, 5, k, v);   /* two ranges, as two heads would */
        kv_cache_store(&c, 1, p, 5, 7, k, v);
    }
    ST_CHECK(kv_cache_full(&c) && kv_cache_n_kv(&c) == 64, "full %d, n_kv %u", kv_cache_full(&c),
             kv_cache_n_kv(&c));
    const uint16_t *kr = kv_cache_k(&c, 1, 39, 4), *vr = kv_cache_v(&c, 1, 39, 7);
    ST_CHECK(kr[0] == fp32_to_fp16(k[4]) && vr[0] == fp32_to_fp16(v[7]) && vr[1] == 0,
             "stored values differ from their f16 rounding");
    uint32_t shared;
    ST_CHECK(kv_cache_blocks(&c, &shared) == 2 && shared == 0 && c.own.n_free == 0, "blocks held");
    kv_cache_clear(&c);
    ST_CHECK(c.n_used == 0 && c.own.n_free == 2 && kv_cache_blocks(&c, &shared) == 0 && !kv_cache_full(&c),
             "clear kept blocks");
    ST_CHECK(kv_cache_init(&c, 2, 40, 12, GGML_TYPE_F32, &a) == 0, "f32 cache refused");
    uint32_t cell;
    ST_CHECK(kv_cache_advance(&c, 4, &cell) == 0 && cell == 0, "advance refused 4 cells");
    kv_cache_store(&c, 0, 3, 0, 12, k, v);
    const float *kf = kv_cache_k(&c, 0, 3, 0), *vf = kv_cache_v(&c, 0, 3, 11);
    ST_CHECK(!memcmp(kf, k, sizeof k) && vf[0] == v[11] && c.n_used == 4, "f32 store not exact");
    ST_CHECK(kv_cache_init(&c, 64, 512, 64, GGML_TYPE_F32, &a) == -1, "oversized cache fit a small arena");
}
