/* llm/quant/quant_k23_test.c: selftests for Q2_K and Q3_K (quant_k23.c and the
 * NEON twins of quant_neon_k23.inc): dequantization of hand-built blocks
 * against a decoder written the other way round (ggml's nested loops), the
 * quantize -> dequantize error on asymmetric data, dot products against the
 * float dot of the dequantized rows, all-zero (d = 0) super-blocks, odd
 * super-block counts (1, 3, 7), and NEON against scalar bit for bit. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/quant/quant_impl.h"
#if defined(__aarch64__)
#include "llm/platform.h"
#include "llm/quant/quant_neon_k23.h"
#endif

#define NB_MAX 7
#define N_MAX  (NB_MAX * QK_K)

static const int nb_odd[] = { 1, 3, 7 };

static uint64_t rng = 0x2545f491u;   /* one stream through the tests, in order */

/* Asymmetric: mostly [-0.4, 1.6] x a per-16 magnitude, outliers, zeros, and a
 * few sub-blocks entirely positive or entirely zero. */
static void fill_asym(float *x, int n)
{
    float mag = 1.0f;
    int kind = 0;
    for (int i = 0; i < n; i++) {
        if (i % 16 == 0) {
            mag = rand_float(&rng, 0.01f, 4.0f);
            kind = (int)(rand_u64(&rng) % 16);
        }
        uint32_t r = rand_u64(&rng) % 50;
        float v = r == 0 ? rand_float(&rng, -9.0f, 12.0f) : r == 1 ? 0.0f : mag * rand_float(&rng, -0.4f, 1.6f);
        x[i] = kind == 0 ? 0.0f : kind == 1 ? mag * rand_float(&rng, 0.5f, 1.0f) : v;
    }
}

/* ggml's quantize_row_q8_K_ref (test-local: quantize_q8_K belongs to
 * quant_k.c): q = round-half-even of the exact -127 / max * x (GCC fuses the
 * product into nearest_int's magic add), d = 1 / iscale, bsums of 16. */
static void test_q8_K(const float *x, struct block_q8_K *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++)
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        memset(&y[i], 0, sizeof y[i]);
        if (amax == 0.0f)
            continue;
        float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int32_t v = (int32_t)(f32_to_bits(fma_f32(iscale, x[j], 12582912.0f)) & 0x7fffff) - 0x400000;
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
            y[i].bsums[j / 16] = (int16_t)(y[i].bsums[j / 16] + y[i].qs[j]);
        }
        y[i].d = 1 / iscale;
    }
}

static void dequantize_q8_K_test(const struct block_q8_K *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++)
        for (int j = 0; j < QK_K; j++)
            *y++ = x[i].d * (float)x[i].qs[j];
}

/* ---------------------------------------------------------------- independent decoders */

/* ggml's loop order: per 128 elements, 4 shifts, two runs of 16 bytes. */
static void ref_dequantize_q2_K(const struct block_q2_K *b, float *y)
{
    float d = fp16_to_fp32(b->d), dmin = fp16_to_fp32(b->dmin);
    int is = 0;
    for (int half = 0; half < 2; half++)
        for (int shift = 0; shift < 8; shift += 2)
            for (int run = 0; run < 2; run++, is++)
                for (int l = 0; l < 16; l++) {
                    int q = b->qs[32 * half + 16 * run + l] >> shift & 3;
                    *y++ = (double)d * (b->scales[is] & 15) * q - (double)dmin * (b->scales[is] >> 4);
                }
}

