/* llm/bench.h: the table behind llm_run_bench (llm/llm.h), which the host
 * CLI (`llm bench`) and the kernel's `llm bench` print: pp<p> (p
 * pseudo-random tokens in batches) and tg<n> (n tokens one at a time), each from an empty cache, after one warm-up
 * run, reps times: mean tok/s +- sample stddev, and with icount (the clock
 * counts one ns per instruction: QEMU -icount shift=0) the mean instructions
 * per token. With -npl 1,2,4,8 the tg test runs once per count N: N
 * sessions (caches of -n positions) decode together, one forward pass per
 * step for all of them (forward_sessions); t/s and insn/tok count every
 * session's tokens. After the table, for each N > 1, N sessions decode
 * greedy tokens together and then alone: a line says their ids are equal
 * (or the bench fails). With several thread counts (-t 1,2) each repetition runs them
 * back to back, and a line per count gives its speed-up over the first: the
 * median of the per-repetition ratios, which a noisy host shifts far less
 * than it shifts separate runs. */
#ifndef LLM_BENCH_H
#define LLM_BENCH_H
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/generate.h"

/* Print the table through llm_write. Uses s's ids and cache, clears the
 * cache, and leaves the thread count at the last one benchmarked. */
int bench_run(struct session *s, const struct llm_bench_opts *o, struct llm_err *err);

#endif
