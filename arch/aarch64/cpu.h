/* arch/aarch64/cpu.h: system register access and barriers (arch/ internal). */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H
#include <stdint.h>

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" :: "r"((uint64_t)(v)))
#define isb()     __asm__ volatile("isb" ::: "memory")
#define dsb(o)    __asm__ volatile("dsb " #o ::: "memory")
#define wfe()     __asm__ volatile("wfe" ::: "memory")
#define sev()     __asm__ volatile("sev" ::: "memory")
#define cpu_relax() __asm__ volatile("yield" ::: "memory")

static inline uint32_t mmio_read32(uintptr_t a) { uint32_t v = *(volatile uint32_t *)a; dsb(ld); return v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { dsb(st); *(volatile uint32_t *)a = v; }
static inline uint64_t mmio_read64(uintptr_t a) { uint64_t v = *(volatile uint64_t *)a; dsb(ld); return v; }


/* Clean and invalidate [p, p+n) to the point of coherency. */
void dcache_clean_range(const void *p, uint64_t n);

/* Saved by vectors.S: x0..x30, the interrupted sp, elr, spsr, esr, far. */
struct exc_frame {
    uint64_t x[31];
    uint64_t sp, elr, spsr, esr, far;
};

struct mmu_regs { uint64_t mair, tcr, ttbr0, sctlr; };
extern struct mmu_regs mmu_boot_regs;
void mmu_enable_regs(const struct mmu_regs *r);

extern char _head[], _text[], _etext[], _rodata[], _erodata[], _data[], _edata[];
extern char __bss_start[], __bss_end[], _end[], cpu_stacks[];

void cpu_halt(void) __attribute__((noreturn));
void secondary_entry(void);
void gic_init_cpu(void);
void irq_send_sgi_others(uint32_t intid);
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
void timer_init_cpu(void);
void irq_dispatch(void);
#endif
