/* llm/platform.h: everything llm/ needs from whoever hosts it (kernel or Linux).
 * The kernel implements it in kernel/llm_platform.c, the host build in
 * tools/host/platform.c. Nothing else differs between the builds. */
#ifndef LLM_PLATFORM_H
#define LLM_PLATFORM_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void    *llm_alloc(size_t bytes, size_t align);   /* large, zeroed; NULL when out of memory */
void     llm_free(void *p, size_t bytes);         /* bytes = the size given to llm_alloc */
size_t   llm_mem_available(void);                 /* bytes llm_alloc could still give (preflight) */
uint64_t llm_now_ns(void);                        /* monotonic */
void     llm_write(const char *s, size_t n);      /* streamed output (text, stats) */
int      llm_cpu_count(void);                     /* threads llm_parallel_for uses now */
/* Use n threads from now on (between jobs): 1 runs every job on the caller,
 * n <= 0 (the default) every online core. The host takes n as it is; the
 * kernel has 1 or all. */
void     llm_set_threads(int n);
/* Run fn(i, arg) for every i in [0, n) on all online cores, return when all are done. */
void     llm_parallel_for(int n, void (*fn)(int i, void *arg), void *arg);
bool     llm_interrupted(void);                   /* Ctrl-C seen since the last call */

enum llm_cpu_feature {
    LLM_CPU_ASIMD   = 1u << 0,
    LLM_CPU_DOTPROD = 1u << 1,
    LLM_CPU_I8MM    = 1u << 2,
    LLM_CPU_FP16    = 1u << 3,
    LLM_CPU_SVE     = 1u << 4,
};
uint32_t llm_cpu_features(void);

#endif
