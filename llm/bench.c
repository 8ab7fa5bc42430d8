/* llm/bench.c: `llm bench` on both builds (see llm/bench.h). */
#include "llm/bench.h"
#include "llm/cli.h"
#include "llm/model/forward.h"
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/printf.h"
#include "lib/rand.h"
#include "lib/string.h"

/* "1,2,4" into o->threads. */
static int parse_threads(const char *v, struct llm_bench_opts *o, struct llm_err *err)
{
    char num[16];
    o->n_threads = 0;
    for (const char *p = v;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int64_t n;
        if (len == 0 || len >= sizeof num || o->n_threads == LLM_BENCH_MAX_THREADS)
            return llm_errf(err, "bad value for -t: '%s' (1 to %d counts, as 1,2)", v, LLM_BENCH_MAX_THREADS);
        memcpy(num, p, len);
        num[len] = 0;
        if (!parse_int(num, 1, 1024, &n))
            return llm_errf(err, "bad value for -t: '%s'", v);
        o->threads[o->n_threads++] = (int)n;
        if (!end)
            return 0;
        p = end + 1;
    }
}

int llm_parse_bench_args(int argc, char **argv, int first, struct llm_bench_opts *o, struct llm_err *err)
{
    *o = (struct llm_bench_opts){ .n_prompt = 64, .n_gen = 64, .reps = 3, .n_threads = 1 };
    o->threads[0] = llm_cpu_count();
    for (int i = first; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n = 0;
        if (!v)
            return llm_errf(err, "%s needs a value", a);
        if (strcmp(a, "-t") == 0) {
            if (parse_threads(v, o, err))
                return -1;
            continue;
        }
        uint32_t *dst = strcmp(a, "-p") == 0 ? &o->n_prompt : strcmp(a, "-n") == 0 ? &o->n_gen
                      : strcmp(a, "-r") == 0 ? &o->reps : NULL;
        if (!dst)
            return llm_errf(err, "unknown option %s (options: -p N -n N -r N -t N[,N])", a);
        if (!parse_int(v, 0, MODEL_MAX_CTX, &n))
            return llm_errf(err, "bad value for %s: '%s'", a, v);
        *dst = (uint32_t)n;
    }
    return 0;
}

/* ns for n tokens through the forward pass from an empty cache: in batches
 * of n_batch (prompt processing) or one at a time (generation); 0 on failure. */
static uint64_t bench_once(struct session *s, uint32_t n, bool batch, struct llm_err *err)
{
    kv_cache_clear(&s->kv);
    uint64_t t0 = llm_now_ns();
    for (uint32_t done = 0; done < n;) {
        uint32_t step = !batch ? 1 : n - done < s->cfg.n_batch ? n - done : s->cfg.n_batch;
        if (forward(s->m, &s->fwd, &s->kv, s->ids + done, step, false)) {
            llm_errf(err, "forward pass failed at token %u", done);
            return 0;
        }
        done += step;
    }
    uint64_t ns = llm_now_ns() - t0;
    return ns ? ns : 1;
}

static void bench_row(const struct llm_bench_opts *o, const struct session *s, int threads, const char *test,
                      uint32_t n, const uint64_t *ns)
{
    double mean = 0, var = 0, ns_mean = 0;
    for (uint32_t r = 0; r < o->reps; r++) {
        mean += (double)n * 1e9 / (double)ns[r] / o->reps;
        ns_mean += (double)ns[r] / o->reps;
    }
    for (uint32_t r = 0; o->reps > 1 && r < o->reps; r++) {
        double d = (double)n * 1e9 / (double)ns[r] - mean;
        var += d * d / (o->reps - 1);
    }
    char line[256], insn[32] = "-";
    if (o->icount)
        snprintf(insn, sizeof insn, "%.3fM", ns_mean / n / 1e6);
    snprintf(line, sizeof line, "| %s | %.1f MiB | %d | %s%u | %.2f \u00b1 %.2f | %s |\n", o->model,
             (double)s->m->weight_bytes / (1024.0 * 1024.0), threads, test, n, mean, sqrt(var), insn);
    llm_write(line, strlen(line));
}

