/* llm/cli.c: flags, numbers and float-printing lines shared by the host CLI
 * and the kernel's `llm` command (see llm/llm.h and llm/cli.h). */
#include "llm/cli.h"
#include "llm/model/model.h"   /* MODEL_MAX_CTX */
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/printf.h"
#include "lib/string.h"

void llm_default_gen_opts(struct llm_gen_opts *o, int32_t n_predict)
{
    memset(o, 0, sizeof *o);
    o->n_predict = n_predict;
    o->kv_type = LLM_KV_F16;
    llm_default_sampling(&o->sp);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

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
        const char *e = s + 1 + (s[1] == '-' || s[1] == '+');
        uint64_t x;
        if (!parse_digits(e, strlen(e), 10, &x) || x > 300)
            return false;
        scale += s[1] == '-' ? -(int)x : (int)x;
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

int llm_parse_gen_flag(int argc, char **argv, int *i, struct llm_gen_opts *o, struct llm_err *err)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int64_t n = 0;
    double x = 0;
    uint64_t u = 0;
    bool ok;
    if (is_flag(a, "-n", "--n-predict"))
        ok = v && parse_int(v, -1, 1000000000, &n) && ((o->n_predict = (int32_t)n), true);
    else if (is_flag(a, "-c", "--ctx-size"))
        ok = v && parse_int(v, 0, MODEL_MAX_CTX, &n) && ((o->n_ctx = (uint32_t)n), true);
    else if (is_flag(a, "-b", "--batch-size"))
        ok = v && parse_int(v, 0, MODEL_MAX_CTX, &n) && ((o->n_batch = (uint32_t)n), true);
    else if (is_flag(a, "--temp", NULL))
        ok = v && cli_parse_double(v, 0, 100, &x) && ((o->sp.temp = (float)x), true);
    else if (is_flag(a, "--top-k", NULL))
        ok = v && parse_int(v, 0, 1000000000, &n) && ((o->sp.top_k = (int32_t)n), true);
    else if (is_flag(a, "--top-p", NULL))
        ok = v && cli_parse_double(v, 0, 1, &x) && ((o->sp.top_p = (float)x), true);
    else if (is_flag(a, "--min-p", NULL))
        ok = v && cli_parse_double(v, 0, 1, &x) && ((o->sp.min_p = (float)x), true);
    else if (is_flag(a, "--repeat-penalty", NULL))
        ok = v && cli_parse_double(v, 0, 100, &x) && ((o->sp.repeat_penalty = (float)x), true);
    else if (is_flag(a, "--repeat-last-n", NULL))
        ok = v && parse_int(v, 0, 1000000, &n) && ((o->sp.repeat_last_n = (int32_t)n), true);
    else if (is_flag(a, "--seed", "-s"))
        ok = v && parse_u64(v, &u) && ((o->sp.seed = u), true);
    else if (is_flag(a, "--keep", NULL))
        ok = v && parse_int(v, -1, MODEL_MAX_CTX, &n) && ((o->n_keep = (int32_t)n), true);
    else if (is_flag(a, "--ignore-eos", NULL) || is_flag(a, "--no-context-shift", NULL)) {
        *(strcmp(a, "--ignore-eos") == 0 ? &o->ignore_eos : &o->no_ctx_shift) = true;
        *i += 1;
        return 1;
    } else if (is_flag(a, "--kv-type", "-ctk")) {
        ok = v && (strcmp(v, "f16") == 0 || strcmp(v, "f32") == 0);
        if (ok)
            o->kv_type = v[1] == '1' ? LLM_KV_F16 : LLM_KV_F32;
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

int llm_format_stats(const struct llm_stats *st, char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
                     "prompt %u tok %.1f ms (%.1f tok/s) | gen %u tok %.1f ms (%.1f tok/s) | "
                     "kv %u/%u | arena peak %zu KiB",
                     st->n_prompt, (double)st->prompt_ns / 1e6, per_second(st->n_prompt, st->prompt_ns),
                     st->n_gen, (double)st->gen_ns / 1e6, per_second(st->n_gen, st->gen_ns),
                     st->kv_used, st->kv_capacity, (st->arena_peak + 1023) / 1024);
    if (st->n_shifts && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " | ctx shifts %u", st->n_shifts);
    if (st->n_shared && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " | shared prefix %u", st->n_shared);
    return n;
}

int llm_format_perplexity(const struct llm_perplexity *p, char *buf, size_t cap)
{
    return snprintf(buf, cap, "ppl %.4f over %u predictions, ctx %u, %.1f s", p->ppl, p->n_scored,
                    p->n_ctx, (double)p->ns / 1e9);
}
