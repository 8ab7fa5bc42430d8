/* tests/host/test_gpt2.c: the GPT-2 architecture (llm/model/arch_gpt2.c).
 *  - A model from gen_gguf --arch gpt2 (F32, LayerNorm weights near 1 and
 *    every bias non-zero) against a double-precision forward pass written
 *    here from the graph alone (exact tanh GELU, no ggml table): logits at
 *    every prompt position. Needs nothing from ../shared.
 *  - ../shared/models/synth/gpt2-tiny-random-{f16,q4_0}.gguf against
 *    llama.cpp's arm64 reference: the prompt (reference ids, no tokenizer)
 *    as one batch with logits at every position, compared at the reference's
 *    top-50 ids and its 52 probe ids; then 16 greedy tokens, their ids and
 *    their top-10 logits.
 * Usage: test_gpt2 [GEN_GGUF] (default: gen_gguf beside this program). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llm/arena.h"
#include "llm/model/forward.h"
#include "llm/model/kv_cache.h"
#include "llm/model/model.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "tests/host/testutil.h"
#include "tests/host/testutil_gguf.h"
#include "lib/math.h"   /* sqrt, exp, fabs in double: no libm */

#define REF_DIR "../shared/models/reference"
#define SYNTH_DIR "../shared/models/synth"
#define MAX_TOK 128

/* A model with a forward state and KV cache in one arena. */
struct runner {
    struct tu_gguf   g;
    struct model     m;
    void            *mem;
    struct arena     a;
    struct kv_cache  kv;
    struct fwd_state s;
};

static int runner_open(struct runner *r, const char *path, enum ggml_type kv_type, struct llm_err *err)
{
    memset(r, 0, sizeof *r);
    if (!tu_gguf_load(&r->g, path)) {
        *err = r->g.err;
        return -1;
    }
    if (model_load(&r->m, &r->g.f, err))
        return -1;
    const uint32_t n_ctx = r->m.hp.n_ctx_train;
    size_t bytes = kv_cache_arena_bytes(r->m.hp.n_layer, n_ctx, model_kv_dim(&r->m.hp), kv_type) +
                   forward_mem_needed(&r->m, n_ctx, n_ctx, true);
    r->mem = malloc(bytes);
    arena_init(&r->a, r->mem, bytes);
    if (!r->mem || kv_cache_init(&r->kv, r->m.hp.n_layer, n_ctx, model_kv_dim(&r->m.hp), kv_type, &r->a) ||
        forward_init(&r->s, &r->m, n_ctx, n_ctx, true, &r->a))
        return llm_errf(err, "%s: session setup failed", path);
    return 0;
}

static void runner_close(struct runner *r)
{
    free(r->mem);
    model_free(&r->m);
    tu_gguf_free(&r->g);
}

/* ------------------------------------------------------------- double reference */

static const float *f32_tensor(const struct gguf_file *f, const char *fmt, uint32_t il)
{
    char name[64];
    snprintf(name, sizeof name, fmt, il);
    const struct gguf_tensor *t = gguf_find_tensor(f, name);
    return t && t->type == GGML_TYPE_F32 ? t->data : NULL;
}

/* y[r] = sum_i w[r*n + i] x[i] + b[r] */
static void ref_matvec(double *y, const float *w, const float *b, const double *x, int n, int rows)
{
    for (int r = 0; r < rows; r++) {
        double s = b ? b[r] : 0.0;
        for (int i = 0; i < n; i++)
            s += (double)w[(size_t)r * n + i] * x[i];
        y[r] = s;
    }
}

static void ref_layernorm(double *y, const double *x, const float *w, const float *b, int n, double eps)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    for (int i = 0; i < n; i++)
        y[i] = (x[i] - mean) / sqrt(var + eps) * w[i] + b[i];
}

/* Logits of every position of ids[0..n) into out[n][n_vocab], in double,
 * from the F32 tensors of a gen_gguf gpt2 file. */
