/* llm/quant/quant_k.c: scalar reference for the K-quants Q4_K, Q5_K, Q6_K and
 * their activation type Q8_K (super-blocks of QK_K = 256), reproducing
 * llama.cpp's arm64 arithmetic at c392e50 (GCC -O3: a product feeding an add
 * contracts to one FMADD; of `a*b - c*d` the first product is fused):
 *   weights:     ggml-quants.c quantize_row_q{4,5,6}_K_ref (make_qkx2_quants,
 *                make_qx_quants), dequantize_row_q{4,5,6,8}_K
 *   activations: quantize_row_q8_K_ref (ggml-cpu uses it on arm64)
 *   dots:        ggml-cpu-quants.c ggml_vec_dot_q{4,5,6}_K_q8_K, ARM_NEON
 * Integer sums are exact in any order; the float steps per super-block are
 * spelled out in each dot. Zero super-blocks (d = 0) are never divided by. */
#include "llm/quant/quant_impl.h"
#include "lib/math.h"
#include "lib/string.h"

/* ggml's nearest_int: v + 1.5 * 2^23 leaves round-to-nearest-even of v in the
 * low mantissa bits (|v| < 2^22). Where ggml writes nearest_int(a * b) the
 * product and the add fuse, so nearest_fma rounds the exact a*b once. */
#define ROUND_MAGIC 12582912.0f

static int32_t round_bits(float v)
{
    return (int32_t)(f32_to_bits(v) & 0x7fffff) - 0x400000;
}

static int32_t nearest_int(float v)
{
    return round_bits(v + ROUND_MAGIC);
}

static int32_t nearest_fma(float a, float b)
{
    return round_bits(fma_f32(a, b, ROUND_MAGIC));
}

static int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---------------------------------------------------------------- Q8_K */

/* quantize_row_q8_K_ref: the element of largest magnitude (first on ties)
 * maps to -127 exactly; d = 1/iscale kept in f32. An all-zero block is d = 0
 * with zero quants (ggml leaves its bsums as they were; we zero them). One
 * deliberate difference: ggml's nearest_int turns a NaN into level 0 and
 * goes on with finite results; here a NaN makes d NaN, so a damaged model's
 * NaN reaches the logits and generation stops (as it does for Q8_0, whose
 * NEON absmax propagates it) instead of printing tokens. */
void quantize_q8_K(const float *x, struct block_q8_K *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0.0f, amax = 0.0f;
        bool nan = false;
        for (int j = 0; j < QK_K; j++) {
            nan = nan || isnan(x[j]);
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        memset(&y[i], 0, sizeof y[i]);
        if (nan)
            y[i].d = NAN;
        if (amax == 0.0f)
            continue;
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int32_t v = nearest_fma(iscale, x[j]);
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < QK_K; j++)
            y[i].bsums[j / 16] = (int16_t)(y[i].bsums[j / 16] + y[i].qs[j]);
        y[i].d = nan ? NAN : 1.0f / iscale;
    }
}

void dequantize_q8_K(const struct block_q8_K *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++)
        for (int j = 0; j < QK_K; j++)
            *y++ = x[i].d * (float)x[i].qs[j];
}

/* ---------------------------------------------------------------- layouts */

/* get_scale_min_k4: sub-block j's 6-bit scale and min from the 12 bytes. */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 15) | (q[j - 4] >> 6) << 4);
        *m = (uint8_t)((q[j + 4] >> 4) | (q[j] >> 6) << 4);
    }
}

/* Element e of a super-block of Q4_K / Q5_K: qs byte 32 (e / 64) + e % 32,
 * low nibble for e % 64 < 32; Q5_K's 5th bit is bit e / 32 of qh[e % 32]. */
static void levels_q4_K(const struct block_q4_K *b, uint8_t q[QK_K])
{
    for (int e = 0; e < QK_K; e++) {
        uint8_t byte = b->qs[32 * (e / 64) + e % 32];
        q[e] = e % 64 < 32 ? byte & 15 : byte >> 4;
    }
}

static void levels_q5_K(const struct block_q5_K *b, uint8_t q[QK_K])
{
    for (int e = 0; e < QK_K; e++) {
        uint8_t byte = b->qs[32 * (e / 64) + e % 32];
        uint8_t lo = e % 64 < 32 ? byte & 15 : byte >> 4;
        q[e] = (uint8_t)(lo | ((b->qh[e % 32] >> (e / 32)) & 1) << 4);
    }
}

