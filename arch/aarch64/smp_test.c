/* arch/aarch64/smp_test.c: smp_parallel_for runs every item exactly once and
 * spreads the work over every online cpu. */
#include "lib/selftest.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/string.h"

struct pf_state {
    int hits[256];
    int by_cpu[MAX_CPUS];
    int nested_sum;
};

static void slow_item(int i, void *arg)
{
    struct pf_state *s = arg;
    __atomic_fetch_add(&s->hits[i], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->by_cpu[smp_cpu_id()], 1, __ATOMIC_RELAXED);
    delay_ns(500000);                   /* long enough that sleeping cpus wake and join */
}

SELFTEST(smp_parallel_for_all_cpus)
{
    static struct pf_state s;
    int cpus = smp_cpu_count(), n = 16 * cpus;
    memset(&s, 0, sizeof(s));
    smp_parallel_for(n, slow_item, &s);
    for (int i = 0; i < n; i++)
        ST_CHECK(s.hits[i] == 1, "item %d ran %d times", i, s.hits[i]);
    for (int c = 0; c < cpus; c++)
        ST_CHECK(s.by_cpu[c] > 0, "cpu %d of %d did no work", c, cpus);
}

static void inner_item(int i, void *arg)
{
    __atomic_fetch_add((int *)arg, i, __ATOMIC_RELAXED);
}

static void outer_item(int i, void *arg)
{
    (void)i;
    smp_parallel_for(10, inner_item, arg);   /* nested: runs serially on this cpu */
}

SELFTEST(smp_parallel_for_nested_and_edges)
{
    int sum = 0;
    smp_parallel_for(8, outer_item, &sum);
    ST_CHECK(sum == 8 * 45, "nested sum %d, want %d", sum, 8 * 45);
    sum = 0;
    smp_parallel_for(0, inner_item, &sum);
    smp_parallel_for(1, inner_item, &sum);
    ST_CHECK(sum == 0, "n=0 and n=1 sum %d", sum);
    ST_CHECK(smp_cpu_id() == 0, "selftests run on cpu 0, got %d", smp_cpu_id());
}
