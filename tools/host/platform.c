/* tools/host/platform.c: llm/platform.h for Linux with libc and pthreads.
 * llm_parallel_for uses a persistent pool: workers sleep on a condition
 * variable between calls and claim indices from an atomic counter. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif
#include "llm/platform.h"
#include "tools/host/host.h"

/* ------------------------------------------------------------- memory */

#if defined(__SANITIZE_ADDRESS__)
#define HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_ASAN 1
#endif
#endif

#ifdef HOST_ASAN
/* Sanitizer builds (make host-asan, fuzz): exact-size heap blocks, so ASan's
 * redzones catch a read or write one byte past any engine buffer (mmap'd
 * pages hide overruns up to the page end). */
void *llm_alloc(size_t bytes, size_t align)
{
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if (posix_memalign(&p, align, bytes ? bytes : 1) != 0)
        return NULL;
    return memset(p, 0, bytes);
}

void llm_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}
#else
/* mmap gives zeroed, page-aligned memory whose untouched pages cost nothing,
 * which suits KV caches sized for a full context. Larger alignments are
 * obtained by over-mapping and trimming both ends. */
void *llm_alloc(size_t bytes, size_t align)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (bytes == 0)
        bytes = 1;
    if (align <= page) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    if (align & (align - 1) || bytes > SIZE_MAX - align)
        return NULL;
    size_t len = bytes + align;
    uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    size_t end = ((uintptr_t)p + bytes + page - 1) & ~(uintptr_t)(page - 1);
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if ((uintptr_t)raw + len > end)
        munmap((void *)end, (uintptr_t)raw + len - end);
    return p;
}

void llm_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}
#endif

size_t llm_mem_available(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return 0;
    return (size_t)(si.freeram + si.bufferram) * si.mem_unit;
}

/* ------------------------------------------------------------- time, output */

uint64_t llm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void llm_write(const char *s, size_t n)
{
    fwrite(s, 1, n, stdout);
    fflush(stdout);
}

/* ------------------------------------------------------------- Ctrl-C */

static volatile sig_atomic_t sigint_seen;

static void on_sigint(int sig)
{
    (void)sig;
    sigint_seen = 1;
}

void host_setup_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

bool llm_interrupted(void)
{
    bool seen = sigint_seen != 0;
    sigint_seen = 0;
    return seen;
}

/* ------------------------------------------------------------- CPU */

/* The thread count in use, resolved when set: llm_cpu_count runs for every
 * matmul and every pool job, and glibc answers _SC_NPROCESSORS_ONLN by
 * reading /sys (three syscalls, each a host call under qemu-user). */
static _Atomic int n_threads;   /* 0 = not set yet: all online CPUs */

void llm_set_threads(int n)
{
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online < 1 ? 1 : (int)online;
    }
    atomic_store(&n_threads, n);
}

int llm_cpu_count(void)
{
    if (atomic_load(&n_threads) == 0)
        llm_set_threads(0);
    return atomic_load(&n_threads);
}

