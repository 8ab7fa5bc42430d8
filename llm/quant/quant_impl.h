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

/* round(a*b + c) with one rounding (AArch64 FMADD / FMLA). */
float fma_f32(float a, float b, float c);
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

#endif
