/* llm/quant/quant_impl.h: what quant.c and quant_ref.c share: ggml's block layouts
 * (ggml-common.h) and the float helpers that pin down arm64 rounding. Private to
 * the quant module and its tests. */
#ifndef LLM_QUANT_IMPL_H
#define LLM_QUANT_IMPL_H
#include <stdint.h>
#include "llm/quant/quant.h"

#define QK 32   /* elements per block of every legacy quant type */

/* Scales are fp16 bit patterns; low nibble of qs[j] is element j, the high
 * nibble element j + 16; bit j of qh is the 5th bit of element j. */
struct block_q4_0 { uint16_t d; uint8_t qs[QK / 2]; };
struct block_q4_1 { uint16_t d, m; uint8_t qs[QK / 2]; };
struct block_q5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[QK / 2]; };
struct block_q5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK / 2]; };
struct block_q8_0 { uint16_t d; int8_t qs[QK]; };
struct block_q8_1 { uint16_t d, s; int8_t qs[QK]; };   /* s = d * sum(qs) */

_Static_assert(sizeof(struct block_q4_0) == 18, "q4_0 layout");
_Static_assert(sizeof(struct block_q4_1) == 20, "q4_1 layout");
_Static_assert(sizeof(struct block_q5_0) == 22, "q5_0 layout");
_Static_assert(sizeof(struct block_q5_1) == 24, "q5_1 layout");
_Static_assert(sizeof(struct block_q8_0) == 34, "q8_0 layout");
_Static_assert(sizeof(struct block_q8_1) == 36, "q8_1 layout");

/* round(a*b + c) with one rounding (AArch64 FMADD / FMLA). Inline, and on an
 * x86-64 host built for the baseline ISA VFMADD when the CPU has it: the K-quant
 * scale search (gen_gguf) makes a few per weight and trial, and the double
 * arithmetic of fma_f32_soft, out of line, made it 4x slower. Same bits. */
#if defined(__aarch64__) || defined(__FP_FAST_FMAF)
static inline float fma_f32(float a, float b, float c)
{
    return __builtin_fmaf(a, b, c);
}
#else
float fma_f32_soft(float a, float b, float c);
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("fma"))) static inline float fma_f32_x86(float a, float b, float c)
{
    return __builtin_fmaf(a, b, c);
}
#endif
static inline float fma_f32(float a, float b, float c)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("fma"))
        return fma_f32_x86(a, b, c);
#endif
    return fma_f32_soft(a, b, c);
}
#endif
/* AArch64 FCVTNS: nearest, ties to even, saturating, NaN -> 0. */
int32_t cvt_nearest_even(float v);
/* AArch64 FCVTZS: toward zero, saturating, NaN -> 0 (C's (int)f where defined). */
int32_t cvt_toward_zero(float v);
/* vaddvq_f32 (FADDP twice): (v0 + v1) + (v2 + v3). */
float hsum4_f32(const float v[4]);

/* Per-type rows (n a multiple of QK). The reference quantizers mirror
 * ggml-quants.c quantize_row_*_ref; the q8 activation quantizers mirror the
 * ARM_NEON branch of ggml-cpu-quants.c quantize_row_q8_0 / q8_1. */
void quantize_q4_0_ref(const float *x, struct block_q4_0 *y, int64_t n);
void quantize_q4_1_ref(const float *x, struct block_q4_1 *y, int64_t n);
void quantize_q5_0_ref(const float *x, struct block_q5_0 *y, int64_t n);
void quantize_q5_1_ref(const float *x, struct block_q5_1 *y, int64_t n);
void quantize_q8_0_ref(const float *x, struct block_q8_0 *y, int64_t n);
void quantize_q8_0_neon(const float *x, struct block_q8_0 *y, int64_t n);
void quantize_q8_1_neon(const float *x, struct block_q8_1 *y, int64_t n);

void dequantize_q4_0(const struct block_q4_0 *x, float *y, int64_t n);
void dequantize_q4_1(const struct block_q4_1 *x, float *y, int64_t n);
void dequantize_q5_0(const struct block_q5_0 *x, float *y, int64_t n);
void dequantize_q5_1(const struct block_q5_1 *x, float *y, int64_t n);
void dequantize_q8_0(const struct block_q8_0 *x, float *y, int64_t n);
void dequantize_q8_1(const struct block_q8_1 *x, float *y, int64_t n);

