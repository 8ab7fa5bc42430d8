/* tests/host/test_parallel.c: several sessions decoding together
 * (llm_generate_parallel) against each session run alone (llm_generate):
 * four prompts, 16 greedy tokens each, and every step's logits compared
 * with memcmp, on gen_gguf models of the types whose batched matmul takes
 * another summation order than one token's (Q8_0, F16, F32: llamafile's
 * sgemm), Q4_0 (repacked: gemm/SMMLA tiles) with and without its 4-row copy,
 * a K-quant mix, GPT-2, and synth15M when ../shared has it. Then sessions
 * that stop at different steps, one sampled with its own seed, and the
 * refusals. Runs on x86-64 (scalar) and under qemu-aarch64 (NEON tables). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "llm/llm.h"
#include "tests/host/testutil.h"

#define N_SEQ   4
#define N_STEPS 16

static char gen[512], dir[64];

struct run {
    int32_t  ids[N_STEPS + 1];
    uint32_t n_ids, n_steps, n_vocab;
    float   *logits;   /* [N_STEPS][n_vocab] */
};

static void on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct run *r = ctx;
    if (step < N_STEPS) {
        memcpy(r->logits + (size_t)step * n_vocab, logits, n_vocab * sizeof *logits);
        r->n_steps = step + 1;
    }
}

static bool on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    (void)text, (void)len;
    struct run *r = ctx;
    if (r->n_ids <= N_STEPS)
        r->ids[r->n_ids++] = id;
    return true;
}

static const char *const prompts[N_SEQ] = {
    "the cat sat on a mat", "once upon a time there was a dog", "a", "the sun and the moon and the stars",
};

static struct llm_request request_of(int i, const int32_t *n_predict, bool sample_last)
{
    struct llm_request r = { .prompt = prompts[i], .prompt_len = strlen(prompts[i]),
                             .n_predict = n_predict ? n_predict[i] : N_STEPS, .ignore_eos = true };
    llm_default_sampling(&r.sp);
    r.sp.temp = sample_last && i == N_SEQ - 1 ? 0.8f : 0.0f;
    r.sp.seed = 1234 + (uint64_t)i;
    return r;
}

/* Each prompt alone, then all together in fresh sessions: same ids, same
 * logits bits at every step, same stop and counts. */
static void check_model(const char *name, struct llm_model *m, const int32_t *n_predict, bool sample_last)
{
    struct llm_model_info mi;
    llm_get_model_info(m, &mi);
    struct llm_session_opts so = { .n_ctx = 64 };
    struct llm_session *s[N_SEQ] = { 0 };
    struct llm_request req[N_SEQ];
    struct llm_callbacks cb[N_SEQ];
    struct llm_stats solo_st[N_SEQ], st[N_SEQ];
    struct run solo[N_SEQ], par[N_SEQ];
    struct llm_err err = { 0 };
    char what[300] = "";
    bool ok = true;
    for (int i = 0; i < N_SEQ; i++) {
        solo[i] = (struct run){ .n_vocab = mi.n_vocab, .logits = calloc((size_t)N_STEPS * mi.n_vocab, 4) };
        par[i] = (struct run){ .n_vocab = mi.n_vocab, .logits = calloc((size_t)N_STEPS * mi.n_vocab, 4) };
        req[i] = request_of(i, n_predict, sample_last);
        ok = ok && solo[i].logits && par[i].logits && llm_open_session(&s[i], m, &so, &err) == 0;
    }
    for (int i = 0; ok && i < N_SEQ; i++) {
        struct llm_callbacks c = { .ctx = &solo[i], .on_logits = on_logits, .on_token = on_token };
        ok = llm_generate(s[i], &req[i], &c, &solo_st[i], &err) == 0;
        cb[i] = (struct llm_callbacks){ .ctx = &par[i], .on_logits = on_logits, .on_token = on_token };
    }
    if (ok && llm_generate_parallel(s, N_SEQ, req, cb, st, &err))
        ok = false;
    if (!ok)
        snprintf(what, sizeof what, "%s", err.msg);
    for (int i = 0; ok && i < N_SEQ; i++) {
        const uint32_t want = n_predict ? (uint32_t)n_predict[i] : N_STEPS;
        if (solo[i].n_ids != want || par[i].n_ids != solo[i].n_ids ||
            memcmp(par[i].ids, solo[i].ids, solo[i].n_ids * sizeof(int32_t)) != 0)
            snprintf(what, sizeof what, "session %d: %u ids together, %u alone (want %u), or they differ", i,
                     par[i].n_ids, solo[i].n_ids, want);
        else if (par[i].n_steps != solo[i].n_steps)
            snprintf(what, sizeof what, "session %d: %u steps together, %u alone", i, par[i].n_steps,
                     solo[i].n_steps);
        else if (st[i].stop != solo_st[i].stop || st[i].n_prompt != solo_st[i].n_prompt ||
                 st[i].n_gen != solo_st[i].n_gen || st[i].kv_used != solo_st[i].kv_used)
            snprintf(what, sizeof what, "session %d: stats differ (stop %s/%s, kv %u/%u)", i,
                     llm_stop_name(st[i].stop), llm_stop_name(solo_st[i].stop), st[i].kv_used, solo_st[i].kv_used);
        for (uint32_t k = 0; !what[0] && k < solo[i].n_steps; k++) {
            const float *a = par[i].logits + (size_t)k * mi.n_vocab, *b = solo[i].logits + (size_t)k * mi.n_vocab;
            if (memcmp(a, b, mi.n_vocab * sizeof(float)) != 0) {
                uint32_t j = 0;
                while (memcmp(&a[j], &b[j], sizeof(float)) == 0)
                    j++;
                snprintf(what, sizeof what, "session %d step %u: logit %u is %.9g together, %.9g alone", i, k, j,
                         (double)a[j], (double)b[j]);
            }
        }
        ok = !what[0];
    }
    tu_check(ok, name, "%s", what);
    for (int i = 0; i < N_SEQ; i++) {
        llm_close_session(s[i]);
        free(solo[i].logits);
        free(par[i].logits);
    }
}