static int ref_forward(const struct gguf_file *f, const struct model_hparams *hp, const int32_t *ids, int n,
                       double *out)
{
    const int d = (int)hp->n_embd, ff = (int)hp->n_ff, nh = (int)hp->n_head, hd = d / nh, V = (int)hp->n_vocab;
    double *x = calloc((size_t)n * d, 8), *h = malloc(d * 8), *qkv = malloc((size_t)n * 3 * d * 8),
           *att = malloc((size_t)n * d * 8), *up = malloc(ff * 8), *o = malloc(d * 8), *p = malloc(n * 8);
    const float *te = f32_tensor(f, "token_embd.weight", 0), *pe = f32_tensor(f, "position_embd.weight", 0);
    if (!te || !pe)
        return -1;
    for (int t = 0; t < n; t++)
        for (int i = 0; i < d; i++)
            x[t * d + i] = (double)te[(size_t)ids[t] * d + i] + pe[(size_t)t * d + i];
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const float *an_w = f32_tensor(f, "blk.%u.attn_norm.weight", l), *an_b = f32_tensor(f, "blk.%u.attn_norm.bias", l),
                    *wqkv = f32_tensor(f, "blk.%u.attn_qkv.weight", l), *bqkv = f32_tensor(f, "blk.%u.attn_qkv.bias", l),
                    *wo = f32_tensor(f, "blk.%u.attn_output.weight", l), *bo = f32_tensor(f, "blk.%u.attn_output.bias", l),
                    *fn_w = f32_tensor(f, "blk.%u.ffn_norm.weight", l), *fn_b = f32_tensor(f, "blk.%u.ffn_norm.bias", l),
                    *wu = f32_tensor(f, "blk.%u.ffn_up.weight", l), *bu = f32_tensor(f, "blk.%u.ffn_up.bias", l),
                    *wd = f32_tensor(f, "blk.%u.ffn_down.weight", l), *bd = f32_tensor(f, "blk.%u.ffn_down.bias", l);
        if (!an_w || !an_b || !wqkv || !bqkv || !wo || !bo || !fn_w || !fn_b || !wu || !bu || !wd || !bd)
            return -1;
        for (int t = 0; t < n; t++) {
            ref_layernorm(h, x + t * d, an_w, an_b, d, hp->norm_eps);
            ref_matvec(qkv + (size_t)t * 3 * d, wqkv, bqkv, h, d, 3 * d);
        }
        for (int t = 0; t < n; t++)
            for (int hh = 0; hh < nh; hh++) {
                const double *q = qkv + (size_t)t * 3 * d + hh * hd;
                double mx = -1e300, sum = 0;
                for (int u = 0; u <= t; u++) {
                    const double *k = qkv + (size_t)u * 3 * d + d + hh * hd;
                    double s = 0;
                    for (int i = 0; i < hd; i++)
                        s += q[i] * k[i];
                    p[u] = s / sqrt((double)hd);
                    mx = p[u] > mx ? p[u] : mx;
                }
                for (int u = 0; u <= t; u++)
                    sum += (p[u] = exp(p[u] - mx));
                for (int i = 0; i < hd; i++) {
                    double a = 0;
                    for (int u = 0; u <= t; u++)
                        a += p[u] / sum * qkv[(size_t)u * 3 * d + 2 * d + hh * hd + i];
                    att[t * d + hh * hd + i] = a;
                }
            }
        for (int t = 0; t < n; t++) {
            ref_matvec(o, wo, bo, att + t * d, d, d);
            for (int i = 0; i < d; i++)
                x[t * d + i] += o[i];
            ref_layernorm(h, x + t * d, fn_w, fn_b, d, hp->norm_eps);
            ref_matvec(up, wu, bu, h, d, ff);
            for (int i = 0; i < ff; i++) {
                const double z = 0.7978845608028654 * (up[i] + 0.044715 * up[i] * up[i] * up[i]);
                up[i] = 0.5 * up[i] * (1.0 + (1.0 - 2.0 / (exp(2.0 * z) + 1.0)));   /* tanh z */
            }
            ref_matvec(o, wd, bd, up, ff, d);
            for (int i = 0; i < d; i++)
                x[t * d + i] += o[i];
        }
    }
    const float *on_w = f32_tensor(f, "output_norm.weight", 0), *on_b = f32_tensor(f, "output_norm.bias", 0),
                *wout = gguf_find_tensor(f, "output.weight") ? f32_tensor(f, "output.weight", 0) : te;
    if (!on_w || !on_b || !wout)
        return -1;
    for (int t = 0; t < n; t++) {
        ref_layernorm(h, x + t * d, on_w, on_b, d, hp->norm_eps);
        ref_matvec(out + (size_t)t * V, wout, NULL, h, d, V);
    }
    free(x), free(h), free(qkv), free(att), free(up), free(o), free(p);
    return 0;
}

