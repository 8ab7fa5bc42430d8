/* llm/quant/quant_neon_k23.h: the NEON Q2_K / Q3_K kernels of
 * quant_neon_k23.inc, one set per NEON table (the .inc is compiled into
 * quant_neon.c, quant_neon_dotprod.c and quant_neon_i8mm.c); call a set only
 * where its table may run (llm_cpu_features()). n is a multiple of QK_K, w a
 * row of Q2_K / Q3_K blocks, x a row of Q8_K blocks. aarch64 only.
 *   dot_*:  one row by one activation, bit-identical to dot_q2_K_q8_K /
 *           dot_q3_K_q8_K of quant_k23.c;
 *   tile_*: one row by nt activation rows x + t * x_stride (bytes), out[t] =
 *           the dot of row t, bit for bit; each super-block is unpacked once
 *           for all nt (the batched prompt path). */
#ifndef LLM_QUANT_NEON_K23_H
#define LLM_QUANT_NEON_K23_H
#include <stddef.h>
#include <stdint.h>

#define K23_DECLARE(suffix)                                                                     \
    float dot_q2_K_q8_K_##suffix(int64_t n, const void *w, const void *x);                     \
    float dot_q3_K_q8_K_##suffix(int64_t n, const void *w, const void *x);                     \
    void  tile_q2_K_q8_K_##suffix(int64_t n, const void *w, const void *x, size_t x_stride,    \
                                  int nt, float *out);                                          \
    void  tile_q3_K_q8_K_##suffix(int64_t n, const void *w, const void *x, size_t x_stride,    \
                                  int nt, float *out);
K23_DECLARE(neon)           /* armv8-a */
K23_DECLARE(neon_dotprod)   /* + DotProd */
K23_DECLARE(neon_i8mm)      /* + DotProd, I8MM */
#undef K23_DECLARE

#endif
