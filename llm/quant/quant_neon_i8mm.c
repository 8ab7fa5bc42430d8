/* llm/quant/quant_neon_i8mm.c: the NEON kernel table with SDOT and SMMLA
 * (FEAT_I8MM: the repacked Q4_0 prompt tiles, two rows by two activations per
 * instruction), chosen only when llm_cpu_features() reports both. The pragma
 * raises this file alone to armv8.2-a+dotprod+i8mm. */
#if defined(__aarch64__)
#pragma GCC target("arch=armv8.2-a+dotprod+i8mm")
#define NEON_DP    1
#define NEON_MM    1
#define NEON_TABLE cpu_ops_neon_i8mm
#define NEON_NAME  "neon+dotprod+i8mm"
#include "llm/quant/quant_neon.inc"
#endif
