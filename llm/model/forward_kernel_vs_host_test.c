/* llm/model/forward_kernel_vs_host_test.c: a check of the kernel (and of any
 * build but the x86-64 host's) against the host build, not against an
 * independent truth: the whole generation path (GGUF parse, model load,
 * tokenizer, batch prefill, KV-cached decode, greedy sampling) on the generated
 * model embedded by the build, against the logits and ids the x86-64 host build
 * computed for it at build time (scripts/gen_golden.c, llm/golden.h). On that
 * host build it would compare the build with itself, so the Makefile leaves it
 * out there; the truth checks are tests/golden (llama.cpp's outputs). Host x86
 * and aarch64 NEON sum in different orders, so logits agree to 1e-3 (relative
 * above 1), ids exactly. */
#include "lib/math.h"
#include "lib/selftest.h"
#include "llm/golden.h"

/* The largest scaled difference from the host's logits, and where. */
struct golden_diff {
    uint32_t n_steps, bad_step, bad_index;
    float    worst, got;     /* largest scaled difference seen, and our logit there */
};

static void golden_compare(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct golden_diff *g = ctx;
    if (n_vocab != golden_n_vocab)
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

SELFTEST(forward_kernel_vs_host)
{
    struct llm_err err = {{0}};
    struct golden_diff g = { 0 };
    struct golden_run run = { .on_logits = golden_compare, .ctx = &g };
    int rc = golden_generate(golden_model, golden_model_size, &run, &err);
    ST_CHECK(rc == 0, "golden run: %s", err.msg);
    ST_CHECK(g.n_steps == GOLDEN_STEPS && run.n_ids == GOLDEN_STEPS, "%u steps, %u ids", g.n_steps, run.n_ids);
    ST_CHECK(g.worst <= 1e-3f, "step %u logit %u: %g, host %g", g.bad_step, g.bad_index,
             (double)g.got, (double)golden_logits[(size_t)g.bad_step * golden_n_vocab + g.bad_index]);
    for (int i = 0; i < GOLDEN_STEPS; i++)
        ST_CHECK(run.ids[i] == golden_ids[i], "step %d: id %d, host %d", i, (int)run.ids[i], (int)golden_ids[i]);
}
