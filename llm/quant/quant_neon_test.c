/* llm/quant/quant_neon_test.c: the NEON kernel tables against the scalar one, bit
 * for bit (memcmp), on random asymmetric data, raw random weight bytes, odd
 * block counts, odd row and token counts. Every table the CPU can run is
 * checked: under qemu-aarch64 -cpu max both, under -cpu cortex-a72 the one
 * without DotProd. aarch64 only. */
#if defined(__aarch64__)
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "llm/quant/cpu_ops.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/quant_impl.h"
#include "llm/quant/repack.h"

#define MAX_N    (97 * QK)
#define MAX_ROWS 72
#define MAX_TOK  40

static uint64_t rng = 0x9e3779b9u;

static uint32_t rnd(void) { return (uint32_t)(rand_u64(&rng) >> 32); }
static float rnd_float(float lo, float hi) { return rand_float(&rng, lo, hi); }

/* Mostly in [-0.4, 1.6] with a block-varying magnitude, some outliers and zeros. */
static void fill_asym(float *x, int n)
{
    float mag = 1.0f;
    for (int i = 0; i < n; i++) {
        if (i % QK == 0)
            mag = rnd_float(0.01f, 4.0f);
        uint32_t r = rnd() % 50;
        x[i] = r == 0 ? 0.0f : r == 1 ? rnd_float(-9.0f, 12.0f) : mag * rnd_float(-0.4f, 1.6f);
    }
}

/* Weight rows as raw random bytes with sane scales (finite fp16 at the
 * offsets where each type keeps d and m), so every level, and -128 for Q8_0, occurs. */
static void fill_weights(enum ggml_type ty, uint8_t *w, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        w[i] = (uint8_t)rnd();
    if (ty == GGML_TYPE_F32) {
        float *f = (float *)w;
        fill_asym(f, (int)(bytes / 4));
        return;
    }
    if (ty == GGML_TYPE_F16) {
        uint16_t *h = (uint16_t *)w;
        for (size_t i = 0; i < bytes / 2; i++)
            h[i] = fp32_to_fp16(rnd_float(-1.5f, 2.5f));
        return;
    }
    const struct type_traits *tt = type_traits(ty);
    const bool has_m = ty == GGML_TYPE_Q4_1 || ty == GGML_TYPE_Q5_1 || ty == GGML_TYPE_Q4_K ||
                       ty == GGML_TYPE_Q5_K || ty == GGML_TYPE_Q2_K;
    const size_t d_at = ty == GGML_TYPE_Q6_K ? 208 : ty == GGML_TYPE_Q2_K ? 80 : ty == GGML_TYPE_Q3_K ? 108 : 0;
    const size_t m_at = ty == GGML_TYPE_Q2_K ? 82 : 2;
    for (size_t b = 0, i = 0; b + tt->size <= bytes; b += tt->size, i++) {
        uint16_t d = fp32_to_fp16(rnd_float(-0.05f, 0.08f)), m = fp32_to_fp16(rnd_float(-0.5f, 0.3f));
        if (tt->blck == QK_K && i % 3 == 1) {   /* an all-zero super-block: d = dmin = 0 */
            memset(w + b, 0, tt->size);
            continue;
        }
        memcpy(w + b + d_at, &d, 2);
        if (has_m)
            memcpy(w + b + m_at, &m, 2);
    }
}

/* The NEON tables this CPU can run. */
static int neon_tables(const struct cpu_ops *k[3])
{
    const uint32_t f = llm_cpu_features();
    int n = 0;
    k[n++] = &cpu_ops_neon;
    if (f & LLM_CPU_DOTPROD)
        k[n++] = &cpu_ops_neon_dotprod;
    if ((f & LLM_CPU_DOTPROD) && (f & LLM_CPU_I8MM))
        k[n++] = &cpu_ops_neon_i8mm;
    return n;
}

SELFTEST(neon_fp16_conversions)
{
    for (uint32_t h = 0; h < 65536; h++) {
        __fp16 hv;
        uint16_t hb = (uint16_t)h;
        memcpy(&hv, &hb, 2);
        float hw = hv, sw = fp16_to_fp32(hb);
        ST_CHECK(memcmp(&hw, &sw, 4) == 0, "fp16 %04x widens differently", (unsigned)h);
    }
    static float x[4096];
    static uint16_t a[4096], b[4096];
    for (int i = 0; i < 4096; i++) {
        uint32_t u = rnd();
        if (i % 3 == 0)   /* half the range around the fp16 exponents */
            u = (u & 0x80ffffffu) | ((uint32_t)(98 + rnd() % 50) << 23);
        memcpy(&x[i], &u, 4);
    }
    const struct cpu_ops *k[3];
    for (int j = 0, nk = neon_tables(k); j < nk; j++) {
        quantize_row(GGML_TYPE_F16, x, a, 4095);
        k[j]->quantize(GGML_TYPE_F16, x, b, 4095);
        ST_CHECK(memcmp(a, b, sizeof a) == 0, "%s: f32 -> f16 differs", k[j]->name);
    }
}

