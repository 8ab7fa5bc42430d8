/* tests/host/test_model.c: model load, forward pass, KV cache and generation
 * loop on models written by gen_gguf (found beside this program), so it needs
 * nothing from ../shared. Checks: every type loads and generates the same ids
 * twice; F16/BF16/quantized logits stay near the F32 model's, ordered by
 * precision; the F16 and F32 KV caches agree; a batched prompt equals the same
 * prompt fed token by token; a full context, NaN weights, an unknown
 * architecture and gen_gguf's broken files all fail with a clear message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "llm/model/forward.h"
#include "llm/generate.h"
#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/text/tokenizer.h"
#include "tests/host/testutil.h"
#include "lib/math.h"   /* NAN, isfinite: no libm */

static int n_runs, n_preflight_bad;
static char gen[512], dir[64];

/* A model file read into memory and opened: buffer, parse, model, tokenizer. */
struct loaded {
    uint8_t         *buf;
    size_t           size;
    struct gguf_file gf;
    struct model     m;
    struct tokenizer tok;
    int              stage;   /* 0 nothing, 1 gguf, 2 model, 3 tokenizer */
    struct llm_err   err;
};

static int make_model(const char *args, const char *name, char *path, size_t cap)
{
    char cmd[2048];
    snprintf(path, cap, "%s/%s.gguf", dir, name);
    snprintf(cmd, sizeof cmd, "'%s' %s -o '%s' >/dev/null 2>&1", gen, args, path);
    return system(cmd) == 0 ? 0 : -1;
}

/* Open buf as far as it goes; L->stage says how far. patch runs before parsing. */
static int load_buf(struct loaded *L, void (*patch)(uint8_t *, size_t))
{
    if (patch)
        patch(L->buf, L->size);
    if (gguf_open(&L->gf, L->buf, L->size, &L->err))
        return -1;
    L->stage = 1;
    if (model_load(&L->m, &L->gf, &L->err))
        return -1;
    L->stage = 2;
    if (tokenizer_init(&L->tok, &L->gf, &L->err))
        return -1;
    L->stage = 3;
    return 0;
}

static int load(struct loaded *L, const char *path, void (*patch)(uint8_t *, size_t))
{
    memset(L, 0, sizeof *L);
    L->buf = tu_read_file(path, &L->size);
    if (!L->buf) {
        snprintf(L->err.msg, sizeof L->err.msg, "cannot read %s", path);
        return -1;
    }
    return load_buf(L, patch);
}

static void unload(struct loaded *L)
{
    if (L->stage >= 3)
        tokenizer_free(&L->tok);
    if (L->stage >= 2)
        model_free(&L->m);
    if (L->stage >= 1)
        gguf_close(&L->gf);
    free(L->buf);
    L->stage = 0;
    L->buf = NULL;
}

/* ------------------------------------------------------------- a run */

#define N_GEN 24
#define PROMPT "the cat sat on a mat and the dog ran"

struct run {
    int32_t  ids[256];
    uint32_t n;
    float    step0[1024];
    uint32_t n_vocab;
};

static void on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct run *r = ctx;
    if (step == 0 && n_vocab <= 1024) {
        memcpy(r->step0, logits, n_vocab * sizeof *logits);
        r->n_vocab = n_vocab;
    }
}

static void on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    (void)text, (void)len;
    struct run *r = ctx;
    if (r->n < 256)
        r->ids[r->n++] = id;
}

static int run_gen(struct loaded *L, enum ggml_type kv, uint32_t n_ctx, int32_t n_predict,
                   const char *prompt, struct run *out, struct gen_stats *st, struct llm_err *err)
{
    struct session_config cfg = { .n_ctx = n_ctx, .kv_type = kv };
    struct session s;
    memset(out, 0, sizeof *out);
    if (session_init(&s, &L->m, &L->tok, &cfg, err))
        return -1;
    struct gen_request r = { .prompt = prompt, .prompt_len = strlen(prompt), .n_predict = n_predict,
                             .ignore_eos = true };
    sampler_params_default(&r.sp);
    r.sp.temp = 0.0f;
    struct gen_callbacks cb = { .ctx = out, .on_logits = on_logits, .on_token = on_token };
    int rc = generate(&s, &r, &cb, st, err);
    if (rc == 0 && (st->arena_peak > st->arena_size || s.mem_bytes != generate_mem_needed(&L->m, &cfg)))
        n_preflight_bad++;
    n_runs++;
    session_free(&s);
    return rc;
}

static double max_of(double a, double b)   /* no libm in host tests */
{
    return a > b ? a : b;
}

