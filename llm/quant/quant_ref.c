/* llm/quant/quant_ref.c: scalar reference for the legacy ggml block types (Q4_0, Q4_1,
 * Q5_0, Q5_1, Q8_0, Q8_1): quantize, dequantize and dot products, reproducing
 * llama.cpp's arm64 arithmetic (commit c392e50, GCC: a*b+c in plain C contracts
 * to FMADD there, while vmlaq_n_f32 stays an unfused FMUL+FADD).
 *   weights:     ggml-quants.c quantize_row_{q4_0,q4_1,q5_0,q5_1,q8_0}_ref,
 *                dequantize_row_*
 *   activations: ggml-cpu-quants.c quantize_row_q8_0/q8_1, ARM_NEON branch
 *   dots:        ggml-cpu-quants.c ggml_vec_dot_*_q8_*, ARM_NEON branch (dotprod)
 *   repacked:    ggml-cpu-aarch64.cpp ggml_gemv/gemm_q4_0_4x4_q8_0 (NEON)
 *   sgemm:       llamafile/sgemm.cpp tinyBLAS_Q0_ARM::gemm */
#include "llm/quant/quant_impl.h"
#include "lib/math.h"

static float amax_of(const float *x)
{
    float m = 0.0f;
    for (int j = 0; j < QK; j++) {
        float a = fabsf(x[j]);
        if (a > m)
            m = a;
    }
    return m;
}

/* The element of largest magnitude, first one on ties (ggml's "max" for the
 * symmetric types keeps its sign so that it maps to exactly -8 / -16). */
static float signed_absmax(const float *x)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QK; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

static void min_max(const float *x, float *mn, float *mx)
{
    *mn = 3.40282347e38f;
    *mx = -3.40282347e38f;
    for (int j = 0; j < QK; j++) {
        if (x[j] < *mn) *mn = x[j];
        if (x[j] > *mx) *mx = x[j];
    }
}

/* q = min(top, trunc(x*id + bias)): ggml writes (int8_t)(x0 + bias) with
 * x0 = x*id, which GCC contracts to one FMADD. */
static uint8_t quant_level(float v, float id, float bias, int top)
{
    int32_t q = (int8_t)cvt_toward_zero(fma_f32(v, id, bias));
    return (uint8_t)(q < top ? q : top);
}

void quantize_q4_0_ref(const float *x, struct block_q4_0 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float d = signed_absmax(x) / -8;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK / 2; j++)
            y[i].qs[j] = quant_level(x[j], id, 8.5f, 15) | quant_level(x[j + 16], id, 8.5f, 15) << 4;
    }
}

void quantize_q5_0_ref(const float *x, struct block_q5_0 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float d = signed_absmax(x) / -16;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK / 2; j++) {
            uint8_t lo = quant_level(x[j], id, 16.5f, 31);
            uint8_t hi = quant_level(x[j + 16], id, 16.5f, 31);
            y[i].qs[j] = (lo & 15) | (hi & 15) << 4;
            qh |= (uint32_t)(lo >> 4) << j | (uint32_t)(hi >> 4) << (j + 16);
        }
        for (int b = 0; b < 4; b++)
            y[i].qh[b] = (uint8_t)(qh >> 8 * b);
    }
}

/* Q4_1/Q5_1 store (x - min)/d rounded half up; q5_1 has no clamp in ggml
 * (its top level is exact), q4_1 clamps to 15. */
void quantize_q4_1_ref(const float *x, struct block_q4_1 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float mn, mx;
        min_max(x, &mn, &mx);
        float d = (mx - mn) / 15;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        y[i].m = fp32_to_fp16(mn);
        for (int j = 0; j < QK / 2; j++)
            y[i].qs[j] = quant_level(x[j] - mn, id, 0.5f, 15) |
                         quant_level(x[j + 16] - mn, id, 0.5f, 15) << 4;
    }
}

