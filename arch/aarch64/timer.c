/* arch/aarch64/timer.c: the generic timer. time_ns() reads the virtual count
 * (CNTVCT_EL0) against CNTFRQ_EL0; the virtual timer's PPI gives one-shot
 * callbacks per cpu (used by the selftest, later by timeouts). */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"

static uint64_t freq, count0;
static struct { void (*fn)(void *); void *arg; } oneshot[MAX_CPUS];

static uint64_t count_now(void)
{
    isb();
    return read_sysreg(cntvct_el0);
}

uint64_t timer_freq_hz(void) { return freq; }

uint64_t time_ns(void)
{
    if (!freq)
        return 0;
    uint64_t c = count_now() - count0;
    return c / freq * 1000000000ull + c % freq * 1000000000ull / freq;
}

void delay_ns(uint64_t ns)
{
    uint64_t end = time_ns() + ns;
    while (time_ns() < end)
        cpu_relax();
}

static void timer_irq(uint32_t intid, void *arg)
{
    (void)intid; (void)arg;
    int cpu = smp_cpu_id();
    write_sysreg(cntv_ctl_el0, 0);      /* one shot: stop it */
    void (*fn)(void *) = oneshot[cpu].fn;
    oneshot[cpu].fn = NULL;
    if (fn)
        fn(oneshot[cpu].arg);
}

void timer_oneshot(uint64_t ns, void (*fn)(void *arg), void *arg)
{
    int cpu = smp_cpu_id();
    oneshot[cpu].arg = arg;
    oneshot[cpu].fn = fn;
    uint64_t ticks = ns / 1000 * freq / 1000000;
    write_sysreg(cntv_tval_el0, ticks ? ticks : 1);
    write_sysreg(cntv_ctl_el0, 1);      /* enable, not masked */
    isb();
}

void cpu_idle_ns(uint64_t ns)
{
    if (!freq) {
        cpu_relax();
        return;
    }
    /* Masked, an interrupt that fires before the WFI still ends it (instead of
     * being taken first and leaving the WFI to sleep forever). */
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    timer_oneshot(ns, NULL, NULL);
    __asm__ volatile("wfi" ::: "memory");   /* QEMU halts the vCPU: no host CPU burnt */
    write_sysreg(daif, daif);
    isb();
}

void timer_init_cpu(void)
{
    write_sysreg(cntv_ctl_el0, 0);
    irq_unmask(fdt.timer_virt_intid);
}

void timer_init(void)
{
    freq = read_sysreg(cntfrq_el0);
    count0 = count_now();
    irq_register(fdt.timer_virt_intid, timer_irq, NULL);
    timer_init_cpu();
}
