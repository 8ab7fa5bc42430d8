/* llm/quant/cpu_ops.h (compute kernels, not the OS kernel): the hot loops of the forward pass behind one table, chosen
 * once at run time: NEON with SDOT (FEAT_DotProd) and SMMLA (FEAT_I8MM, for
 * the repacked Q4_0 prompt tiles), with SDOT only, without either (widening
 * multiplies), or the scalar reference of llm/quant/quant.h (x86 host, or when
 * asked for with cpu_ops_force_scalar). Every NEON kernel is bit-identical to
 * its scalar twin: same integer sums, same float operations in the same order,
 * so the choice changes the speed and never a result (quant_neon_test.c
 * checks it with memcmp). */
#ifndef LLM_QUANT_CPU_OPS_H
#define LLM_QUANT_CPU_OPS_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/quant/quant.h"

/* Which of llama.cpp's summation orders a matmul follows (see llm/quant/quant.h);
 * llm/model/ops.h picks one per weight (ops_order_of). */
enum ops_order {
    OPS_VEC_DOT,    /* ggml vec_dot(): x in the type's vec_dot_type */
    OPS_REPACKED,   /* Q4_0 repacked 4x4 gemv/gemm, vec_dot_q4_0_repacked(): x Q8_0 */
    OPS_SGEMM,      /* llamafile sgemm, vec_dot_sgemm(): x Q8_0 (Q8_0, Q4_0) or f32 (F32, F16) */
};

/* What a Q8_0 activation block gives every row of a repacked Q4_0 product:
 * the SDOT start that removes the +8 of the weight levels (-8 times the sum
 * of its quants, in lane 0 of 4 so that one load starts an accumulator) and
 * its scale. Worked out once per activation (x_sums) rather than in every
 * call on a chunk of rows. */
struct mm_xsum {
    int32_t bias[4];
    float   d;
};

/* y[t * y_row + r] = dot(row r of w, activation t), t < n_tok, for the rows a
 * call is given. Rows are w_row bytes apart, activations x_row bytes apart. */
struct mm_args {
    enum ops_order order;
    enum ggml_type type;     /* weight type */
    uint32_t       n;        /* elements per row */
    const uint8_t *w;
    size_t         w_row;
    const uint8_t *x;
    size_t         x_row;
    uint32_t       n_tok;
    float         *y;
    size_t         y_row;
    /* Q8_0 activations: NULL, or x_sums of each (n / 32 per activation). */
    const struct mm_xsum *xs;
    /* Repacked Q4_0 only: w is in llm/quant/repack.h's 4-row layout (w_row
     * unused), and rows come in whole groups of 4. */
    bool           w_x4;
    /* F32/F16 only: NULL, or the rows are in pieces of seg_n elements (a
     * multiple of 16 dividing n; a paged KV cache's V): row r's piece s at
     * w_seg[s] + w_seg_off + r * w_row (w unused). The sums run as over
     * whole rows. */
    const uint8_t *const *w_seg;
    size_t         w_seg_off;
    uint32_t       seg_n;
};

struct cpu_ops {
    const char *name;   /* "scalar", "neon", "neon+dotprod", "neon+dotprod+i8mm" */
    /* quantize_row() for the activation types (Q8_0, Q8_1, F16; others too). */
    void  (*quantize)(enum ggml_type t, const float *x, void *y, int64_t n);
    /* Rows r0 <= r < r1 of a matmul. */
    void  (*matmul)(const struct mm_args *a, uint32_t r0, uint32_t r1);
    bool   q4_0x4;   /* matmul takes Q4_0 weights in the 4-row layout (w_x4) */
    /* The mm_xsum of nb Q8_0 blocks; NULL: the table's matmul never reads them. */
    void  (*x_sums)(const void *x, uint32_t nb, struct mm_xsum *out);
    /* Twins of ops_softmax, ops_swiglu, ops_rmsnorm, ops_rope; NULL: ops.c's own loop. */
    void  (*softmax)(float *x, uint32_t n, uint32_t n_valid, float scale);
    void  (*swiglu)(float *gate, const float *up, uint32_t n);
    void  (*rmsnorm)(float *y, const float *x, const float *w, uint32_t n, float eps);
    void  (*rope)(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot);
};

/* The table in use: chosen at the first call from llm_cpu_features(). Call it
 * once from one thread before any llm_parallel_for (forward does). */
const struct cpu_ops *cpu_ops(void);
/* Use the scalar reference from now on (tests, CLI --scalar), or choose again. */
void cpu_ops_force_scalar(bool scalar);

/* For the NEON tables: the scalar path of a row range (types they lack). */
void cpu_ops_matmul_scalar(const struct mm_args *a, uint32_t r0, uint32_t r1);

/* The tables themselves, for tests that compare them. */
extern const struct cpu_ops cpu_ops_scalar;
#if defined(__aarch64__)
extern const struct cpu_ops cpu_ops_neon, cpu_ops_neon_dotprod, cpu_ops_neon_i8mm;
void neon_quantize(enum ggml_type t, const float *x, void *y, int64_t n);
void neon_softmax(float *x, uint32_t n, uint32_t n_valid, float scale);
void neon_swiglu(float *gate, const float *up, uint32_t n);
void neon_rmsnorm(float *y, const float *x, const float *w, uint32_t n, float eps);
void neon_rope(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot);
#endif

#endif
