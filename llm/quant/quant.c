/* llm/quant/quant.c: the ggml type table (ggml.c type_traits and ggml-cpu.c
 * type_traits_cpu at llama.cpp c392e50), fp16/bf16 conversions with the
 * hardware's rounding, the float dot products (ggml-cpu.c ggml_vec_dot_f32/f16/
 * bf16, ARM_NEON branch without FP16 vector arithmetic) and the per-type
 * dispatch into quant_ref.c (legacy types), quant_k.c (Q4_K..Q6_K, Q8_K) and
 * quant_k23.c (Q2_K, Q3_K). */
#include "llm/quant/quant_impl.h"
#include "lib/math.h"

/* vec_dot_type as ggml-cpu.c has it; types without a dot there (q8_K, i8..f64)
 * are left at 0 = f32, as in ggml. */
#define T(nm, b, s, sup, vdt) { nm, b, s, sup, GGML_TYPE_##vdt }
static const struct type_traits traits[GGML_TYPE_COUNT] = {
    [GGML_TYPE_F32]     = T("f32",     1,   4,   true,  F32),
    [GGML_TYPE_F16]     = T("f16",     1,   2,   true,  F16),
    [GGML_TYPE_Q4_0]    = T("q4_0",    32,  18,  true,  Q8_0),
    [GGML_TYPE_Q4_1]    = T("q4_1",    32,  20,  true,  Q8_1),
    [GGML_TYPE_Q5_0]    = T("q5_0",    32,  22,  true,  Q8_0),
    [GGML_TYPE_Q5_1]    = T("q5_1",    32,  24,  true,  Q8_1),
    [GGML_TYPE_Q8_0]    = T("q8_0",    32,  34,  true,  Q8_0),
    [GGML_TYPE_Q8_1]    = T("q8_1",    32,  36,  false, Q8_1),
    [GGML_TYPE_Q2_K]    = T("q2_K",    256, 84,  true,  Q8_K),
    [GGML_TYPE_Q3_K]    = T("q3_K",    256, 110, true,  Q8_K),
    [GGML_TYPE_Q4_K]    = T("q4_K",    256, 144, true,  Q8_K),
    [GGML_TYPE_Q5_K]    = T("q5_K",    256, 176, true,  Q8_K),
    [GGML_TYPE_Q6_K]    = T("q6_K",    256, 210, true,  Q8_K),
    [GGML_TYPE_Q8_K]    = T("q8_K",    256, 292, false, F32),
    [GGML_TYPE_IQ2_XXS] = T("iq2_xxs", 256, 66,  false, Q8_K),
    [GGML_TYPE_IQ2_XS]  = T("iq2_xs",  256, 74,  false, Q8_K),
    [GGML_TYPE_IQ3_XXS] = T("iq3_xxs", 256, 98,  false, Q8_K),
    [GGML_TYPE_IQ1_S]   = T("iq1_s",   256, 50,  false, Q8_K),
    [GGML_TYPE_IQ4_NL]  = T("iq4_nl",  32,  18,  false, Q8_0),
    [GGML_TYPE_IQ3_S]   = T("iq3_s",   256, 110, false, Q8_K),
    [GGML_TYPE_IQ2_S]   = T("iq2_s",   256, 82,  false, Q8_K),
    [GGML_TYPE_IQ4_XS]  = T("iq4_xs",  256, 136, false, Q8_K),
    [GGML_TYPE_I8]      = T("i8",      1,   1,   false, F32),
    [GGML_TYPE_I16]     = T("i16",     1,   2,   false, F32),
    [GGML_TYPE_I32]     = T("i32",     1,   4,   false, F32),
    [GGML_TYPE_I64]     = T("i64",     1,   8,   false, F32),
    [GGML_TYPE_F64]     = T("f64",     1,   8,   false, F32),
    [GGML_TYPE_IQ1_M]   = T("iq1_m",   256, 56,  false, Q8_K),
    [GGML_TYPE_BF16]    = T("bf16",    1,   2,   true,  BF16),
    [GGML_TYPE_TQ1_0]   = T("tq1_0",   256, 54,  false, Q8_K),
    [GGML_TYPE_TQ2_0]   = T("tq2_0",   256, 66,  false, Q8_K),
};
#undef T

