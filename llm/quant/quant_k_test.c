/* llm/quant/quant_k_test.c: selftests for the K-quant scalar reference (Q4_K,
 * Q5_K, Q6_K weights, Q8_K activations): round trips on asymmetric data,
 * dots against the dequantized rows, all-zero super-blocks (d = 0) in the
 * middle of a row, and exact small-integer dots that pin the bit layouts.
 * Bit-exactness with llama.cpp is checked on real files by
 * tests/host/test_quant_files.c and tests/golden. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/quant/quant_impl.h"

#define NSB 3                 /* super-blocks per test row: an odd count */
#define N   (NSB * QK_K)

static uint64_t rng_state;

/* Mostly in [-0.3, 1.7] with a few outliers; super-block `zero` all zeros. */
static void fill(float *x, int n, int zero)
{
    for (int i = 0; i < n; i++) {
        float r = rand_float(&rng_state, 0.0f, 1.0f);
        x[i] = r < 0.02f ? rand_float(&rng_state, -6.0f, 9.0f) : rand_float(&rng_state, -0.3f, 1.7f);
        if (i / QK_K == zero)
            x[i] = 0.0f;
    }
}

static const enum ggml_type k_types[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K };

SELFTEST(quant_k_round_trip)
{
    static float x[N], y[N];
    static uint8_t q[NSB * 210];
    /* 4, 5, 6 bits; the outliers make the error vary with the data: over
     * seeds 1..2999 the largest were 0.090, 0.048 and 0.028. */
    static const float max_rel_rms[] = { 0.1f, 0.05f, 0.03f };
    rng_state = 1234;
    for (int ti = 0; ti < 3; ti++) {
        enum ggml_type ty = k_types[ti];
        fill(x, N, 1);
        quantize_row(ty, x, q, N);
        dequantize_row(ty, q, y, N);
        double err = 0.0, sig = 0.0;
        for (int i = 0; i < N; i++) {
            err += (double)(y[i] - x[i]) * (y[i] - x[i]);
            sig += (double)x[i] * x[i];
            if (i / QK_K == 1)
                ST_CHECK(y[i] == 0.0f, "%s zero super-block [%d] = %g", type_traits(ty)->name, i, (double)y[i]);
        }
        ST_CHECK(err <= sig * max_rel_rms[ti] * max_rel_rms[ti], "%s: relative rms error %g",
                 type_traits(ty)->name, sqrt(err / sig));
        const uint8_t *zb = q + type_row_bytes(ty, QK_K);   /* the zero super-block: all bytes 0 */
        for (uint32_t b = 0; b < type_traits(ty)->size; b++)
            ST_CHECK(zb[b] == 0, "%s zero super-block byte %u = %u", type_traits(ty)->name, b, zb[b]);
    }
}

SELFTEST(quant_k_q8_K)
{
    static float x[N], y[N];
    static struct block_q8_K b[NSB];
    rng_state = 99;
    fill(x, N, 2);
    x[17] = -9.5f;   /* the signed max of super-block 0 maps to -127 exactly */
    quantize_q8_K(x, b, N);
    ST_CHECK(b[0].qs[17] == -127 && b[0].d == 1.0f / (-127.0f / -9.5f), "max: q %d, d %g",
             b[0].qs[17], (double)b[0].d);
    ST_CHECK(b[2].d == 0.0f, "zero super-block d %g", (double)b[2].d);
    dequantize_q8_K(b, y, N);
    for (int i = 0; i < N; i++)
        ST_CHECK(fabsf(y[i] - x[i]) <= fabsf(b[i / QK_K].d) * 0.5001f, "[%d] %g vs %g", i,
                 (double)y[i], (double)x[i]);
    x[300] = NAN;   /* not ggml's level 0 with finite d: the NaN must reach the dot */
    quantize_q8_K(x, b, N);
    ST_CHECK(isnan(b[1].d) && !isnan(b[0].d), "NaN in super-block 1: d %g / %g", (double)b[0].d,
             (double)b[1].d);
    for (int s = 0; s < NSB; s++)
        for (int j = 0; j < QK_K / 16; j++) {
            int sum = 0;
            for (int k = 0; k < 16; k++)
                sum += b[s].qs[16 * j + k];
            ST_CHECK(b[s].bsums[j] == sum, "bsums[%d][%d] %d vs %d", s, j, b[s].bsums[j], sum);
        }
}

/* Within the float rounding of the per-super-block steps of the exact dot
 * of the dequantized rows. */
