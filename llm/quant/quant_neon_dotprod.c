/* llm/quant/quant_neon_dotprod.c: the NEON kernel table with SDOT (FEAT_DotProd),
 * chosen only when llm_cpu_features() reports LLM_CPU_DOTPROD. The pragma
 * raises this file alone to armv8.2-a+dotprod (arm_neon.h declares vdotq_s32
 * there; DotProd implies v8.2); the rest of llm/ stays armv8-a. */
#if defined(__aarch64__)
#pragma GCC target("arch=armv8.2-a+dotprod")
#define NEON_DP    1
#define NEON_TABLE cpu_ops_neon_dotprod
#define NEON_NAME  "neon+dotprod"
#include "llm/quant/quant_neon.inc"
#endif