SELFTEST(neon_quantize_q8_activations)
{
    static float x[MAX_N];
    static uint8_t a[MAX_N * 2], b[MAX_N * 2];
    const struct cpu_ops *k[3];
    for (int rep = 0; rep < 20; rep++) {
        fill_asym(x, MAX_N);
        if (rep == 1)
            for (int i = 0; i < QK; i++)   /* an all-zero block */
                x[QK + i] = 0.0f;
        if (rep == 1)
            for (int i = 0; i < QK_K; i++)   /* an all-zero super-block */
                x[QK_K + i] = 0.0f;
        if (rep == 2)
            x[5] = 1.0f / 0.0f;
        if (rep == 3)
            x[300] = -20.0f, x[301] = 20.0f;   /* Q8_K: a tie for the signed max, the first wins */
        if (rep == 4)
            x[600] = 0.0f / 0.0f;
        for (int j = 0, nk = neon_tables(k); j < nk; j++) {
            for (int q = 0; q < 3; q++) {
                enum ggml_type ty = q == 2 ? GGML_TYPE_Q8_K : q ? GGML_TYPE_Q8_1 : GGML_TYPE_Q8_0;
                const int n = q == 2 ? MAX_N / QK_K * QK_K : MAX_N;
                memset(a, 0, sizeof a);
                memset(b, 0, sizeof b);
                quantize_row(ty, x, a, n);
                k[j]->quantize(ty, x, b, n);
                ST_CHECK(memcmp(a, b, sizeof a) == 0, "%s: %s rep %d differs", k[j]->name,
                         type_traits(ty)->name, rep);
            }
        }
    }
}

/* Everything llama.cpp's matmul can do with one weight type, compared to the scalar table. */
static void check_matmul(struct selftest_ctx *t, const struct cpu_ops *k, enum ggml_type ty,
                         enum ops_order o, uint32_t n, uint32_t rows, uint32_t n_tok)
{
    static uint8_t w[MAX_ROWS * MAX_N * 4];
    static float xf[MAX_TOK * MAX_N];
    static uint8_t xq[MAX_TOK * MAX_N * 4];
    static float ya[MAX_TOK * MAX_ROWS], yb[MAX_TOK * MAX_ROWS];
    const size_t w_row = (size_t)type_row_bytes(ty, n);
    enum ggml_type xt = type_traits(ty)->vec_dot_type;
    if (o == OPS_SGEMM && (ty == GGML_TYPE_F32 || ty == GGML_TYPE_F16))
        xt = GGML_TYPE_F32;
    const size_t x_row = (size_t)type_row_bytes(xt, n);
    fill_weights(ty, w, w_row * rows);
    fill_asym(xf, (int)(n * n_tok));
    if (xt == GGML_TYPE_Q8_K && n_tok > 1)   /* an all-zero activation super-block (d = 0) */
        memset(xf + n, 0, QK_K * sizeof *xf);
    for (uint32_t j = 0; j < n_tok; j++)
        quantize_row(xt, xf + j * n, xq + j * x_row, n);
    struct mm_args m = { .order = o, .type = ty, .n = n, .w = w, .w_row = w_row, .x = xq,
                         .x_row = x_row, .n_tok = n_tok, .y = ya, .y_row = rows };
    memset(ya, 0, sizeof ya);
    memset(yb, 0xff, sizeof yb);
    cpu_ops_scalar.matmul(&m, 0, rows);
    m.y = yb;
    k->matmul(&m, 0, rows);
    if (o == OPS_REPACKED && k->x_sums && memcmp(ya, yb, rows * n_tok * 4) == 0) {
        /* again with the activations' sums worked out beforehand, as ops.c does */
        static struct mm_xsum xs[MAX_TOK * MAX_N / QK];
        for (uint32_t j = 0; j < n_tok; j++)
            k->x_sums(xq + j * x_row, n / QK, xs + j * (n / QK));
        m.xs = xs;
        memset(yb, 0xff, sizeof yb);
        k->matmul(&m, 0, rows);
    }
    if (o == OPS_REPACKED && k->q4_0x4 && rows % 4 == 0 && memcmp(ya, yb, rows * n_tok * 4) == 0) {
        /* and with the weights in model_repack's 4-row layout, in two calls */
        static uint8_t wx4[MAX_ROWS * MAX_N * 4];
        repack_q4_0x4(w, n, rows, wx4);
        m.w = wx4;
        m.w_x4 = true;
        memset(yb, 0xff, sizeof yb);
        k->matmul(&m, 0, rows / 2 & ~3u);
        k->matmul(&m, rows / 2 & ~3u, rows);
        if (memcmp(ya, yb, rows * n_tok * 4) == 0) {   /* and without the sums: windows of blocks */
            m.xs = NULL;
            memset(yb, 0xff, sizeof yb);
            k->matmul(&m, 0, rows);
        }
    }
    uint32_t i = 0;
    while (i < rows * n_tok && memcmp(&ya[i], &yb[i], 4) == 0)
        i++;
    uint32_t ba = 0, bb = 0;
    if (i < rows * n_tok) {
        memcpy(&ba, &ya[i], 4);
        memcpy(&bb, &yb[i], 4);
    }
    ST_CHECK(i == rows * n_tok, "%s: %s order %d%s%s n %u rows %u tok %u: y[%u] %08x, scalar %08x",
             k->name, type_traits(ty)->name, (int)o, m.xs ? " (sums given)" : "", m.w_x4 ? " (4-row copy)" : "",
             (unsigned)n,
             (unsigned)rows, (unsigned)n_tok,
             (unsigned)i, (unsigned)bb, (unsigned)ba);
}

