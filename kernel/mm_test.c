/* kernel/mm_test.c: page allocator and heap selftests (kernel only). */
#include "lib/selftest.h"
#include "lib/string.h"
#include "kernel/mm.h"

SELFTEST(page_alloc_runs)
{
    struct mem_stats before, after;
    mem_get_stats(&before);
    uint8_t *a = page_alloc(1), *b = page_alloc(3), *c = page_alloc(1024);   /* c: 4 MiB */
    ST_CHECK(a && b && c, "allocation failed: %p %p %p", a, b, c);
    ST_CHECK(((uintptr_t)a | (uintptr_t)b | (uintptr_t)c) % MM_PAGE == 0, "not page aligned");
    ST_CHECK(a + MM_PAGE <= b || b + 3 * MM_PAGE <= a, "runs a and b overlap");
    ST_CHECK(c + 1024 * MM_PAGE <= b || b + 3 * MM_PAGE <= c, "runs b and c overlap");
    for (size_t i = 0; i < 1024 * MM_PAGE; i += 512)
        c[i] = (uint8_t)(i >> 9);
    for (size_t i = 0; i < 1024 * MM_PAGE; i += 512)
        ST_CHECK(c[i] == (uint8_t)(i >> 9), "4 MiB run lost a write at %zu", i);
    struct mem_stats mid;
    mem_get_stats(&mid);
    ST_CHECK(before.free_bytes - mid.free_bytes == 1028 * MM_PAGE, "free dropped by %llu",
             (unsigned long long)(before.free_bytes - mid.free_bytes));
    page_free(a, 1);
    page_free(b, 3);
    page_free(c, 1024);
    mem_get_stats(&after);
    ST_CHECK(after.free_bytes == before.free_bytes, "free %llu != %llu after freeing",
             (unsigned long long)after.free_bytes, (unsigned long long)before.free_bytes);
}

SELFTEST(page_alloc_reuse_and_limits)
{
    void *p = page_alloc(16);
    ST_CHECK(p != NULL, "alloc 16 pages");
    page_free(p, 16);
    void *q = page_alloc(16);
    ST_CHECK(q == p, "first fit should reuse %p, got %p", p, q);
    page_free(q, 16);
    ST_CHECK(page_alloc(0) == NULL, "zero pages must fail");
    struct mem_stats s;
    mem_get_stats(&s);
    ST_CHECK(page_alloc(s.ram_bytes / MM_PAGE + 1) == NULL, "more pages than RAM must fail");
    ST_CHECK(s.largest_free <= s.free_bytes && s.largest_free > 0, "largest run %llu vs free %llu",
             (unsigned long long)s.largest_free, (unsigned long long)s.free_bytes);
}

SELFTEST(mem_reserve_takes_pages)
{
    uint8_t *p = page_alloc(2);
    ST_CHECK(p != NULL, "alloc");
    page_free(p, 2);
    struct mem_stats before, after;
    mem_get_stats(&before);
    mem_reserve((uint64_t)(uintptr_t)p + 100, 10);      /* inside the first page only */
    mem_get_stats(&after);
    ST_CHECK(before.free_bytes - after.free_bytes == MM_PAGE, "reserve took %llu bytes",
             (unsigned long long)(before.free_bytes - after.free_bytes));
    uint8_t *q = page_alloc(1);
    ST_CHECK(q != p, "reserved page handed out again");
    page_free(q, 1);
}

SELFTEST(heap_sizes_and_integrity)
{
    enum { N = 48 };
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 1000, 2032, 2033, 4000, 5000, 20000, 100000 };
    uint8_t *blocks[N];
    uint64_t pages0, used0, allocs0, pages1, used1, allocs1;
    heap_get_stats(&pages0, &used0, &allocs0);
    for (int i = 0; i < N; i++) {
        size_t n = sizes[i % 12];
        blocks[i] = kmalloc(n);
        ST_CHECK(blocks[i] != NULL, "kmalloc(%zu)", n);
        ST_CHECK((uintptr_t)blocks[i] % 16 == 0, "kmalloc(%zu) not 16-byte aligned", n);
        memset(blocks[i], i + 1, n);
    }
    for (int i = 0; i < N; i++) {
        size_t n = sizes[i % 12];
        for (size_t j = 0; j < n; j++)
            ST_CHECK(blocks[i][j] == (uint8_t)(i + 1), "block %d byte %zu overwritten", i, j);
    }
    for (int i = 0; i < N; i += 2)
        kfree(blocks[i]);
    for (int i = 1; i < N; i += 2)
        kfree(blocks[i]);
    heap_get_stats(&pages1, &used1, &allocs1);
    ST_CHECK(allocs1 == allocs0 && used1 == used0, "live blocks %llu -> %llu, bytes %llu -> %llu",
             (unsigned long long)allocs0, (unsigned long long)allocs1,
             (unsigned long long)used0, (unsigned long long)used1);
    ST_CHECK(kmalloc((size_t)1 << 50) == NULL, "absurd size must fail");
    uint8_t *z = kzalloc(3000);
    ST_CHECK(z != NULL, "kzalloc");
    for (int i = 0; i < 3000; i++)
        ST_CHECK(z[i] == 0, "kzalloc byte %d not zero", i);
    kfree(z);
}