const struct type_traits *type_traits(uint32_t type)
{
    if (type >= GGML_TYPE_COUNT || traits[type].name == NULL)
        return NULL;
    return &traits[type];
}

uint64_t type_row_bytes(uint32_t type, uint64_t n)
{
    const struct type_traits *tt = type_traits(type);
    if (tt == NULL || n % tt->blck != 0 || n / tt->blck > UINT64_MAX / tt->size)
        return 0;
    return n / tt->blck * tt->size;
}

/* ---------------------------------------------------------------- conversions */


/* AArch64 FCVT (FPCR.DN = 0): NaNs keep their top payload bits and become quiet. */
uint16_t fp32_to_fp16(float f)
{
    uint32_t u = f32_to_bits(f);
    uint16_t sign = (uint16_t)(u >> 16 & 0x8000);
    uint32_t a = u & 0x7fffffff;

    if (a > 0x7f800000)                       /* NaN */
        return sign | 0x7e00 | (uint16_t)(a >> 13 & 0x3ff);
    if (a >= 0x477ff000)                      /* >= 65520 rounds to inf */
        return sign | 0x7c00;
    if (a >= 0x38800000) {                    /* normal half: rebias, round at bit 13 */
        uint32_t m = a - 0x38000000;
        return sign | (uint16_t)((m + 0xfff + (m >> 13 & 1)) >> 13);
    }
    if (a <= 0x33000000)                      /* <= 2^-25: ties to even give 0 */
        return sign;
    /* subnormal half: value / 2^-24 = mant * 2^(e - 126), e in 102..112 */
    uint32_t e = a >> 23, mant = (a & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e;
    uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
        h++;
    return sign | (uint16_t)h;
}

float fp16_to_fp32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t e = h >> 10 & 0x1f, m = h & 0x3ff;

    if (e == 0x1f)                            /* inf, or NaN made quiet */
        return f32_from_bits(sign | 0x7f800000 | m << 13 | (m ? 0x400000 : 0));
    if (e == 0) {                             /* zero or subnormal: m * 2^-24, exact */
        float v = (float)m * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return f32_from_bits(sign | (e + 112) << 23 | m << 13);
}

/* ggml_compute_fp32_to_bf16: NaN forced quiet, otherwise round to nearest even. */
uint16_t fp32_to_bf16(float f)
{
    uint32_t u = f32_to_bits(f);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)(u >> 16 | 64);
    return (uint16_t)((u + 0x7fff + (u >> 16 & 1)) >> 16);
}

float bf16_to_fp32(uint16_t h)
{
    return f32_from_bits((uint32_t)h << 16);
}

/* ---------------------------------------------------------------- float helpers */

#if !defined(__aarch64__) && !defined(__FP_FAST_FMAF)
float fma_f32_soft(float a, float b, float c)
{
    /* a*b is exact in double; make the double sum round-to-odd so that the
     * final rounding to float is the single correct one. */
    double p = (double)a * (double)b;
    double s = p + (double)c;
    double bb = s - p;
    double err = (p - (s - bb)) + ((double)c - bb);
    if (err != 0.0 && isfinite(s)) {
        union { double d; uint64_t u; } v = { .d = s };
        if ((v.u & 1) == 0)
            v.u += ((err > 0) == (s > 0)) ? 1 : (uint64_t)-1;
        s = v.d;
    }
    return (float)s;
}
#endif

int32_t cvt_toward_zero(float v)
{
    if (isnan(v))
        return 0;
    if (v >= 2147483648.0f)
        return INT32_MAX;
    if (v <= -2147483648.0f)
        return INT32_MIN;
    return (int32_t)v;
}

