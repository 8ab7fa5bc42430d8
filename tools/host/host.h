/* tools/host/host.h: host-only controls of tools/host/platform.c (Linux + libc),
 * for the CLI and host test programs. llm/ never includes this. */
#ifndef TOOLS_HOST_HOST_H
#define TOOLS_HOST_HOST_H

/* Install the SIGINT handler behind llm_interrupted(). */
void host_setup_sigint(void);
/* Use n threads in llm_parallel_for (and report n from llm_cpu_count);
 * n <= 0 means all online CPUs. Call before the first llm_parallel_for. */
void host_set_threads(int n);

#endif
