/* lib/rand_test.c: splitmix64 against the published outputs for seed 0, and
 * rand_float's range and spread. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/rand.h"

SELFTEST(rand_splitmix64_reference)
{
    /* The first outputs of Vigna's splitmix64.c from state 0. */
    static const uint64_t want[3] = { 0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full };
    uint64_t s = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t got = rand_u64(&s);
        ST_CHECK(got == want[i], "output %d of seed 0: %#llx, want %#llx", i,
                 (unsigned long long)got, (unsigned long long)want[i]);
    }
    ST_CHECK(s == 3 * 0x9e3779b97f4a7c15ull, "state after 3 draws: %#llx", (unsigned long long)s);
}

/* 16 bins of [-2, 6): every draw inside, every bin within 10% of its share. */
SELFTEST(rand_float_range)
{
    uint64_t s = 42;
    uint32_t bin[16] = { 0 };
    const int n = 16000;
    for (int i = 0; i < n; i++) {
        float x = rand_float(&s, -2.0f, 6.0f);
        ST_CHECK(x >= -2.0f && x < 6.0f, "draw %d: %d/1000 outside [-2, 6)", i, (int)(x * 1000));
        bin[(int)((x + 2.0f) * 2.0f)]++;
    }
    for (int b = 0; b < 16; b++)
        ST_CHECK(bin[b] > n / 16 * 9 / 10 && bin[b] < n / 16 * 11 / 10, "bin %d holds %u of %d", b, bin[b], n);
}