int32_t cvt_nearest_even(float v)
{
    if (isnan(v) || fabsf(v) >= 8388608.0f)   /* NaN, or already an integer */
        return cvt_toward_zero(v);
    int32_t t = (int32_t)v;                   /* toward zero, exact here */
    float frac = v - (float)t;                /* exact: |v| < 2^23 */
    if (frac > 0.5f || (frac == 0.5f && (t & 1)))
        t++;
    else if (frac < -0.5f || (frac == -0.5f && (t & 1)))
        t--;
    return t;
}

float hsum4_f32(const float v[4])
{
    return (v[0] + v[1]) + (v[2] + v[3]);
}

/* ---------------------------------------------------------------- float dots */

/* GGML_F32_STEP = 16 on NEON: four float32x4 accumulators, so element i feeds
 * lane i % 16 with FMLA; then GGML_F32x4_REDUCE. */
static void fma16(float acc[16], const float *w, const float *x)
{
    for (int k = 0; k < 16; k++)
        acc[k] = fma_f32(w[k], x[k], acc[k]);
}

static float reduce16(float acc[16])
{
    for (int k = 0; k < 4; k++) {            /* sum[0] += sum[2], sum[1] += sum[3] */
        acc[k] = acc[k] + acc[8 + k];
        acc[4 + k] = acc[4 + k] + acc[12 + k];
    }
    for (int k = 0; k < 4; k++)              /* sum[0] += sum[1] */
        acc[k] = acc[k] + acc[4 + k];
    return hsum4_f32(acc);
}

/* The segment of a row that holds elements s0.. (at most seg_n of them) and
 * how many: a contiguous row is one segment (w->seg_n = n). */
static int64_t seg_at(const struct row_segs *w, int64_t n, int64_t s0, const uint8_t **p)
{
    *p = w->seg[s0 / w->seg_n] + w->off;
    return n - s0 < w->seg_n ? n - s0 : w->seg_n;
}

static float dot_f32(int64_t n, const struct row_segs *w, const float *x)
{
    float acc[16] = { 0 };
    const float *ws = NULL;
    int64_t s0 = 0, len = 0, i = 0;
    for (; s0 < n; s0 += len) {   /* seg_n is a multiple of 16: only the last is ragged */
        const uint8_t *p;
        len = seg_at(w, n, s0, &p);
        ws = (const float *)p;
        for (i = 0; i + 16 <= len; i += 16)
            fma16(acc, ws + i, x + s0 + i);
    }
    s0 -= len;
    float sum = reduce16(acc);
    /* Leftovers `sumf += x[i]*y[i]`: GCC 12 -O3 (the reference build) turns
     * 4 or more of them into groups of 4 rounded products added in order, and
     * the last n % 4 into FMADDs. */
    for (int64_t end = i + (len - i) / 4 * 4; i < end; i++)
        sum = sum + ws[i] * x[s0 + i];
    for (; i < len; i++)
        sum = fma_f32(ws[i], x[s0 + i], sum);
    return sum;
}

/* F16 without FP16 arithmetic: the same 16 lanes on values widened to f32,
 * reduced into a double (ggml_float), leftovers as rounded f32 products. */
static float dot_f16(int64_t n, const struct row_segs *w, const uint16_t *x)
{
    float acc[16] = { 0 }, wf[16], xf[16];
    const uint16_t *ws = NULL;
    int64_t s0 = 0, len = 0, i = 0;
    for (; s0 < n; s0 += len) {
        const uint8_t *p;
        len = seg_at(w, n, s0, &p);
        ws = (const uint16_t *)p;
        for (i = 0; i + 16 <= len; i += 16) {
            for (int k = 0; k < 16; k++) {
                wf[k] = fp16_to_fp32(ws[i + k]);
                xf[k] = fp16_to_fp32(x[s0 + i + k]);
            }
            fma16(acc, wf, xf);
        }
    }
    s0 -= len;
    double sum = reduce16(acc);
    for (; i < len; i++)
        sum += (double)(fp16_to_fp32(ws[i]) * fp16_to_fp32(x[s0 + i]));
    return (float)sum;
}

