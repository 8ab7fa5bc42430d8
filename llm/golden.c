/* llm/golden.c: the golden run (see llm/golden.h), shared by the build step
 * that records it (scripts/gen_golden.c) and the selftest that repeats it
 * (llm/model/forward_kernel_vs_host_test.c), so both run exactly the same generation. */
#include "llm/golden.h"
#include "llm/generate.h"
#include "lib/string.h"

static void golden_on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct golden_run *g = ctx;
    if (step < GOLDEN_STEPS)
        g->on_logits(g->ctx, step, logits, n_vocab);
}

static void golden_on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    struct golden_run *g = ctx;
    (void)text, (void)len;
    if (g->n_ids < GOLDEN_STEPS)
        g->ids[g->n_ids++] = id;
}

int golden_generate(const void *model, size_t size, struct golden_run *g, struct llm_err *err)
{
    struct gguf_file gf;
    struct model m;
    struct tokenizer tok;
    struct session s;
    struct session_config cfg = { .kv_type = GGML_TYPE_F16 };
    struct gen_request r = { .prompt = GOLDEN_PROMPT, .prompt_len = strlen(GOLDEN_PROMPT),
                             .n_predict = GOLDEN_STEPS, .ignore_eos = true };
    struct gen_callbacks cb = { .ctx = g, .on_logits = golden_on_logits, .on_token = golden_on_token };
    struct gen_stats st;
    int rc = -1;
    sampler_params_default(&r.sp);
    r.sp.temp = 0;
    g->n_ids = 0;
    if (gguf_open(&gf, model, size, err))
        return -1;
    if (model_load(&m, &gf, err))
        goto close_gguf;
    if (tokenizer_init(&tok, &gf, err))
        goto free_model;
    if (session_init(&s, &m, &tok, &cfg, err))
        goto free_tokenizer;
    rc = generate(&s, &r, &cb, &st, err);
    session_free(&s);
free_tokenizer:
    tokenizer_free(&tok);
free_model:
    model_free(&m);
close_gguf:
    gguf_close(&gf);
    return rc;
}
