/* kernel/llm_platform.c: llm/platform.h for the kernel. Memory is whole pages
 * from the page allocator (contiguous, identity mapped), time is the generic
 * timer, output the serial console, parallelism the SMP job of arch/, and
 * Ctrl-C is a 0x03 byte polled from the UART between tokens. */
#include "llm/platform.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "arch/aarch64/arch.h"
#include "lib/string.h"

#define CTRL_C 0x03

/* ------------------------------------------------------------- memory */

static size_t pages_for(size_t bytes)
{
    return bytes / MM_PAGE + (bytes % MM_PAGE != 0) + (bytes == 0);
}

/* Alignments above a page are met by over-allocating and giving back both ends. */
void *llm_alloc(size_t bytes, size_t align)
{
    size_t n = pages_for(bytes), extra = 0;
    if (align & (align - 1))
        return NULL;
    if (align > MM_PAGE)
        extra = align / MM_PAGE - 1;
    if (n > SIZE_MAX / MM_PAGE - extra)
        return NULL;
    uint8_t *raw = page_alloc(n + extra);
    if (!raw)
        return NULL;
    uint8_t *p = raw;
    if (extra) {
        p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
        size_t head = (size_t)(p - raw) / MM_PAGE;
        if (head)
            page_free(raw, head);
        if (extra - head)
            page_free(p + n * MM_PAGE, extra - head);
    }
    memset(p, 0, n * MM_PAGE);
    return p;
}

void llm_free(void *p, size_t bytes)
{
    if (p)
        page_free(p, pages_for(bytes));
}

/* One llm_alloc is one contiguous run, so the largest free run is the honest answer. */
size_t llm_mem_available(void)
{
    struct mem_stats s;
    mem_get_stats(&s);
    return (size_t)s.largest_free;
}

/* ------------------------------------------------------------- time, output */

uint64_t llm_now_ns(void)
{
    return time_ns();
}

void llm_write(const char *s, size_t n)
{
    console_write(s, n);
}

/* ------------------------------------------------------------- cpus */

static int threads;   /* llm_set_threads: 1 = serial, else all cpus */

void llm_set_threads(int n)
{
    threads = n;
}

int llm_cpu_count(void)
{
    return threads == 1 ? 1 : smp_cpu_count();
}

void llm_parallel_for(int n, void (*fn)(int i, void *arg), void *arg)
{
    if (threads == 1) {
        for (int i = 0; i < n; i++)
            fn(i, arg);
        return;
    }
    smp_parallel_for(n, fn, arg);
}

uint32_t llm_cpu_features(void)
{
    struct cpu_desc d;
    cpu_describe(&d);
    return (d.asimd ? LLM_CPU_ASIMD : 0) | (d.dotprod ? LLM_CPU_DOTPROD : 0) |
           (d.i8mm ? LLM_CPU_I8MM : 0) | (d.fp16 ? LLM_CPU_FP16 : 0) | (d.sve ? LLM_CPU_SVE : 0);
}

/* ------------------------------------------------------------- Ctrl-C */

/* Reading the UART is the only way to see a 0x03; console_poll_for keeps the
 * other bytes typed (or piped) meanwhile for the shell. */
bool llm_interrupted(void)
{
    return console_poll_for(CTRL_C);
}