/* check_matmul, then whether the test may go on. */
static bool ok_matmul(struct selftest_ctx *t, const struct cpu_ops *k, enum ggml_type ty,
                      enum ops_order o, uint32_t n, uint32_t rows, uint32_t n_tok)
{
    check_matmul(t, k, ty, o, n, rows, n_tok);
    return !t->failed;
}

SELFTEST(neon_matmul_quantized)
{
    static const enum ggml_type types[] = { GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0,
                                            GGML_TYPE_Q5_1, GGML_TYPE_Q8_0 };
    static const uint32_t ns[] = { QK, 2 * QK, 3 * QK, 11 * QK, 41 * QK };
    static const uint32_t toks[] = { 1, 3, 6, 21 };   /* every tile width: 12 + 8 + 1, 4 + 2, 2 + 1 */
    static const uint32_t row_counts[] = { 1, 3, 4, 5, 7, 8, 9, 72 };   /* odd; 4, 8, 72 for the 4-row copy (72: calls of 36, decode's 32 rows at once and 4) */
    const struct cpu_ops *k[3];
    for (int j = 0, nk = neon_tables(k); j < nk; j++)
        for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
            for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
                for (size_t ri = 0; ri < sizeof row_counts / sizeof row_counts[0]; ri++)
                    for (size_t tk = 0; tk < sizeof toks / sizeof toks[0]; tk++) {
                        const uint32_t tok = toks[tk], rows = row_counts[ri];
                        enum ggml_type ty = types[ti];
                        if (!ok_matmul(t, k[j], ty, OPS_VEC_DOT, ns[ni], rows, tok))
                            return;
                        if ((ty == GGML_TYPE_Q4_0 || ty == GGML_TYPE_Q8_0) &&
                            !ok_matmul(t, k[j], ty, OPS_SGEMM, ns[ni], rows, tok))
                            return;
                        if (ty == GGML_TYPE_Q4_0 &&
                            !ok_matmul(t, k[j], ty, OPS_REPACKED, ns[ni], rows, tok))
                            return;
                    }
}

/* The repacked Q4_0 prompt tiles of the i8mm table at widths 16, 12, 8, 4
 * and 2 (22 = 16 + 4 + 2, 28 = 16 + 12, 40 = 16 + 16 + 8), on rows of 1,
 * 41 and 97 blocks: their pairs of activations come in windows of 24, 32,
 * 48 and 96 blocks, so 41 and 97 cross them (97 for every width). */
