/* llm/model/ops_neon.c: NEON twins of ops.c's softmax, SwiGLU, RMSNorm, RoPE and of
 * the activation quantizers (Q8_0, Q8_1, Q8_K, F16), four lanes at a time with the
 * same operations in the same order (one FMA where the scalar code has
 * fma_f32, a rounded product and add elsewhere, sequential double sums kept
 * sequential), so results are bit-identical (quant_neon_test.c compares
 * them). Shared by both NEON kernel tables (nothing here needs DotProd). */
#if defined(__aarch64__)
#include <arm_neon.h>
#include "llm/quant/cpu_ops.h"
#include "lib/math.h"
#include "llm/quant/quant_impl.h"

/* Loops over a block's 8 vectors must unroll fully to stay in registers. */
#define UNROLL _Pragma("GCC unroll 8")

/* expf_neon of ops.c (ggml_v_expf) on four lanes. */
static inline float32x4_t exp4(float32x4_t x)
{
    const float32x4_t shift = vdupq_n_f32(0x1.8p23f);
    const float32x4_t z = vfmaq_f32(shift, x, vdupq_n_f32(0x1.715476p+0f));
    const float32x4_t n = vsubq_f32(z, shift);
    const float32x4_t b = vfmsq_f32(vfmsq_f32(x, n, vdupq_n_f32(0x1.62e4p-1f)), n,
                                    vdupq_n_f32(0x1.7f7d1cp-20f));
    const uint32x4_t e = vshlq_n_u32(vreinterpretq_u32_f32(z), 23);
    const float32x4_t k = vreinterpretq_f32_u32(vaddq_u32(e, vdupq_n_u32(0x3f800000u)));
    const float32x4_t u = vmulq_f32(b, b);
    const float32x4_t p5 = vfmaq_f32(vdupq_n_f32(0x1.573e2ep-5f), vdupq_n_f32(0x1.0e4020p-7f), b);
    const float32x4_t p3 = vfmaq_f32(vdupq_n_f32(0x1.fffdb6p-2f), vdupq_n_f32(0x1.555e66p-3f), b);
    const float32x4_t j = vfmaq_f32(vmulq_f32(vdupq_n_f32(0x1.ffffecp-1f), b), vfmaq_f32(p3, p5, u), u);
    const float32x4_t an = vabsq_f32(n);
    const uint32x4_t big = vcgtq_f32(an, vdupq_n_f32(126.0f));
    const float32x4_t r = vfmaq_f32(k, k, j);
    if (vmaxvq_u32(big) == 0)
        return r;
    const uint32x4_t d = vandq_u32(vcleq_f32(n, vdupq_n_f32(0.0f)), vdupq_n_u32(0x82000000u));
    const float32x4_t s1 = vreinterpretq_f32_u32(vaddq_u32(d, vdupq_n_u32(0x7f000000u)));
    const float32x4_t s2 = vreinterpretq_f32_u32(vsubq_u32(e, d));
    const float32x4_t huge = vmulq_f32(s1, s1), mid = vmulq_f32(vfmaq_f32(s2, s2, j), s1);
    const float32x4_t far = vbslq_f32(vcgtq_f32(an, vdupq_n_f32(192.0f)), huge, mid);
    return vbslq_f32(big, far, r);
}

void neon_softmax(float *x, uint32_t n, uint32_t n_valid, float scale)
{
    /* FMAXNM skips NaN as the scalar `x > max` does; signed zeros may pick
     * the other zero, which no e^(x - max) can tell apart. */
    float32x4_t m = vdupq_n_f32(-INFINITY);
    uint32_t i = 0;
    for (; i + 4 <= n_valid; i += 4) {
        float32x4_t v = vmulq_n_f32(vld1q_f32(x + i), scale);
        vst1q_f32(x + i, v);
        m = vmaxnmq_f32(m, v);
    }
    float max = vmaxnmvq_f32(m);
    for (; i < n_valid; i++) {
        x[i] *= scale;
        if (x[i] > max)
            max = x[i];
    }
    double sum = 0.0;
    const float32x4_t vmax = vdupq_n_f32(max);
    for (i = 0; i + 3 < n; i += 4) {
        if (i >= n_valid) {
            vst1q_f32(x + i, vdupq_n_f32(0.0f));   /* adds +0.0: sum stays */
            continue;
        }
        float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), vmax));
        if (i + 4 > n_valid) {
            static const uint32_t lane[4] = { 0, 1, 2, 3 };
            uint32x4_t keep = vcltq_u32(vld1q_u32(lane), vdupq_n_u32(n_valid - i));
            e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), keep));
        }
        vst1q_f32(x + i, e);
        sum += (double)vaddvq_f32(e);
    }
    for (; i < n; i++) {
        x[i] = i < n_valid ? expf(x[i] - max) : 0.0f;
        sum += (double)x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (i = 0; i + 4 <= n; i += 4)
        vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv));
    for (; i < n; i++)
        x[i] *= inv;
}

