/* llm/quant/repack_test.c: the 4-row Q4_0 layout (llm/quant/repack.h): where
 * each byte goes, that unrepacking gives the rows back, and that a model
 * repacked in place (the kernel's default) computes the same logits bit for
 * bit, reports its progress up to the whole, and gives the file's bytes
 * back, unchanged, when closed. */
#include "lib/rand.h"
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/golden.h"
#include "llm/llm.h"
#include "llm/platform.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant_impl.h"
#include "llm/quant/repack.h"

SELFTEST(repack_layout_round_trip)
{
    enum { N = 96, ROWS = 8, NB = N / QK };
    static struct block_q4_0 w[ROWS * NB], back[ROWS * NB];
    static uint8_t x4[ROWS / 4 * NB * REPACK_Q4_0X4_BLOCK];
    uint64_t s = 99;
    for (size_t i = 0; i < sizeof w; i++)
        ((uint8_t *)w)[i] = (uint8_t)rand_u64(&s);
    ST_CHECK(repack_q4_0x4_bytes(N, ROWS) == sizeof x4 && sizeof x4 == sizeof w, "the layout keeps the size");
    repack_q4_0x4(w, N, ROWS, x4);
    /* row 6 (group 1, row 2 of it), block 1: its scale and its word 3 */
    const uint8_t *blk = x4 + (1 * NB + 1) * REPACK_Q4_0X4_BLOCK;
    ST_CHECK(memcmp(blk + 2 * 2, &w[6 * NB + 1].d, 2) == 0, "row 6 block 1: scale misplaced");
    ST_CHECK(memcmp(blk + REPACK_Q4_0X4_QS + 16 * 3 + 4 * 2, w[6 * NB + 1].qs + 12, 4) == 0,
             "row 6 block 1: word 3 misplaced");
    unrepack_q4_0x4(x4, N, ROWS, back);
    ST_CHECK(memcmp(back, w, sizeof w) == 0, "unrepack does not give the rows back");
}

struct first_logits {
    float   *v;
    uint32_t n;
};

static void keep_step0(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct first_logits *f = ctx;
    if (step == 0 && n_vocab <= f->n)
        memcpy(f->v, logits, (size_t)n_vocab * sizeof(float)), f->n = n_vocab;
}

static bool noop_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    (void)ctx, (void)id, (void)text, (void)len;
    return true;
}

/* Step 0's logits of GOLDEN_PROMPT on the model at data, opened with o. */
static int step0(const void *data, size_t size, const struct llm_model_opts *o, struct first_logits *f,
                 struct llm_model_info *mi, struct llm_err *err)
{
    struct llm_model *m;
    struct llm_session *s;
    const struct llm_session_opts so = { .n_ctx = 32, .kv_type = LLM_KV_F16 };
    struct llm_request r = { .prompt = GOLDEN_PROMPT, .prompt_len = strlen(GOLDEN_PROMPT), .n_predict = 1 };
    struct llm_callbacks cb = { .ctx = f, .on_logits = keep_step0, .on_token = noop_token };
    struct llm_stats st;
    llm_default_sampling(&r.sp);
    r.sp.temp = 0;
    if (llm_open_model(&m, data, size, o, err))
        return -1;
    llm_get_model_info(m, mi);
    int rc = llm_open_session(&s, m, &so, err);
    if (rc == 0) {
        rc = llm_generate(s, &r, &cb, &st, err);
        llm_close_session(s);
    }
    llm_close_model(m);
    return rc;
}

struct progress_log {
    uint32_t calls;
    uint64_t done, total;
};

static void log_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct progress_log *p = ctx;
    p->calls++, p->done = done, p->total = total;
}

SELFTEST(repack_in_place_same_logits_bytes_restored)
{
    struct llm_err err = {{0}};
    const size_t size = golden_model_size, lbytes = (size_t)golden_n_vocab * sizeof(float);
    uint8_t *copy = llm_alloc(size, 64);
    float *want = llm_alloc(lbytes, 64), *got = llm_alloc(lbytes, 64);
    ST_CHECK(copy && want && got, "out of memory");
    if (!copy || !want || !got)
        goto out;
    memcpy(copy, golden_model, size);
    struct first_logits a = { want, golden_n_vocab }, b = { got, golden_n_vocab };
    struct llm_model_info ma, mb;
    struct progress_log prog = { 0 };
    const struct llm_model_opts plain = { 0 }, in_place = { .repack = true, .in_place = true,
                                                           .on_progress = log_progress, .progress_ctx = &prog };
    ST_CHECK(step0(golden_model, size, &plain, &a, &ma, &err) == 0, "file's rows: %s", err.msg);
    ST_CHECK(step0(copy, size, &in_place, &b, &mb, &err) == 0, "in place: %s", err.msg);
    ST_CHECK(a.n == golden_n_vocab && b.n == golden_n_vocab, "logits of step 0 missing");
    if (cpu_ops()->q4_0x4)   /* the kernels that read the layout: the golden model has Q4_0 matmuls */
    {
        ST_CHECK(mb.packed_in_place > 0 && mb.packed_bytes == 0, "in place: %llu repacked, %llu copied",
                 (unsigned long long)mb.packed_in_place, (unsigned long long)mb.packed_bytes);
        ST_CHECK(prog.calls > 0 && prog.done == prog.total && prog.total == mb.packed_in_place,
                 "progress: %u calls, last %llu of %llu", prog.calls, (unsigned long long)prog.done,
                 (unsigned long long)prog.total);
    }
    ST_CHECK(memcmp(want, got, lbytes) == 0, "in-place repacked logits differ from the file's rows");
    ST_CHECK(memcmp(copy, golden_model, size) == 0, "closing did not restore the file's bytes");
out:
    if (copy)
        llm_free(copy, size);
    if (want)
        llm_free(want, lbytes);
    if (got)
        llm_free(got, lbytes);
}
