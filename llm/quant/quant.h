/* llm/quant/quant.h: ggml tensor types: the size table for every type a GGUF file may
 * name, and for the supported ones (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
 * Q4_K, Q5_K, Q6_K, plus the activation types Q8_0/Q8_1/Q8_K) the scalar reference: quantize,
 * dequantize and dot products. Bit layouts and rounding follow ggml-cpu on arm64. */
#ifndef LLM_QUANT_H
#define LLM_QUANT_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum ggml_type {   /* ids as in ggml.h; 4, 5, 31-33, 36-38 are removed types */
    GGML_TYPE_F32 = 0, GGML_TYPE_F16 = 1, GGML_TYPE_Q4_0 = 2, GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6, GGML_TYPE_Q5_1 = 7, GGML_TYPE_Q8_0 = 8, GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10, GGML_TYPE_Q3_K = 11, GGML_TYPE_Q4_K = 12, GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14, GGML_TYPE_Q8_K = 15,
    GGML_TYPE_IQ2_XXS = 16, GGML_TYPE_IQ2_XS = 17, GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S = 19, GGML_TYPE_IQ4_NL = 20, GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22, GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_I8 = 24, GGML_TYPE_I16 = 25, GGML_TYPE_I32 = 26, GGML_TYPE_I64 = 27,
    GGML_TYPE_F64 = 28, GGML_TYPE_IQ1_M = 29, GGML_TYPE_BF16 = 30,
    GGML_TYPE_TQ1_0 = 34, GGML_TYPE_TQ2_0 = 35,
    GGML_TYPE_COUNT = 39  /* ids >= this are invalid; see type_traits() for holes */
};

struct type_traits {
    const char    *name;          /* "q4_0" */
    uint32_t       blck;          /* elements per block */
    uint32_t       size;          /* bytes per block */
    bool           supported;     /* this engine can multiply with it */
    enum ggml_type vec_dot_type;  /* the activation is converted to this before a dot */
};

/* NULL for ids that are not (or no longer) ggml types. */
const struct type_traits *type_traits(uint32_t type);
/* Bytes for n elements (n must be a multiple of blck); 0 on overflow or bad type. */
uint64_t type_row_bytes(uint32_t type, uint64_t n);

/* Half-precision conversions, round-to-nearest-even like the hardware. */
uint16_t fp32_to_fp16(float f);
float    fp16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);
float    bf16_to_fp32(uint16_t h);

/* Quantize n floats (n % blck == 0) into dst. Q8_0, Q8_1 (activations), F16 and
 * BF16 are bit-exact with ggml-cpu's arm64 path (Q8: ties to even); Q4_0, Q4_1,
 * Q5_0 and Q5_1 use ggml's reference quantizer, as llama-quantize does. */
void quantize_row(enum ggml_type t, const float *src, void *dst, int64_t n);
/* Weights as llama-quantize writes them (no imatrix): as quantize_row except
 * that Q8_0 rounds half away from zero (quantize_row_q8_0_ref). */
void quantize_row_ref(enum ggml_type t, const float *src, void *dst, int64_t n);
void dequantize_row(enum ggml_type t, const void *src, float *dst, int64_t n);

/* Dot product of n elements: w is a row of type t, x a row of type_traits(t)->vec_dot_type. */
float vec_dot(enum ggml_type t, int64_t n, const void *w, const void *x);

/* Q4_0 x Q8_0 as ggml's repacked 4x4 kernels compute it (one fused multiply-add
 * per block, in block order). llama.cpp on arm64 with dotprod repacks every Q4_0
 * matrix whose row count is a multiple of 4 and multiplies it this way. */
float vec_dot_q4_0_repacked(int64_t n, const void *w, const void *x);

/* llama.cpp's prompt path on arm64 (llamafile sgemm), taken by a matmul with >= 2
 * activation rows: one 4-lane accumulator per output. Q8_0, and Q4_0 when not
 * repacked: x is Q8_0. F16 (>= 2 rows) and F32 (>= 4 rows), only when n and the
 * weight row count are multiples of 4: x is F32, not rounded to F16. Returns 0
 * for other types. */
float vec_dot_sgemm(enum ggml_type t, int64_t n, const void *w, const void *x);

/* An F32/F16 row stored in pieces (a paged KV cache's V rows): elements
 * s*seg_n .. (s+1)*seg_n - 1 at seg[s] + off. seg_n is a multiple of 16, so
 * the pieces cut no step of the sums: their order is a contiguous row's. */
struct row_segs {
    const uint8_t *const *seg;
    size_t                off;
    int64_t               seg_n;
};
/* vec_dot (sgemm false) or vec_dot_sgemm of such a row, t F32 or F16. */
float vec_dot_float_segs(enum ggml_type t, bool sgemm, int64_t n, const struct row_segs *w, const void *x);

#endif
