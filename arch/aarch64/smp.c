/* arch/aarch64/smp.c: secondary cpus and smp_parallel_for.
 *
 * smp_init() starts each DTB cpu with PSCI CPU_ON at secondary_entry (head.S:
 * own stacks, MMU, FP). A secondary polls briefly for work, then parks in WFI
 * (QEMU really halts a vCPU in WFI; WFE would spin) until an SGI says a job
 * was posted.
 *
 * A job's items are claimed by compare-and-swap on one word holding
 * (generation << 32 | next index), by every cpu including the caller. A cpu
 * that wakes late sees a newer generation (or no items left) and claims
 * nothing, so the caller waits only for items actually claimed (done == n),
 * never for a cpu that is asleep or descheduled by the host. The job's
 * fn/arg/n sit in one of two slots (by generation parity): a slot is rewritten
 * only two jobs later, and a claim that succeeded pins its job as current. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"
#include "kernel/console.h"

#define SGI_WAKE 0
#define SPIN_NS  2000000                /* poll for the next job this long before WFI */

struct job_slot {
    void (*fn)(int i, void *arg);
    void *arg;
    uint32_t n;
};

static int online = 1;
static volatile bool cpu_up[MAX_CPUS];
static struct job_slot slots[2];
static uint64_t claim;                  /* generation << 32 | next item */
static uint32_t done;                   /* items finished in the current job */
static int sleepers;                    /* secondaries in (or entering) WFI */
static int busy;                        /* a job is running: nested calls go serial */

int smp_cpu_id(void) { return (int)read_sysreg(tpidr_el1); }
int smp_cpu_count(void) { return __atomic_load_n(&online, __ATOMIC_ACQUIRE); }

static uint32_t gen_of(uint64_t w) { return (uint32_t)(w >> 32); }

/* Claim and run items of job gen until none is left or a newer job started. */
static void run_items(uint32_t gen)
{
    const struct job_slot *s = &slots[gen & 1];
    uint64_t w = __atomic_load_n(&claim, __ATOMIC_ACQUIRE);
    for (;;) {
        if (gen_of(w) != gen || (uint32_t)w >= s->n)
            return;
        if (!__atomic_compare_exchange_n(&claim, &w, w + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue;                   /* w was reloaded */
        s->fn((int)(uint32_t)w, s->arg);
        __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
        w = __atomic_load_n(&claim, __ATOMIC_ACQUIRE);
    }
}

static void sgi_wake(uint32_t intid, void *arg) { (void)intid; (void)arg; }

/* The generation of a job newer than seen: poll first, then sleep in WFI. */
static uint32_t wait_for_job(uint32_t seen)
{
    uint64_t spin_end = time_ns() + SPIN_NS;
    uint32_t gen, polls = 0;
    while ((gen = gen_of(__atomic_load_n(&claim, __ATOMIC_ACQUIRE))) == seen) {
        /* The clock is read only every 256 polls: under QEMU's MTTCG a
         * counter read is an I/O register access that takes the global lock. */
        if (++polls % 256 || time_ns() < spin_end) {
            cpu_relax();
            continue;
        }
        /* Announce the sleep before the last look (the poster reads sleepers
         * after publishing); masked, a pending SGI still ends WFI, and
         * unmasking then takes and acknowledges it. */
        irq_disable();
        __atomic_fetch_add(&sleepers, 1, __ATOMIC_SEQ_CST);
        if (gen_of(__atomic_load_n(&claim, __ATOMIC_SEQ_CST)) == seen)
            __asm__ volatile("wfi" ::: "memory");
        __atomic_fetch_sub(&sleepers, 1, __ATOMIC_RELAXED);
        irq_enable();
        isb();
    }
    return gen;
}

void secondary_main(uint64_t cpu)
{
    gic_init_cpu();
    timer_init_cpu();
    irq_register(SGI_WAKE, sgi_wake, NULL);
    irq_unmask(SGI_WAKE);
    uint32_t seen = gen_of(__atomic_load_n(&claim, __ATOMIC_ACQUIRE));
    cpu_up[cpu] = true;
    __atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
    for (;;) {
        seen = wait_for_job(seen);
        run_items(seen);
    }
}

void smp_parallel_for(int n, void (*fn)(int i, void *arg), void *arg)
{
    if (n <= 0)
        return;
    if (smp_cpu_count() == 1 || n == 1 || __atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < n; i++)
            fn(i, arg);
        return;
    }
    uint32_t gen = gen_of(claim) + 1;
    slots[gen & 1] = (struct job_slot){ fn, arg, (uint32_t)n };
    done = 0;
    __atomic_store_n(&claim, (uint64_t)gen << 32, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST) > 0) {
        dsb(ish);
        irq_send_sgi_others(SGI_WAKE);
    }
    run_items(gen);
    while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < (uint32_t)n)
        cpu_relax();
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

void smp_init(void)
{
    uint64_t self = read_sysreg(mpidr_el1) & 0xff00ffffffull;
    int next = 1;
    for (int i = 0; i < fdt.ncpus && next < MAX_CPUS; i++) {
        uint64_t mpidr = fdt.cpu_mpidr[i];
        if (mpidr == self)
            continue;
        int cpu = next++;
        int64_t r = psci_cpu_on(mpidr, (uint64_t)(uintptr_t)secondary_entry, (uint64_t)cpu);
        if (r != 0) {
            kprintf("smp: CPU_ON mpidr %#llx failed (%lld)\n", (unsigned long long)mpidr, (long long)r);
            continue;
        }
        uint64_t deadline = time_ns() + 1000000000ull;
        while (!cpu_up[cpu] && time_ns() < deadline)
            cpu_relax();
        if (!cpu_up[cpu])
            kprintf("smp: cpu %d (mpidr %#llx) did not come up\n", cpu, (unsigned long long)mpidr);
    }
    /* The boot cpu may take a wake SGI too (harmlessly) once interrupts are on. */
    irq_register(SGI_WAKE, sgi_wake, NULL);
}