void quantize_q5_1_ref(const float *x, struct block_q5_1 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float mn, mx;
        min_max(x, &mn, &mx);
        float d = (mx - mn) / 31;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        y[i].d = fp32_to_fp16(d);
        y[i].m = fp32_to_fp16(mn);
        for (int j = 0; j < QK / 2; j++) {
            uint8_t lo = (uint8_t)cvt_toward_zero(fma_f32(x[j] - mn, id, 0.5f));
            uint8_t hi = (uint8_t)cvt_toward_zero(fma_f32(x[j + 16] - mn, id, 0.5f));
            y[i].qs[j] = (lo & 15) | (hi & 15) << 4;
            qh |= (uint32_t)((lo >> 4) & 1) << j | (uint32_t)((hi >> 4) & 1) << (j + 16);
        }
        for (int b = 0; b < 4; b++)
            y[i].qh[b] = (uint8_t)(qh >> 8 * b);
    }
}

/* Weights: ggml's reference rounds half away from zero (roundf). */
void quantize_q8_0_ref(const float *x, struct block_q8_0 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++, x += QK) {
        float d = amax_of(x) / 127;
        float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = fp32_to_fp16(d);
        for (int j = 0; j < QK; j++)
            y[i].qs[j] = (int8_t)cvt_toward_zero(roundf(x[j] * id));
    }
}

/* Activations, as NEON does it: FMAXV of |x| (NaN-propagating), d = amax/127
 * kept in f32 for the scaling, FCVTNS (ties to even). Returns sum(q). */
static int32_t quantize_q8_block_neon(const float *x, int8_t *q, uint16_t *dh, float *dout)
{
    float amax = 0.0f;
    for (int j = 0; j < QK; j++) {
        float a = fabsf(x[j]);
        if (isnan(a) || isnan(amax))
            amax = NAN;
        else if (a > amax)
            amax = a;
    }
    float d = amax / 127;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    uint32_t sum = 0;   /* wraps as NEON's vaddq_s32 does (saturated lanes from a tiny d) */
    for (int j = 0; j < QK; j++) {
        int32_t v = cvt_nearest_even(x[j] * id);
        q[j] = (int8_t)v;
        sum += (uint32_t)v;
    }
    *dh = fp32_to_fp16(d);
    *dout = d;
    return (int32_t)sum;
}

void quantize_q8_0_neon(const float *x, struct block_q8_0 *y, int64_t n)
{
    float d;
    for (int64_t i = 0; i < n / QK; i++)
        quantize_q8_block_neon(x + i * QK, y[i].qs, &y[i].d, &d);
}

void quantize_q8_1_neon(const float *x, struct block_q8_1 *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d;
        int32_t sum = quantize_q8_block_neon(x + i * QK, y[i].qs, &y[i].d, &d);
        y[i].s = fp32_to_fp16(d * (float)sum);
    }
}

/* ---------------------------------------------------------------- dequantize */

static uint32_t qh_bits(const uint8_t qh[4])
{
    return qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

/* Level of element j (0..31) of a 4-bit block, with the 5th bit from qh. */
static int nibble(const uint8_t *qs, int j)
{
    return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4;
}

static int level5(const uint8_t *qs, uint32_t qh, int j)
{
    return nibble(qs, j) | (int)((qh >> j) & 1) << 4;
}

void dequantize_q4_0(const struct block_q4_0 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK; j++)
            *y++ = (float)(nibble(x[i].qs, j) - 8) * d;
    }
}

void dequantize_q4_1(const struct block_q4_1 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
        for (int j = 0; j < QK; j++)
            *y++ = fma_f32((float)nibble(x[i].qs, j), d, m);
    }
}

void dequantize_q5_0(const struct block_q5_0 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d);
        uint32_t qh = qh_bits(x[i].qh);
        for (int j = 0; j < QK; j++)
            *y++ = (float)(level5(x[i].qs, qh, j) - 16) * d;
    }
}

void dequantize_q5_1(const struct block_q5_1 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
        uint32_t qh = qh_bits(x[i].qh);
        for (int j = 0; j < QK; j++)
            *y++ = fma_f32((float)level5(x[i].qs, qh, j), d, m);
    }
}

void dequantize_q8_0(const struct block_q8_0 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK; j++)
            *y++ = (float)x[i].qs[j] * d;
    }
}

void dequantize_q8_1(const struct block_q8_1 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK; j++)
            *y++ = (float)x[i].qs[j] * d;
    }
}

/* ---------------------------------------------------------------- dot products */

/* One weight block against one activation block, as NEON sees it: SDOT lane l
 * holds elements 4l..4l+3 and 16+4l..16+4l+3. */
struct block_dot {
    int32_t lane[4];
    float dw, dx;   /* scales */
    float ms;       /* m * s for the offset types (an exact f32 product), else 0 */
};

