/* arch/aarch64/timer_test.c: the generic timer counts forward at CNTFRQ, and
 * its interrupt arrives through the GIC. */
#include "lib/selftest.h"
#include "arch/aarch64/arch.h"

SELFTEST(timer_monotonic)
{
    ST_CHECK(timer_freq_hz() >= 1000000, "CNTFRQ %llu Hz", (unsigned long long)timer_freq_hz());
    uint64_t prev = time_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = time_ns();
        ST_CHECK(now >= prev, "time went back: %llu -> %llu", (unsigned long long)prev, (unsigned long long)now);
        prev = now;
    }
    uint64_t t0 = time_ns();
    delay_ns(2000000);
    uint64_t dt = time_ns() - t0;
    ST_CHECK(dt >= 2000000 && dt < 1000000000ull, "2 ms delay took %llu ns", (unsigned long long)dt);
}

static void on_timer(void *arg)
{
    *(volatile uint64_t *)arg = time_ns();
}

SELFTEST(timer_interrupt)
{
    ST_CHECK(irq_gic_version() == 2 || irq_gic_version() == 3, "no GIC");
    volatile uint64_t fired = 0;
    uint64_t t0 = time_ns();
    timer_oneshot(3000000, on_timer, (void *)&fired);
    while (!fired && time_ns() - t0 < 500000000ull) {
        irq_disable();                   /* so the interrupt cannot slip in before the WFI */
        if (!fired)
            __asm__ volatile("wfi");
        irq_enable();
    }
    ST_CHECK(fired, "timer interrupt did not arrive within 500 ms");
    ST_CHECK(fired - t0 >= 3000000, "fired after %llu ns, before the 3 ms asked", (unsigned long long)(fired - t0));
}