/* A session given twice, or of another model, is refused before anything runs. */
static void check_refusals(struct llm_model *m, struct llm_model *other)
{
    struct llm_session_opts so = { .n_ctx = 32 };
    struct llm_session *s[3] = { 0 };
    struct llm_request req[3] = { request_of(0, NULL, false), request_of(1, NULL, false), request_of(2, NULL, false) };
    struct llm_stats st[3];
    struct llm_err e1 = { 0 }, e2 = { 0 }, e3 = { 0 };
    bool opened = llm_open_session(&s[0], m, &so, &e1) == 0 && llm_open_session(&s[1], other, &so, &e1) == 0;
    struct llm_session *twice[2] = { s[0], s[0] };
    int rc_twice = opened ? llm_generate_parallel(twice, 2, req, NULL, st, &e1) : 0;
    int rc_other = opened ? llm_generate_parallel(s, 2, req, NULL, st, &e2) : 0;
    int rc_many = opened ? llm_generate_parallel(s, LLM_MAX_PARALLEL + 1, req, NULL, st, &e3) : 0;
    tu_check(opened && rc_twice == -1 && strstr(e1.msg, "also session") && rc_other == -1 &&
             strstr(e2.msg, "another model") && rc_many == -1 && strstr(e3.msg, "at most"),
             "parallel/refusals", "twice %d '%s', other model %d '%s', too many %d '%s'", rc_twice, e1.msg, rc_other,
             e2.msg, rc_many, e3.msg);
    llm_close_session(s[0]);
    llm_close_session(s[1]);
}

struct loaded {
    uint8_t          *buf;
    size_t            size;
    struct llm_model *m;
};

static int load(struct loaded *L, const char *path, bool repack)
{
    struct llm_err err;
    struct llm_model_opts o = { .repack = repack };
    L->m = NULL;
    L->buf = tu_read_file(path, &L->size);
    if (!L->buf || llm_open_model(&L->m, L->buf, L->size, &o, &err)) {
        printf("FAIL parallel/load: %s: %s\n", path, L->buf ? err.msg : "cannot read");
        tu_n_fail++;
        return -1;
    }
    return 0;
}

static void unload(struct loaded *L)
{
    llm_close_model(L->m);
    free(L->buf);
}

static void check_generated(const char *args, const char *tag, bool repack)
{
    char path[600], cmd[1400], name[96];
    snprintf(path, sizeof path, "%s/%s.gguf", dir, tag);
    snprintf(cmd, sizeof cmd, "'%s' %s -o '%s' >/dev/null 2>&1", gen, args, path);
    snprintf(name, sizeof name, "parallel/%s%s", tag, repack ? "_repacked" : "");
    struct loaded L;
    if (system(cmd) != 0) {
        tu_check(false, name, "gen_gguf %s failed", args);
        return;
    }
    if (load(&L, path, repack))
        return;
    check_model(name, L.m, NULL, false);
    unload(&L);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_gen_path(gen, sizeof gen, argv[0]);
    if (access(gen, X_OK) != 0) {
        printf("SKIP parallel: %s not built\n", gen);
        return 0;
    }
    printf("note: kernels %s\n", llm_cpu_ops_name());
    strcpy(dir, "/tmp/test_parallel.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL parallel: mkdtemp failed\n");
        return 1;
    }
    check_generated("--type q8_0", "q8_0", false);
    check_generated("--type f16", "f16", false);
    check_generated("--type f32", "f32", false);
    check_generated("--type q4_0", "q4_0", false);
    check_generated("--type q4_0", "q4_0", true);
    check_generated("--type q4_k --mixed", "q4_k_mixed", false);
    check_generated("--type q8_0 --arch gpt2", "gpt2_q8_0", false);
    struct loaded a, b;
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/q8_0.gguf", dir);
    snprintf(pb, sizeof pb, "%s/f16.gguf", dir);
    if (load(&a, pa, false) == 0) {
        static const int32_t n_predict[N_SEQ] = { 16, 3, 9, 12 };   /* sessions leave the batch one by one */
        check_model("parallel/staggered_sampled", a.m, n_predict, true);
        if (load(&b, pb, false) == 0) {
            check_refusals(a.m, b.m);
            unload(&b);
        }
        unload(&a);
    }
    const char *synth = "../shared/models/synth/synth15M-random-q4_0.gguf";
    if (access(synth, R_OK) == 0 && load(&a, synth, true) == 0) {
        check_model("parallel/synth15M_q4_0", a.m, NULL, false);
        unload(&a);
    } else {
        printf("SKIP parallel/synth15M_q4_0: %s not found\n", synth);
    }
    snprintf(pa, sizeof pa, "rm -rf '%s'", dir);
    if (system(pa) != 0)
        printf("note: could not remove %s\n", dir);
    return tu_n_fail ? 1 : 0;
}
