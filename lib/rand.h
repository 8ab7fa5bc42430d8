/* lib/rand.h: the project's one pseudo-random generator, splitmix64 (Steele,
 * Lea and Flood, "Fast splittable pseudorandom number generators", 2014; the
 * constants of Vigna's splitmix64.c). 64 bits of state, every value a valid
 * seed (0 too), integer-only, so a seed gives the same sequence in the kernel
 * and on every host. It draws the sampler's tokens, llm bench's prompt, the
 * generated models' weights, the corruption sweep's mutations and the tests'
 * random inputs. Not for secrets. */
#ifndef LIB_RAND_H
#define LIB_RAND_H
#include <stdint.h>

/* The next 64 random bits; advances *state. */
uint64_t rand_u64(uint64_t *state);

/* Uniform in [lo, hi] (hi only by rounding): the top 24 bits of rand_u64 as a float in [0, 1)
 * (exact), times (hi - lo), plus lo. */
float rand_float(uint64_t *state, float lo, float hi);

#endif