void neon_swiglu(float *gate, const float *up, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t g = vld1q_f32(gate + i);
        const float32x4_t e = exp4(vsubq_f32(vdupq_n_f32(0.0f), g));
        const float32x4_t s = vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), e));
        vst1q_f32(gate + i, vmulq_f32(s, vld1q_f32(up + i)));
    }
    for (; i < n; i++) {
        const float g = gate[i];
        gate[i] = (g / (1.0f + expf(-g))) * up[i];
    }
}

void neon_rmsnorm(float *y, const float *x, const float *w, uint32_t n, float eps)
{
    double sum = 0.0;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        const float32x4_t sq = vmulq_f32(v, v);
        const float64x2_t lo = vcvt_f64_f32(vget_low_f32(sq)), hi = vcvt_high_f64_f32(sq);
        sum += vgetq_lane_f64(lo, 0);
        sum += vgetq_lane_f64(lo, 1);
        sum += vgetq_lane_f64(hi, 0);
        sum += vgetq_lane_f64(hi, 1);
    }
    for (; i < n; i++)
        sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / n);
    const float scale = 1.0f / sqrtf(mean + eps);
    for (i = 0; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vmulq_f32(vmulq_n_f32(vld1q_f32(x + i), scale), vld1q_f32(w + i)));
    for (; i < n; i++)
        y[i] = (x[i] * scale) * w[i];
}

/* ops_rope: per pair x0*c - x1*s and x0*s + x1*c, the first product of each
 * fused (fma_f32 there, FMLA here); pairs de-interleaved four at a time. */
void neon_rope(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot)
{
    for (uint32_t h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        uint32_t i = 0;
        for (; i + 8 <= n_rot; i += 8) {
            const float32x4x2_t cs = vld2q_f32(cache + i), p = vld2q_f32(v + i);
            float32x4x2_t r;
            r.val[0] = vfmaq_f32(vnegq_f32(vmulq_f32(p.val[1], cs.val[1])), p.val[0], cs.val[0]);
            r.val[1] = vfmaq_f32(vmulq_f32(p.val[1], cs.val[0]), p.val[0], cs.val[1]);
            vst2q_f32(v + i, r);
        }
        for (; i < n_rot; i += 2) {
            const float c = cache[i], s = cache[i + 1], x0 = v[i], x1 = v[i + 1];
            v[i] = __builtin_fmaf(x0, c, -(x1 * s));
            v[i + 1] = __builtin_fmaf(x0, s, x1 * c);
        }
    }
}

/* ---------------------------------------------------------------- activations */

/* quantize_q8_block_neon of quant_ref.c: FMAXV of |x| (any NaN gives NaN, made
 * the default NaN as there), d = amax / 127, FCVTNS(x * id), truncated to int8;
 * the int32 sum before truncation. */