/* tinyBLAS<4, float32x4_t> (F32 x F32, and F16 x F32 with the weights widened):
 * lane i % 4 with FMLA, then vaddvq_f32. */
static float dot_sgemm_f32(int64_t n, const struct row_segs *w, bool w_f16, const float *x)
{
    float acc[4] = { 0 };
    for (int64_t s0 = 0, len; s0 < n; s0 += len) {
        const uint8_t *p;
        len = seg_at(w, n, s0, &p);
        for (int64_t i = 0; i < len; i++) {
            float wi = w_f16 ? fp16_to_fp32(((const uint16_t *)p)[i]) : ((const float *)p)[i];
            acc[(s0 + i) % 4] = fma_f32(wi, x[s0 + i], acc[(s0 + i) % 4]);
        }
    }
    return hsum4_f32(acc);
}

float vec_dot_float_segs(enum ggml_type t, bool sgemm, int64_t n, const struct row_segs *w, const void *x)
{
    if (sgemm)
        return dot_sgemm_f32(n, w, t == GGML_TYPE_F16, x);
    return t == GGML_TYPE_F16 ? dot_f16(n, w, x) : dot_f32(n, w, x);
}

/* One contiguous row as segments. */
#define WHOLE_ROW(w, n) (&(struct row_segs){ .seg = (const uint8_t *const[]){ (const uint8_t *)(w) }, .seg_n = (n) })

/* BF16 on NEON is ggml's scalar loop: f32 products summed in a double. */
static float dot_bf16(int64_t n, const uint16_t *w, const uint16_t *x)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += (double)(bf16_to_fp32(w[i]) * bf16_to_fp32(x[i]));
    return (float)sum;
}

/* ---------------------------------------------------------------- dispatch */

void quantize_row(enum ggml_type t, const float *src, void *dst, int64_t n)
{
    switch (t) {
    case GGML_TYPE_F32:
        for (int64_t i = 0; i < n; i++)
            ((float *)dst)[i] = src[i];
        break;
    case GGML_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = fp32_to_fp16(src[i]);
        break;
    case GGML_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = fp32_to_bf16(src[i]);
        break;
    case GGML_TYPE_Q4_0: quantize_q4_0_ref(src, dst, n); break;
    case GGML_TYPE_Q4_1: quantize_q4_1_ref(src, dst, n); break;
    case GGML_TYPE_Q5_0: quantize_q5_0_ref(src, dst, n); break;
    case GGML_TYPE_Q5_1: quantize_q5_1_ref(src, dst, n); break;
    case GGML_TYPE_Q8_0: quantize_q8_0_neon(src, dst, n); break;
    case GGML_TYPE_Q8_1: quantize_q8_1_neon(src, dst, n); break;
    case GGML_TYPE_Q2_K: quantize_q2_K_ref(src, dst, n); break;
    case GGML_TYPE_Q3_K: quantize_q3_K_ref(src, dst, n); break;
    case GGML_TYPE_Q4_K: quantize_q4_K_ref(src, dst, n); break;
    case GGML_TYPE_Q5_K: quantize_q5_K_ref(src, dst, n); break;
    case GGML_TYPE_Q6_K: quantize_q6_K_ref(src, dst, n); break;
    case GGML_TYPE_Q8_K: quantize_q8_K(src, dst, n); break;
    default: break;   /* callers check type_traits()->supported first */
    }
}

void quantize_row_ref(enum ggml_type t, const float *src, void *dst, int64_t n)
{
    if (t == GGML_TYPE_Q8_0)
        quantize_q8_0_ref(src, dst, n);
    else
        quantize_row(t, src, dst, n);
}

