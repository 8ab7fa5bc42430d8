/* tests/host/test_model.c: the engine through its public interface
 * (llm/llm.h) on models written by gen_gguf (found beside this program), so
 * it needs nothing from ../shared. Checks: every type loads and generates the
 * same ids twice; F16/BF16/quantized logits stay near the F32 model's,
 * ordered by precision (the K-quants and a Q4_K_M-like mix at dim 256 too); the F16 and F32 KV caches agree; a batched prompt
 * equals the same prompt fed token by token; on_token can cancel; "</s>" in
 * a text is EOS with parse_special, text without; a vocabulary-only open tokenizes alike and refuses sessions; a full context,
 * NaN weights, an unknown architecture and gen_gguf's broken files all fail
 * with a clear message, refused by the right layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "llm/llm.h"
#include "tests/host/testutil.h"
#include "lib/math.h"   /* NAN, isfinite: no libm */

static int n_runs, n_preflight_bad;
static char gen[512], dir[64];

/* A model file read into memory and opened through llm/llm.h. */
struct loaded {
    uint8_t          *buf;
    size_t            size;
    struct llm_model *m;
    int               step;   /* 0: open; else the enum llm_open_step that refused it */
    struct llm_err    err;
};

static int make_model(const char *args, const char *name, char *path, size_t cap)
{
    char cmd[2048];
    snprintf(path, cap, "%s/%s.gguf", dir, name);
    snprintf(cmd, sizeof cmd, "'%s' %s -o '%s' >/dev/null 2>&1", gen, args, path);
    return system(cmd) == 0 ? 0 : -1;
}

/* Open buf; L->step says which layer refused it. patch runs before parsing. */
static int load_buf(struct loaded *L, void (*patch)(uint8_t *, size_t))
{
    if (patch)
        patch(L->buf, L->size);
    L->step = llm_open_model(&L->m, L->buf, L->size, NULL, &L->err);
    return L->step ? -1 : 0;
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
    llm_close_model(L->m);
    free(L->buf);
    L->m = NULL;
    L->buf = NULL;
}

static uint32_t n_vocab_of(const struct loaded *L)
{
    struct llm_model_info mi;
    llm_get_model_info(L->m, &mi);
    return mi.n_vocab;
}

/* ------------------------------------------------------------- a run */

#define N_GEN 24
#define PROMPT "the cat sat on a mat and the dog ran"

#define RUN_STEPS 32   /* steps whose logits a run keeps */

struct run {
    int32_t  ids[256];
    uint32_t n;
    uint32_t stop_after;               /* on_token cancels after this many (0: never) */
    float    logits[RUN_STEPS][1024];  /* logits[0]: the prompt's last position */
    uint32_t n_vocab, n_steps;
};

static void on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct run *r = ctx;
    if (step < RUN_STEPS && n_vocab <= 1024) {
        memcpy(r->logits[step], logits, n_vocab * sizeof *logits);
        r->n_vocab = n_vocab;
        r->n_steps = step + 1;
    }
}

static bool on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    (void)text, (void)len;
    struct run *r = ctx;
    if (r->n < 256)
        r->ids[r->n++] = id;
    return r->n != r->stop_after;
}

/* Greedy, EOS ignored, in a session opened for this run (no_shift, n_keep:
 * llm_request's); counts runs whose arena outgrew what llm_plan_session
 * promised. */
static int run_opts(struct loaded *L, const struct llm_session_opts *so, int32_t n_predict, const char *prompt,
                    bool no_shift, int32_t n_keep, struct run *out, struct llm_stats *st, struct llm_err *err)
{
    struct llm_session *s;
    struct llm_session_info plan, got;
    uint32_t stop_after = out->stop_after;
    memset(out, 0, sizeof *out);
    out->stop_after = stop_after;
    if (llm_open_session(&s, L->m, so, err))
        return -1;
    struct llm_request r = { .prompt = prompt, .prompt_len = strlen(prompt), .n_predict = n_predict,
                             .ignore_eos = true, .no_ctx_shift = no_shift, .n_keep = n_keep };
    llm_default_sampling(&r.sp);
    r.sp.temp = 0.0f;
    struct llm_callbacks cb = { .ctx = out, .on_logits = on_logits, .on_token = on_token };
    int rc = llm_generate(s, &r, &cb, st, err);
    llm_get_session_info(s, &got);
    if (rc == 0 && (st->arena_peak > st->arena_size || got.mem_bytes != llm_plan_session(L->m, so, &plan)))
        n_preflight_bad++;
    n_runs++;
    llm_close_session(s);
    return rc;
}