typedef void (*block_dot_fn)(const void *w, const void *x, int64_t i, struct block_dot *b);

static void lanes(const int8_t wq[QK], const int8_t *xq, struct block_dot *b)
{
    for (int l = 0; l < 4; l++) {
        int32_t s = 0;
        for (int k = 4 * l; k < 4 * l + 4; k++)
            s += wq[k] * xq[k] + wq[k + 16] * xq[k + 16];
        b->lane[l] = s;
    }
}

static void block_q4_0(const void *w, const void *x, int64_t i, struct block_dot *b)
{
    const struct block_q4_0 *bw = (const struct block_q4_0 *)w + i;
    const struct block_q8_0 *bx = (const struct block_q8_0 *)x + i;
    int8_t q[QK];
    for (int j = 0; j < QK; j++)
        q[j] = (int8_t)(nibble(bw->qs, j) - 8);
    lanes(q, bx->qs, b);
    b->dw = fp16_to_fp32(bw->d);
    b->dx = fp16_to_fp32(bx->d);
    b->ms = 0.0f;
}

static void block_q4_1(const void *w, const void *x, int64_t i, struct block_dot *b)
{
    const struct block_q4_1 *bw = (const struct block_q4_1 *)w + i;
    const struct block_q8_1 *bx = (const struct block_q8_1 *)x + i;
    int8_t q[QK];
    for (int j = 0; j < QK; j++)
        q[j] = (int8_t)nibble(bw->qs, j);
    lanes(q, bx->qs, b);
    b->dw = fp16_to_fp32(bw->d);
    b->dx = fp16_to_fp32(bx->d);
    b->ms = fp16_to_fp32(bw->m) * fp16_to_fp32(bx->s);
}

static void block_q5_0(const void *w, const void *x, int64_t i, struct block_dot *b)
{
    const struct block_q5_0 *bw = (const struct block_q5_0 *)w + i;
    const struct block_q8_0 *bx = (const struct block_q8_0 *)x + i;
    uint32_t qh = qh_bits(bw->qh);
    int8_t q[QK];
    for (int j = 0; j < QK; j++)
        q[j] = (int8_t)(level5(bw->qs, qh, j) - 16);
    lanes(q, bx->qs, b);
    b->dw = fp16_to_fp32(bw->d);
    b->dx = fp16_to_fp32(bx->d);
    b->ms = 0.0f;
}

static void block_q5_1(const void *w, const void *x, int64_t i, struct block_dot *b)
{
    const struct block_q5_1 *bw = (const struct block_q5_1 *)w + i;
    const struct block_q8_1 *bx = (const struct block_q8_1 *)x + i;
    uint32_t qh = qh_bits(bw->qh);
    int8_t q[QK];
    for (int j = 0; j < QK; j++)
        q[j] = (int8_t)level5(bw->qs, qh, j);
    lanes(q, bx->qs, b);
    b->dw = fp16_to_fp32(bw->d);
    b->dx = fp16_to_fp32(bx->d);
    b->ms = fp16_to_fp32(bw->m) * fp16_to_fp32(bx->s);
}

static void block_q8_0(const void *w, const void *x, int64_t i, struct block_dot *b)
{
    const struct block_q8_0 *bw = (const struct block_q8_0 *)w + i;
    const struct block_q8_0 *bx = (const struct block_q8_0 *)x + i;
    lanes(bw->qs, bx->qs, b);
    b->dw = fp16_to_fp32(bw->d);
    b->dx = fp16_to_fp32(bx->d);
    b->ms = 0.0f;
}

static int32_t block_isum(const struct block_dot *b)
{
    return b->lane[0] + b->lane[1] + b->lane[2] + b->lane[3];
}

/* How each ggml function adds its m*s terms and its odd last block. */
enum dot_kind {
    DOT_Q4_0,   /* tail: sumf += sumi*dw*dx          -> fma(sumi*dw, dx, sumf) */
    DOT_SYM,    /* tail: sumf += sumi*(dw*dx)        -> fma(sumi, dw*dx, sumf) */
    DOT_Q4_1,   /* summs += m0*s0 + m1*s1 per pair; tail adds fma(dw*dx, sumi, m*s) */
    DOT_Q5_1,   /* summs0 += m0*s0, summs1 += m1*s1; same tail as q4_1 */
};

