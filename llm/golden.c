/* llm/golden.c: the golden run (see llm/golden.h), shared by the build step
 * that records it (scripts/gen_golden.c) and the selftest that repeats it
 * (llm/model/forward_kernel_vs_host_test.c), so both run exactly the same generation. */
#include "llm/golden.h"
#include "llm/llm.h"
#include "lib/string.h"

static void golden_on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct golden_run *g = ctx;
    if (step < GOLDEN_STEPS)
        g->on_logits(g->ctx, step, logits, n_vocab);
}

static bool golden_on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    struct golden_run *g = ctx;
    (void)text, (void)len;
    if (g->n_ids < GOLDEN_STEPS)
        g->ids[g->n_ids++] = id;
    return true;
}

int golden_generate(const void *model, size_t size, struct golden_run *g, struct llm_err *err)
{
    struct llm_model *m;
    struct llm_session *s;
    struct llm_session_opts so = { .kv_type = LLM_KV_F16 };
    struct llm_request r = { .prompt = GOLDEN_PROMPT, .prompt_len = strlen(GOLDEN_PROMPT),
                             .n_predict = GOLDEN_STEPS, .ignore_eos = true };
    struct llm_callbacks cb = { .ctx = g, .on_logits = golden_on_logits, .on_token = golden_on_token };
    struct llm_stats st;
    llm_default_sampling(&r.sp);
    r.sp.temp = 0;
    g->n_ids = 0;
    if (llm_open_model(&m, model, size, NULL, err))
        return -1;
    int rc = llm_open_session(&s, m, &so, err);
    if (rc == 0) {
        rc = llm_generate(s, &r, &cb, &st, err);
        llm_close_session(s);
    }
    llm_close_model(m);
    return rc;
}
