/* llm/quant/quant_k23.c: scalar reference for the 2- and 3-bit K-quants (Q2_K,
 * Q3_K): quantize, dequantize and the dot product against Q8_K activations,
 * reproducing llama.cpp's arm64 build (commit c392e50, GCC 12 -O3, which
 * contracts a*b+c into FMADD; this file is built with -ffp-contract=off, so
 * every fused step is written as fma_f32).
 *   weights: ggml-quants.c quantize_row_q{2,3}_K_ref with make_qkx2_quants /
 *            make_q3_quants (what llama-quantize writes without an imatrix),
 *            dequantize_row_q{2,3}_K
 *   dots:    ggml-cpu-quants.c ggml_vec_dot_q{2,3}_K_q8_K, ARM_NEON branch
 * Layout of both (256 elements e): element e lives in byte 32 (e / 128) +
 * e % 32 of qs at bit 2 ((e % 128) / 32), and has sub-block scale e / 16; Q3_K
 * adds a third bit, bit e / 32 of hmask[e % 32], set meaning "no -4". */
#include "llm/quant/quant_impl.h"
#include "lib/math.h"
#include "lib/string.h"

/* ggml's nearest_int(v): v + 1.5 * 2^23 leaves round-half-even(v) in the low
 * mantissa bits (for |v| < 2^22; out of range it yields the same bits as ggml). */
static int32_t nearest_bits(float s)
{
    return (int32_t)(f32_to_bits(s) & 0x007fffff) - 0x00400000;
}

static int32_t nearest(float v)
{
    return nearest_bits(v + 12582912.0f);
}

/* nearest_int(a * b): GCC fuses the product into the magic add (one FMADD),
 * so the exact product is rounded once. */
static int32_t nearest_prod(float a, float b)
{
    return nearest_bits(fma_f32(a, b, 12582912.0f));
}

static int32_t clampi(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Byte and shift of the 2 low bits of element e. */
static int low2(const uint8_t *qs, int e)
{
    return qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32)) & 3;
}

/* The inverse of low2 for a super-block of levels 0..3. */
static void pack_low2(const uint8_t L[QK_K], uint8_t qs[QK_K / 4])
{
    for (int j = 0; j < QK_K; j += 128)
        for (int l = 0; l < 32; l++)
            qs[j / 4 + l] = (uint8_t)(L[j + l] | L[j + l + 32] << 2 | L[j + l + 64] << 4 | L[j + l + 96] << 6);
}

/* ---------------------------------------------------------------- Q2_K */

/* make_qkx2_quants(16, 3, x, |x|, L, &min, .., -0.5, 0.1, 15, use_mad): the
 * scale and (negated) min of one sub-block, searched over 16 trial inverse
 * scales, by weighted absolute error. Returns the scale; *the_min >= 0. */
