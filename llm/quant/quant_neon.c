/* llm/quant/quant_neon.c: the NEON kernel table for armv8-a CPUs without DotProd
 * (Cortex-A72 and the like); the kernels are in quant_neon.inc. Empty on
 * other architectures. */
#if defined(__aarch64__)
#define NEON_DP    0
#define NEON_TABLE cpu_ops_neon
#define NEON_NAME  "neon"
#include "llm/quant/quant_neon.inc"
#endif
