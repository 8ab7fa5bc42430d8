/* kernel/llm_platform.h: what the kernel's llm/platform.h implementation
 * offers beyond that interface. */
#ifndef KERNEL_LLM_PLATFORM_H
#define KERNEL_LLM_PLATFORM_H

/* Threads llm_parallel_for uses: 1 runs every job on the calling cpu; 0 (the
 * default) or any other value uses all online cpus. */
void llm_threads_set(int n);

#endif