/* The generated model (F32, F32 KV cache) against ref_forward at every
 * position; tied: without output.weight (logits from token_embd). */
static void test_generated(const char *gen, const char *dir, bool tied)
{
    char path[600], cmd[1400], name[64];
    snprintf(name, sizeof name, "gpt2 generated f32%s vs double reference", tied ? " tied" : "");
    snprintf(path, sizeof path, "%s/gpt2-gen-f32%s.gguf", dir, tied ? "-tied" : "");
    snprintf(cmd, sizeof cmd, "'%s' --arch gpt2 --type f32 --seed 3 %s -o '%s'", gen, tied ? "--tied" : "", path);
    if (system(cmd) != 0) {
        tu_check(false, name, "%s failed", cmd);
        return;
    }
    struct runner r;
    struct llm_err err = {{0}};
    if (runner_open(&r, path, GGML_TYPE_F32, &err)) {
        tu_check(false, name, "%s", err.msg);
        runner_close(&r);
        return;
    }
    const int32_t ids[] = { 5, 77, 300, 12, 150, 9, 260, 41, 41, 2 };
    const int n = sizeof ids / sizeof ids[0], V = (int)r.m.hp.n_vocab;
    double *want = malloc((size_t)n * V * sizeof *want), max_diff = 0, max_abs = 0;
    int rc = ref_forward(&r.g.f, &r.m.hp, ids, n, want);
    int frc = forward(&r.m, &r.s, &r.kv, ids, (uint32_t)n, true);
    for (int i = 0; rc == 0 && frc == 0 && i < n * V; i++) {
        double e = fabs(r.s.logits[i] - want[i]);
        max_diff = e > max_diff ? e : max_diff;
        max_abs = fabs(want[i]) > max_abs ? fabs(want[i]) : max_abs;
    }
    /* The f16 GELU table rounds each FFN activation by up to 2^-11 relative;
     * everything else is float vs double: 1.6e-4 of the largest logit (tied:
     * 6e-5). A dropped bias or LayerNorm weight moves logits by ~0.1 and more. */
    tu_check(rc == 0 && frc == 0 && max_diff < 5e-4 * max_abs && r.m.output_tied == tied, name,
             "rc %d forward %d, output tied %d: max |logit diff| %.3g over %d positions (logits up to %.3g)", rc,
             frc, r.m.output_tied, max_diff, n, max_abs);
    printf("     %s: max |logit diff| %.3g over %d positions x %d (logits up to %.3g)\n", name, max_diff, n, V,
           max_abs);
    free(want);
    runner_close(&r);
}

/* ------------------------------------------------------------- llama.cpp reference */

/* The numbers of the JSON value after "key": in line (all of them, however
 * nested), up to cap; returns how many, -1 if the key is absent. */
static int json_numbers(const char *line, const char *key, double *out, int cap)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    int depth = 0, n = 0;
    do {
        if (*p == '[') depth++, p++;
        else if (*p == ']') depth--, p++;
        else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            char *end;
            double v = strtod(p, &end);
            if (n < cap)
                out[n] = v;
            n++;
            p = end;
        } else if (*p == 0) {
            return -1;
        } else {
            p++;
        }
    } while (depth > 0);
    return n;
}