/* Scales through ggml's 32-bit word shuffle; hmask bit m steps per 32. */
static void ref_dequantize_q3_K(const struct block_q3_K *b, float *y)
{
    uint32_t a[4];
    int8_t sc[16];
    memcpy(a, b->scales, 12);
    uint32_t t = a[2];
    a[2] = (a[0] >> 4 & 0x0f0f0f0f) | (t >> 4 & 0x03030303) << 4;
    a[3] = (a[1] >> 4 & 0x0f0f0f0f) | (t >> 6 & 0x03030303) << 4;
    a[0] = (a[0] & 0x0f0f0f0f) | (t & 0x03030303) << 4;
    a[1] = (a[1] & 0x0f0f0f0f) | (t >> 2 & 0x03030303) << 4;
    memcpy(sc, a, 16);
    float d = fp16_to_fp32(b->d);
    int is = 0, m = 1;
    for (int half = 0; half < 2; half++)
        for (int shift = 0; shift < 8; shift += 2, m <<= 1)
            for (int run = 0; run < 2; run++, is++)
                for (int l = 0; l < 16; l++) {
                    int k = 16 * run + l;
                    int q = (b->qs[32 * half + k] >> shift & 3) - (b->hmask[k] & m ? 0 : 4);
                    *y++ = (float)((double)d * (sc[is] - 32) * q);
                }
}

/* ---------------------------------------------------------------- tests */

SELFTEST(k23_dequantize_known_blocks)
{
    static struct block_q2_K b2[NB_MAX];
    static struct block_q3_K b3[NB_MAX];
    static float got[N_MAX], want[QK_K];
    for (int rep = 0; rep < 20; rep++) {
        int nb = nb_odd[rep % 3];
        for (int i = 0; i < nb; i++) {
            uint8_t *p2 = (uint8_t *)&b2[i], *p3 = (uint8_t *)&b3[i];
            for (size_t k = 0; k < sizeof b2[i]; k++) p2[k] = (uint8_t)rand_u64(&rng);
            for (size_t k = 0; k < sizeof b3[i]; k++) p3[k] = (uint8_t)rand_u64(&rng);
            b2[i].d = fp32_to_fp16(rand_float(&rng, -0.2f, 0.2f));
            b2[i].dmin = fp32_to_fp16(rand_float(&rng, -0.2f, 0.2f));
            b3[i].d = fp32_to_fp16(rand_float(&rng, -0.2f, 0.2f));
        }
        dequantize_q2_K(b2, got, nb * QK_K);
        for (int i = 0; i < nb; i++) {
            ref_dequantize_q2_K(&b2[i], want);
            for (int e = 0; e < QK_K; e++)
                ST_CHECK(got[i * QK_K + e] == want[e], "q2_K block %d element %d: %g, want %g",
                         i, e, (double)got[i * QK_K + e], (double)want[e]);
        }
        dequantize_q3_K(b3, got, nb * QK_K);
        for (int i = 0; i < nb; i++) {
            ref_dequantize_q3_K(&b3[i], want);
            for (int e = 0; e < QK_K; e++)
                ST_CHECK(got[i * QK_K + e] == want[e], "q3_K block %d element %d: %g, want %g",
                         i, e, (double)got[i * QK_K + e], (double)want[e]);
        }
    }
}

/* Root-mean-square error relative to the data's RMS, per row, and the largest
 * error relative to the super-block's largest magnitude. */
static void roundtrip_error(const float *x, const float *y, int n, double *rel_rms, double *rel_max)
{
    double e2 = 0, x2 = 0;
    *rel_max = 0;
    for (int i = 0; i < n; i += QK_K) {
        float amax = 0;
        for (int j = i; j < i + QK_K; j++)
            amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        for (int j = i; j < i + QK_K; j++) {
            double e = (double)x[j] - y[j];
            e2 += e * e;
            x2 += (double)x[j] * x[j];
            if (amax > 0 && fabs(e) / amax > *rel_max)
                *rel_max = fabs(e) / amax;
        }
    }
    *rel_rms = x2 > 0 ? sqrt(e2 / x2) : 0;
}