/* The speed-up of thread count k over the first, per repetition (ratios of
 * runs made back to back), as median and range. */
static void bench_speedup(const struct llm_bench_opts *o, int k, const char *test, uint32_t n,
                          uint64_t ns[][LLM_BENCH_MAX_REPS])
{
    double r[LLM_BENCH_MAX_REPS];
    for (uint32_t i = 0; i < o->reps; i++) {   /* insertion sort: reps <= 100 */
        double x = (double)ns[0][i] / (double)ns[k][i];
        uint32_t j = i;
        for (; j > 0 && r[j - 1] > x; j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
    const uint32_t m = o->reps;
    double med = m % 2 ? r[m / 2] : (r[m / 2 - 1] + r[m / 2]) / 2;
    char line[200];
    snprintf(line, sizeof line, "speed-up %s%u: -t %d over -t %d: %.2fx (median of %u back-to-back pairs, %.2f to %.2f)\n",
             test, n, o->threads[k], o->threads[0], med, m, r[0], r[m - 1]);
    llm_write(line, strlen(line));
}

/* One test: a warm-up per thread count, then reps rounds of every count. */
static int bench_test(struct session *s, const struct llm_bench_opts *o, bool batch, uint32_t n,
                      uint64_t ns[][LLM_BENCH_MAX_REPS], struct llm_err *err)
{
    for (int k = 0; k < o->n_threads; k++) {
        llm_set_threads(o->threads[k]);
        if (!bench_once(s, n, batch, err))
            return -1;
    }
    for (uint32_t r = 0; r < o->reps; r++)
        for (int k = 0; k < o->n_threads; k++) {
            if (llm_interrupted())
                return llm_errf(err, "interrupted");
            llm_set_threads(o->threads[k]);
            if (!(ns[k][r] = bench_once(s, n, batch, err)))
                return -1;
        }
    return 0;
}

int bench_run(struct session *s, const struct llm_bench_opts *o, struct llm_err *err)
{
    const uint32_t most = o->n_prompt > o->n_gen ? o->n_prompt : o->n_gen;
    if (most == 0 || most > s->cfg.n_ctx)
        return llm_errf(err, "-p and -n must be 1..%u (the context)", s->cfg.n_ctx);
    if (o->reps == 0 || o->reps > LLM_BENCH_MAX_REPS)
        return llm_errf(err, "-r must be 1..%u", LLM_BENCH_MAX_REPS);
    if (o->n_threads < 1 || o->n_threads > LLM_BENCH_MAX_THREADS)
        return llm_errf(err, "1 to %d thread counts", LLM_BENCH_MAX_THREADS);
    uint32_t x = 12345;   /* pseudo-random tokens, as llama-bench feeds */
    for (uint32_t i = 0; i < most; i++) {
        x = x * 1103515245u + 12345u;
        s->ids[i] = (int32_t)((x >> 8) % s->m->hp.n_vocab);
    }
    static uint64_t ns[2][LLM_BENCH_MAX_THREADS][LLM_BENCH_MAX_REPS];   /* one bench at a time */
    static const char *const name[2] = { "pp", "tg" };
    const uint32_t n[2] = { o->n_prompt, o->n_gen };
    for (int t = 0; t < 2; t++)
        if (n[t] && bench_test(s, o, t == 0, n[t], ns[t], err))
            return -1;
    static const char head[] = "| model | size | threads | test | t/s | insn/tok |\n|---|---|---|---|---|---|\n";
    llm_write(head, sizeof head - 1);
    for (int t = 0; t < 2; t++)
        for (int k = 0; n[t] && k < o->n_threads; k++)
            bench_row(o, s, o->threads[k], name[t], n[t], ns[t][k]);
    for (int t = 0; t < 2; t++)
        for (int k = 1; n[t] && k < o->n_threads; k++)
            bench_speedup(o, k, name[t], n[t], ns[t]);
    kv_cache_clear(&s->kv);
    return 0;
}