SELFTEST(quant_k_vec_dot)
{
    static float w[N], x[N], wd[N], xd[N];
    static uint8_t wq[NSB * 210];
    static struct block_q8_K xq[NSB];
    rng_state = 4242;
    for (int ti = 0; ti < 3; ti++) {
        enum ggml_type ty = k_types[ti];
        for (int zero = -1; zero < NSB; zero++) {
            fill(w, N, zero);
            fill(x, N, zero == 0 ? 2 : -1);
            quantize_row(ty, w, wq, N);
            quantize_row(GGML_TYPE_Q8_K, x, xq, N);
            dequantize_row(ty, wq, wd, N);
            dequantize_row(GGML_TYPE_Q8_K, xq, xd, N);
            double want = 0.0, mag = 0.0;
            for (int i = 0; i < N; i++) {
                want += (double)wd[i] * xd[i];
                mag += fabs((double)wd[i] * xd[i]);
            }
            const float got = vec_dot(ty, N, wq, xq);
            ST_CHECK(fabs(got - want) <= 1e-5 * mag, "%s zero sb %d: %.9g vs %.9g", type_traits(ty)->name,
                     zero, (double)got, want);
        }
    }
}

/* Unit scales and small levels: every float step is exact, so the dot is
 * the integer sum of level * scale * x, which pins the element order. */
SELFTEST(quant_k_vec_dot_exact)
{
    static struct block_q4_K w4;
    static struct block_q5_K w5;
    static struct block_q6_K w6;
    static struct block_q8_K x;
    memset(&w4, 0, sizeof w4);
    memset(&w5, 0, sizeof w5);
    memset(&w6, 0, sizeof w6);
    memset(&x, 0, sizeof x);
    x.d = 1.0f;
    for (int e = 0; e < QK_K; e++) {
        x.qs[e] = (int8_t)((e * 7) % 23 - 11);
        x.bsums[e / 16] = (int16_t)(x.bsums[e / 16] + x.qs[e]);
    }
    /* Q4_K / Q5_K: scale of sub-block j is j + 1 and its min j (6 bits:
     * sub-blocks 4..7 split across bytes), d = dmin = 1. */
    w4.d = w4.dmin = w5.d = w5.dmin = 0x3c00;
    for (int j = 0; j < 8; j++) {
        const uint8_t sc = (uint8_t)(8 * j + 1), m = (uint8_t)(j * 5);
        uint8_t *s4 = w4.scales, *s5 = w5.scales;
        if (j < 4) {
            s4[j] = s5[j] = sc;
            s4[j + 4] = s5[j + 4] = m;
        } else {
            s4[j + 4] = s5[j + 4] = (uint8_t)((sc & 15) | (m & 15) << 4);
            s4[j - 4] |= (uint8_t)((sc >> 4) << 6);
            s5[j - 4] |= (uint8_t)((sc >> 4) << 6);
            s4[j] |= (uint8_t)((m >> 4) << 6);
            s5[j] |= (uint8_t)((m >> 4) << 6);
        }
    }
    int32_t want4 = 0, want5 = 0, want6 = 0;
    for (int e = 0; e < QK_K; e++) {
        const int j = e / 32, sc = 8 * j + 1, m = j * 5;
        const int l4 = (e * 3) % 16, l5 = (e * 11) % 32, l6 = (e * 13) % 64;
        const int byte = 32 * (e / 64) + e % 32, hi = e % 64 >= 32;
        w4.qs[byte] |= (uint8_t)(l4 << (hi ? 4 : 0));
        w5.qs[byte] |= (uint8_t)((l5 & 15) << (hi ? 4 : 0));
        w5.qh[e % 32] |= (uint8_t)((l5 >> 4) << (e / 32));
        want4 += (sc * l4 - m) * x.qs[e];
        want5 += (sc * l5 - m) * x.qs[e];
        const int h = e / 128, k = e % 128 / 32, l = e % 32;
        w6.ql[64 * h + 32 * (k % 2) + l] |= (uint8_t)((l6 & 15) << (k < 2 ? 0 : 4));
        w6.qh[32 * h + l] |= (uint8_t)((l6 >> 4) << (2 * k));
        want6 += (e / 16 - 8) * (l6 - 32) * x.qs[e];
    }
    w6.d = 0x3c00;
    for (int j = 0; j < 16; j++)
        w6.scales[j] = (int8_t)(j - 8);
    ST_CHECK(dot_q4_K_q8_K(QK_K, &w4, &x) == (float)want4, "q4_K %g vs %d", (double)dot_q4_K_q8_K(QK_K, &w4, &x), want4);
    ST_CHECK(dot_q5_K_q8_K(QK_K, &w5, &x) == (float)want5, "q5_K %g vs %d", (double)dot_q5_K_q8_K(QK_K, &w5, &x), want5);
    ST_CHECK(dot_q6_K_q8_K(QK_K, &w6, &x) == (float)want6, "q6_K %g vs %d", (double)dot_q6_K_q8_K(QK_K, &w6, &x), want6);
}