SELFTEST(k23_quantize_roundtrip_error)
{
    static float x[N_MAX], y[N_MAX];
    static struct block_q2_K b2[NB_MAX];
    static struct block_q3_K b3[NB_MAX];
    for (int rep = 0; rep < 12; rep++) {
        int nb = nb_odd[rep % 3], n = nb * QK_K;
        double rms, mx;
        fill_asym(x, n);
        quantize_q2_K_ref(x, b2, n);
        dequantize_q2_K(b2, y, n);
        roundtrip_error(x, y, n, &rms, &mx);
        /* over 2000 such rows: rms up to 0.317 (Q2_K), 0.192 (Q3_K), the largest
         * error up to 0.414, 0.232 (a whole step where the far end is clamped) */
        ST_CHECK(rms < 0.45 && mx < 0.5, "q2_K rep %d (%d blocks): rel rms %.3f, rel max %.3f", rep, nb, rms, mx);
        quantize_q3_K_ref(x, b3, n);
        dequantize_q3_K(b3, y, n);
        roundtrip_error(x, y, n, &rms, &mx);
        ST_CHECK(rms < 0.3 && mx < 0.35, "q3_K rep %d (%d blocks): rel rms %.3f, rel max %.3f", rep, nb, rms, mx);
    }
}

/* Quantized sub-blocks of zeros come back as exact zeros; an all-zero row is
 * all-zero bytes (d = dmin = 0) for Q2_K, d = 0 for Q3_K. */
SELFTEST(k23_zero_blocks)
{
    static float x[N_MAX], y[N_MAX];
    static struct block_q2_K b2[NB_MAX];
    static struct block_q3_K b3[NB_MAX];
    memset(x, 0, sizeof x);
    quantize_q2_K_ref(x, b2, N_MAX);
    quantize_q3_K_ref(x, b3, N_MAX);
    static const uint8_t zero[sizeof b2[0]];
    for (int i = 0; i < NB_MAX; i++) {
        ST_CHECK(memcmp(&b2[i], zero, sizeof b2[i]) == 0, "q2_K zero block %d has nonzero bytes", i);
        ST_CHECK(b3[i].d == 0, "q3_K zero block %d: d = %04x", i, b3[i].d);
    }
    dequantize_q3_K(b3, y, N_MAX);
    for (int j = 0; j < N_MAX; j++)
        ST_CHECK(y[j] == 0.0f, "q3_K zero row element %d = %g", j, (double)y[j]);
    fill_asym(x, N_MAX);
    for (int j = 16; j < 48; j++)
        x[j] = 0.0f;
    quantize_q2_K_ref(x, b2, N_MAX);
    dequantize_q2_K(b2, y, N_MAX);
    for (int j = 16; j < 48; j++)
        ST_CHECK(y[j] == 0.0f, "q2_K zero sub-block element %d = %g", j, (double)y[j]);
    quantize_q3_K_ref(x, b3, N_MAX);
    dequantize_q3_K(b3, y, N_MAX);
    for (int j = 16; j < 48; j++)
        ST_CHECK(y[j] == 0.0f, "q3_K zero sub-block element %d = %g", j, (double)y[j]);
}

/* A row with d = 0 super-blocks (random levels and scales behind them, as
 * padding may hold) dots exactly like the row without them. */
SELFTEST(k23_dot_skips_d0_blocks)
{
    static float x[N_MAX];
    static struct block_q2_K w2[NB_MAX], v2[NB_MAX];
    static struct block_q3_K w3[NB_MAX], v3[NB_MAX];
    static struct block_q8_K a[NB_MAX], c[NB_MAX];
    fill_asym(x, N_MAX);
    quantize_q2_K_ref(x, w2, N_MAX);
    quantize_q3_K_ref(x, w3, N_MAX);
    fill_asym(x, N_MAX);
    test_q8_K(x, a, N_MAX);
    int nv = 0;
    for (int i = 0; i < NB_MAX; i++) {
        if (i % 2 == 1) {   /* blocks 1, 3, 5 become d = 0 in w, dropped in v */
            w2[i].d = w2[i].dmin = 0;
            w3[i].d = 0;
            continue;
        }
        v2[nv] = w2[i];
        v3[nv] = w3[i];
        c[nv++] = a[i];
    }
    float with = dot_q2_K_q8_K(N_MAX, w2, a), without = dot_q2_K_q8_K(nv * QK_K, v2, c);
    ST_CHECK(isfinite(with) && with == without, "q2_K: %g with d = 0 blocks, %g without",
             (double)with, (double)without);
    with = dot_q3_K_q8_K(N_MAX, w3, a);
    without = dot_q3_K_q8_K(nv * QK_K, v3, c);
    ST_CHECK(isfinite(with) && with == without, "q3_K: %g with d = 0 blocks, %g without",
             (double)with, (double)without);
}

