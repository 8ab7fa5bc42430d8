/* tests/host/test_platform.c: the host implementation of llm/platform.h
 * (tools/host/platform.c): allocation alignment and zeroing, the thread pool
 * (every index exactly once over many calls in a row, thread counts changed
 * between jobs), Ctrl-C delivery, clock
 * and CPU queries. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "llm/platform.h"
#include "tools/host/host.h"

static int n_fail;

static void check(bool ok, const char *name, const char *why)
{
    printf(ok ? "PASS %s\n" : "FAIL %s: %s\n", name, why);
    n_fail += !ok;
}

static void check_alloc(void)
{
    static const size_t aligns[] = { 16, 64, 4096, 65536, 2u << 20 };
    bool ok = true;
    for (unsigned i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        size_t bytes = 3 * aligns[i] + 5;
        uint8_t *p = llm_alloc(bytes, aligns[i]);
        if (!p || (uintptr_t)p % aligns[i]) {
            ok = false;
            break;
        }
        for (size_t j = 0; j < bytes; j++)
            ok &= p[j] == 0;
        memset(p, 0xab, bytes);   /* the whole range is writable */
        llm_free(p, bytes);
    }
    check(ok, "platform/alloc_aligned_zeroed", "misaligned, unzeroed or failed allocation");
    check(llm_alloc((size_t)1 << 62, 64) == NULL, "platform/alloc_too_big", "2^62 bytes granted");
    check(llm_mem_available() > (1u << 20), "platform/mem_available", "less than 1 MiB reported");
}

#define N_ITEMS 1000
static atomic_int hits[N_ITEMS];

static void count_hit(int i, void *arg)
{
    atomic_fetch_add(&hits[i], 1);
    atomic_fetch_add((atomic_int *)arg, i);
}

static void check_parallel(void)
{
    bool ok = true;
    for (int round = 0; round < 2000 && ok; round++) {
        int n = 1 + round % N_ITEMS;
        atomic_int sum = 0;
        for (int i = 0; i < n; i++)
            atomic_store(&hits[i], 0);
        llm_parallel_for(n, count_hit, &sum);
        for (int i = 0; i < n; i++)
            ok &= atomic_load(&hits[i]) == 1;
        ok &= atomic_load(&sum) == n * (n - 1) / 2;
    }
    check(ok, "platform/parallel_for_each_index_once", "an index ran zero or several times");
    llm_parallel_for(0, count_hit, NULL);   /* no call for an empty range */
    check(llm_cpu_count() >= 1, "platform/cpu_count", "no CPU");
}

/* Which threads ran a job's items: a slot per distinct thread. */
static _Thread_local int thread_tag;
static atomic_int next_tag, tags_seen[64];

static void tag_hit(int i, void *arg)
{
    (void)arg;
    if (!thread_tag)
        thread_tag = atomic_fetch_add(&next_tag, 1) + 1;
    atomic_store(&tags_seen[thread_tag % 64], 1);
    atomic_fetch_add(&hits[i], 1);
}

/* llm_set_threads between jobs: the count is obeyed (1 = the caller only,
 * k = at most k threads), parked workers come back, every index once. */
static void check_thread_count(void)
{
    static const int counts[] = { 1, 2, 1, 3, 2, 1, 4, 0 };
    bool ok = true, obeyed = true;
    thread_tag = atomic_fetch_add(&next_tag, 1) + 1;   /* the caller's */
    for (unsigned c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        llm_set_threads(counts[c]);
        const int want = counts[c] ? counts[c] : llm_cpu_count();
        ok &= llm_cpu_count() == want;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < N_ITEMS; i++)
                atomic_store(&hits[i], 0);
            for (int t = 0; t < 64; t++)
                atomic_store(&tags_seen[t], 0);
            llm_parallel_for(N_ITEMS, tag_hit, NULL);
            int distinct = 0;
            for (int t = 0; t < 64; t++)
                distinct += atomic_load(&tags_seen[t]);
            for (int i = 0; i < N_ITEMS; i++)
                ok &= atomic_load(&hits[i]) == 1;
            obeyed &= distinct <= want && (want > 1 || atomic_load(&tags_seen[thread_tag % 64]));
        }
    }
    check(ok, "platform/set_threads_each_index_once", "an index ran zero or several times, or a wrong count");
    check(obeyed, "platform/set_threads_obeyed", "more threads ran items than were set");
}

static void check_misc(void)
{
    host_setup_sigint();
    check(!llm_interrupted(), "platform/not_interrupted", "interrupted before any SIGINT");
    raise(SIGINT);
    bool first = llm_interrupted(), second = llm_interrupted();
    check(first && !second, "platform/sigint_seen_once", "SIGINT not reported exactly once");
    uint64_t a = llm_now_ns(), b = llm_now_ns();
    check(a > 0 && b >= a, "platform/clock_monotonic", "clock went backwards");
#if defined(__aarch64__)
    check(llm_cpu_features() & LLM_CPU_ASIMD, "platform/cpu_features", "no ASIMD on aarch64");
#else
    check(llm_cpu_features() == 0, "platform/cpu_features", "arm features reported on non-arm host");
#endif
}

int main(void)
{
    check_alloc();
    check_parallel();
    check_thread_count();
    check_misc();
    return n_fail ? 1 : 0;
}
