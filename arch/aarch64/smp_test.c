/* arch/aarch64/smp_test.c: smp_parallel_for runs every item exactly once and
 * spreads the work over every online cpu. */
#include "lib/selftest.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/string.h"

struct pf_state {
    int hits[512];
    int by_cpu[MAX_CPUS];
    int arrived;
    bool timed_out;
};

static void count_item(int i, void *arg)
{
    struct pf_state *s = arg;
    __atomic_fetch_add(&s->hits[i], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->by_cpu[smp_cpu_id()], 1, __ATOMIC_RELAXED);
}

SELFTEST(smp_parallel_for_each_item_once)
{
    static struct pf_state s;
    memset(&s, 0, sizeof(s));
    for (int round = 0; round < 20; round++)
        smp_parallel_for(500, count_item, &s);
    for (int i = 0; i < 500; i++)
        ST_CHECK(s.hits[i] == 20, "item %d ran %d times in 20 rounds", i, s.hits[i]);
}

/* One item per cpu, each waiting for all the others: only if every online cpu
 * takes an item at the same time do they all arrive. */
static void barrier_item(int i, void *arg)
{
    struct pf_state *s = arg;
    (void)i;
    __atomic_fetch_add(&s->by_cpu[smp_cpu_id()], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->arrived, 1, __ATOMIC_ACQ_REL);
    uint64_t deadline = time_ns() + 5000000000ull;
    while (__atomic_load_n(&s->arrived, __ATOMIC_ACQUIRE) < smp_cpu_count())
        if (time_ns() > deadline) {
            s->timed_out = true;
            return;
        }
}

SELFTEST(smp_parallel_for_all_cpus)
{
    static struct pf_state s;
    int cpus = smp_cpu_count();
    memset(&s, 0, sizeof(s));
    smp_parallel_for(cpus, barrier_item, &s);
    ST_CHECK(!s.timed_out, "only %d of %d cpus joined within 5 s", s.arrived, cpus);
    for (int c = 0; c < cpus; c++)
        ST_CHECK(s.by_cpu[c] == 1, "cpu %d ran %d items, want 1", c, s.by_cpu[c]);
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