float dot_q4_0_q8_0(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x);
float dot_q4_1_q8_1(int64_t n, const struct block_q4_1 *w, const struct block_q8_1 *x);
float dot_q5_0_q8_0(int64_t n, const struct block_q5_0 *w, const struct block_q8_0 *x);
float dot_q5_1_q8_1(int64_t n, const struct block_q5_1 *w, const struct block_q8_1 *x);
float dot_q8_0_q8_0(int64_t n, const struct block_q8_0 *w, const struct block_q8_0 *x);
float dot_q4_0_q8_0_repacked(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x);
float dot_q4_0_q8_0_sgemm(int64_t n, const struct block_q4_0 *w, const struct block_q8_0 *x);
float dot_q8_0_q8_0_sgemm(int64_t n, const struct block_q8_0 *w, const struct block_q8_0 *x);

/* K-quants (ggml-common.h): super-blocks of QK_K elements in sub-blocks of 16
 * or 32, with 6-bit (Q4_K, Q5_K: 12 packed bytes), 4-bit (Q2_K), 6-bit signed
 * (Q3_K) or 8-bit (Q6_K) sub-block scales. Q8_K is their activation type:
 * bsums[j] = sum of qs[16 j .. 16 j + 15]. */
#define QK_K 256
#define K_SCALE_SIZE 12
struct block_q2_K { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; uint16_t d, dmin; };
struct block_q3_K { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; uint16_t d; };
struct block_q4_K { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; };
struct block_q5_K { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; };
struct block_q6_K { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; };
struct block_q8_K { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };

_Static_assert(sizeof(struct block_q2_K) == 84, "q2_K layout");
_Static_assert(sizeof(struct block_q3_K) == 110, "q3_K layout");
_Static_assert(sizeof(struct block_q4_K) == 144, "q4_K layout");
_Static_assert(sizeof(struct block_q5_K) == 176, "q5_K layout");
_Static_assert(sizeof(struct block_q6_K) == 210, "q6_K layout");
_Static_assert(sizeof(struct block_q8_K) == 292, "q8_K layout");

/* K-quant rows (n a multiple of QK_K). quantize_qN_K_ref mirror ggml-quants.c
 * quantize_row_qN_K_ref (what llama-quantize writes without an imatrix);
 * quantize_q8_K is quantize_row_q8_K_ref, which ggml-cpu uses on arm64 too.
 * The dot products mirror the float steps of ggml-cpu-quants.c's ARM_NEON
 * (DOTPROD) ggml_vec_dot_qN_K_q8_K, the llama.cpp arm64 reference.
 * Q4_K, Q5_K, Q6_K, Q8_K: llm/quant/quant_k.c; Q2_K, Q3_K: llm/quant/quant_k23.c. */
void quantize_q2_K_ref(const float *x, struct block_q2_K *y, int64_t n);
void quantize_q3_K_ref(const float *x, struct block_q3_K *y, int64_t n);
void quantize_q4_K_ref(const float *x, struct block_q4_K *y, int64_t n);
void quantize_q5_K_ref(const float *x, struct block_q5_K *y, int64_t n);
void quantize_q6_K_ref(const float *x, struct block_q6_K *y, int64_t n);
void quantize_q8_K(const float *x, struct block_q8_K *y, int64_t n);

void dequantize_q2_K(const struct block_q2_K *x, float *y, int64_t n);
void dequantize_q3_K(const struct block_q3_K *x, float *y, int64_t n);
void dequantize_q4_K(const struct block_q4_K *x, float *y, int64_t n);
void dequantize_q5_K(const struct block_q5_K *x, float *y, int64_t n);
void dequantize_q6_K(const struct block_q6_K *x, float *y, int64_t n);
void dequantize_q8_K(const struct block_q8_K *x, float *y, int64_t n);

float dot_q2_K_q8_K(int64_t n, const struct block_q2_K *w, const struct block_q8_K *x);
float dot_q3_K_q8_K(int64_t n, const struct block_q3_K *w, const struct block_q8_K *x);
float dot_q4_K_q8_K(int64_t n, const struct block_q4_K *w, const struct block_q8_K *x);
float dot_q5_K_q8_K(int64_t n, const struct block_q5_K *w, const struct block_q8_K *x);
float dot_q6_K_q8_K(int64_t n, const struct block_q6_K *w, const struct block_q8_K *x);

#endif
