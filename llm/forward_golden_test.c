/* llm/forward_golden_test.c: the whole generation path (GGUF parse, model
 * load, tokenizer, batch prefill, KV-cached decode, greedy sampling) on the
 * generated model embedded by the build, against the logits and ids the host
 * build computed (llm/golden.h). Host x86 and aarch64 NEON sum in different
 * orders, so logits agree to 1e-3 (relative above 1), ids exactly. */
#include "lib/math.h"
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/generate.h"
#include "llm/golden.h"

struct golden_run {
    uint32_t n_steps, n_ids, bad_step, bad_index;
    float    worst, got;     /* largest scaled difference seen, and our logit there */
    int32_t  ids[GOLDEN_STEPS];
};

static void golden_on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct golden_run *g = ctx;
    if (step >= GOLDEN_STEPS || n_vocab != golden_n_vocab)
        return;
    const float *want = golden_logits + (size_t)step * n_vocab;
    for (uint32_t i = 0; i < n_vocab; i++) {
        float scale = fabsf(want[i]) > 1.0f ? fabsf(want[i]) : 1.0f;
        float d = fabsf(logits[i] - want[i]) / scale;
        if (!(d <= g->worst)) {
            g->worst = d;
            g->bad_step = step;
            g->bad_index = i;
            g->got = logits[i];
        }
    }
    g->n_steps = step + 1;
}

static void golden_on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    struct golden_run *g = ctx;
    (void)text, (void)len;
    if (g->n_ids < GOLDEN_STEPS)
        g->ids[g->n_ids++] = id;
}

SELFTEST(forward_golden_vs_host)
{
    struct llm_err err = {{0}};
    struct gguf_file gf;
    struct model m;
    struct tokenizer tok;
    struct session s;
    struct session_config cfg = { .kv_type = GGML_TYPE_F16 };
    ST_CHECK(gguf_open(&gf, golden_model, golden_model_size, &err) == 0, "gguf_open: %s", err.msg);
    ST_CHECK(model_load(&m, &gf, &err) == 0, "model_load: %s", err.msg);
    ST_CHECK(tokenizer_init(&tok, &gf, &err) == 0, "tokenizer_init: %s", err.msg);
    ST_CHECK(session_init(&s, &m, &tok, &cfg, &err) == 0, "session_init: %s", err.msg);

    struct golden_run g = { 0 };
    struct gen_request r = { .prompt = GOLDEN_PROMPT, .prompt_len = strlen(GOLDEN_PROMPT),
                             .n_predict = GOLDEN_STEPS, .ignore_eos = true };
    struct gen_callbacks cb = { .ctx = &g, .on_logits = golden_on_logits, .on_token = golden_on_token };
    struct gen_stats st;
    sampler_params_default(&r.sp);
    r.sp.temp = 0;
    int rc = generate(&s, &r, &cb, &st, &err);
    session_free(&s);
    tokenizer_free(&tok);
    model_free(&m);
    gguf_close(&gf);
    ST_CHECK(rc == 0, "generate: %s", err.msg);
    ST_CHECK(g.n_steps == GOLDEN_STEPS && g.n_ids == GOLDEN_STEPS, "%u steps, %u ids", g.n_steps, g.n_ids);
    ST_CHECK(g.worst <= 1e-3f, "step %u logit %u: %g, host %g", g.bad_step, g.bad_index,
             (double)g.got, (double)golden_logits[(size_t)g.bad_step * golden_n_vocab + g.bad_index]);
    for (int i = 0; i < GOLDEN_STEPS; i++)
        ST_CHECK(g.ids[i] == golden_ids[i], "step %d: id %d, host %d", i, (int)g.ids[i], (int)golden_ids[i]);
}