static int32_t q8_block(const float *x, int8_t *q, uint16_t *dh, float *dout)
{
    float32x4_t v[8], m = vdupq_n_f32(0.0f);
    UNROLL
    for (int k = 0; k < 8; k++) {
        v[k] = vld1q_f32(x + 4 * k);
        m = vmaxq_f32(m, vabsq_f32(v[k]));
    }
    float amax = vmaxvq_f32(m);
    if (amax != amax)
        amax = __builtin_nanf("");
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    int32x4_t sum = vdupq_n_s32(0);
    int16x8_t h[4];
    UNROLL
    for (int k = 0; k < 4; k++) {
        int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[2 * k], id));
        int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(v[2 * k + 1], id));
        sum = vaddq_s32(sum, vaddq_s32(a, b));
        h[k] = vcombine_s16(vmovn_s32(a), vmovn_s32(b));
    }
    vst1q_s8(q, vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1])));
    vst1q_s8(q + 16, vcombine_s8(vmovn_s16(h[2]), vmovn_s16(h[3])));
    __fp16 hd = (__fp16)d;
    __builtin_memcpy(dh, &hd, 2);
    *dout = d;
    return vaddvq_s32(sum);
}

/* quantize_q8_K of quant_k.c on one super-block. The signed max comes from
 * FMAXV/FMINV; a NaN, or +a and -a both present (the first one wins there),
 * takes the scalar scan. Levels: the low bits of fma(iscale, x, 1.5 * 2^23),
 * capped at 127; block sums of 16 by SADDLV. */
static void q8k_block(const float *x, struct block_q8_K *y)
{
    float32x4_t hi4 = vld1q_f32(x), lo4 = hi4;
    for (int k = 4; k < QK_K; k += 4) {
        const float32x4_t v = vld1q_f32(x + k);
        hi4 = vmaxq_f32(hi4, v);
        lo4 = vminq_f32(lo4, v);
    }
    const float hi = vmaxvq_f32(hi4), lo = vminvq_f32(lo4);
    if (hi != hi || lo != lo || hi == -lo) {   /* NaN, tie, or all zero */
        quantize_q8_K(x, y, QK_K);
        return;
    }
    const float iscale = -127.0f / (hi > -lo ? hi : lo);
    const float32x4_t vs = vdupq_n_f32(iscale), magic = vdupq_n_f32(12582912.0f);
    for (int k = 0; k < QK_K; k += 16) {
        int16x8_t h[2];
        UNROLL
        for (int p = 0; p < 2; p++) {
            int32x4_t l[2];
            UNROLL
            for (int q = 0; q < 2; q++) {
                const float32x4_t v = vfmaq_f32(magic, vld1q_f32(x + k + 8 * p + 4 * q), vs);
                const uint32x4_t bits = vandq_u32(vreinterpretq_u32_f32(v), vdupq_n_u32(0x7fffff));
                l[q] = vminq_s32(vsubq_s32(vreinterpretq_s32_u32(bits), vdupq_n_s32(0x400000)), vdupq_n_s32(127));
            }
            h[p] = vcombine_s16(vmovn_s32(l[0]), vmovn_s32(l[1]));
        }
        const int8x16_t q = vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1]));
        vst1q_s8(y->qs + k, q);
        y->bsums[k / 16] = vaddlvq_s8(q);
    }
    y->d = 1.0f / iscale;
}

void neon_quantize(enum ggml_type t, const float *x, void *y, int64_t n)
{
    if (t == GGML_TYPE_Q8_0) {
        struct block_q8_0 *b = y;
        float d;
        for (int64_t i = 0; i < n / QK; i++)
            q8_block(x + i * QK, b[i].qs, &b[i].d, &d);
    } else if (t == GGML_TYPE_Q8_1) {
        struct block_q8_1 *b = y;
        for (int64_t i = 0; i < n / QK; i++) {
            float d;
            int32_t s = q8_block(x + i * QK, b[i].qs, &b[i].d, &d);
            __fp16 hs = (__fp16)(d * (float)s);
            __builtin_memcpy(&b[i].s, &hs, 2);
        }
    } else if (t == GGML_TYPE_F16) {
        int64_t i = 0;
        for (; i + 4 <= n; i += 4)
            vst1_f16((__fp16 *)y + i, vcvt_f16_f32(vld1q_f32(x + i)));
        for (; i < n; i++)
            ((__fp16 *)y)[i] = (__fp16)x[i];
    } else if (t == GGML_TYPE_Q8_K) {
        for (int64_t i = 0; i < n / QK_K; i++)
            q8k_block(x + i * QK_K, (struct block_q8_K *)y + i);
    } else {
        quantize_row(t, x, y, n);
    }
}
#endif