void dequantize_row(enum ggml_type t, const void *src, float *dst, int64_t n)
{
    switch (t) {
    case GGML_TYPE_F32:
        for (int64_t i = 0; i < n; i++)
            dst[i] = ((const float *)src)[i];
        break;
    case GGML_TYPE_F16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = fp16_to_fp32(((const uint16_t *)src)[i]);
        break;
    case GGML_TYPE_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = bf16_to_fp32(((const uint16_t *)src)[i]);
        break;
    case GGML_TYPE_Q4_0: dequantize_q4_0(src, dst, n); break;
    case GGML_TYPE_Q4_1: dequantize_q4_1(src, dst, n); break;
    case GGML_TYPE_Q5_0: dequantize_q5_0(src, dst, n); break;
    case GGML_TYPE_Q5_1: dequantize_q5_1(src, dst, n); break;
    case GGML_TYPE_Q8_0: dequantize_q8_0(src, dst, n); break;
    case GGML_TYPE_Q8_1: dequantize_q8_1(src, dst, n); break;
    case GGML_TYPE_Q2_K: dequantize_q2_K(src, dst, n); break;
    case GGML_TYPE_Q3_K: dequantize_q3_K(src, dst, n); break;
    case GGML_TYPE_Q4_K: dequantize_q4_K(src, dst, n); break;
    case GGML_TYPE_Q5_K: dequantize_q5_K(src, dst, n); break;
    case GGML_TYPE_Q6_K: dequantize_q6_K(src, dst, n); break;
    case GGML_TYPE_Q8_K: dequantize_q8_K(src, dst, n); break;
    default: break;
    }
}

float vec_dot(enum ggml_type t, int64_t n, const void *w, const void *x)
{
    switch (t) {
    case GGML_TYPE_F32:  return dot_f32(n, WHOLE_ROW(w, n), x);
    case GGML_TYPE_F16:  return dot_f16(n, WHOLE_ROW(w, n), x);
    case GGML_TYPE_BF16: return dot_bf16(n, w, x);
    case GGML_TYPE_Q4_0: return dot_q4_0_q8_0(n, w, x);
    case GGML_TYPE_Q4_1: return dot_q4_1_q8_1(n, w, x);
    case GGML_TYPE_Q5_0: return dot_q5_0_q8_0(n, w, x);
    case GGML_TYPE_Q5_1: return dot_q5_1_q8_1(n, w, x);
    case GGML_TYPE_Q8_0: return dot_q8_0_q8_0(n, w, x);
    case GGML_TYPE_Q2_K: return dot_q2_K_q8_K(n, w, x);
    case GGML_TYPE_Q3_K: return dot_q3_K_q8_K(n, w, x);
    case GGML_TYPE_Q4_K: return dot_q4_K_q8_K(n, w, x);
    case GGML_TYPE_Q5_K: return dot_q5_K_q8_K(n, w, x);
    case GGML_TYPE_Q6_K: return dot_q6_K_q8_K(n, w, x);
    default:             return 0.0f;
    }
}

float vec_dot_q4_0_repacked(int64_t n, const void *w, const void *x)
{
    return dot_q4_0_q8_0_repacked(n, w, x);
}

float vec_dot_sgemm(enum ggml_type t, int64_t n, const void *w, const void *x)
{
    switch (t) {
    case GGML_TYPE_F32:  return dot_sgemm_f32(n, WHOLE_ROW(w, n), false, x);
    case GGML_TYPE_F16:  return dot_sgemm_f32(n, WHOLE_ROW(w, n), true, x);
    case GGML_TYPE_Q4_0: return dot_q4_0_q8_0_sgemm(n, w, x);
    case GGML_TYPE_Q8_0: return dot_q8_0_q8_0_sgemm(n, w, x);
    default:             return 0.0f;
    }
}