/* The K-quant dot against the float dot of both dequantized rows: the same sum
 * but for f32 rounding of per-block terms, bounded by sum |w x|. */
SELFTEST(k23_dot_vs_dequantized)
{
    static float x[N_MAX], wf[N_MAX], xf[N_MAX];
    static struct block_q2_K w2[NB_MAX];
    static struct block_q3_K w3[NB_MAX];
    static struct block_q8_K a[NB_MAX];
    for (int rep = 0; rep < 30; rep++) {
        int nb = nb_odd[rep % 3], n = nb * QK_K;
        fill_asym(x, n);
        test_q8_K(x, a, n);
        dequantize_q8_K_test(a, xf, n);
        fill_asym(x, n);
        for (int k3 = 0; k3 < 2; k3++) {
            float got;
            if (k3 == 0) {
                quantize_q2_K_ref(x, w2, n);
                dequantize_q2_K(w2, wf, n);
                got = dot_q2_K_q8_K(n, w2, a);
            } else {
                quantize_q3_K_ref(x, w3, n);
                dequantize_q3_K(w3, wf, n);
                got = dot_q3_K_q8_K(n, w3, a);
            }
            double want = 0, mag = 0;
            for (int j = 0; j < n; j++) {
                want += (double)wf[j] * xf[j];
                mag += fabs((double)wf[j] * xf[j]);
            }
            ST_CHECK(fabs(got - want) <= 1e-5 * mag + 1e-30, "%s rep %d (%d blocks): %.9g, want %.9g (sum |wx| %g)",
                     k3 ? "q3_K" : "q2_K", rep, nb, (double)got, want, mag);
        }
    }
}

#if defined(__aarch64__)
/* One NEON table's Q2_K / Q3_K kernels. */
struct k23_neon {
    const char *name;
    float (*dot[2])(int64_t n, const void *w, const void *x);
    void (*tile[2])(int64_t n, const void *w, const void *x, size_t x_stride, int nt, float *out);
};

