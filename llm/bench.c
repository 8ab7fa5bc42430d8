/* llm/bench.c: `llm bench` on both builds (see llm/bench.h). */
#include "llm/bench.h"
#include "llm/cli.h"
#include "llm/model/forward.h"
#include "llm/text/sampler.h"
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/printf.h"
#include "lib/rand.h"
#include "lib/string.h"

/* "1,2,4" (1 to cap numbers, each in [1, most]) into out[0..*count). */
static int parse_list(const char *flag, const char *v, int most, int cap, int *out, int *count,
                      struct llm_err *err)
{
    char num[16];
    *count = 0;
    for (const char *p = v;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int64_t n;
        if (len == 0 || len >= sizeof num || *count == cap)
            return llm_errf(err, "bad value for %s: '%s' (1 to %d counts, as 1,2)", flag, v, cap);
        memcpy(num, p, len);
        num[len] = 0;
        if (!parse_int(num, 1, most, &n))
            return llm_errf(err, "bad value for %s: '%s' (each 1..%d)", flag, v, most);
        out[(*count)++] = (int)n;
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
        if (strcmp(a, "-t") == 0 || strcmp(a, "-npl") == 0) {
            const bool t = a[1] == 't';
            if (parse_list(a, v, t ? 1024 : LLM_MAX_PARALLEL, t ? LLM_BENCH_MAX_THREADS : LLM_BENCH_MAX_NPL,
                           t ? o->threads : o->npl, t ? &o->n_threads : &o->n_npl, err))
                return -1;
            continue;
        }
        uint32_t *dst = strcmp(a, "-p") == 0 ? &o->n_prompt : strcmp(a, "-n") == 0 ? &o->n_gen
                      : strcmp(a, "-r") == 0 ? &o->reps : NULL;
        if (!dst)
            return llm_errf(err, "unknown option %s (options: -p N -n N -r N -t N[,N] -npl N[,N])", a);
        if (!parse_int(v, 0, MODEL_MAX_CTX, &n))
            return llm_errf(err, "bad value for %s: '%s'", a, v);
        *dst = (uint32_t)n;
    }
    return 0;
}

/* One test: n tokens in batches (pp), one at a time (tg), or, with n_seq,
 * one at a time in each of n_seq sessions decoding together. */
struct bench_test {
    bool     batch;
    uint32_t n, n_seq;
    char     name[32];
};

/* The sessions of the parallel tests: their caches and the batch's state. */
struct bench_par {
    void            *mem;
    size_t           bytes;
    struct kv_cache  kv[LLM_MAX_PARALLEL];
    struct kv_cache *kvp[LLM_MAX_PARALLEL];
    struct fwd_state fs;
    int32_t         *ids;   /* [n_seq][n_ctx]: the check's greedy ids */
};

static int par_open(struct bench_par *p, const struct session *s, uint32_t n_seq, uint32_t n_ctx,
                    struct llm_err *err)
{
    const struct model *m = s->m;
    const uint32_t kvd = model_kv_dim(&m->hp);
    struct arena a;
    p->bytes = forward_mem_needed(m, n_ctx, n_seq, true) + 4096 + (size_t)n_seq * n_ctx * sizeof(int32_t) +
               n_seq * kv_cache_arena_bytes(m->hp.n_layer, n_ctx, kvd, s->cfg.kv_type);
    if (!(p->mem = llm_alloc(p->bytes, 64)))
        return llm_errf(err, "out of memory: %u sessions of %u positions need %zu bytes", n_seq, n_ctx, p->bytes);
    arena_init(&a, p->mem, p->bytes);
    for (uint32_t i = 0; i < n_seq; i++) {
        p->kvp[i] = &p->kv[i];
        if (kv_cache_init(&p->kv[i], m->hp.n_layer, n_ctx, kvd, s->cfg.kv_type, &a))
            return llm_errf(err, "bench arena too small (bug)");
    }
    if (forward_init(&p->fs, m, n_ctx, n_seq, true, &a) ||
        !(p->ids = arena_alloc(&a, (size_t)n_seq * n_ctx * sizeof(int32_t), 16)))
        return llm_errf(err, "bench arena too small (bug)");
    return 0;
}

