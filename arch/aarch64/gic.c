/* arch/aarch64/gic.c: the GIC interrupt controller, v2 (distributor + memory
 * mapped cpu interface) or v3 (distributor + per-cpu redistributor + ICC
 * system registers), as the DTB says. All interrupts share one priority; they
 * are group 1 on v3 (ICC_IAR1) and group 0 on v2 (GICC_IAR would answer 1022
 * for group 1 without AckCtl). Handlers are registered per INTID. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"
#include "kernel/console.h"

#define MAX_INTID       1020
#define PRIO            0xa0u

#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_IROUTER    0x6000
#define GICD_CTLR_RWP   (1u << 31)

#define GICC_CTLR       0x00
#define GICC_PMR        0x04
#define GICC_IAR        0x0c
#define GICC_EOIR       0x10

#define GICR_TYPER      0x08
#define GICR_WAKER      0x14
#define GICR_SGI        0x10000         /* SGI/PPI frame: same layout as GICD */

#define ICC_PMR_EL1     S3_0_C4_C6_0
#define ICC_IAR1_EL1    S3_0_C12_C12_0
#define ICC_EOIR1_EL1   S3_0_C12_C12_1
#define ICC_SRE_EL1     S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define STR(x)          #x
#define SYSREG(r)       STR(r)

static struct { irq_handler_fn fn; void *arg; } handlers[MAX_INTID];
static int version;
static uintptr_t gicd, gicc;
static uintptr_t redist[MAX_CPUS];      /* v3: each cpu's redistributor */
static uint32_t nlines;

#define icc_read(r)     ({ uint64_t v_; __asm__ volatile("mrs %0, " SYSREG(r) : "=r"(v_)); v_; })
#define icc_write(r, v) __asm__ volatile("msr " SYSREG(r) ", %0" :: "r"((uint64_t)(v)))

int irq_gic_version(void) { return version; }

static void d_wait_rwp(uintptr_t base)
{
    while (mmio_read32(base + GICD_CTLR) & GICD_CTLR_RWP)
        ;
}

static uintptr_t redist_find(uint64_t mpidr)
{
    uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;
    for (uintptr_t r = gicc; r < gicc + fdt.gicc_size;) {
        uint64_t typer = mmio_read64(r + GICR_TYPER);
        if ((typer >> 32) == aff)
            return r;
        if (typer & (1u << 4))          /* Last */
            break;
        r += (typer & (1u << 1)) ? 0x40000 : 0x20000;
    }
    return 0;
}

/* Banked SGI/PPI registers of this cpu: distributor (v2) or SGI frame (v3). */
static uintptr_t private_base(void)
{
    return version == 3 ? redist[smp_cpu_id()] + GICR_SGI : gicd;
}

void gic_init_cpu(void)
{
    if (!version)
        return;
    if (version == 3) {
        uintptr_t r = redist_find(read_sysreg(mpidr_el1));
        if (!r) {
            kprintf("gic: no redistributor for cpu %d\n", smp_cpu_id());
            return;
        }
        redist[smp_cpu_id()] = r;
        mmio_write32(r + GICR_WAKER, mmio_read32(r + GICR_WAKER) & ~(1u << 1));
        while (mmio_read32(r + GICR_WAKER) & (1u << 2))
            ;
    }
    uintptr_t p = private_base();
    mmio_write32(p + GICD_ICENABLER, 0xffffffffu);
    if (version == 3)
        mmio_write32(p + GICD_IGROUPR, 0xffffffffu);
    for (int i = 0; i < 32; i += 4)
        mmio_write32(p + GICD_IPRIORITYR + i, PRIO * 0x01010101u);
    if (version == 3) {
        icc_write(ICC_SRE_EL1, icc_read(ICC_SRE_EL1) | 1);
        isb();
        icc_write(ICC_PMR_EL1, 0xf0);
        icc_write(ICC_IGRPEN1_EL1, 1);
        isb();
    } else {
        mmio_write32(gicc + GICC_PMR, 0xf0);
        mmio_write32(gicc + GICC_CTLR, 3);
    }
}