struct ref_stats {
    double max_top, max_probe, max_gen;   /* largest |logit - reference| */
    double max_last;                      /* the prompt's last row alone vs the reference */
    int    ids_ok, runs;
};

static uint32_t argmax(const float *x, uint32_t n)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

static double worst(double a, double b)
{
    return b > a ? b : a;
}

/* One reference line: the prompt as one batch with all logits, then greedy. */
static int check_prompt(struct runner *r, const char *line, struct ref_stats *st, char *why, size_t cap)
{
    static double num[60000];
    const uint32_t V = r->m.hp.n_vocab;
    int32_t ids[MAX_TOK], gen[64], probe[64];
    int np = json_numbers(line, "prompt_ids", num, MAX_TOK);
    if (np <= 0 || np > 64)
        return snprintf(why, cap, "no prompt_ids"), -1;
    for (int i = 0; i < np; i++)
        ids[i] = (int32_t)num[i];
    int ng = json_numbers(line, "gen_ids", num, 64);
    for (int i = 0; i < ng && i < 64; i++)
        gen[i] = (int32_t)num[i];
    int npr = json_numbers(line, "probe_ids", num, 64);
    for (int i = 0; i < npr && i < 64; i++)
        probe[i] = (int32_t)num[i];
    if (ng <= 0 || ng > 64 || npr <= 0 || npr > 64)
        return snprintf(why, cap, "no gen_ids or probe_ids"), -1;
    kv_cache_clear(&r->kv);
    if (forward(&r->m, &r->s, &r->kv, ids, (uint32_t)np, true))
        return snprintf(why, cap, "forward failed on the prompt"), -1;
    int n = json_numbers(line, "top50_all_positions", num, 60000);
    if (n != np * 100)
        return snprintf(why, cap, "top50_all_positions has %d numbers, want %d", n, np * 100), -1;
    for (int t = 0; t < np; t++)
        for (int k = 0; k < 50; k++)
            st->max_top = worst(st->max_top, fabs(r->s.logits[(size_t)t * V + (uint32_t)num[t * 100 + 2 * k]] -
                                                  num[t * 100 + 2 * k + 1]));
    n = json_numbers(line, "probe_logits_all_positions", num, 60000);
    if (n != np * npr)
        return snprintf(why, cap, "probe_logits_all_positions has %d numbers, want %d", n, np * npr), -1;
    for (int t = 0; t < np; t++)
        for (int k = 0; k < npr; k++)
            st->max_probe = worst(st->max_probe, fabs(r->s.logits[(size_t)t * V + probe[k]] - num[t * npr + k]));
    /* Greedy from the last row; top_logits[k] is the reference distribution of gen step k. */
    n = json_numbers(line, "top_logits", num, 60000);
    if (n != ng * 20)
        return snprintf(why, cap, "top_logits has %d numbers, want %d", n, ng * 20), -1;
    /* The prompt again with only the last row's logits (generate's way: the
     * last block's FFN on that row alone, as llama.cpp drops the others). One
     * row takes other kernels (F16 weights: activations rounded to f16 for
     * vec_dot instead of f32 for sgemm): 1.2e-4 on F16, 5e-7 on Q4_0. */
    kv_cache_clear(&r->kv);
    if (forward(&r->m, &r->s, &r->kv, ids, (uint32_t)np, false))
        return snprintf(why, cap, "forward failed on the prompt (last row only)"), -1;
    if ((int32_t)argmax(r->s.logits, V) != gen[0])
        return snprintf(why, cap, "last row only: argmax %u, reference %d", argmax(r->s.logits, V), gen[0]), -1;
    for (int j = 0; j < 10; j++)
        st->max_last = worst(st->max_last, fabs(r->s.logits[(uint32_t)num[2 * j]] - num[2 * j + 1]));
    kv_cache_clear(&r->kv);
    if (forward(&r->m, &r->s, &r->kv, ids, (uint32_t)np, true))
        return snprintf(why, cap, "forward failed on the prompt"), -1;
    const float *logits = r->s.logits + (size_t)(np - 1) * V;
    int same = 1;
    for (int k = 0; k < ng; k++) {
        int32_t id = (int32_t)argmax(logits, V);
        same &= id == gen[k];
        for (int j = 0; j < 10; j++)
            st->max_gen = worst(st->max_gen, fabs(logits[(uint32_t)num[k * 20 + 2 * j]] - num[k * 20 + 2 * j + 1]));
        if (k + 1 < ng && forward(&r->m, &r->s, &r->kv, &gen[k], 1, true))   /* teacher-forced */
            return snprintf(why, cap, "forward failed at gen step %d", k), -1;
        logits = r->s.logits;
    }
    st->ids_ok += same;
    st->runs++;
    return 0;
}

