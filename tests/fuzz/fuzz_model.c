/* tests/fuzz/fuzz_model.c: libFuzzer target for the whole load path on an
 * untrusted file, through llm/llm.h: llm_open_model (GGUF parse,
 * hyperparameters and tensor shapes checked against each other, tokenizer),
 * then a session with a tiny context and one generated token from a 1-2
 * token prompt -- so any shape the loader accepts is one the forward pass can
 * run without reading outside the file or its buffers. Every refusal must
 * come with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "llm/llm.h"
#include "llm/platform.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define SESSION_CAP (64u << 20)   /* larger sessions are skipped, not run */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    llm_set_threads(1);
    return 0;
}

static void check_refusal(const struct llm_err *err)
{
    CHECK(err->msg[0] != '\0' && memchr(err->msg, 0, sizeof err->msg));
}

static bool on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    const struct llm_model_info *mi = ctx;
    CHECK(id >= 0 && (uint32_t)id < mi->n_vocab && len <= 256 && (len == 0 || text));
    return true;
}

static void run_one_token(struct llm_model *m)
{
    const struct llm_session_opts so = { .n_ctx = 8, .n_batch = 8, .kv_type = LLM_KV_F16 };
    struct llm_session_info plan;
    struct llm_model_info mi;
    struct llm_err err = { { 0 } };
    if (llm_plan_session(m, &so, &plan) > SESSION_CAP)
        return;
    struct llm_session *s;
    if (llm_open_session(&s, m, &so, &err)) {
        check_refusal(&err);
        return;
    }
    llm_get_model_info(m, &mi);
    struct llm_request r = { .prompt = "a", .prompt_len = 1, .n_predict = 1 };
    llm_default_sampling(&r.sp);
    r.sp.temp = 0.0f;
    struct llm_callbacks cb = { .ctx = &mi, .on_token = on_token };
    struct llm_stats st;
    if (llm_generate(s, &r, &cb, &st, &err))
        check_refusal(&err);
    else
        CHECK(st.n_gen <= 1 && st.arena_peak <= st.arena_size);
    llm_close_session(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct llm_model *m;
    struct llm_err err = { { 0 } };
    if (llm_open_model(&m, data, size, NULL, &err)) {
        check_refusal(&err);
        return 0;
    }
    char summary[1024];
    CHECK(llm_describe_model(m, summary, sizeof summary) < (int)sizeof summary);
    run_one_token(m);
    llm_close_model(m);
    return 0;
}
