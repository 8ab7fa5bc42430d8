/* llm/model/forward_test.c: forward()'s refusals, on the generated model the
 * build embeds (llm/golden.h): a batch past the context, a token id outside
 * the vocabulary and an empty batch are refused, the cache left as it was;
 * and forward_sessions' (a cache twice, a full one, a bad id in any session,
 * more sessions than logit rows), no cache advanced.
 * (That a batch equals the same tokens fed one at a time is checked through
 * the public interface, on an F32 model: tests/host/test_model.c. On this
 * mixed quantized model the two paths differ by up to 1% of a logit, as
 * llama.cpp's do.) */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/golden.h"
#include "llm/model/forward.h"
#include "llm/platform.h"

#define FT_CTX 32

/* The golden model loaded, with a cache and forward state for FT_CTX
 * positions taking FT_CTX tokens a call. */
struct fwd_fixture {
    struct gguf_file f;
    struct model     m;
    void            *mem;
    size_t           bytes;
    struct arena     a;
    struct kv_cache  kv, kv2;
    struct fwd_state fs, fs4;   /* fs4: 4 sessions together */
    int              stage;   /* 0 nothing, 1 gguf, 2 model, 3 memory */
};

static void fixture_close(struct fwd_fixture *x)
{
    if (x->stage >= 3)
        llm_free(x->mem, x->bytes);
    if (x->stage >= 2)
        model_free(&x->m);
    if (x->stage >= 1)
        gguf_close(&x->f);
    x->stage = 0;
}

static int fixture_open(struct fwd_fixture *x, struct llm_err *err)
{
    memset(x, 0, sizeof *x);
    if (gguf_open(&x->f, golden_model, golden_model_size, err))
        return -1;
    x->stage = 1;
    if (model_load(&x->m, &x->f, err))
        return -1;
    x->stage = 2;
    const uint32_t kv_dim = model_kv_dim(&x->m.hp);
    x->bytes = 2 * kv_cache_arena_bytes(x->m.hp.n_layer, FT_CTX, kv_dim, GGML_TYPE_F32) +
               forward_mem_needed(&x->m, FT_CTX, FT_CTX, false) + forward_mem_needed(&x->m, FT_CTX, 4, true);
    if (!(x->mem = llm_alloc(x->bytes, 64)))
        return llm_errf(err, "out of memory (%zu bytes)", x->bytes);
    x->stage = 3;
    arena_init(&x->a, x->mem, x->bytes);
    if (kv_cache_init(&x->kv, x->m.hp.n_layer, FT_CTX, kv_dim, GGML_TYPE_F32, &x->a) ||
        kv_cache_init(&x->kv2, x->m.hp.n_layer, FT_CTX, kv_dim, GGML_TYPE_F32, &x->a) ||
        forward_init(&x->fs, &x->m, FT_CTX, FT_CTX, false, &x->a) ||
        forward_init(&x->fs4, &x->m, FT_CTX, 4, true, &x->a))
        return llm_errf(err, "arena of %zu bytes too small", x->bytes);
    return 0;
}

static void check_refusals(struct selftest_ctx *t, struct fwd_fixture *x)
{
    int32_t ids[FT_CTX] = { 0 };
    kv_cache_clear(&x->kv);
    ST_CHECK(forward(&x->m, &x->fs, &x->kv, ids, 3, false) == 0 && x->kv.n_used == 3, "3 tokens refused");
    /* 3 + FT_CTX - 2 positions: two more than the context holds */
    ST_CHECK(forward(&x->m, &x->fs, &x->kv, ids, FT_CTX - 2, false) == -1 && x->kv.n_used == 3,
             "a batch past the context was accepted (%u used)", x->kv.n_used);
    int32_t bad = (int32_t)x->m.hp.n_vocab, neg = -1;
    ST_CHECK(forward(&x->m, &x->fs, &x->kv, &bad, 1, false) == -1 && x->kv.n_used == 3,
             "token id %d accepted", (int)bad);
    ST_CHECK(forward(&x->m, &x->fs, &x->kv, &neg, 1, false) == -1 && x->kv.n_used == 3, "token id -1 accepted");
    ST_CHECK(forward(&x->m, &x->fs, &x->kv, ids, 0, false) == -1, "an empty batch was accepted");
}

static void check_session_refusals(struct selftest_ctx *t, struct fwd_fixture *x)
{
    int32_t ids[FT_CTX] = { 0 }, bad[2] = { 0, (int32_t)x->m.hp.n_vocab };
    struct kv_cache *both[2] = { &x->kv, &x->kv2 }, *twice[2] = { &x->kv, &x->kv };
    kv_cache_clear(&x->kv);
    kv_cache_clear(&x->kv2);
    ST_CHECK(forward_sessions(&x->m, &x->fs, both, ids, 2) == -1, "2 sessions into 1 logit row accepted");
    ST_CHECK(forward_sessions(&x->m, &x->fs4, twice, ids, 2) == -1, "a cache twice accepted");
    ST_CHECK(forward_sessions(&x->m, &x->fs4, both, bad, 2) == -1, "token id %d in session 1 accepted", (int)bad[1]);
    ST_CHECK(forward_sessions(&x->m, &x->fs4, both, ids, 0) == -1, "no sessions accepted");
    ST_CHECK(x->kv.n_used == 0 && x->kv2.n_used == 0, "a refused batch advanced a cache (%u, %u)", x->kv.n_used,
             x->kv2.n_used);
    ST_CHECK(forward(&x->m, &x->fs, &x->kv2, ids, FT_CTX, false) == 0, "a full context's batch refused");
    ST_CHECK(forward_sessions(&x->m, &x->fs4, both, ids, 2) == -1 && x->kv.n_used == 0,
             "a full session accepted, or the other advanced (%u)", x->kv.n_used);
    kv_cache_clear(&x->kv2);
    ST_CHECK(forward_sessions(&x->m, &x->fs4, both, ids, 2) == 0 && x->kv.n_used == 1 && x->kv2.n_used == 1,
             "2 sessions refused (%u, %u used)", x->kv.n_used, x->kv2.n_used);
}

SELFTEST(forward_rejects_bad_batches)
{
    struct fwd_fixture x;
    struct llm_err err = {{0}};
    int rc = fixture_open(&x, &err);
    if (rc == 0) {
        check_refusals(t, &x);
        check_session_refusals(t, &x);
    }
    fixture_close(&x);
    ST_CHECK(rc == 0, "golden model: %s", err.msg);
}