uint32_t llm_cpu_features(void)
{
#if defined(__aarch64__)
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    uint32_t f = 0;
    if (hw & HWCAP_ASIMD)   f |= LLM_CPU_ASIMD;
    if (hw & HWCAP_ASIMDDP) f |= LLM_CPU_DOTPROD;
    if (hw & HWCAP_ASIMDHP) f |= LLM_CPU_FP16;
    if (hw & HWCAP_SVE)     f |= LLM_CPU_SVE;
#ifdef HWCAP2_I8MM
    if (hw2 & HWCAP2_I8MM)  f |= LLM_CPU_I8MM;
#else
    (void)hw2;
#endif
    return f;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------- thread pool */

/* As arch/aarch64/smp.c: items are claimed by compare-and-swap on one word
 * (generation << 32 | next index) by every thread including the caller, so
 * the caller waits only for items actually claimed, never for a worker that
 * is still asleep. A job's fn/arg/n sit in one of two slots (by generation
 * parity): a claim that succeeded pins its job as current. Workers poll for
 * the next job a while before sleeping on the condition variable: a token
 * runs dozens of small jobs back to back, and a futex wake-up per job (a
 * host syscall under qemu-user) would cost as much as the job. Workers past
 * the thread count (llm_set_threads lowered it) park on their own condition
 * variable, so they neither claim items nor cost the poster a wake-up. */
#define POOL_MAX  64
#define SPIN_NS   200000

struct pool_slot {
    void (*fn)(int i, void *arg);
    void *arg;
    _Atomic uint32_t n;   /* read before a claim, possibly as the slot is rewritten */
};

static struct {
    pthread_mutex_t  lock;
    pthread_cond_t   wake, resize;
    int              n_workers;
    int              sleepers;      /* workers in (or entering) the wait, under lock */
    struct pool_slot slots[2];
    _Atomic uint64_t claim;         /* generation << 32 | next item */
    _Atomic uint32_t done;          /* items finished in the current job */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
           .resize = PTHREAD_COND_INITIALIZER };

static uint32_t gen_of(uint64_t w) { return (uint32_t)(w >> 32); }

/* Claim and run items of job gen until none is left or a newer job started. */
static void pool_run(uint32_t gen)
{
    const struct pool_slot *s = &pool.slots[gen & 1];
    uint64_t w = atomic_load(&pool.claim);
    for (;;) {
        if (gen_of(w) != gen || (uint32_t)w >= atomic_load_explicit(&s->n, memory_order_relaxed))
            return;
        if (!atomic_compare_exchange_weak(&pool.claim, &w, w + 1))
            continue;                   /* w was reloaded */
        s->fn((int)(uint32_t)w, s->arg);
        atomic_fetch_add(&pool.done, 1);
        w = atomic_load(&pool.claim);
    }
}

static inline void pool_relax(void)
{
#if defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("pause" ::: "memory");
#endif
}

/* The generation of a job newer than seen: poll first, then sleep. */
static uint32_t pool_wait(uint32_t seen)
{
    uint64_t spin_end = llm_now_ns() + SPIN_NS;
    uint32_t gen, polls = 0;
    while ((gen = gen_of(atomic_load(&pool.claim))) == seen) {
        /* Syscalls only every 256 polls (each is a host call under
         * qemu-user): the clock, and a yield so that an oversubscribed
         * host runs the poster meanwhile. */
        if (++polls % 256) {
            pool_relax();
            continue;
        }
        if (llm_now_ns() < spin_end) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&pool.lock);
        pool.sleepers++;
        while ((gen = gen_of(atomic_load(&pool.claim))) == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
        pool.sleepers--;
        pthread_mutex_unlock(&pool.lock);
    }
    return gen;
}

/* Worker id (0-based) takes part while the thread count is above id + 1. */
static void *pool_worker(void *arg)
{
    const int id = (int)(intptr_t)arg;
    uint32_t seen = gen_of(atomic_load(&pool.claim));
    for (;;) {
        if (llm_cpu_count() <= id + 1) {
            pthread_mutex_lock(&pool.lock);
            while (llm_cpu_count() <= id + 1)
                pthread_cond_wait(&pool.resize, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
            seen = gen_of(atomic_load(&pool.claim));
            continue;
        }
        seen = pool_wait(seen);
        if (llm_cpu_count() > id + 1)   /* set before the job was posted: not lowered since */
            pool_run(seen);
    }
    return NULL;
}

/* Start workers up to the thread count, and wake parked ones. */
static void pool_resize(int want)
{
    if (want > POOL_MAX)
        want = POOL_MAX;
    pthread_mutex_lock(&pool.lock);
    while (pool.n_workers < want) {
        pthread_t t;
        if (pthread_create(&t, NULL, pool_worker, (void *)(intptr_t)pool.n_workers) != 0)
            break;
        pthread_detach(t);
        pool.n_workers++;
    }
    pthread_cond_broadcast(&pool.resize);
    pthread_mutex_unlock(&pool.lock);
}

/* One job at a time: llm/ calls this from a single thread. */
void llm_parallel_for(int n, void (*fn)(int i, void *arg), void *arg)
{
    static int started;   /* workers for this many threads exist and are awake */
    const int threads = llm_cpu_count();
    if (n <= 0)
        return;
    if (threads == 1)
        started = 1;
    if (n == 1 || threads == 1) {
        for (int i = 0; i < n; i++)
            fn(i, arg);
        return;
    }
    if (threads != started) {
        pool_resize(threads - 1);
        started = threads;
    }
    uint32_t gen = gen_of(atomic_load(&pool.claim)) + 1;
    struct pool_slot *s = &pool.slots[gen & 1];
    s->fn = fn;
    s->arg = arg;
    atomic_store_explicit(&s->n, (uint32_t)n, memory_order_relaxed);
    atomic_store(&pool.done, 0);
    /* The mutex orders the publication against a worker deciding to sleep. */
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.claim, (uint64_t)gen << 32);
    if (pool.sleepers > 0)
        pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    pool_run(gen);
    for (uint32_t polls = 1; atomic_load(&pool.done) < (uint32_t)n; polls++) {
        if (polls % 256)
            pool_relax();
        else
            sched_yield();   /* a worker holding the last item may need this core */
    }
}