static float q2_sub_block(const float *x, uint8_t L[16], float *the_min)
{
    enum { N = 16, NMAX = 3, NSTEP = 15 };
    float w[N];
    for (int i = 0; i < N; i++)
        w[i] = fabsf(x[i]);
    float min = x[0], max = x[0], sum_w = w[0], sum_x = w[0] * x[0];
    for (int i = 1; i < N; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w = sum_w + w[i];
        sum_x = fma_f32(w[i], x[i], sum_x);
    }
    if (min > 0)
        min = 0;
    if (max == min) {
        memset(L, 0, N);
        *the_min = -min;
        return 0.0f;
    }
    float iscale = NMAX / (max - min), scale = 1 / iscale, best_mad = 0;
    for (int i = 0; i < N; i++) {
        L[i] = (uint8_t)clampi(nearest_prod(iscale, x[i] - min), 0, NMAX);
        float diff = fma_f32(scale, (float)L[i], min) - x[i];
        best_mad = fma_f32(w[i], fabsf(diff), best_mad);
    }
    for (int is = 0; is <= NSTEP; is++) {
        uint8_t Laux[N];
        iscale = (fma_f32(0.1f, (float)is, -0.5f) + NMAX) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < N; i++) {
            Laux[i] = (uint8_t)clampi(nearest_prod(iscale, x[i] - min), 0, NMAX);
            float wl = w[i] * (float)Laux[i];   /* shared by the three sums: not fused into sum_l */
            sum_l = sum_l + wl;
            sum_l2 = fma_f32(wl, (float)Laux[i], sum_l2);
            sum_xl = fma_f32(wl, x[i], sum_xl);
        }
        /* a*b - c*d: GCC 12 fuses the first product into FNMSUB in D and
         * this_min, the second into FMSUB in this_scale (read off its code). */
        float D = fma_f32(sum_w, sum_l2, -(sum_l * sum_l));
        if (!(D > 0))
            continue;
        float this_scale = fma_f32(-sum_l, sum_x, sum_w * sum_xl) / D;
        float this_min = fma_f32(sum_l2, sum_x, -(sum_l * sum_xl)) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float mad = 0;
        for (int i = 0; i < N; i++) {
            float diff = fma_f32(this_scale, (float)Laux[i], this_min) - x[i];
            mad = fma_f32(w[i], fabsf(diff), mad);
        }
        if (mad < best_mad) {
            memcpy(L, Laux, N);
            best_mad = mad;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

void quantize_q2_K_ref(const float *x, struct block_q2_K *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        uint8_t L[QK_K];
        float scales[QK_K / 16], mins[QK_K / 16], max_scale = 0, max_min = 0;
        for (int j = 0; j < QK_K / 16; j++) {
            scales[j] = q2_sub_block(x + 16 * j, L + 16 * j, &mins[j]);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        memset(y[i].scales, 0, sizeof y[i].scales);
        y[i].d = y[i].dmin = fp32_to_fp16(0.0f);
        if (max_scale > 0) {
            float iscale = 15.0f / max_scale;
            for (int j = 0; j < QK_K / 16; j++)
                y[i].scales[j] = (uint8_t)nearest_prod(iscale, scales[j]);
            y[i].d = fp32_to_fp16(max_scale / 15.0f);
        }
        if (max_min > 0) {
            float iscale = 15.0f / max_min;
            for (int j = 0; j < QK_K / 16; j++)
                y[i].scales[j] |= (uint8_t)((uint32_t)nearest_prod(iscale, mins[j]) << 4);
            y[i].dmin = fp32_to_fp16(max_min / 15.0f);
        }
        /* Requantize against the stored 4-bit scales and mins; a sub-block whose
         * scale rounds to 0 keeps the search's levels (ggml: `if (!d) continue`). */
        for (int j = 0; j < QK_K / 16; j++) {
            float d = fp16_to_fp32(y[i].d) * (float)(y[i].scales[j] & 15);
            if (d == 0.0f)
                continue;
            float dm = fp16_to_fp32(y[i].dmin) * (float)(y[i].scales[j] >> 4);
            for (int k = 16 * j; k < 16 * j + 16; k++)
                L[k] = (uint8_t)clampi(nearest((x[k] + dm) / d), 0, 3);
        }
        pack_low2(L, y[i].qs);
    }
}

/* d * scale * q - dmin * min: d * scale * q is exact (11 + 4 + 2 bits), so
 * ggml's fused multiply-subtract and this unfused one agree. */
void dequantize_q2_K(const struct block_q2_K *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++) {
        float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        for (int e = 0; e < QK_K; e++) {
            uint8_t sc = x[i].scales[e / 16];
            float dl = d * (float)(sc & 15), ml = dmin * (float)(sc >> 4);
            *y++ = dl * (float)low2(x[i].qs, e) - ml;
        }
    }
}

/* Per super-block, as ggml's NEON loop: the mins against the activation's
 * bsums and the scaled level sums (exact integers), each added with one FMADD;
 * d = dx * dw and dmin = -(dx * dmin_w) rounded once each. */
float dot_q2_K_q8_K(int64_t n, const struct block_q2_K *w, const struct block_q8_K *x)
{
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        float d = x[i].d * fp16_to_fp32(w[i].d);
        float dmin = -x[i].d * fp16_to_fp32(w[i].dmin);
        int32_t mins = 0, isum = 0;
        for (int j = 0; j < QK_K / 16; j++)
            mins += x[i].bsums[j] * (w[i].scales[j] >> 4);
        for (int j = 0; j < QK_K / 16; j++) {
            int32_t s = 0;
            for (int e = 16 * j; e < 16 * j + 16; e++)
                s += low2(w[i].qs, e) * x[i].qs[e];
            isum += s * (w[i].scales[j] & 15);
        }
        sum = fma_f32(dmin, (float)mins, sum);
        sum = fma_f32(d, (float)isum, sum);
    }
    return sum;
}

/* ---------------------------------------------------------------- Q3_K */

/* make_q3_quants(16, 4, x, L, do_rmse = true): levels -4..3 stored + 4, with
 * the x^2-weighted least-squares scale refined by up to 5 passes that move
 * one level at a time. Returns the (signed) scale. */