SELFTEST(neon_matmul_repacked_wide)
{
    static const uint32_t ns[] = { QK, 41 * QK, 97 * QK };
    static const uint32_t toks[] = { 22, 28, 40 };
    static const uint32_t row_counts[] = { 4, 7, 72 };
    const struct cpu_ops *k[3];
    for (int j = 0, nk = neon_tables(k); j < nk; j++)
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
            for (size_t ri = 0; ri < sizeof row_counts / sizeof row_counts[0]; ri++)
                for (size_t tk = 0; tk < sizeof toks / sizeof toks[0]; tk++)
                    if (!ok_matmul(t, k[j], GGML_TYPE_Q4_0, OPS_REPACKED, ns[ni], row_counts[ri], toks[tk]))
                        return;
}

/* K-quant weights on Q8_K activations: 1, 3 and 5 super-blocks, every
 * third weight super-block and some activation ones all zero, token counts
 * 1..9 (tiles of 4, SMMLA ones on the i8mm table, and 1 to 3 over) and 19. */
SELFTEST(neon_matmul_k)
{
    static const enum ggml_type types[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K,
                                            GGML_TYPE_Q2_K, GGML_TYPE_Q3_K };
    static const uint32_t ns[] = { QK_K, 3 * QK_K, 5 * QK_K };
    static const uint32_t toks[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 19 };   /* 19: Q2_K/Q3_K tiles of 16 + 3 */
    static const uint32_t row_counts[] = { 1, 3, 4, 5, 9 };
    const struct cpu_ops *k[3];
    for (int j = 0, nk = neon_tables(k); j < nk; j++)
        for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
            for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
                for (size_t ri = 0; ri < sizeof row_counts / sizeof row_counts[0]; ri++)
                    for (size_t tk = 0; tk < sizeof toks / sizeof toks[0]; tk++)
                        if (!ok_matmul(t, k[j], types[ti], OPS_VEC_DOT, ns[ni], row_counts[ri], toks[tk]))
                            return;
}

/* Q6_K at the ends of its ranges, one activation (decode) and two: levels
 * 0 and 63, scales -128 and 127, activation quants all -128 (bsums -2048)
 * or 127, in rows of 2 super-blocks; 9 rows (4 + 4 + 1). */
SELFTEST(neon_matmul_q6_K_extremes)
{
    enum { NR = 9, NT = 2 };
    static struct block_q6_K w[NR][2];
    static struct block_q8_K x[NT][2];
    static float ya[NT * NR], yb[NT * NR];
    for (int r = 0; r < NR; r++)
        for (int s = 0; s < 2; s++) {
            struct block_q6_K *b = &w[r][s];
            const uint8_t lv = (r + s) % 3 == 0 ? 0x00 : (r + s) % 3 == 1 ? 0xff : (uint8_t)(r * 37 + s);
            memset(b->ql, lv, sizeof b->ql);
            memset(b->qh, r % 2 ? 0xff : lv, sizeof b->qh);
            for (int j = 0; j < 16; j++)
                b->scales[j] = (int8_t)((r + j) % 3 == 0 ? -128 : (r + j) % 3 == 1 ? 127 : j - 8);
            b->d = fp32_to_fp16(r % 2 ? 0.03125f : -0.0625f);
        }
    for (int t = 0; t < NT; t++)
        for (int s = 0; s < 2; s++) {
            x[t][s].d = t ? 0.5f : 1.25f;
            for (int e = 0; e < QK_K; e++)
                x[t][s].qs[e] = (int8_t)((t + s) % 2 ? 127 : -128);
            for (int j = 0; j < QK_K / 16; j++)
                x[t][s].bsums[j] = (int16_t)(16 * x[t][s].qs[0]);
        }
    struct mm_args m = { .order = OPS_VEC_DOT, .type = GGML_TYPE_Q6_K, .n = 2 * QK_K, .w = (const uint8_t *)w,
                         .w_row = sizeof w[0], .x = (const uint8_t *)x, .x_row = sizeof x[0], .y = ya,
                         .y_row = NR };
    const struct cpu_ops *k[3];
    for (uint32_t nt = 1; nt <= NT; nt++) {
        m.n_tok = nt;
        m.y = ya;
        cpu_ops_scalar.matmul(&m, 0, NR);
        for (int j = 0, nk = neon_tables(k); j < nk; j++) {
            m.y = yb;
            memset(yb, 0xff, sizeof yb);
            k[j]->matmul(&m, 0, NR);
            ST_CHECK(memcmp(ya, yb, nt * NR * 4) == 0, "%s: %u activations differ", k[j]->name, (unsigned)nt);
        }
    }
}