#define K23_SET(label, suffix) \
    { label, { dot_q2_K_q8_K_##suffix, dot_q3_K_q8_K_##suffix }, \
      { tile_q2_K_q8_K_##suffix, tile_q3_K_q8_K_##suffix } }

/* The sets this CPU can run. */
static int neon_sets(struct k23_neon k[3])
{
    static const struct k23_neon all[3] = {
        K23_SET("neon", neon), K23_SET("neon+dotprod", neon_dotprod), K23_SET("neon+dotprod+i8mm", neon_i8mm),
    };
    const uint32_t feat = llm_cpu_features();
    int n = 0;
    k[n++] = all[0];
    if (feat & LLM_CPU_DOTPROD)
        k[n++] = all[1];
    if ((feat & LLM_CPU_DOTPROD) && (feat & LLM_CPU_I8MM))
        k[n++] = all[2];
    return n;
}

#define NT_MAX 5

/* Quantized rows and raw random weight bytes (every level, scale and hmask
 * pattern; sane fp16 scales, some d = 0), activations with -128 included, and
 * tiles of 1..5 activation rows: NEON results must be the scalar ones, bit for
 * bit. */
SELFTEST(k23_neon_matches_scalar)
{
    static float x[N_MAX];
    static struct block_q2_K w2[NB_MAX];
    static struct block_q3_K w3[NB_MAX];
    static struct block_q8_K a[NT_MAX][NB_MAX + 1];   /* + 1: a gap between the tile's rows */
    struct k23_neon k[3];
    const int nk = neon_sets(k);
    for (int rep = 0; rep < 60; rep++) {
        const int nb = rep < 3 ? nb_odd[rep] : 1 + (int)(rand_u64(&rng) % NB_MAX), n = nb * QK_K;
        const int nt = 1 + rep % NT_MAX;
        fill_asym(x, n);
        if (rep % 2 == 0) {
            quantize_q2_K_ref(x, w2, n);
            quantize_q3_K_ref(x, w3, n);
        } else {
            for (int i = 0; i < nb; i++) {
                uint8_t *p2 = (uint8_t *)&w2[i], *p3 = (uint8_t *)&w3[i];
                for (size_t b = 0; b < sizeof w2[i]; b++) p2[b] = (uint8_t)rand_u64(&rng);
                for (size_t b = 0; b < sizeof w3[i]; b++) p3[b] = (uint8_t)rand_u64(&rng);
                w2[i].d = fp32_to_fp16(rand_float(&rng, -0.1f, 0.1f));
                w2[i].dmin = fp32_to_fp16(rand_float(&rng, -0.1f, 0.1f));
                w3[i].d = fp32_to_fp16(rand_float(&rng, -0.1f, 0.1f));
                if (rand_u64(&rng) % 4 == 0)
                    w2[i].d = w2[i].dmin = w3[i].d = 0;
            }
            /* the largest scaled Q3_K level: -4 (2 low bits 0, hmask bit
             * clear) at elements 0 and 8 (one 16-bit pair without DotProd)
             * with scale -32 (6-bit 0), against activations -128 below */
            w3[0].scales[0] &= 0xf0;
            w3[0].scales[8] &= 0xfc;
            w3[0].qs[0] &= 0xfc;
            w3[0].qs[8] &= 0xfc;
            w3[0].hmask[0] &= 0xfe;
            w3[0].hmask[8] &= 0xfe;
        }
        float want[2][NT_MAX];
        for (int row = 0; row < nt; row++) {
            fill_asym(x, n);
            test_q8_K(x, a[row], n);
            if ((rep + row) % 3 == 1)   /* the extreme activation byte; bsums kept consistent */
                for (int i = 0; i < nb; i++) {
                    a[row][i].bsums[3] = (int16_t)(a[row][i].bsums[3] - a[row][i].qs[50] - 128);
                    a[row][i].qs[50] = -128;
                    a[row][i].bsums[0] = (int16_t)(a[row][i].bsums[0] - a[row][i].qs[0] - a[row][i].qs[8] - 256);
                    a[row][i].qs[0] = a[row][i].qs[8] = -128;
                }
            want[0][row] = dot_q2_K_q8_K(n, w2, a[row]);
            want[1][row] = dot_q3_K_q8_K(n, w3, a[row]);
        }
        for (int j = 0; j < nk; j++)
            for (int ty = 0; ty < 2; ty++) {
                const void *w = ty ? (const void *)w3 : (const void *)w2;
                const char *tn = ty ? "q3_K" : "q2_K";
                float got = k[j].dot[ty](n, w, a[0]), tile[NT_MAX];
                ST_CHECK(memcmp(&got, &want[ty][0], 4) == 0, "%s %s dot rep %d (%d blocks): %.9g, scalar %.9g",
                         k[j].name, tn, rep, nb, (double)got, (double)want[ty][0]);
                k[j].tile[ty](n, w, a[0], sizeof a[0], nt, tile);
                for (int row = 0; row < nt; row++)
                    ST_CHECK(memcmp(&tile[row], &want[ty][row], 4) == 0,
                             "%s %s tile rep %d (%d blocks) row %d of %d: %.9g, scalar %.9g", k[j].name, tn,
                             rep, nb, row, nt, (double)tile[row], (double)want[ty][row]);
            }
    }
}
#endif
