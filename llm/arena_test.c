/* llm/arena_test.c: selftests for the bump allocator. */
#include <stdint.h>
#include "lib/selftest.h"
#include "llm/arena.h"

static uint8_t arena_test_mem[1024] __attribute__((aligned(64)));

SELFTEST(arena_alignment)
{
    struct arena a;
    arena_init(&a, arena_test_mem + 1, 512);   /* deliberately misaligned base */
    uint8_t *p = arena_alloc(&a, 3, 1);
    ST_CHECK(p == arena_test_mem + 1, "first byte alloc at %p", (void *)p);
    size_t aligns[] = { 2, 4, 8, 16, 32, 64 };
    for (unsigned i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        uint8_t *q = arena_alloc(&a, 5, aligns[i]);
        ST_CHECK(q != NULL, "alloc align %zu failed", aligns[i]);
        ST_CHECK(((uintptr_t)q & (aligns[i] - 1)) == 0, "align %zu gave %p", aligns[i], (void *)q);
        ST_CHECK(q >= p + 3, "overlap");
        p = q;
    }
    ST_CHECK(arena_alloc(&a, 8, 3) == NULL, "non power-of-two align accepted");
    ST_CHECK(arena_alloc(&a, 8, 0) == NULL, "align 0 accepted");
}

SELFTEST(arena_full_and_zeroed)
{
    struct arena a;
    for (unsigned i = 0; i < 256; i++)
        arena_test_mem[i] = 0xAA;
    arena_init(&a, arena_test_mem, 256);
    uint8_t *p = arena_alloc(&a, 200, 8);
    ST_CHECK(p != NULL, "200 of 256 failed");
    for (int i = 0; i < 200; i++)
        ST_CHECK(p[i] == 0, "byte %d not zeroed", i);
    ST_CHECK(arena_alloc(&a, 57, 1) == NULL, "57 bytes fit in 56");
    ST_CHECK(arena_alloc(&a, (size_t)-1, 1) == NULL, "huge alloc accepted");
    ST_CHECK(arena_alloc(&a, 56, 1) != NULL, "exact fit refused");
    ST_CHECK(a.used == 256, "used %zu", a.used);
    ST_CHECK(arena_alloc(&a, 1, 1) == NULL, "alloc in full arena");
    ST_CHECK(arena_alloc(&a, 0, 1) != NULL, "zero-byte alloc in full arena");
}

SELFTEST(arena_mark_reset_peak)
{
    struct arena a;
    arena_init(&a, arena_test_mem, 1024);
    ST_CHECK(arena_alloc(&a, 100, 1) != NULL, "alloc");
    size_t m = arena_mark(&a);
    ST_CHECK(m == 100, "mark %zu", m);
    uint8_t *p = arena_alloc(&a, 300, 16);
    ST_CHECK(p != NULL, "alloc 300");
    p[0] = 7;
    size_t peak = a.peak;
    ST_CHECK(peak >= 400, "peak %zu", peak);
    arena_reset(&a, m);
    ST_CHECK(a.used == 100, "used after reset %zu", a.used);
    ST_CHECK(a.peak == peak, "peak changed by reset");
    uint8_t *q = arena_alloc(&a, 50, 16);
    ST_CHECK(q == p, "reuse after reset: %p vs %p", (void *)q, (void *)p);
    ST_CHECK(q[0] == 0, "reused memory not zeroed");
    ST_CHECK(a.peak == peak, "peak grew on smaller alloc");
    arena_reset(&a, 2000);  /* a mark beyond used is ignored */
    ST_CHECK(a.used == (size_t)(q - arena_test_mem) + 50, "bad reset moved used");
}