SELFTEST(neon_matmul_float)
{
    static const uint32_t ns[] = { 1, 3, 4, 8, 15, 16, 17, 36, 48, 64, 172, 301 };
    const struct cpu_ops *k[3];
    for (int j = 0, nk = neon_tables(k); j < nk; j++)
        for (int f16 = 0; f16 < 2; f16++)
            for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
                for (uint32_t rows = 1; rows <= 6; rows += 5)
                    for (uint32_t tok = 1; tok <= 5; tok += 4) {
                        enum ggml_type ty = f16 ? GGML_TYPE_F16 : GGML_TYPE_F32;
                        if (!ok_matmul(t, k[j], ty, OPS_VEC_DOT, ns[ni], rows, tok) ||
                            !ok_matmul(t, k[j], ty, OPS_SGEMM, ns[ni], rows, tok))
                            return;
                    }
}

/* Wide-range values: e^x over its whole range, both scale branches of the exp. */
static void fill_wide(float *x, int n, int rep)
{
    for (int i = 0; i < n; i++) {
        uint32_t r = rnd() % 40;
        x[i] = r == 0 ? rnd_float(-150.0f, 120.0f) : r == 1 ? 0.0f : rnd_float(-12.0f, 9.0f);
    }
    if (rep == 1 && n > 2) {
        x[1] = 1.0f / 0.0f;
        x[2] = -1.0f / 0.0f;
    }
}

SELFTEST(neon_softmax_swiglu_rmsnorm_rope)
{
    static float a[300], b[300], up[300], w[300];
    static const uint32_t ns[] = { 1, 3, 4, 7, 32, 64, 65, 172, 288 };
    for (int rep = 0; rep < 4; rep++)
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
            const uint32_t n = ns[ni];
            fill_wide(a, (int)n, rep);
            fill_asym(up, (int)n);
            fill_asym(w, (int)n);
            for (uint32_t nv = 1; nv <= n; nv += 1 + n / 5) {
                memcpy(b, a, sizeof a);
                float c[300];
                memcpy(c, a, sizeof a);
                cpu_ops_force_scalar(true);
                ops_softmax(b, n, nv, 0.35f);
                cpu_ops_force_scalar(false);
                neon_softmax(c, n, nv, 0.35f);
                ST_CHECK(memcmp(b, c, n * 4) == 0, "softmax n %u valid %u rep %d", (unsigned)n, (unsigned)nv, rep);
            }
            memcpy(b, a, sizeof a);
            float c[300];
            memcpy(c, a, sizeof a);
            cpu_ops_force_scalar(true);
            ops_swiglu(b, up, n);
            cpu_ops_force_scalar(false);
            neon_swiglu(c, up, n);
            ST_CHECK(memcmp(b, c, n * 4) == 0, "swiglu n %u rep %d", (unsigned)n, rep);
            fill_asym(a, (int)n);
            cpu_ops_force_scalar(true);
            ops_rmsnorm(b, a, w, n, 1e-5f);
            cpu_ops_force_scalar(false);
            neon_rmsnorm(c, a, w, n, 1e-5f);
            ST_CHECK(memcmp(b, c, n * 4) == 0, "rmsnorm n %u rep %d", (unsigned)n, rep);
            for (uint32_t n_rot = 2; n_rot <= 20 && n_rot <= n; n_rot += 6) {   /* heads of n/2 */
                fill_asym(a, (int)n);
                fill_wide(up, (int)n_rot, 0);
                memcpy(b, a, sizeof a);
                memcpy(c, a, sizeof a);
                cpu_ops_force_scalar(true);
                ops_rope(b, up, 2, n / 2, n_rot / 2 * 2 <= n / 2 ? n_rot : 0);
                cpu_ops_force_scalar(false);
                neon_rope(c, up, 2, n / 2, n_rot / 2 * 2 <= n / 2 ? n_rot : 0);
                ST_CHECK(memcmp(b, c, n * 4) == 0, "rope n %u n_rot %u rep %d", (unsigned)n, (unsigned)n_rot, rep);
            }
        }
}

/* The choice itself: scalar when forced, else the best table the CPU runs. */
SELFTEST(neon_kernel_choice)
{
    cpu_ops_force_scalar(true);
    ST_CHECK(cpu_ops() == &cpu_ops_scalar, "forced scalar not honoured");
    cpu_ops_force_scalar(false);
    const struct cpu_ops *k[3];
    const struct cpu_ops *want = k[neon_tables(k) - 1];   /* the last one: the most features */
    ST_CHECK(cpu_ops() == want, "picked %s, want %s", cpu_ops()->name, want->name);
}
#endif