/* Not timed: n_seq sessions decode n greedy tokens together (session i
 * from the i-th bench token), then each alone through s's own state. A
 * session's ids must be its solo run's (llm_generate_parallel's promise;
 * tests/host/test_parallel.c compares the logits bits too). */
static int bench_check(struct session *s, struct bench_par *p, uint32_t n_seq, uint32_t n, uint32_t most,
                       struct llm_err *err)
{
    const uint32_t n_vocab = s->m->hp.n_vocab;
    int32_t tok[LLM_MAX_PARALLEL];
    for (uint32_t i = 0; i < n_seq; i++) {
        kv_cache_clear(&p->kv[i]);
        tok[i] = s->ids[i % most];
    }
    for (uint32_t k = 0; k < n; k++) {
        if (forward_sessions(s->m, &p->fs, p->kvp, tok, n_seq))
            return llm_errf(err, "check: forward pass of %u sessions failed at token %u", n_seq, k);
        for (uint32_t i = 0; i < n_seq; i++)
            tok[i] = p->ids[i * n + k] = sampler_argmax(p->fs.logits + (size_t)i * n_vocab, n_vocab);
    }
    for (uint32_t i = 0; i < n_seq; i++) {
        int32_t t = s->ids[i % most];
        kv_cache_clear(&s->kv);
        for (uint32_t k = 0; k < n; k++) {
            if (forward(s->m, &s->fwd, &s->kv, &t, 1, false))
                return llm_errf(err, "check: forward pass failed at token %u", k);
            t = sampler_argmax(s->fwd.logits, n_vocab);
            if (t != p->ids[i * n + k])
                return llm_errf(err, "tg%u x%u: session %u's id %u is %d together, %d alone", n, n_seq, i, k,
                                (int)p->ids[i * n + k], (int)t);
        }
    }
    char line[128];
    snprintf(line, sizeof line, "tg%u x%u: each session's %u greedy ids equal its solo run\n", n, n_seq, n);
    llm_write(line, strlen(line));
    return 0;
}

/* ns for a test's tokens through the forward pass, from empty caches; 0 on
 * failure. Session i decodes the tokens from i on. */
static uint64_t bench_once(struct session *s, struct bench_par *p, const struct bench_test *t, struct llm_err *err)
{
    int32_t tok[LLM_MAX_PARALLEL];
    kv_cache_clear(&s->kv);
    for (uint32_t i = 0; i < t->n_seq; i++)
        kv_cache_clear(&p->kv[i]);
    uint64_t t0 = llm_now_ns();
    for (uint32_t done = 0; done < t->n;) {
        uint32_t step = !t->batch ? 1 : t->n - done < s->cfg.n_batch ? t->n - done : s->cfg.n_batch;
        for (uint32_t i = 0; i < t->n_seq; i++)
            tok[i] = s->ids[(done + i) % t->n];
        if (t->n_seq ? forward_sessions(s->m, &p->fs, p->kvp, tok, t->n_seq)
                     : forward(s->m, &s->fwd, &s->kv, s->ids + done, step, false)) {
            llm_errf(err, "forward pass failed at token %u", done);
            return 0;
        }
        done += step;
    }
    uint64_t ns = llm_now_ns() - t0;
    return ns ? ns : 1;
}

/* A row: tok/s and insn/tok over the test's n_seq * n tokens. */
static void bench_row(const struct llm_bench_opts *o, const struct session *s, int threads,
                      const struct bench_test *t, const uint64_t *ns)
{
    const uint32_t n = t->n * (t->n_seq ? t->n_seq : 1);
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
    snprintf(line, sizeof line, "| %s | %.1f MiB | %d | %s | %.2f \u00b1 %.2f | %s |\n", o->model,
             (double)s->m->weight_bytes / (1024.0 * 1024.0), threads, t->name, mean, sqrt(var), insn);
    llm_write(line, strlen(line));
}

