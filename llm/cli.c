/* llm/cli.c: flags, numbers and float-printing lines shared by the host CLI
 * and the kernel's `llm` command (see llm/cli.h). */
#include "llm/cli.h"
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/printf.h"
#include "lib/string.h"

void cli_gen_opts_default(struct cli_gen_opts *o, int32_t n_predict)
{
    memset(o, 0, sizeof *o);
    o->n_predict = n_predict;
    o->kv_type = GGML_TYPE_F16;
    sampler_params_default(&o->sp);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!is_digit(*s))
        return false;
    for (; is_digit(*s); s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return *s == 0;
}

bool cli_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t u;
    if (*s == '-' || *s == '+')
        s++;
    if (!cli_parse_u64(s, &u) || u > (uint64_t)INT64_MAX)
        return false;
    int64_t v = neg ? -(int64_t)u : (int64_t)u;
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Digits are gathered as an integer and scaled once: exact for the short
 * values flags take (0.8 is 8 / 10, correctly rounded). */
bool cli_parse_double(const char *s, double lo, double hi, double *out)
{
    double sign = 1, mant = 0;
    int scale = 0, digits = 0;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    for (; is_digit(*s); s++, digits++)
        mant = mant * 10 + (*s - '0');
    if (*s == '.')
        for (s++; is_digit(*s); s++, digits++, scale--)
            mant = mant * 10 + (*s - '0');
    if (digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        int64_t e;
        if (!cli_parse_int(s + 1, -300, 300, &e))
            return false;
        scale += (int)e;
        s += strlen(s);
    }
    if (*s)
        return false;
    double p10 = 1;
    for (int k = scale < 0 ? -scale : scale; k > 0; k--)
        p10 *= 10;
    double v = sign * (scale < 0 ? mant / p10 : mant * p10);
    if (!(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static bool is_flag(const char *a, const char *s1, const char *s2)
{
    return strcmp(a, s1) == 0 || (s2 && strcmp(a, s2) == 0);
}

int cli_parse_gen_flag(int argc, char **argv, int *i, struct cli_gen_opts *o, struct llm_err *err)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int64_t n = 0;
    double x = 0;
    uint64_t u = 0;
    bool ok;
    if (is_flag(a, "-n", "--n-predict"))
        ok = v && cli_parse_int(v, -1, 1000000000, &n) && ((o->n_predict = (int32_t)n), true);
    else if (is_flag(a, "-c", "--ctx-size"))
        ok = v && cli_parse_int(v, 0, MODEL_MAX_CTX, &n) && ((o->n_ctx = (uint32_t)n), true);
    else if (is_flag(a, "-b", "--batch-size"))
        ok = v && cli_parse_int(v, 0, MODEL_MAX_CTX, &n) && ((o->n_batch = (uint32_t)n), true);
    else if (is_flag(a, "--temp", NULL))
        ok = v && cli_parse_double(v, 0, 100, &x) && ((o->sp.temp = (float)x), true);
    else if (is_flag(a, "--top-k", NULL))
        ok = v && cli_parse_int(v, 0, 1000000000, &n) && ((o->sp.top_k = (int32_t)n), true);
    else if (is_flag(a, "--top-p", NULL))
        ok = v && cli_parse_double(v, 0, 1, &x) && ((o->sp.top_p = (float)x), true);
    else if (is_flag(a, "--min-p", NULL))
        ok = v && cli_parse_double(v, 0, 1, &x) && ((o->sp.min_p = (float)x), true);
    else if (is_flag(a, "--repeat-penalty", NULL))
        ok = v && cli_parse_double(v, 0, 100, &x) && ((o->sp.repeat_penalty = (float)x), true);
    else if (is_flag(a, "--repeat-last-n", NULL))
        ok = v && cli_parse_int(v, 0, 1000000, &n) && ((o->sp.repeat_last_n = (int32_t)n), true);
    else if (is_flag(a, "--seed", "-s"))
        ok = v && cli_parse_u64(v, &u) && ((o->sp.seed = u), true);
    else if (is_flag(a, "--ignore-eos", NULL)) {
        o->ignore_eos = true;
        *i += 1;
        return 1;
    } else if (is_flag(a, "--kv-type", "-ctk")) {
        ok = v && (strcmp(v, "f16") == 0 || strcmp(v, "f32") == 0);
        if (ok)
            o->kv_type = v[1] == '1' ? GGML_TYPE_F16 : GGML_TYPE_F32;
    } else
        return 0;
    if (!v)
        return llm_errf(err, "%s needs a value", a);
    if (!ok)
        return llm_errf(err, "bad value for %s: '%s'", a, v);
    *i += 2;
    return 1;
}

static double per_second(uint32_t n, uint64_t ns)
{
    return ns ? (double)n * 1e9 / (double)ns : 0.0;
}

int cli_stats_line(const struct gen_stats *st, char *buf, size_t cap)
{
    return snprintf(buf, cap,
                    "prompt %u tok %.1f ms (%.1f tok/s) | gen %u tok %.1f ms (%.1f tok/s) | "
                    "kv %u/%u | arena peak %zu KiB",
                    st->n_prompt, (double)st->prompt_ns / 1e6, per_second(st->n_prompt, st->prompt_ns),
                    st->n_gen, (double)st->gen_ns / 1e6, per_second(st->n_gen, st->gen_ns),
                    st->kv_used, st->kv_capacity, (st->arena_peak + 1023) / 1024);
}

int cli_perplexity_line(struct session *s, const char *text, size_t len, char *line, size_t cap,
                        struct llm_err *err)
{
    double ppl;
    uint32_t n_scored;
    uint64_t t0 = llm_now_ns();
    if (perplexity(s, text, len, &ppl, &n_scored, err))
        return -1;
    snprintf(line, cap, "ppl %.4f over %u predictions, ctx %u, %.1f s", ppl, n_scored, s->cfg.n_ctx,
             (double)(llm_now_ns() - t0) / 1e9);
    return 0;
}

/* ------------------------------------------------------------- bench */

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

static void bench_row(const struct cli_bench_opts *o, const struct session *s, const char *test,
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
             (double)s->m->weight_bytes / (1024.0 * 1024.0), o->threads, test, n, mean, sqrt(var), insn);
    llm_write(line, strlen(line));
}

int cli_bench(struct session *s, const struct cli_bench_opts *o, struct llm_err *err)
{
    const uint32_t most = o->n_prompt > o->n_gen ? o->n_prompt : o->n_gen;
    if (most == 0 || most > s->cfg.n_ctx)
        return llm_errf(err, "-p and -n must be 1..%u (the context)", s->cfg.n_ctx);
    if (o->reps == 0 || o->reps > CLI_BENCH_MAX_REPS)
        return llm_errf(err, "-r must be 1..%u", CLI_BENCH_MAX_REPS);
    uint32_t x = 12345;   /* pseudo-random tokens, as llama-bench feeds */
    for (uint32_t i = 0; i < most; i++) {
        x = x * 1103515245u + 12345u;
        s->ids[i] = (int32_t)((x >> 8) % s->m->hp.n_vocab);
    }
    static const char head[] = "| model | size | threads | test | t/s | insn/tok |\n|---|---|---|---|---|---|\n";
    llm_write(head, sizeof head - 1);
    for (int test = 0; test < 2; test++) {
        const uint32_t n = test == 0 ? o->n_prompt : o->n_gen;
        uint64_t ns[CLI_BENCH_MAX_REPS];
        if (n == 0)
            continue;
        if (!bench_once(s, n, test == 0, err))   /* warm-up, not counted */
            return -1;
        for (uint32_t r = 0; r < o->reps; r++) {
            if (llm_interrupted())
                return llm_errf(err, "interrupted");
            if (!(ns[r] = bench_once(s, n, test == 0, err)))
                return -1;
        }
        bench_row(o, s, test == 0 ? "pp" : "tg", n, ns);
    }
    kv_cache_clear(&s->kv);
    return 0;
}
