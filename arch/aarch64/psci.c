/* arch/aarch64/psci.c: power control. PSCI (conduit hvc or smc, from the DTB's
 * /psci method) for SYSTEM_OFF, SYSTEM_RESET and CPU_ON; Arm semihosting
 * SYS_EXIT to hand QEMU an exit status (only when QEMU runs with -semihosting:
 * otherwise HLT is undefined, which a probe catches). */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "kernel/fdt.h"
#include "kernel/console.h"

#define PSCI_SYSTEM_OFF   0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_CPU_ON_64    0xc4000003u

#define SEMI_SYS_EXIT     0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    if (fdt.psci == PSCI_SMC)
        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return (int64_t)x0;
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    if (fdt.psci == PSCI_NONE)
        return -1;
    return psci_call(PSCI_CPU_ON_64, mpidr, entry, context);
}

bool semihosting_exit(int status)
{
    static volatile uint64_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint64_t)(int64_t)status;
    probe_begin();
    __asm__ volatile("mov x0, %0\n\tmov x1, %1\n\thlt #0xf000"
                     :: "r"((uint64_t)SEMI_SYS_EXIT), "r"(block) : "x0", "x1", "memory");
    probe_end(NULL);
    return false;                       /* still here: no semihosting */
}

static void __attribute__((noreturn)) psci_system(uint32_t fn)
{
    if (fdt.psci != PSCI_NONE)
        psci_call(fn, 0, 0, 0);
    kprintf("psci: no PSCI (or the call failed); halting\n");
    cpu_halt();
}

void platform_exit(int status)
{
    if (status != 0)
        semihosting_exit(status);
    psci_system(PSCI_SYSTEM_OFF);
}

void platform_reboot(void)
{
    psci_system(PSCI_SYSTEM_RESET);
}