static void test_reference(const char *type, double tol)
{
    char model[256], ref[256], name[64];
    snprintf(model, sizeof model, SYNTH_DIR "/gpt2-tiny-random-%s.gguf", type);
    snprintf(ref, sizeof ref, REF_DIR "/gpt2-tiny-random-%s.arm64.jsonl", type);
    snprintf(name, sizeof name, "gpt2 %s vs llama.cpp", type);
    size_t size;
    char *text = (char *)tu_read_file(ref, &size);
    FILE *probe = fopen(model, "rb");
    if (!text || !probe) {
        printf("SKIP %s: %s or %s absent\n", name, model, ref);
        free(text);
        if (probe)
            fclose(probe);
        return;
    }
    fclose(probe);
    struct runner r;
    struct llm_err err = {{0}};
    if (runner_open(&r, model, GGML_TYPE_F16, &err)) {
        tu_check(false, name, "%s", err.msg);
        runner_close(&r);
        free(text);
        return;
    }
    struct ref_stats st = {0};
    char why[200] = "";
    int lines = 0, bad = 0;
    for (char *line = strtok(text, "\n"); line && !bad; line = strtok(NULL, "\n"), lines++)
        bad = check_prompt(&r, line, &st, why, sizeof why);
    printf("     %s: %d prompts, greedy ids equal in %d; max |logit diff| top-50 %.3g, probes %.3g, "
           "gen top-10 %.3g, last row alone %.3g\n", type, st.runs, st.ids_ok, st.max_top, st.max_probe, st.max_gen,
           st.max_last);
    tu_check(!bad && lines == 3, name, "line %d: %s", lines, why);
    snprintf(name, sizeof name, "gpt2 %s logits at every prompt position within %g", type, tol);
    tu_check(!bad && st.max_top <= tol && st.max_probe <= tol, name, "top-50 %.3g, probes %.3g", st.max_top,
             st.max_probe);
    snprintf(name, sizeof name, "gpt2 %s prompt with the last row's logits only", type);
    tu_check(!bad && st.max_last <= 1e-3, name, "top-10 max diff %.3g", st.max_last);
    snprintf(name, sizeof name, "gpt2 %s greedy ids and their top-10 logits", type);
    tu_check(!bad && st.ids_ok == st.runs && st.runs == 3 && st.max_gen <= 2 * tol, name,
             "%d of %d runs have the reference ids; top-10 max diff %.3g", st.ids_ok, st.runs, st.max_gen);
    runner_close(&r);
    free(text);
}

int main(int argc, char **argv)
{
    char gen[512], dir[] = "/tmp/llmk-gpt2-XXXXXX";
    if (argc > 1)     /* the arm64 build under qemu runs the host's gen_gguf */
        snprintf(gen, sizeof gen, "%s", argv[1]);
    else
        tu_gen_path(gen, sizeof gen, argv[0]);
    if (!mkdtemp(dir)) {
        tu_check(false, "gpt2 temp dir", "mkdtemp failed");
        return 1;
    }
    test_generated(gen, dir, false);
    test_generated(gen, dir, true);
    /* Both files match llama.cpp to the references' printed digits (%.7g);
     * the tolerances are 1e-3 (F16) and 2e-2 (Q4_0). */
    test_reference("f16", 1e-6);
    test_reference("q4_0", 1e-6);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return tu_n_fail ? 1 : 0;
}
