/* llm/model/ops.h: the scalar building blocks of the forward pass: RMSNorm,
 * LayerNorm, RoPE, softmax, SwiGLU, GELU and the weight matmul. Each mirrors the arithmetic of the
 * ggml-cpu kernel that llama.cpp runs on arm64 (rounding points, float vs
 * double accumulators, summation order), so logits agree to the last bits
 * where that is cheap. Plain loops: a NEON twin can replace any of them. */
#ifndef LLM_OPS_H
#define LLM_OPS_H
#include <stddef.h>
#include <stdint.h>
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"
#include "llm/quant/cpu_ops.h"   /* enum ops_order */

/* y = x / rms(x) * w over n values (y may equal x). */
void ops_rmsnorm(float *y, const float *x, const float *w, uint32_t n, float eps);

/* cos/sin pairs for one position (negative: the K-shift's delta): cache[2i] = cos(theta_i), cache[2i+1] = sin. */
void ops_rope_cache(float *cache, uint32_t n_rot, int32_t pos, float base);
/* Rotate the adjacent pairs (x[2i], x[2i+1]), i < n_rot/2, of each of n_heads heads. */
void ops_rope(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot);

/* x[i] = softmax(x * scale)[i] over n values, entries i >= n_valid masked out. */
void ops_softmax(float *x, uint32_t n, uint32_t n_valid, float scale);

/* LayerNorm with weight and bias: y = (x - mean) / sqrt(var + eps) * w + b
 * over n values (y may equal x). */
void ops_layernorm(float *y, const float *x, const float *w, const float *b, uint32_t n, float eps);
/* x[i] = gelu(x[i]) (tanh form) through ggml's f16 table; ops_gelu_init fills
 * the table (once; call it before any ops_gelu, e.g. at model load). */
void ops_gelu_init(void);
void ops_gelu(float *x, uint32_t n);

/* gate[i] = silu(gate[i]) * up[i] */
void ops_swiglu(float *gate, const float *up, uint32_t n);
/* y[i] += x[i] */
void ops_add(float *restrict y, const float *restrict x, uint32_t n);

/* The order llama.cpp uses for a weight of `type` with rows of n values and
 * `rows` rows times n_tok activation rows, and the activation type it wants. */
enum ops_order ops_order_of(uint32_t type, uint64_t n, uint64_t rows, uint32_t n_tok);
enum ggml_type ops_x_type(enum ops_order o, uint32_t type);
/* y[t * y_row + r] = ops_dot(o, type, n, w + r * w_row, x + t * x_row) for
 * r < rows, t < n_tok (attention's K and V products), through the kernel
 * table: x_row and y_row count bytes and floats. */
void ops_dot_rows(enum ops_order o, uint32_t type, uint32_t n, const void *w, size_t w_row,
                  uint32_t rows, const void *x, size_t x_row, uint32_t n_tok, float *y, size_t y_row);
/* ops_dot_rows of F32/F16 rows in a paged KV cache (struct mm_args' w_seg):
 * seg_n > 0, rows in pieces of seg_n elements (V), the same sums as whole
 * rows; or seg_rows > 0, whole rows in blocks of seg_rows (K). */
void ops_dot_paged(enum ops_order o, uint32_t type, uint32_t n, const uint8_t *const *seg, size_t off,
                   uint32_t seg_n, uint32_t seg_rows, size_t w_row, uint32_t rows, const void *x, size_t x_row,
                   uint32_t n_tok, float *y, size_t y_row);
/* One dot product in that order (x already in the order's activation type). */
float ops_dot(enum ops_order o, uint32_t type, uint32_t n, const void *w, const void *x);

/* The activation rows of a matmul: n of them, in runs of seq rows that belong
 * to one sequence (a prompt batch: one run of n; n sessions decoding one
 * token each: n runs of 1). llama.cpp picks its kernel by the rows of one
 * sequence's batch, so seq, not n, decides the summation order
 * (ops_order_of): each sequence's rows get the bits they would get alone.
 * Only the order's kernel changes with n, never a row's result (the kernels
 * compute each activation row on its own; quant_neon_test.c checks them
 * against the scalar row-by-row loop). */
struct ops_rows {
    uint32_t n, seq;
};
/* n rows of one sequence. */
static inline struct ops_rows ops_rows_seq(uint32_t n)
{
    return (struct ops_rows){ .n = n, .seq = n };
}

/* Bytes of converted-activation scratch ops_matmul needs for n_tok rows of n. */
size_t ops_matmul_scratch(uint32_t type, uint64_t n, uint32_t n_tok);
/* y[t*rows + r] = dot(row r of w, x[t*n ..]) for t < r.n, with w a 2-D
 * weight of ne = [n, rows]. scratch holds ops_matmul_scratch() bytes. */
void ops_matmul(const struct gguf_tensor *w, const float *x, struct ops_rows r, float *y,
                void *scratch);
/* y[i] = w[i] x for count weights of one input (Q/K/V, FFN gate/up), as
 * ops_matmul each, but x is converted once and one llm_parallel_for runs
 * them all (a token's few sync points matter on small models). */
#define OPS_MATMUL_MAX 4
void ops_matmul_n(const struct gguf_tensor *const w[], float *const y[], int count, const float *x,
                  struct ops_rows r, void *scratch);
/* The activation type ops_matmul converts x into for w (F32: none). */
enum ggml_type ops_matmul_x_type(const struct gguf_tensor *w, struct ops_rows r);
/* gate = w_gate x, up = w_up x, then ops_swiglu(gate, up) per token: one
 * llm_parallel_for whose items each take the same rows of both products and
 * apply SwiGLU to them (elementwise, on row ranges that start at multiples of
 * 4, so the result is ops_swiglu's), leaving no serial pass over n_ff. When
 * next_w, the weight the result feeds, wants it converted (ops_matmul_x_type
 * not F32), the items also convert their rows of the result (gate) into
 * next_x (ops_matmul_scratch bytes for next_w), as ops_matmul would, and
 * ops_matmul_converted(next_w) then skips that serial step. */
void ops_matmul_swiglu(const struct gguf_tensor *w_gate, const struct gguf_tensor *w_up, const float *x,
                       struct ops_rows r, float *gate, float *up, void *scratch, const struct gguf_tensor *next_w,
                       void *next_x);
/* ops_matmul with x already converted to ops_matmul_x_type(w, r) (or
 * f32 rows when that is F32), laid out as ops_matmul_swiglu leaves next_x
 * (the rows, then the sums the kernels want, if any). */
void ops_matmul_converted(const struct gguf_tensor *w, struct ops_rows r, float *y, const void *x);

#endif