static int run_gen_shift(struct loaded *L, enum llm_kv_type kv, uint32_t n_ctx, int32_t n_predict,
                         const char *prompt, bool no_shift, int32_t n_keep, struct run *out,
                         struct llm_stats *st, struct llm_err *err)
{
    const struct llm_session_opts so = { .n_ctx = n_ctx, .kv_type = kv };
    return run_opts(L, &so, n_predict, prompt, no_shift, n_keep, out, st, err);
}

static int run_gen(struct loaded *L, enum llm_kv_type kv, uint32_t n_ctx, int32_t n_predict,
                   const char *prompt, struct run *out, struct llm_stats *st, struct llm_err *err)
{
    return run_gen_shift(L, kv, n_ctx, n_predict, prompt, false, 0, out, st, err);
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
    struct llm_stats st;
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
        rc = run_gen(&L, LLM_KV_F16, 0, N_GEN, PROMPT, &a, &st, &err);
        tu_check(rc == 0 && a.n == N_GEN && st.stop == LLM_STOP_N_PREDICT && a.n_vocab == n_vocab_of(&L),
                 name, "rc %d, %u tokens, stop %s: %s", rc, a.n, llm_stop_name(st.stop), err.msg);
        snprintf(name, sizeof name, "model/%s/deterministic", types[i]);
        rc = run_gen(&L, LLM_KV_F16, 0, N_GEN, PROMPT, &b, &st, &err);
        tu_check(rc == 0 && a.n == b.n && !memcmp(a.ids, b.ids, sizeof a.ids) &&
                 !memcmp(a.logits, b.logits, sizeof a.logits), name, "second run differs");
        if (i == 0)
            ref = a;
        else
            diff[i] = max_diff(a.logits[0], ref.logits[0], ref.n_vocab) / spread(ref.logits[0], ref.n_vocab);
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

/* K-quant models (gen_gguf --wide: dim and ffn 256) and mixes like
 * llama-quantize's Q4_K_M and Q3_K_M (K-quants, Q8_0, Q4_0 and F16 in one
 * layer, Q6_K output): each loads, generates, repeats itself, and stays near
 * the wide F32 model's logits, more bits nearer than fewer. */
static void test_k_types(void)
{
    static const char *const k_args[] = { "--type f32 --wide", "--type q6_K", "--type q5_K", "--type q4_K",
                                          "--type q3_K", "--type q2_K", "--type q4_K --mixed",
                                          "--type q3_K --mixed" };
    static const char *const k_names[] = { "f32w", "q6_K", "q5_K", "q4_K", "q3_K", "q2_K", "q4_K_mixed",
                                           "q3_K_mixed" };
    enum { N_K = sizeof k_args / sizeof k_args[0] };
    static struct run ref, a, b;
    struct llm_stats st;
    double diff[N_K] = { 0 };
    char path[600], name[128];
    for (int i = 0; i < N_K; i++) {
        struct loaded L = { 0 };
        struct llm_err err = {{0}};
        snprintf(name, sizeof name, "model/%s/generate", k_names[i]);
        if (make_model(k_args[i], k_names[i], path, sizeof path) || load(&L, path, NULL)) {
            tu_check(false, name, "gen_gguf %s or load failed: %s", k_args[i], L.err.msg);
            unload(&L);
            continue;
        }
        struct llm_model_info mi;
        llm_get_model_info(L.m, &mi);
        int rc = run_gen(&L, LLM_KV_F16, 0, N_GEN, PROMPT, &a, &st, &err);
        tu_check(rc == 0 && a.n == N_GEN && mi.n_embd == 256, name, "rc %d, %u tokens, n_embd %u: %s", rc, a.n,
                 mi.n_embd, err.msg);
        rc = run_gen(&L, LLM_KV_F16, 0, N_GEN, PROMPT, &b, &st, &err);
        snprintf(name, sizeof name, "model/%s/deterministic", k_names[i]);
        tu_check(rc == 0 && !memcmp(a.ids, b.ids, sizeof a.ids) && !memcmp(a.logits, b.logits, sizeof a.logits),
                 name, "second run differs");
        if (i == 0)
            ref = a;
        else
            diff[i] = max_diff(a.logits[0], ref.logits[0], ref.n_vocab) / spread(ref.logits[0], ref.n_vocab);
        unload(&L);
    }
    tu_check(diff[1] > 0 && diff[1] < diff[3] && diff[2] < diff[3] && diff[3] < diff[4] && diff[4] < diff[5] &&
             diff[5] < 0.5 && diff[6] < 0.25 && diff[7] < 0.35, "model/k_precision_order",
             "q6_K %.3g q5_K %.3g q4_K %.3g q3_K %.3g q2_K %.3g mixed q4_K %.3g q3_K %.3g", diff[1], diff[2],
             diff[3], diff[4], diff[5], diff[6], diff[7]);
}

/* The prompt as one batch and token by token (n_batch 1), F32 everything:
 * the paths differ only in summation order, so every step's logits agree to
 * float rounding and the greedy ids are the same. (forward()'s refusals are
 * llm/model/forward_test.c's.) */
static void test_batch_equals_sequential(struct loaded *L)
{
    static struct run batch, seq;
    struct llm_stats st;
    struct llm_err err = {{0}};
    const struct llm_session_opts one = { .n_ctx = 64, .n_batch = 1, .kv_type = LLM_KV_F32 };
    const struct llm_session_opts all = { .n_ctx = 64, .kv_type = LLM_KV_F32 };
    int rb = run_opts(L, &all, N_GEN, PROMPT, false, 0, &batch, &st, &err);
    int rs = run_opts(L, &one, N_GEN, PROMPT, false, 0, &seq, &st, &err);
    double d = 0;
    for (uint32_t k = 0; k < batch.n_steps; k++)
        d = max_of(d, max_diff(batch.logits[k], seq.logits[k], batch.n_vocab));
    tu_check(rb == 0 && rs == 0 && batch.n_steps == N_GEN && seq.n_steps == N_GEN && d < 1e-4 &&
             !memcmp(batch.ids, seq.ids, sizeof batch.ids), "model/batch_equals_sequential",
             "rc %d/%d, %u/%u steps, max diff %.3g: %s", rb, rs, batch.n_steps, seq.n_steps, d, err.msg);
}

/* on_token returning false ends the run there, and the session runs again. */
static void test_cancel(struct loaded *L)
{
    static struct run r;
    struct llm_stats st;
    struct llm_err err = {{0}};
    r.stop_after = 3;
    int rc = run_gen(L, LLM_KV_F16, 0, N_GEN, PROMPT, &r, &st, &err);
    tu_check(rc == 0 && st.stop == LLM_STOP_CANCELLED && r.n == 3 && st.n_gen == 3 &&
             !strcmp(llm_stop_name(st.stop), "cancelled"), "model/on_token_cancels",
             "rc %d, stop %s, %u tokens: %s", rc, llm_stop_name(st.stop), r.n, err.msg);
}

/* A vocabulary without weights: it tokenizes as the whole model does, and
 * refuses a session with a message. */
static void test_vocab_only(const char *path)
{
    struct loaded L;
    int32_t a[64], b[64];
    int na = -1, nb = -2;
    if (load(&L, path, NULL) == 0)
        na = llm_tokenize(L.m, PROMPT, strlen(PROMPT), true, false, a, 64);
    unload(&L);
    memset(&L, 0, sizeof L);
    const struct llm_model_opts vo = { .vocab_only = true };
    L.buf = tu_read_file(path, &L.size);
    int step = L.buf ? llm_open_model(&L.m, L.buf, L.size, &vo, &L.err) : -1;
    struct llm_session *s = NULL;
    struct llm_err err = {{0}};
    if (step == 0) {
        nb = llm_tokenize(L.m, PROMPT, strlen(PROMPT), true, false, b, 64);
        tu_check(llm_open_session(&s, L.m, &(struct llm_session_opts){ 0 }, &err) == -1 && !s &&
                 strstr(err.msg, "vocabulary"), "model/vocab_only_no_session", "%s", err.msg);
    }
    tu_check(step == 0 && na > 2 && na == nb && !memcmp(a, b, (size_t)na * sizeof *a), "model/vocab_only_tokenizes",
             "step %d, %d vs %d ids: %s", step, na, nb, L.err.msg);
    unload(&L);
}

/* parse_special: "</s>" and "<s>" in the text are the vocabulary's EOS and
 * BOS, the text after each encoded as a text's start is (SPM: with its leading
 * space), as llama_tokenize does; without it they are text, no EOS or BOS. */
static void test_parse_special(struct loaded *L)
{
    static const char text[] = "the cat</s>sat<s>on";
    struct llm_model_info mi;
    int32_t got[64], plain[64], want[64];
    llm_get_model_info(L->m, &mi);
    int n = llm_tokenize(L->m, text, sizeof text - 1, true, true, got, 64);
    int k = llm_tokenize(L->m, "the cat", 7, true, false, want, 60);
    if (k > 0) {
        want[k++] = mi.eos_id;
        int m = llm_tokenize(L->m, "sat", 3, false, false, want + k, 60 - k);
        k = m > 0 ? k + m : -1;
    }
    if (k > 0) {
        want[k++] = mi.bos_id;
        int m = llm_tokenize(L->m, "on", 2, false, false, want + k, 60 - k);
        k = m > 0 ? k + m : -1;
    }
    tu_check(mi.eos_id >= 0 && mi.bos_id >= 0 && n > 0 && n == k && !memcmp(got, want, (size_t)n * sizeof *got),
             "model/tokenize_parse_special", "%d ids, %d expected (eos %d, bos %d)", n, k, (int)mi.eos_id,
             (int)mi.bos_id);
    int np = llm_tokenize(L->m, text, sizeof text - 1, true, false, plain, 64);
    int specials = 0;
    for (int i = 1; i < np; i++)
        specials += plain[i] == mi.eos_id || plain[i] == mi.bos_id;
    tu_check(np > n && specials == 0, "model/tokenize_special_as_text", "%d ids (%d with parse_special), %d of "
             "them EOS or BOS", np, n, specials);
}

static void test_kv_and_limits(struct loaded *L)
{
    static struct run a, b, c;   /* zeroed: stop_after 0 */
    struct llm_stats st;
    struct llm_err err = {{0}};
    int ra = run_gen(L, LLM_KV_F16, 0, N_GEN, PROMPT, &a, &st, &err);
    int rb = run_gen(L, LLM_KV_F32, 0, N_GEN, PROMPT, &b, &st, &err);
    double d = max_diff(a.logits[0], b.logits[0], a.n_vocab) / spread(b.logits[0], b.n_vocab);
    tu_check(ra == 0 && rb == 0 && d < 0.005 && d > 0, "model/kv_f16_vs_f32", "relative step-0 diff %.3g", d);

    int32_t ids[64];
    int n_prompt = llm_tokenize(L->m, PROMPT, strlen(PROMPT), true, false, ids, 64);
    uint32_t n_ctx = (uint32_t)n_prompt + 5;
    int rc = run_gen_shift(L, LLM_KV_F16, n_ctx, 100, PROMPT, true, 0, &a, &st, &err);
    tu_check(rc == 0 && st.stop == LLM_STOP_CTX_FULL && a.n == 6 && st.kv_used == n_ctx,
             "model/context_full_stops", "rc %d, stop %s, %u tokens, kv %u/%u", rc, llm_stop_name(st.stop),
             a.n, st.kv_used, n_ctx);
    /* Shifting (the default) goes on past the context: the tokens before the
     * first shift are the stopped run's, and a second run repeats the first. */
    int rs = run_gen(L, LLM_KV_F16, n_ctx, 100, PROMPT, &b, &st, &err);
    tu_check(rs == 0 && st.stop == LLM_STOP_N_PREDICT && b.n == 100 && st.n_shifts >= 7 &&
             st.kv_used < n_ctx && !memcmp(a.ids, b.ids, 5 * sizeof *a.ids),
             "model/context_shift_goes_on", "rc %d, stop %s, %u tokens, %u shifts, kv %u/%u", rs,
             llm_stop_name(st.stop), b.n, st.n_shifts, st.kv_used, n_ctx);
    rs = run_gen(L, LLM_KV_F16, n_ctx, 100, PROMPT, &c, &st, &err);
    tu_check(rs == 0 && c.n == b.n && !memcmp(b.ids, c.ids, b.n * sizeof *b.ids), "model/context_shift_repeats",
             "rc %d, %u vs %u tokens", rs, c.n, b.n);
    /* --keep -1 keeps the whole prompt: each shift drops (n_ctx - 1 - n_prompt) / 2 = 2
     * positions, so one comes every 2 tokens after the first 5 (7 with the BOS only). */
    rs = run_gen_shift(L, LLM_KV_F16, n_ctx, 100, PROMPT, false, -1, &c, &st, &err);
    tu_check(rs == 0 && c.n == 100 && st.n_shifts == 48 && st.kv_used == n_ctx - 2, "model/context_shift_keeps_prompt",
             "rc %d, %u tokens, %u shifts, kv %u/%u", rs, c.n, st.n_shifts, st.kv_used, n_ctx);
    rc = run_gen(L, LLM_KV_F16, (uint32_t)n_prompt, 10, PROMPT, &a, &st, &err);
    tu_check(rc == -1 && strstr(err.msg, "context"), "model/prompt_too_long", "rc %d: %s", rc, err.msg);
}

/* The buffer is ours (not a read-only mapping), and the model reads its
 * weights in place: make one norm weight NaN. */
static bool poison_output_norm(struct loaded *L)
{
    struct llm_tensor_info ti;
    float nan = NAN;
    if (llm_find_tensor(L->m, "output_norm.weight", &ti) || strcmp(ti.type_name, "f32") != 0)
        return false;
    memcpy(L->buf + ti.offset, &nan, sizeof nan);
    return true;
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
    struct llm_stats st;
    struct llm_err err = {{0}};
    if (load(&L, f32_path, NULL) == 0) {
        bool poisoned = poison_output_norm(&L);
        int rc = run_gen(&L, LLM_KV_F16, 0, 8, PROMPT, &r, &st, &err);
        tu_check(poisoned && rc == 0 && st.stop == LLM_STOP_NONFINITE && r.n == 0 && strstr(err.msg, "non-finite"),
                 "model/nan_logits_stop", "poisoned %d, rc %d, stop %s, %u tokens: %s", poisoned, rc,
                 llm_stop_name(st.stop), r.n, err.msg);
    }
    unload(&L);
    int rc = load(&L, f32_path, rename_arch);
    tu_check(rc == -1 && L.step == LLM_OPEN_MODEL && strstr(L.err.msg, "qwen2"), "model/unknown_arch",
             "step %d: %s", L.step, L.err.msg);
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
    int want_step = strcmp(layer, "gguf") == 0 ? LLM_OPEN_GGUF : LLM_OPEN_MODEL;
    tu_check(rc == -1 && L.step == want_step && strstr(L.err.msg, expect), name,
             "rc %d at step %d (want %d), message \"%s\" lacks \"%s\"", rc, L.step, want_step,
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
        test_cancel(&L);
        test_parse_special(&L);
    } else {
        tu_check(false, "model/f32_for_checks", "%s", L.err.msg);
    }
    unload(&L);
    test_bad_inputs(f32);
    test_vocab_only(f32);
    test_broken();
    tu_check(n_runs > 20 && n_preflight_bad == 0, "model/arena_preflight",
             "%d of %d runs used more than llm_plan_session() promised", n_preflight_bad, n_runs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", dir);
    return tu_n_fail ? 1 : 0;
}
