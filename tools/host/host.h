/* tools/host/host.h: host-only controls of tools/host/platform.c (Linux + libc),
 * for the CLI and host test programs. llm/ never includes this. */
#ifndef TOOLS_HOST_HOST_H
#define TOOLS_HOST_HOST_H

/* Install the SIGINT handler behind llm_interrupted(). */
void host_setup_sigint(void);

#endif
