/* llm/quant/quant_neon_k23.h: the NEON Q2_K / Q3_K row dot products of
 * quant_neon_k23.inc, one set per NEON table (the .inc is compiled into
 * quant_neon.c, quant_neon_dotprod.c and quant_neon_i8mm.c). Each is
 * bit-identical to dot_q2_K_q8_K / dot_q3_K_q8_K of quant_k23.c: n is a
 * multiple of QK_K, w a row of Q2_K / Q3_K blocks, x a row of Q8_K blocks.
 * Call a variant only where its table may run (llm_cpu_features()). aarch64 only. */
#ifndef LLM_QUANT_NEON_K23_H
#define LLM_QUANT_NEON_K23_H
#include <stdint.h>

float dot_q2_K_q8_K_neon(int64_t n, const void *w, const void *x);           /* armv8-a */
float dot_q3_K_q8_K_neon(int64_t n, const void *w, const void *x);
float dot_q2_K_q8_K_neon_dotprod(int64_t n, const void *w, const void *x);   /* + DotProd */
float dot_q3_K_q8_K_neon_dotprod(int64_t n, const void *w, const void *x);
float dot_q2_K_q8_K_neon_i8mm(int64_t n, const void *w, const void *x);      /* + DotProd, I8MM */
float dot_q3_K_q8_K_neon_i8mm(int64_t n, const void *w, const void *x);

#endif