void irq_init(void)
{
    version = fdt.gic_version;
    if (!version) {
        kprintf("gic: none in the DTB, interrupts off\n");
        return;
    }
    gicd = (uintptr_t)fdt.gicd_base;
    gicc = (uintptr_t)fdt.gicc_base;
    mmio_write32(gicd + GICD_CTLR, 0);
    if (version == 3)
        d_wait_rwp(gicd);
    nlines = 32 * ((mmio_read32(gicd + GICD_TYPER) & 0x1f) + 1);
    if (nlines > MAX_INTID)
        nlines = MAX_INTID;
    uint64_t mpidr = read_sysreg(mpidr_el1);
    for (uint32_t i = 32; i < nlines; i += 32) {
        mmio_write32(gicd + GICD_ICENABLER + i / 8, 0xffffffffu);
        if (version == 3)
            mmio_write32(gicd + GICD_IGROUPR + i / 8, 0xffffffffu);
    }
    for (uint32_t i = 32; i < nlines; i += 4) {
        mmio_write32(gicd + GICD_IPRIORITYR + i, PRIO * 0x01010101u);
        if (version == 2)
            mmio_write32(gicd + GICD_ITARGETSR + i, 0x01010101u);
    }
    if (version == 3) {
        uint64_t route = (mpidr & 0xffffff) | (mpidr & 0xff00000000ull);
        for (uint32_t i = 32; i < nlines; i++)
            *(volatile uint64_t *)(gicd + GICD_IROUTER + 8 * i) = route;
        mmio_write32(gicd + GICD_CTLR, 0x13);   /* ARE, group 1 enabled (either security view) */
        d_wait_rwp(gicd);
    } else {
        mmio_write32(gicd + GICD_CTLR, 3);
    }
    gic_init_cpu();
}

int irq_register(uint32_t intid, irq_handler_fn fn, void *arg)
{
    if (intid >= MAX_INTID)
        return -1;
    handlers[intid].arg = arg;
    __atomic_store_n(&handlers[intid].fn, fn, __ATOMIC_RELEASE);
    return 0;
}

static void enable_bit(uint32_t intid, uint32_t reg)
{
    if (!version || intid >= MAX_INTID)
        return;
    uintptr_t base = intid < 32 ? private_base() : gicd;
    mmio_write32(base + reg + 4 * (intid / 32), 1u << (intid % 32));
}

void irq_unmask(uint32_t intid) { enable_bit(intid, GICD_ISENABLER); }
void irq_mask(uint32_t intid) { enable_bit(intid, GICD_ICENABLER); }

void irq_dispatch(void)
{
    if (!version)
        return;
    uint32_t iar = version == 3 ? (uint32_t)icc_read(ICC_IAR1_EL1) : mmio_read32(gicc + GICC_IAR);
    uint32_t intid = iar & 0xffffff;
    if (version == 2)
        intid &= 0x3ff;
    if (intid >= 1020)
        return;                          /* spurious */
    irq_handler_fn fn = __atomic_load_n(&handlers[intid].fn, __ATOMIC_ACQUIRE);
    if (fn)
        fn(intid, handlers[intid].arg);
    else
        kprintf("irq: unexpected interrupt %u on cpu %d\n", intid, smp_cpu_id());
    if (version == 3) {
        icc_write(ICC_EOIR1_EL1, iar);
        isb();
    } else {
        mmio_write32(gicc + GICC_EOIR, iar);
    }
}

/* Software-generated interrupt to every cpu but this one. */
void irq_send_sgi_others(uint32_t intid)
{
    if (version == 3) {
        dsb(ish);
        icc_write(S3_0_C12_C11_5, 1ull << 40 | (uint64_t)(intid & 15) << 24);   /* ICC_SGI1R_EL1, IRM */
        isb();
    } else if (version == 2) {
        mmio_write32(gicd + 0xf00, 1u << 24 | (intid & 15));                   /* GICD_SGIR: others */
    }
}