static float q3_sub_block(const float *x, int8_t L[16])
{
    enum { N = 16, NMAX = 4 };
    float max = 0, amax = 0;
    for (int i = 0; i < N; i++) {
        if (fabsf(x[i]) > amax) {
            amax = fabsf(x[i]);
            max = x[i];
        }
    }
    if (amax < 1e-15f) {   /* GROUP_MAX_EPS: all zero */
        memset(L, 0, N);
        return 0.0f;
    }
    float iscale = -NMAX / max, sumlx = 0, suml2 = 0;
    for (int i = 0; i < N; i++) {
        L[i] = (int8_t)clampi(nearest_prod(iscale, x[i]), -NMAX, NMAX - 1);
        float w = x[i] * x[i];
        sumlx = fma_f32(w * x[i], (float)L[i], sumlx);
        suml2 = fma_f32(w * (float)L[i], (float)L[i], suml2);
    }
    for (int itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (int i = 0; i < N; i++) {
            float w = x[i] * x[i], wx = w * x[i];
            float slx = fma_f32(-wx, (float)L[i], sumlx);
            if (!(slx > 0))
                continue;
            float sl2 = fma_f32(-(w * (float)L[i]), (float)L[i], suml2);
            int32_t l = clampi(nearest(x[i] * sl2 / slx), -NMAX, NMAX - 1);
            if (l == L[i])
                continue;
            slx = fma_f32(wx, (float)l, slx);
            sl2 = fma_f32(w * (float)l, (float)l, sl2);
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = (int8_t)l;
                sumlx = slx;
                suml2 = sl2;
                changed++;
            }
        }
        if (!changed)
            break;
    }
    for (int i = 0; i < N; i++)
        L[i] = (int8_t)(L[i] + NMAX);
    return sumlx / suml2;
}

/* The 6-bit scale j (-32..31): low nibble in scales[j % 8] (j < 8 low, else
 * high), top 2 bits in scales[8 + j % 4] at bit 2 (j / 4). */
static int q3_scale(const uint8_t sc[12], int j)
{
    int lo = j < 8 ? sc[j] & 15 : sc[j - 8] >> 4;
    return (lo | (sc[8 + j % 4] >> (2 * (j / 4)) & 3) << 4) - 32;
}

void quantize_q3_K_ref(const float *x, struct block_q3_K *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        int8_t L[QK_K];
        float scales[QK_K / 16], max_scale = 0, amax = 0;
        for (int j = 0; j < QK_K / 16; j++) {
            scales[j] = q3_sub_block(x + 16 * j, L + 16 * j);
            if (fabsf(scales[j]) > amax) {
                amax = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        memset(y[i].scales, 0, sizeof y[i].scales);
        y[i].d = fp32_to_fp16(0.0f);
        if (max_scale != 0.0f) {
            float iscale = -32.0f / max_scale;
            for (int j = 0; j < QK_K / 16; j++) {
                int l = clampi((int8_t)nearest_prod(iscale, scales[j]), -32, 31) + 32;
                y[i].scales[j % 8] |= (uint8_t)((l & 15) << (j < 8 ? 0 : 4));
                y[i].scales[8 + j % 4] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
            }
            y[i].d = fp32_to_fp16(1 / iscale);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            float d = fp16_to_fp32(y[i].d) * (float)q3_scale(y[i].scales, j);
            if (d == 0.0f)
                continue;
            for (int k = 16 * j; k < 16 * j + 16; k++)
                L[k] = (int8_t)(clampi(nearest(x[k] / d), -4, 3) + 4);
        }
        uint8_t low[QK_K];
        memset(y[i].hmask, 0, sizeof y[i].hmask);
        for (int e = 0; e < QK_K; e++) {
            if (L[e] > 3)
                y[i].hmask[e % 32] |= (uint8_t)(1 << (e / 32));
            low[e] = (uint8_t)(L[e] & 3);
        }
        pack_low2(low, y[i].qs);
    }
}

static int q3_level(const struct block_q3_K *b, int e)
{
    return low2(b->qs, e) - (b->hmask[e % 32] >> (e / 32) & 1 ? 0 : 4);
}

void dequantize_q3_K(const struct block_q3_K *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int e = 0; e < QK_K; e++)
            *y++ = d * (float)q3_scale(x[i].scales, e / 16) * (float)q3_level(&x[i], e);
    }
}

/* Per super-block, as ggml's NEON loop: the signed-scaled level sums (an
 * exact integer) added with one FMADD of d = dx * dw. */
float dot_q3_K_q8_K(int64_t n, const struct block_q3_K *w, const struct block_q8_K *x)
{
    float sum = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        float d = x[i].d * fp16_to_fp32(w[i].d);
        int32_t isum = 0;
        for (int j = 0; j < QK_K / 16; j++) {
            int32_t s = 0;
            for (int e = 16 * j; e < 16 * j + 16; e++)
                s += q3_level(&w[i], e) * x[i].qs[e];
            isum += s * q3_scale(w[i].scales, j);
        }
        sum = fma_f32(d, (float)isum, sum);
    }
    return sum;
}
