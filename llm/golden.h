/* llm/golden.h: a generated model and what the host build of the engine
 * computed for it (build/gen/golden.c, written at build time by
 * scripts/gen_golden.c): llm/model/forward_kernel_vs_host_test.c recomputes it
 * in the kernel and the aarch64 selftest builds and compares. Both run golden_generate. */
#ifndef LLM_GOLDEN_H
#define LLM_GOLDEN_H
#include <stddef.h>
#include <stdint.h>
#include "llm/error.h"

#define GOLDEN_STEPS  4                    /* greedy steps recorded */
#define GOLDEN_PROMPT "Once upon a time"

extern const uint8_t  golden_model[];
extern const uint32_t golden_model_size;
extern const uint32_t golden_n_vocab;
extern const int32_t  golden_ids[GOLDEN_STEPS];
extern const float    golden_logits[];     /* [GOLDEN_STEPS][golden_n_vocab] */

/* The run itself: the model's bytes loaded, GOLDEN_PROMPT generated greedily
 * (F16 KV cache, EOS ignored) for GOLDEN_STEPS tokens; on_logits sees each
 * step's logits, ids collects the tokens. Everything is freed before it
 * returns 0, or -1 with err. */
struct golden_run {
    void   (*on_logits)(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab);
    void    *ctx;
    int32_t  ids[GOLDEN_STEPS];
    uint32_t n_ids;
};
int golden_generate(const void *model, size_t size, struct golden_run *g, struct llm_err *err);

#endif
