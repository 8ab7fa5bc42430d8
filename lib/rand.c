/* lib/rand.c: splitmix64 (see lib/rand.h). */
#include "lib/rand.h"

uint64_t rand_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);   /* the golden-ratio step: a full period */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float rand_float(uint64_t *state, float lo, float hi)
{
    return lo + (hi - lo) * ((float)(rand_u64(state) >> 40) * 0x1p-24f);
}
