/* tests/fuzz/fuzz_model.c: libFuzzer target for the whole load path on an
 * untrusted file: gguf_open, model_load (hyperparameters and tensor shapes
 * checked against each other), tokenizer_init, then a session with a tiny
 * context and one generated token from a 1-2 token prompt -- so any shape the
 * loader accepts is one the forward pass can run without reading outside the
 * file or its buffers. Every refusal must come with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "llm/generate.h"
#include "llm/gguf/gguf.h"
#include "llm/model/model.h"
#include "llm/text/tokenizer.h"
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

static void on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    const struct tokenizer *t = ctx;
    CHECK(id >= 0 && (uint32_t)id < t->n_vocab && len <= 256 && (len == 0 || text));
}

static void run_one_token(const struct model *m, const struct tokenizer *tok)
{
    struct session_config cfg = { .n_ctx = 8, .n_batch = 8, .kv_type = GGML_TYPE_F16 };
    struct llm_err err = { { 0 } };
    if (generate_mem_needed(m, &cfg) > SESSION_CAP)
        return;
    struct session s;
    if (session_init(&s, m, tok, &cfg, &err)) {
        check_refusal(&err);
        return;
    }
    struct gen_request r = { .prompt = "a", .prompt_len = 1, .n_predict = 1 };
    sampler_params_default(&r.sp);
    r.sp.temp = 0.0f;
    struct gen_callbacks cb = { .ctx = (void *)tok, .on_token = on_token };
    struct gen_stats st;
    if (generate(&s, &r, &cb, &st, &err))
        check_refusal(&err);
    else
        CHECK(st.n_gen <= 1 && st.arena_peak <= st.arena_size);
    session_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf_file f;
    struct model m;
    struct tokenizer tok;
    struct llm_err err = { { 0 } };
    if (gguf_open(&f, data, size, &err)) {
        check_refusal(&err);
        return 0;
    }
    if (model_load(&m, &f, &err)) {
        check_refusal(&err);
    } else {
        char summary[1024];
        CHECK(model_summary(&m, summary, sizeof summary) < (int)sizeof summary);
        if (tokenizer_init(&tok, &f, &err)) {
            check_refusal(&err);
        } else {
            run_one_token(&m, &tok);
            tokenizer_free(&tok);
        }
        model_free(&m);
    }
    gguf_close(&f);
    return 0;
}