static double max_diff(const float *a, const float *b, uint32_t n)
{
    double d = 0;
    for (uint32_t i = 0; i < n; i++)
        d = max_of(d, a[i] > b[i] ? (double)a[i] - b[i] : (double)b[i] - a[i]);
    return d;
}

static double spread(const float *a, uint32_t n)
{
    float lo = a[0], hi = a[0];
    for (uint32_t i = 1; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    return (double)hi - lo;
}

/* ------------------------------------------------------------- checks */

static const char *const types[] = { "f32", "f16", "bf16", "q8_0", "q5_1", "q5_0", "q4_1", "q4_0" };
#define N_TYPES (sizeof types / sizeof types[0])

static void test_types(void)
{
    struct run ref, a, b;
    struct gen_stats st;
    double diff[N_TYPES] = {0};
    char path[600], name[128];
    for (size_t i = 0; i < N_TYPES; i++) {
        struct loaded L;
        char args[64];
        snprintf(args, sizeof args, "--type %s", types[i]);
        snprintf(name, sizeof name, "model/%s/load", types[i]);
        if (make_model(args, types[i], path, sizeof path)) {
            tu_check(false, name, "gen_gguf %s failed", args);
            continue;
        }
        int rc = load(&L, path, NULL);
        tu_check(rc == 0, name, "%s", L.err.msg);
        if (rc) {
            unload(&L);
            continue;
        }
        struct llm_err err = {{0}};
        snprintf(name, sizeof name, "model/%s/generate", types[i]);
        rc = run_gen(&L, GGML_TYPE_F16, 0, N_GEN, PROMPT, &a, &st, &err);
        tu_check(rc == 0 && a.n == N_GEN && st.stop == GEN_STOP_N_PREDICT && a.n_vocab == L.m.hp.n_vocab,
                 name, "rc %d, %u tokens, stop %s: %s", rc, a.n, gen_stop_name(st.stop), err.msg);
        snprintf(name, sizeof name, "model/%s/deterministic", types[i]);
        rc = run_gen(&L, GGML_TYPE_F16, 0, N_GEN, PROMPT, &b, &st, &err);
        tu_check(rc == 0 && a.n == b.n && !memcmp(a.ids, b.ids, sizeof a.ids) &&
                 !memcmp(a.step0, b.step0, sizeof a.step0), name, "second run differs");
        if (i == 0)
            ref = a;
        else
            diff[i] = max_diff(a.step0, ref.step0, ref.n_vocab) / spread(ref.step0, ref.n_vocab);
        unload(&L);
    }
    /* Relative to the F32 logits' range: half precision is close, 8-bit
     * close enough, 4-bit the furthest; more bits never lose to fewer. */
    tu_check(diff[1] < 0.005 && diff[2] < 0.02, "model/f16_bf16_close", "f16 %.4g, bf16 %.4g", diff[1], diff[2]);
    tu_check(diff[3] < 0.03 && diff[3] > 0, "model/q8_0_close", "q8_0 %.4g", diff[3]);
    tu_check(diff[7] < 0.25 && diff[1] < diff[3] && diff[3] < diff[7] && diff[4] < diff[7],
             "model/precision_order", "f16 %.3g q8_0 %.3g q5_1 %.3g q5_0 %.3g q4_1 %.3g q4_0 %.3g",
             diff[1], diff[3], diff[4], diff[5], diff[6], diff[7]);
}

/* K-quant models (gen_gguf --wide: dim and ffn 256) and a Q4_K_M-like mix
 * (K-quants, Q8_0, Q4_0 and F16 in one layer, Q6_K output): each loads,
 * generates, repeats itself, and stays near the wide F32 model's logits,
 * 6 bits nearer than 4. */
static void test_k_types(void)
{
    static const char *const k_args[] = { "--type f32 --wide", "--type q6_K", "--type q5_K", "--type q4_K",
                                          "--type q4_K --mixed" };
    static const char *const k_names[] = { "f32w", "q6_K", "q5_K", "q4_K", "q4_K_mixed" };
    static struct run ref, a, b;
    double diff[5] = { 0 };
    char path[600], name[128];
    for (int i = 0; i < 5; i++) {
        struct loaded L;
        struct gen_stats st;
        struct llm_err err = {{0}};
        snprintf(name, sizeof name, "model/%s/generate", k_names[i]);
        if (make_model(k_args[i], k_names[i], path, sizeof path) || load(&L, path, NULL)) {
            tu_check(false, name, "gen_gguf %s or load failed: %s", k_args[i], L.err.msg);
            unload(&L);
            continue;
        }
        int rc = run_gen(&L, GGML_TYPE_F16, 0, N_GEN, PROMPT, &a, &st, &err);
        tu_check(rc == 0 && a.n == N_GEN && L.m.hp.n_embd == 256, name, "rc %d, %u tokens: %s", rc, a.n, err.msg);
        rc = run_gen(&L, GGML_TYPE_F16, 0, N_GEN, PROMPT, &b, &st, &err);
        snprintf(name, sizeof name, "model/%s/deterministic", k_names[i]);
        tu_check(rc == 0 && !memcmp(a.ids, b.ids, sizeof a.ids) && !memcmp(a.step0, b.step0, sizeof a.step0),
                 name, "second run differs");
        if (i == 0)
            ref = a;
        else
            diff[i] = max_diff(a.step0, ref.step0, ref.n_vocab) / spread(ref.step0, ref.n_vocab);
        unload(&L);
    }
    tu_check(diff[1] > 0 && diff[1] < diff[3] && diff[2] < diff[3] && diff[3] < 0.25 && diff[4] < 0.25,
             "model/k_precision_order", "q6_K %.3g q5_K %.3g q4_K %.3g mixed %.3g", diff[1], diff[2], diff[3],
             diff[4]);
}

/* Same prompt as one batch and token by token (F32 everything): the paths
 * differ only in summation order, so the logits agree to float rounding. */
static void test_batch_equals_sequential(struct loaded *L)
{
    struct arena a;
    struct kv_cache kv;
    struct fwd_state fs;
    int32_t ids[64];
    int n = tokenizer_encode(&L->tok, PROMPT, strlen(PROMPT), true, ids, 64);
    uint32_t n_ctx = 64;
    size_t bytes = kv_cache_bytes(L->m.hp.n_layer, n_ctx, model_kv_dim(&L->m.hp), GGML_TYPE_F32) +
                   forward_mem_needed(&L->m, n_ctx, n_ctx, true) + 256;
    void *mem = malloc(bytes);
    arena_init(&a, mem, bytes);
    bool ok = n > 2 && !kv_cache_init(&kv, L->m.hp.n_layer, n_ctx, model_kv_dim(&L->m.hp), GGML_TYPE_F32, &a) &&
              !forward_init(&fs, &L->m, n_ctx, n_ctx, true, &a) && !forward(&L->m, &fs, &kv, ids, (uint32_t)n, true);
    uint32_t nv = L->m.hp.n_vocab;
    float *batch = malloc((size_t)n * nv * sizeof *batch);
    double d = 0;
    if (ok) {
        memcpy(batch, fs.logits, (size_t)n * nv * sizeof *batch);
        kv_cache_clear(&kv);
        for (int t = 0; t < n && ok; t++) {
            ok = !forward(&L->m, &fs, &kv, ids + t, 1, false);
            d = max_of(d, max_diff(fs.logits, batch + (size_t)t * nv, nv));
        }
    }
    tu_check(ok && d < 1e-4, "model/batch_equals_sequential", "ok %d, max diff %.3g over %d positions", ok, d, n);
    tu_check(forward(&L->m, &fs, &kv, ids, n_ctx, false) == -1, "model/forward_rejects_overflow",
             "a batch past the context was accepted");
    int32_t bad = (int32_t)nv;
    kv_cache_clear(&kv);
    tu_check(forward(&L->m, &fs, &kv, &bad, 1, false) == -1 && kv.n_used == 0, "model/forward_rejects_bad_id",
             "token id %d accepted", bad);
    free(batch);
    free(mem);
}

static void test_kv_and_limits(struct loaded *L)
{
    struct run a, b;
    struct gen_stats st;
    struct llm_err err = {{0}};
    int ra = run_gen(L, GGML_TYPE_F16, 0, N_GEN, PROMPT, &a, &st, &err);
    int rb = run_gen(L, GGML_TYPE_F32, 0, N_GEN, PROMPT, &b, &st, &err);
    double d = max_diff(a.step0, b.step0, a.n_vocab) / spread(b.step0, b.n_vocab);
    tu_check(ra == 0 && rb == 0 && d < 0.005 && d > 0, "model/kv_f16_vs_f32", "relative step-0 diff %.3g", d);

    int32_t ids[64];
    int n_prompt = tokenizer_encode(&L->tok, PROMPT, strlen(PROMPT), true, ids, 64);
    uint32_t n_ctx = (uint32_t)n_prompt + 5;
    int rc = run_gen(L, GGML_TYPE_F16, n_ctx, 100, PROMPT, &a, &st, &err);
    tu_check(rc == 0 && st.stop == GEN_STOP_CTX_FULL && a.n == 6 && st.kv_used == n_ctx,
             "model/context_full_stops", "rc %d, stop %s, %u tokens, kv %u/%u", rc, gen_stop_name(st.stop),
             a.n, st.kv_used, n_ctx);
    rc = run_gen(L, GGML_TYPE_F16, (uint32_t)n_prompt, 10, PROMPT, &a, &st, &err);
    tu_check(rc == -1 && strstr(err.msg, "context"), "model/prompt_too_long", "rc %d: %s", rc, err.msg);
}

static void poison_output_norm(struct loaded *L)
{
    /* The buffer is ours (not a read-only mapping): make one norm weight NaN. */
    float nan = NAN;
    memcpy((void *)L->m.output_norm->data, &nan, sizeof nan);
}

static void rename_arch(uint8_t *buf, size_t size)
{
    static const char key[] = "general.architecture";
    for (size_t i = 0; i + sizeof key + 12 + 5 < size; i++)
        if (!memcmp(buf + i, key, sizeof key - 1)) {
            uint8_t *v = buf + i + sizeof key - 1 + 4 + 8;   /* type u32, length u64 */
            if (!memcmp(v, "llama", 5))
                memcpy(v, "qwen2", 5);
            return;
        }
}

static void test_bad_inputs(const char *f32_path)
{
    struct loaded L;
    struct run r;
    struct gen_stats st;
    struct llm_err err = {{0}};
    if (load(&L, f32_path, NULL) == 0) {
        poison_output_norm(&L);
        int rc = run_gen(&L, GGML_TYPE_F16, 0, 8, PROMPT, &r, &st, &err);
        tu_check(rc == 0 && st.stop == GEN_STOP_NONFINITE && r.n == 0 && strstr(err.msg, "non-finite"),
                 "model/nan_logits_stop", "rc %d, stop %s, %u tokens: %s", rc, gen_stop_name(st.stop), r.n, err.msg);
    }
    unload(&L);
    int rc = load(&L, f32_path, rename_arch);
    tu_check(rc == -1 && L.stage == 1 && strstr(L.err.msg, "qwen2"), "model/unknown_arch",
             "stage %d: %s", L.stage, L.err.msg);
    unload(&L);
}

/* gen_gguf's broken files: each refused at its layer, naming the culprit. */
static void test_one_broken(void *ctx, const char *kind, const char *layer, const char *expect)
{
    char args[128], path[600], name[128];
    (void)ctx;
    snprintf(args, sizeof args, "--broken %s", kind);
    snprintf(name, sizeof name, "model/broken/%s", kind);
    if (make_model(args, kind, path, sizeof path)) {
        tu_check(false, name, "gen_gguf %s failed", args);
        return;
    }
    struct loaded L;
    int rc = load(&L, path, NULL);
    int want_stage = strcmp(layer, "gguf") == 0 ? 0 : 1;
    tu_check(rc == -1 && L.stage == want_stage && strstr(L.err.msg, expect), name,
             "rc %d at stage %d (want %d), message \"%s\" lacks \"%s\"", rc, L.stage, want_stage,
             L.err.msg, expect);
    unload(&L);
}

static void test_broken(void)
{
    int kinds = tu_each_broken(gen, test_one_broken, NULL);
    tu_check(kinds >= 19, "model/broken/list", "gen_gguf --list-broken gave %d kinds", kinds);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_gen_path(gen, sizeof gen, argv[0]);
    if (access(gen, X_OK) != 0) {
        printf("SKIP model: %s not built\n", gen);
        return 0;
    }
    strcpy(dir, "/tmp/test_model.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL model: mkdtemp failed\n");
        return 1;
    }
    test_types();
    test_k_types();
    char f32[600];
    struct loaded L;
    if (make_model("--type f32", "f32", f32, sizeof f32) == 0 && load(&L, f32, NULL) == 0) {
        test_batch_equals_sequential(&L);
        test_kv_and_limits(&L);
    } else {
        tu_check(false, "model/f32_for_checks", "%s", L.err.msg);
    }
    unload(&L);
    test_bad_inputs(f32);
    test_broken();
    tu_check(n_runs > 20 && n_preflight_bad == 0, "model/arena_preflight",
             "%d of %d runs used more than generate_mem_needed() promised", n_preflight_bad, n_runs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
    return tu_n_fail ? 1 : 0;
}
