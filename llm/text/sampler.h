/* llm/text/sampler.h: choose the next token from logits: greedy (ties go to the
 * lowest id) or llama.cpp's chain: repetition penalty, top-k, top-p, min-p,
 * temperature, then a draw from a seeded PRNG (same seed, same text everywhere). */
#ifndef LLM_SAMPLER_H
#define LLM_SAMPLER_H
#include <stdint.h>
#include <stdbool.h>
#include "llm/arena.h"
#include "llm/llm.h"   /* struct llm_sampling: the parameters */

struct sampler {
    struct llm_sampling p;
    uint64_t  rng;           /* lib/rand.h state, starts at the seed */
    uint32_t  n_vocab;
    float    *probs;         /* n_vocab scratch */
    int32_t  *idx;           /* n_vocab scratch */
    int32_t  *recent;        /* last repeat_last_n tokens, ring */
    int32_t   n_recent, recent_pos;
};

/* Scratch comes from the arena (n_vocab floats and ints); returns -1 if it does not fit. */
int     sampler_init(struct sampler *s, const struct llm_sampling *p, uint32_t n_vocab, struct arena *a);
void    sampler_accept(struct sampler *s, int32_t id);   /* remember for the repetition penalty */
/* logits may be modified (penalty, temperature). */
int32_t sampler_sample(struct sampler *s, float *logits);
/* The first id of the largest non-NaN logit (0 when all are NaN). */
int32_t sampler_argmax(const float *logits, uint32_t n);
/* One pass (spread over llm_parallel_for) for the generation loop: whether
 * every logit is finite, and sampler_argmax with id skip (-1: none) left out,
 * as if it were -inf. */
struct sampler_scan {
    bool    finite;
    int32_t argmax;
};
struct sampler_scan sampler_scan(const float *logits, uint32_t n, int32_t skip);
/* sampler_sample would return the argmax of the logits as they are (greedy,
 * and no penalty to apply). */
bool    sampler_greedy(const struct sampler *s);

#endif
