/* llm/golden.h: a generated model and what the host build of the engine
 * computed for it (build/gen/golden.c, written at build time by
 * scripts/gen_golden.c): llm/forward_golden_test.c recomputes it wherever the
 * selftests run (the kernel above all) and compares. */
#ifndef LLM_GOLDEN_H
#define LLM_GOLDEN_H
#include <stdint.h>

#define GOLDEN_STEPS  4                    /* greedy steps recorded */
#define GOLDEN_PROMPT "Once upon a time"

extern const uint8_t  golden_model[];
extern const uint32_t golden_model_size;
extern const uint32_t golden_n_vocab;
extern const int32_t  golden_ids[GOLDEN_STEPS];
extern const float    golden_logits[];     /* [GOLDEN_STEPS][golden_n_vocab] */

#endif