/* The speed-up of thread count k over the first, per repetition (ratios of
 * runs made back to back), as median and range. */
static void bench_speedup(const struct llm_bench_opts *o, int k, const struct bench_test *t,
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
    snprintf(line, sizeof line, "speed-up %s: -t %d over -t %d: %.2fx (median of %u back-to-back pairs, %.2f to %.2f)\n",
             t->name, o->threads[k], o->threads[0], med, m, r[0], r[m - 1]);
    llm_write(line, strlen(line));
}

/* One test: a warm-up per thread count, then reps rounds of every count. */
static int bench_test(struct session *s, struct bench_par *p, const struct llm_bench_opts *o,
                      const struct bench_test *t, uint64_t ns[][LLM_BENCH_MAX_REPS], struct llm_err *err)
{
    for (int k = 0; k < o->n_threads; k++) {
        llm_set_threads(o->threads[k]);
        if (!bench_once(s, p, t, err))
            return -1;
    }
    for (uint32_t r = 0; r < o->reps; r++)
        for (int k = 0; k < o->n_threads; k++) {
            if (llm_interrupted())
                return llm_errf(err, "interrupted");
            llm_set_threads(o->threads[k]);
            if (!(ns[k][r] = bench_once(s, p, t, err)))
                return -1;
        }
    return 0;
}

/* pp<p>, then tg<n>, or with -npl a tg<n> xN per count N. */
static int bench_tests(const struct llm_bench_opts *o, struct bench_test *t)
{
    int n = 0;
    if (o->n_prompt) {
        t[n] = (struct bench_test){ .batch = true, .n = o->n_prompt };
        snprintf(t[n++].name, sizeof t[0].name, "pp%u", o->n_prompt);
    }
    for (int k = 0; o->n_gen && k < (o->n_npl ? o->n_npl : 1); k++, n++) {
        t[n] = (struct bench_test){ .n = o->n_gen, .n_seq = o->n_npl ? (uint32_t)o->npl[k] : 0 };
        snprintf(t[n].name, sizeof t[n].name, o->n_npl ? "tg%u x%u" : "tg%u", o->n_gen, t[n].n_seq);
    }
    return n;
}

static int bench_all(struct session *s, struct bench_par *p, const struct llm_bench_opts *o, struct llm_err *err)
{
    static uint64_t ns[1 + LLM_BENCH_MAX_NPL][LLM_BENCH_MAX_THREADS][LLM_BENCH_MAX_REPS];   /* one bench at a time */
    struct bench_test t[1 + LLM_BENCH_MAX_NPL];
    const int n = bench_tests(o, t);
    for (int i = 0; i < n; i++)
        if (bench_test(s, p, o, &t[i], ns[i], err))
            return -1;
    static const char head[] = "| model | size | threads | test | t/s | insn/tok |\n|---|---|---|---|---|---|\n";
    llm_write(head, sizeof head - 1);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < o->n_threads; k++)
            bench_row(o, s, o->threads[k], &t[i], ns[i][k]);
    for (int i = 0; i < n; i++)
        for (int k = 1; k < o->n_threads; k++)
            bench_speedup(o, k, &t[i], ns[i]);
    const uint32_t most = o->n_prompt > o->n_gen ? o->n_prompt : o->n_gen;
    for (int i = 0; i < n; i++)
        if (t[i].n_seq > 1 && bench_check(s, p, t[i].n_seq, t[i].n, most, err))
            return -1;
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
    struct bench_par p = { .mem = NULL };
    uint32_t n_seq = 0;
    for (int k = 0; k < o->n_npl; k++)
        n_seq = (uint32_t)o->npl[k] > n_seq ? (uint32_t)o->npl[k] : n_seq;
    int rc = n_seq && o->n_gen && par_open(&p, s, n_seq, o->n_gen, err) ? -1 : bench_all(s, &p, o, err);
    if (p.mem)
        llm_free(p.mem, p.bytes);
    kv_cache_clear(&s->kv);
    return rc;
}