/* Q6_K, per half of 128: element h + 32 k + l (k < 4, l < 32) has its low
 * nibble in ql[64 (h / 128) + 32 (k % 2) + l] (high nibble for k >= 2) and
 * its top two bits at 2 k of qh[32 (h / 128) + l]; stored as level + 32. */
static void levels_q6_K(const struct block_q6_K *b, uint8_t q[QK_K])
{
    for (int e = 0; e < QK_K; e++) {
        const int h = e / 128, k = e % 128 / 32, l = e % 32;
        uint8_t byte = b->ql[64 * h + 32 * (k % 2) + l];
        uint8_t lo = k < 2 ? byte & 15 : byte >> 4;
        q[e] = (uint8_t)(lo | ((b->qh[32 * h + l] >> (2 * k)) & 3) << 4);
    }
}

/* ---------------------------------------------------------------- weights */

/* make_qkx2_quants for a sub-block of 32 with weights w: levels 0..nmax of
 * x = scale * L - the_min, min <= 0; a first fit from the range, then nstep+1
 * least-squares refits of levels from scales (rmin + rdelta is + nmax) /
 * range, the best weighted squared error kept. w * l feeds three sums, so it
 * is rounded once and fused only where it is multiplied again. Which product
 * of an `a*b - c*d` GCC fused was read off its arm64 code: D and this_min
 * the first, this_scale the second. */
struct qkx2 { int nmax; float rmin, rdelta; int nstep; };

