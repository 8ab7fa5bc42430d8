/* llm/bench.h: a llama-bench-like table, shared by the host CLI (`llm bench`)
 * and the kernel's `llm bench`: pp<p> (p pseudo-random tokens in batches) and
 * tg<n> (n tokens one at a time), each from an empty cache, after one warm-up
 * run, reps times: mean tok/s +- sample stddev, and with icount (the clock
 * counts one ns per instruction: QEMU -icount shift=0) the mean instructions
 * per token. With several thread counts (-t 1,2) each repetition runs them
 * back to back, and a line per count gives its speed-up over the first: the
 * median of the per-repetition ratios, which a noisy host shifts far less
 * than it shifts separate runs. */
#ifndef LLM_BENCH_H
#define LLM_BENCH_H
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/generate.h"

#define BENCH_MAX_REPS    100
#define BENCH_MAX_THREADS 4

struct bench_opts {
    uint32_t    n_prompt, n_gen, reps;          /* -p, -n, -r; a test with 0 tokens is skipped */
    int         threads[BENCH_MAX_THREADS];     /* -t 1,2: llm_set_threads values */
    int         n_threads;
    bool        icount;
    const char *model;                          /* for the table */
};

/* Defaults (-p 64 -n 64 -r 3 -t <llm_cpu_count()>), then argv[first..]:
 * -p N -n N -r N -t N[,N...]. Thread counts are checked by the caller. */
int bench_parse_args(int argc, char **argv, int first, struct bench_opts *o, struct llm_err *err);
/* Print the table through llm_write. Uses s's ids and cache, clears the
 * cache, and leaves the thread count at the last one benchmarked. */
int bench_run(struct session *s, const struct bench_opts *o, struct llm_err *err);

#endif
