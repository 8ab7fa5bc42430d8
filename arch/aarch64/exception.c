/* arch/aarch64/exception.c: what happens after vectors.S saved a frame.
 * IRQs go to the GIC dispatcher. A synchronous exception is either an
 * expected one (probe_begin/probe_end: skip the instruction, report it) or
 * fatal: a crash report (cause decoded from ESR, registers, backtrace with
 * symbol names) and a stop, which exits QEMU with status 3 under -semihosting. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/console.h"
#include "kernel/boot.h"

#define CRASH_STATUS 3

struct probe { volatile int armed, faulted; volatile uint64_t esr; };
static struct probe probes[MAX_CPUS];
static int crashing;

void probe_begin(void)
{
    struct probe *p = &probes[smp_cpu_id()];
    p->faulted = 0;
    p->armed = 1;
    __asm__ volatile("" ::: "memory");
}

bool probe_end(uint64_t *esr)
{
    struct probe *p = &probes[smp_cpu_id()];
    __asm__ volatile("" ::: "memory");
    p->armed = 0;
    if (esr)
        *esr = p->esr;
    return p->faulted;
}

static const char *ec_name(uint32_t ec)
{
    switch (ec) {
    case 0x00: return "undefined instruction";
    case 0x01: return "trapped WFI/WFE";
    case 0x07: return "trapped FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "trapped system register access";
    case 0x19: return "trapped SVE access";
    case 0x20: return "instruction abort from EL0";
    case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from EL0";
    case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x30: case 0x31: return "breakpoint";
    case 0x32: case 0x33: return "software step";
    case 0x34: case 0x35: return "watchpoint";
    case 0x3c: return "BRK instruction";
    default:   return "unknown exception";
    }
}

static const char *fault_status(uint32_t fsc)
{
    switch (fsc & 0x3c) {
    case 0x00: return "address size fault";
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    }
    if (fsc == 0x21) return "alignment fault";
    if (fsc == 0x10) return "synchronous external abort";
    return "other fault";
}

static void print_addr(const char *label, int frame, uint64_t a)
{
    uint64_t off;
    const char *name = ksym_lookup(a, &off);
    if (frame >= 0)
        kprintf("  #%-2d ", frame);
    kprintf("%s0x%016llx", label, (unsigned long long)a);
    if (name)
        kprintf(" <%s+0x%llx>", name, (unsigned long long)off);
    kprintf("\n");
}

/* A frame record may be read only if it lies inside a mapped stack. */
static bool fp_readable(uint64_t fp)
{
    uint64_t lo = (uint64_t)(uintptr_t)cpu_stacks, hi = lo + (uint64_t)MAX_CPUS * STACK_BLOCK;
    return (fp & 15) == 0 && fp >= lo && fp + 16 <= hi && !mmu_is_guard(fp, NULL) && !mmu_is_guard(fp + 15, NULL);
}

static void backtrace(const struct exc_frame *f)
{
    kprintf("backtrace:\n");
    print_addr("", 0, f->elr);
    uint64_t fp = f->x[29];
    for (int depth = 1; depth < 24 && fp_readable(fp); depth++) {
        const uint64_t *rec = (const uint64_t *)(uintptr_t)fp;
        if (rec[1] == 0)
            break;
        print_addr("", depth, rec[1] - 4);
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
}

static void crash(const struct exc_frame *f, int kind)
{
    uint32_t esr = (uint32_t)f->esr, ec = esr >> 26;
    int cpu = smp_cpu_id(), guard_cpu;
    static const char *const kinds[] = { "synchronous exception", "IRQ", "FIQ", "SError" };

    irq_disable();
    if (__atomic_exchange_n(&crashing, 1, __ATOMIC_ACQ_REL))
        cpu_halt();                      /* another cpu is already reporting */
    console_panic_mode();
    kprintf("\n*** KERNEL CRASH on cpu %d: %s", cpu, kind & 3 ? kinds[kind & 3] : ec_name(ec));
    if (kind & EXC_NESTED)
        kprintf(" (inside an exception handler)");
    if (kind >= 8)
        kprintf(" (from a lower EL)");
    kprintf("\n");
    if (ec == 0x24 || ec == 0x25 || ec == 0x20 || ec == 0x21) {
        kprintf("    %s%s, level %u\n", ec >= 0x24 ? (esr & (1u << 6) ? "write, " : "read, ") : "",
                fault_status(esr & 0x3f), esr & 3);
        if (mmu_is_guard(f->far, &guard_cpu))
            kprintf("*** stack overflow on cpu %d (fault address in a guard page)\n", guard_cpu);
    }
    kprintf("ESR  0x%08x  EC 0x%02x\n", esr, ec);
    kprintf("FAR  0x%016llx\n", (unsigned long long)f->far);
    print_addr("ELR  ", -1, f->elr);
    print_addr("LR   ", -1, f->x[30]);          /* the caller, when ELR is in a leaf */
    kprintf("SPSR 0x%016llx\n", (unsigned long long)f->spsr);
    for (int i = 0; i < 31; i += 2) {
        if (i < 30)
            kprintf("x%-2d  0x%016llx   x%-2d  0x%016llx\n", i, (unsigned long long)f->x[i],
                    i + 1, (unsigned long long)f->x[i + 1]);
        else
            kprintf("x30  0x%016llx   sp   0x%016llx\n", (unsigned long long)f->x[30], (unsigned long long)f->sp);
    }
    backtrace(f);
    kprintf("*** system halted\n");
    semihosting_exit(CRASH_STATUS);
    cpu_halt();
}

void exc_handler(struct exc_frame *f, int kind)
{
    if ((kind & 3) == EXC_IRQ && kind < 8) {
        irq_dispatch();
        return;
    }
    struct probe *p = &probes[smp_cpu_id()];
    if ((kind & 3) == EXC_SYNC && kind < 8 && p->armed) {
        uint32_t ec = (uint32_t)(f->esr >> 26);
        p->armed = 0;
        p->faulted = 1;
        p->esr = f->esr;
        /* A fetch fault at the target of a call: resume at the return address. */
        f->elr = (ec == 0x21) ? f->x[30] : f->elr + 4;
        return;
    }
    crash(f, kind);
}