static float make_qkx2(const struct qkx2 *p, const float *x, const float *w, uint8_t *L, float *the_min)
{
    float min = x[0], max = x[0], sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < 32; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w = sum_w + w[i];
        sum_x = fma_f32(w[i], x[i], sum_x);
    }
    if (min > 0.0f)
        min = 0.0f;
    if (max == min) {
        memset(L, 0, 32);
        *the_min = -min;
        return 0.0f;
    }
    float iscale = (float)p->nmax / (max - min), scale = 1.0f / iscale, best_mad = 0.0f;
    for (int i = 0; i < 32; i++) {
        L[i] = (uint8_t)clamp_i32(nearest_fma(iscale, x[i] - min), 0, p->nmax);
        const float diff = fma_f32(scale, (float)L[i], min) - x[i];
        best_mad = fma_f32(w[i], diff * diff, best_mad);
    }
    for (int is = 0; is <= p->nstep; is++) {
        uint8_t Laux[32];
        iscale = (fma_f32(p->rdelta, (float)is, p->rmin) + (float)p->nmax) / (max - min);
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < 32; i++) {
            const int32_t l = clamp_i32(nearest_fma(iscale, x[i] - min), 0, p->nmax);
            Laux[i] = (uint8_t)l;
            const float wl = w[i] * (float)l;
            sum_l = sum_l + wl;
            sum_l2 = fma_f32(wl, (float)l, sum_l2);
            sum_xl = fma_f32(wl, x[i], sum_xl);
        }
        const float D = fma_f32(sum_w, sum_l2, -(sum_l * sum_l));
        if (!(D > 0.0f))
            continue;
        float this_scale = fma_f32(-sum_x, sum_l, sum_w * sum_xl) / D;
        float this_min = fma_f32(sum_l2, sum_x, -(sum_l * sum_xl)) / D;
        if (this_min > 0.0f) {
            this_min = 0.0f;
            this_scale = sum_xl / sum_l2;
        }
        float mad = 0.0f;
        for (int i = 0; i < 32; i++) {
            const float diff = fma_f32(this_scale, (float)Laux[i], this_min) - x[i];
            mad = fma_f32(w[i], diff * diff, mad);
        }
        if (mad < best_mad) {
            memcpy(L, Laux, 32);
            best_mad = mad;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

/* Q4_K / Q5_K: each sub-block fitted with make_qkx2 (weights rms + |x|), the
 * scales and mins quantized to 6 bits against their maxima, then every
 * element re-quantized with the stored scale and min (kept from the fit
 * when the sub-block's scale is 0). */
static void quantize_k4_block(const struct qkx2 *p, const float *x, uint16_t *dh, uint16_t *dminh,
                              uint8_t scales[K_SCALE_SIZE], uint8_t L[QK_K])
{
    float sc[8], mn[8], w[32], max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum_x2 = 0.0f;
        for (int l = 0; l < 32; l++)
            sum_x2 = fma_f32(xs[l], xs[l], sum_x2);
        const float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; l++)
            w[l] = av_x + fabsf(xs[l]);
        sc[j] = make_qkx2(p, xs, w, L + 32 * j, &mn[j]);
        if (sc[j] > max_scale)
            max_scale = sc[j];
        if (mn[j] > max_min)
            max_min = mn[j];
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    memset(scales, 0, K_SCALE_SIZE);
    for (int j = 0; j < 8; j++) {
        uint8_t ls = (uint8_t)nearest_fma(inv_scale, sc[j]), lm = (uint8_t)nearest_fma(inv_min, mn[j]);
        ls = ls < 63 ? ls : 63;
        lm = lm < 63 ? lm : 63;
        if (j < 4) {
            scales[j] = ls;
            scales[j + 4] = lm;
        } else {
            scales[j + 4] = (uint8_t)((ls & 15) | (lm & 15) << 4);
            scales[j - 4] |= (uint8_t)((ls >> 4) << 6);
            scales[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    *dh = fp32_to_fp16(max_scale / 63.0f);
    *dminh = fp32_to_fp16(max_min / 63.0f);
    for (int j = 0; j < 8; j++) {
        uint8_t s, m;
        scale_min_k4(j, scales, &s, &m);
        const float d = fp16_to_fp32(*dh) * (float)s;
        if (d == 0.0f)
            continue;
        const float dm = fp16_to_fp32(*dminh) * (float)m;
        for (int l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)clamp_i32(nearest_int((x[32 * j + l] + dm) / d), 0, p->nmax);
    }
}

void quantize_q4_K_ref(const float *x, struct block_q4_K *y, int64_t n)
{
    static const struct qkx2 p = { 15, -1.0f, 0.1f, 20 };
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        quantize_k4_block(&p, x, &y[i].d, &y[i].dmin, y[i].scales, L);
        for (int e = 0; e < QK_K; e++)   /* see levels_q4_K */
            if (e % 64 < 32)
                y[i].qs[32 * (e / 64) + e % 32] = (uint8_t)(L[e] | L[e + 32] << 4);
    }
}

void quantize_q5_K_ref(const float *x, struct block_q5_K *y, int64_t n)
{
    static const struct qkx2 p = { 31, -0.5f, 0.1f, 15 };
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        quantize_k4_block(&p, x, &y[i].d, &y[i].dmin, y[i].scales, L);
        memset(y[i].qh, 0, sizeof y[i].qh);
        for (int e = 0; e < QK_K; e++) {   /* see levels_q5_K */
            if (e % 64 < 32)
                y[i].qs[32 * (e / 64) + e % 32] = (uint8_t)((L[e] & 15) | (L[e + 32] & 15) << 4);
            y[i].qh[e % 32] |= (uint8_t)((L[e] >> 4) << (e / 32));
        }
    }
}

/* make_qx_quants(16, 32, x, L, rmse_type 1, no weights): signed levels
 * -32..31 stored + 32, the largest |x| mapping to -32, then 18 trial scales
 * -(32 + 0.1 is) / max, keeping the best of sum(w x l)^2 / sum(w l^2) with
 * w = x^2. GCC fuses the first fit's sums into FMADDs but vectorizes the
 * trials' products, whose lanes are then added one by one, unfused. */
static float make_qx_16(const float *x, int8_t *L)
{
    float max = 0.0f, amax = 0.0f;
    for (int i = 0; i < 16; i++) {
        if (fabsf(x[i]) > amax) {
            amax = fabsf(x[i]);
            max = x[i];
        }
    }
    if (amax < 1e-15f) {
        memset(L, 0, 16);
        return 0.0f;
    }
    float scale = 0.0f, best = 0.0f;
    for (int is = 0; is <= 18; is++) {   /* is 0 is ggml's first fit, then -9..9 without 0 */
        const int step = is == 0 ? 0 : is <= 9 ? is - 10 : is - 9;
        const float iscale = -fma_f32(0.1f, (float)step, 32.0f) / max;
        float sumlx = 0.0f, suml2 = 0.0f;
        for (int i = 0; i < 16; i++) {
            const int32_t l = clamp_i32(nearest_fma(iscale, x[i]), -32, 31);
            const float w = x[i] * x[i], wxl = w * x[i] * (float)l, wll = w * (float)l * (float)l;
            sumlx = is == 0 ? fma_f32(w * x[i], (float)l, sumlx) : sumlx + wxl;
            suml2 = is == 0 ? fma_f32(w * (float)l, (float)l, suml2) : suml2 + wll;
        }
        if (is == 0 || (suml2 > 0.0f && sumlx * sumlx > best * suml2)) {
            for (int i = 0; i < 16; i++)
                L[i] = (int8_t)(clamp_i32(nearest_fma(iscale, x[i]), -32, 31) + 32);
            scale = is == 0 && suml2 == 0.0f ? 0.0f : sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

void quantize_q6_K_ref(const float *x, struct block_q6_K *y, int64_t n)
{
    int8_t L[QK_K];
    float scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max_scale = 0.0f, max_abs = 0.0f;
        for (int ib = 0; ib < QK_K / 16; ib++) {
            scales[ib] = make_qx_16(x + 16 * ib, L + 16 * ib);
            if (fabsf(scales[ib]) > max_abs) {
                max_abs = fabsf(scales[ib]);
                max_scale = scales[ib];
            }
        }
        memset(&y[i], 0, sizeof y[i]);
        if (max_abs < 1e-15f)
            continue;
        const float iscale = -128.0f / max_scale;
        y[i].d = fp32_to_fp16(1.0f / iscale);
        for (int ib = 0; ib < QK_K / 16; ib++) {
            int32_t s = nearest_fma(iscale, scales[ib]);
            y[i].scales[ib] = (int8_t)(s < 127 ? s : 127);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            const float d = fp16_to_fp32(y[i].d) * (float)y[i].scales[j];
            if (d == 0.0f)
                continue;
            for (int l = 0; l < 16; l++)
                L[16 * j + l] = (int8_t)(clamp_i32(nearest_int(x[16 * j + l] / d), -32, 31) + 32);
        }
        for (int e = 0; e < QK_K; e++) {   /* see levels_q6_K */
            const int h = e / 128, k = e % 128 / 32, l = e % 32;
            y[i].ql[64 * h + 32 * (k % 2) + l] |= (uint8_t)((L[e] & 15) << (k < 2 ? 0 : 4));
            y[i].qh[32 * h + l] |= (uint8_t)((L[e] >> 4) << (2 * k));
        }
    }
}

/* ---------------------------------------------------------------- dequantize */

/* d1 * q - m1 with d1 = d * sc and m1 = dmin * m rounded: one FMADD. */
static void dequant_sub32(const uint8_t *q, float d, float dmin, uint8_t sc, uint8_t m, float *y)
{
    const float d1 = d * (float)sc, m1 = dmin * (float)m;
    for (int l = 0; l < 32; l++)
        y[l] = fma_f32(d1, (float)q[l], -m1);
}

void dequantize_q4_K(const struct block_q4_K *x, float *y, int64_t n)
{
    uint8_t q[QK_K], sc, m;
    for (int64_t i = 0; i < n / QK_K; i++, y += QK_K) {
        levels_q4_K(&x[i], q);
        for (int j = 0; j < QK_K / 32; j++) {
            scale_min_k4(j, x[i].scales, &sc, &m);
            dequant_sub32(q + 32 * j, fp16_to_fp32(x[i].d), fp16_to_fp32(x[i].dmin), sc, m, y + 32 * j);
        }
    }
}

void dequantize_q5_K(const struct block_q5_K *x, float *y, int64_t n)
{
    uint8_t q[QK_K], sc, m;
    for (int64_t i = 0; i < n / QK_K; i++, y += QK_K) {
        levels_q5_K(&x[i], q);
        for (int j = 0; j < QK_K / 32; j++) {
            scale_min_k4(j, x[i].scales, &sc, &m);
            dequant_sub32(q + 32 * j, fp16_to_fp32(x[i].d), fp16_to_fp32(x[i].dmin), sc, m, y + 32 * j);
        }
    }
}

/* (d * sc) * (q - 32): two rounded products. */
void dequantize_q6_K(const struct block_q6_K *x, float *y, int64_t n)
{
    uint8_t q[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, y += QK_K) {
        const float d = fp16_to_fp32(x[i].d);
        levels_q6_K(&x[i], q);
        for (int e = 0; e < QK_K; e++)
            y[e] = d * (float)x[i].scales[e / 16] * (float)(q[e] - 32);
    }
}

/* ---------------------------------------------------------------- dot products */

/* sum over sub-blocks of `len` elements: scale[s] * sum(q * x). */
static int32_t scaled_isum(const uint8_t q[QK_K], const int8_t *xq, int len, const int32_t *scale)
{
    int32_t sum = 0;
    for (int s = 0; s < QK_K / len; s++) {
        int32_t part = 0;
        for (int e = s * len; e < (s + 1) * len; e++)
            part += q[e] * xq[e];
        sum += part * scale[s];
    }
    return sum;
}

/* The 8 scales and the min term sum(m_j * (bsums[2j] + bsums[2j+1])). */
static int32_t scales_mins_k4(const uint8_t *packed, const int16_t *bsums, int32_t sc[8])
{
    int32_t mins = 0;
    for (int j = 0; j < 8; j++) {
        uint8_t s, m;
        scale_min_k4(j, packed, &s, &m);
        sc[j] = s;
        mins += m * (bsums[2 * j] + bsums[2 * j + 1]);
    }
    return mins;
}

/* Per super-block: d = yd * d_w, dmin = yd * dmin_w (rounded products), then
 * sumf - dmin * mins (FMSUB), then + d * sumi (FMADD). */
float dot_q4_K_q8_K(int64_t n, const struct block_q4_K *w, const struct block_q8_K *x)
{
    float sumf = 0.0f;
    uint8_t q[QK_K];
    int32_t sc[8];
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = x[i].d * fp16_to_fp32(w[i].d), dmin = x[i].d * fp16_to_fp32(w[i].dmin);
        const int32_t mins = scales_mins_k4(w[i].scales, x[i].bsums, sc);
        levels_q4_K(&w[i], q);
        const int32_t sumi = scaled_isum(q, x[i].qs, 32, sc);
        sumf = fma_f32(-dmin, (float)mins, sumf);
        sumf = fma_f32(d, (float)sumi, sumf);
    }
    return sumf;
}

/* sumf += d * sumi - dmin * mins: the second product rounded, the first
 * fused into the subtraction (FNMSUB), then a plain add. */
float dot_q5_K_q8_K(int64_t n, const struct block_q5_K *w, const struct block_q8_K *x)
{
    float sumf = 0.0f;
    uint8_t q[QK_K];
    int32_t sc[8];
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = x[i].d * fp16_to_fp32(w[i].d), dmin = x[i].d * fp16_to_fp32(w[i].dmin);
        const int32_t mins = scales_mins_k4(w[i].scales, x[i].bsums, sc);
        levels_q5_K(&w[i], q);
        const int32_t sumi = scaled_isum(q, x[i].qs, 32, sc);
        sumf = sumf + fma_f32(d, (float)sumi, -(dmin * (float)mins));
    }
    return sumf;
}

/* Levels kept unsigned (0..63) in the sums, the -32 applied once through the
 * bsums: sum += (d_w * yd) * (isum - 32 * mins), one FMADD. */
float dot_q6_K_q8_K(int64_t n, const struct block_q6_K *w, const struct block_q8_K *x)
{
    float sum = 0.0f;
    uint8_t q[QK_K];
    int32_t sc[16];
    for (int64_t i = 0; i < n / QK_K; i++) {
        int32_t mins = 0;
        for (int j = 0; j < 16; j++) {
            sc[j] = w[i].scales[j];
            mins += sc[j] * x[i].bsums[j];
        }
        levels_q6_K(&w[i], q);
        const int32_t isum = scaled_isum(q, x[i].qs, 16, sc);
        sum = fma_f32(fp16_to_fp32(w[i].d) * x[i].d, (float)(isum - 32 * mins), sum);
    }
    return sum;
}