/* The NEON loop: blocks in pairs, block 2k into accumulator 0 and 2k+1 into
 * accumulator 1, each lane separately, with an unfused multiply and add. */
static inline float dot_neon(int64_t n, const void *w, const void *x, block_dot_fn blk, enum dot_kind kind)
{
    int64_t nb = n / QK, i = 0;
    float acc[2][4] = { { 0 } };
    float ms[2] = { 0.0f, 0.0f };

    for (; i + 1 < nb; i += 2) {
        struct block_dot b[2];
        blk(w, x, i, &b[0]);
        blk(w, x, i + 1, &b[1]);
        for (int k = 0; k < 2; k++) {
            float scale = b[k].dw * b[k].dx;   /* exact: two 11-bit significands */
            for (int l = 0; l < 4; l++)
                acc[k][l] = acc[k][l] + (float)b[k].lane[l] * scale;
        }
        if (kind == DOT_Q4_1) {
            ms[0] = ms[0] + (b[0].ms + b[1].ms);
        } else if (kind == DOT_Q5_1) {
            ms[0] = ms[0] + b[0].ms;
            ms[1] = ms[1] + b[1].ms;
        }
    }
    float sum = hsum4_f32(acc[0]) + hsum4_f32(acc[1]);
    sum = (sum + ms[0]) + ms[1];   /* ms[1] is 0 unless q5_1; adding +0 is exact */
    if (i < nb) {
        struct block_dot b;
        blk(w, x, i, &b);
        float isum = (float)block_isum(&b);
        if (kind == DOT_Q4_0)
            sum = fma_f32(isum * b.dw, b.dx, sum);
        else if (kind == DOT_SYM)
            sum = fma_f32(isum, b.dw * b.dx, sum);
        else
            sum = sum + fma_f32(b.dw * b.dx, isum, b.ms);
    }
    return sum;
}

float dot_q4_0_q8_0(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x)
{
    return dot_neon(n, w, x, block_q4_0, DOT_Q4_0);
}

float dot_q4_1_q8_1(int64_t n, const struct block_q4_1 *w, const struct block_q8_1 *x)
{
    return dot_neon(n, w, x, block_q4_1, DOT_Q4_1);
}

float dot_q5_0_q8_0(int64_t n, const struct block_q5_0 *w, const struct block_q8_0 *x)
{
    return dot_neon(n, w, x, block_q5_0, DOT_SYM);
}

float dot_q5_1_q8_1(int64_t n, const struct block_q5_1 *w, const struct block_q8_1 *x)
{
    return dot_neon(n, w, x, block_q5_1, DOT_Q5_1);
}

float dot_q8_0_q8_0(int64_t n, const struct block_q8_0 *w, const struct block_q8_0 *x)
{
    return dot_neon(n, w, x, block_q8_0, DOT_SYM);
}

/* Repacked Q4_0 (gemv and gemm alike): per block the exact integer sum, then
 * acc = FMLA(acc, sumi, dx*dw), one accumulator per output, block order. */
float dot_q4_0_q8_0_repacked(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x)
{
    float acc = 0.0f;
    for (int64_t i = 0; i < n / QK; i++) {
        struct block_dot b;
        block_q4_0(w, x, i, &b);
        acc = fma_f32((float)block_isum(&b), b.dx * b.dw, acc);
    }
    return acc;
}

/* tinyBLAS_Q0_ARM: one accumulator per output, each lane separately, an
 * unfused multiply and add per block (vmlaq_n_f32), then vaddvq_f32. */
static float dot_sgemm(int64_t n, const void *w, const void *x, block_dot_fn blk)
{
    float acc[4] = { 0 };
    for (int64_t i = 0; i < n / QK; i++) {
        struct block_dot b;
        blk(w, x, i, &b);
        float scale = b.dw * b.dx;
        for (int l = 0; l < 4; l++)
            acc[l] = acc[l] + (float)b.lane[l] * scale;
    }
    return hsum4_f32(acc);
}

float dot_q4_0_q8_0_sgemm(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x)
{
    return dot_sgemm(n, w, x, block_q4_0);
}

float dot_q8_0_q8_0_sgemm(int64_t n, const struct block_q8_0 *w, const struct block_q8_0 *x)
{
    return dot_sgemm(n, w, x, block_q8_0);
}
