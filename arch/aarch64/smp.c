/* arch/aarch64/smp.c: secondary cpus. smp_init() starts each DTB cpu with PSCI
 * CPU_ON at secondary_entry (head.S: own stacks, MMU, FP); it then parks in
 * WFI (QEMU really halts a vCPU in WFI, while WFE spins) until an SGI says a
 * new parallel_for job is posted. Work items are claimed with an atomic
 * counter by every online cpu, the caller included. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"
#include "kernel/console.h"

#define SGI_WAKE 0


static int online = 1;
static volatile bool cpu_up[MAX_CPUS];

static struct {
    void (*fn)(int i, void *arg);
    void *arg;
    int n, next, finished;
    unsigned gen;
    int busy;                           /* a job is running: nested calls go serial */
} job;

int smp_cpu_id(void) { return (int)read_sysreg(tpidr_el1); }
int smp_cpu_count(void) { return __atomic_load_n(&online, __ATOMIC_ACQUIRE); }

static void run_items(void (*fn)(int, void *), void *arg, int n)
{
    int i;
    while ((i = __atomic_fetch_add(&job.next, 1, __ATOMIC_RELAXED)) < n)
        fn(i, arg);
}

static void sgi_wake(uint32_t intid, void *arg) { (void)intid; (void)arg; }

void secondary_main(uint64_t cpu)
{
    gic_init_cpu();
    timer_init_cpu();
    irq_register(SGI_WAKE, sgi_wake, NULL);
    irq_unmask(SGI_WAKE);
    unsigned seen = __atomic_load_n(&job.gen, __ATOMIC_ACQUIRE);
    cpu_up[cpu] = true;
    __atomic_fetch_add(&online, 1, __ATOMIC_RELEASE);
    for (;;) {
        /* Masked, a pending SGI still ends WFI; unmasking then takes and acks it. */
        irq_disable();
        if (__atomic_load_n(&job.gen, __ATOMIC_ACQUIRE) == seen)
            __asm__ volatile("wfi" ::: "memory");
        irq_enable();
        isb();
        unsigned gen = __atomic_load_n(&job.gen, __ATOMIC_ACQUIRE);
        if (gen == seen)
            continue;
        seen = gen;
        run_items(job.fn, job.arg, job.n);
        __atomic_fetch_add(&job.finished, 1, __ATOMIC_RELEASE);
    }
}

void smp_parallel_for(int n, void (*fn)(int i, void *arg), void *arg)
{
    int cpus = smp_cpu_count();
    if (n <= 0)
        return;
    if (cpus == 1 || n == 1 || __atomic_exchange_n(&job.busy, 1, __ATOMIC_ACQUIRE)) {
        for (int i = 0; i < n; i++)
            fn(i, arg);
        return;
    }
    job.fn = fn;
    job.arg = arg;
    job.n = n;
    job.next = 0;
    job.finished = 0;
    __atomic_fetch_add(&job.gen, 1, __ATOMIC_RELEASE);
    dsb(ish);
    irq_send_sgi_others(SGI_WAKE);
    run_items(fn, arg, n);
    while (__atomic_load_n(&job.finished, __ATOMIC_ACQUIRE) < cpus - 1)
        cpu_relax();
    __atomic_store_n(&job.busy, 0, __ATOMIC_RELEASE);
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
    /* The boot cpu takes the wake SGI too (harmlessly) once interrupts are on. */
    irq_register(SGI_WAKE, sgi_wake, NULL);
}
