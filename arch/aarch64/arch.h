/* arch/aarch64/arch.h: what kernel/ may use from the architecture layer. */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Boot */
void mmu_init(void);                 /* kernel's own page tables, caches on */
void irq_init(void);                 /* GIC v2/v3 from the DTB */
void timer_init(void);
void smp_init(void);                 /* start secondaries with PSCI CPU_ON */
int  arch_current_el(void);
bool mmu_is_guard(uint64_t addr, int *cpu);  /* addr in a stack guard page? */

/* Time */
uint64_t time_ns(void);              /* monotonic since boot */
uint64_t timer_freq_hz(void);
void     delay_ns(uint64_t ns);
/* Sleep this cpu until an interrupt, at most about ns (timer wake-up). */
void     cpu_idle_ns(uint64_t ns);

/* Interrupts */
typedef void (*irq_handler_fn)(uint32_t intid, void *arg);
int  irq_register(uint32_t intid, irq_handler_fn fn, void *arg);
void irq_unmask(uint32_t intid);     /* enable at the GIC (PPI: this cpu) */
void irq_mask(uint32_t intid);
int  irq_gic_version(void);
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void irq_enable(void)  { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
/* One-shot virtual timer interrupt in ns; fn runs in IRQ context. */
void timer_oneshot(uint64_t ns, void (*fn)(void *arg), void *arg);

/* Power */
void platform_exit(int status) __attribute__((noreturn));  /* 0: PSCI off; else semihosting exit */
void platform_reboot(void) __attribute__((noreturn));
bool semihosting_exit(int status);   /* returns false when semihosting is absent */

/* SMP */
int  smp_cpu_count(void);            /* online cpus */
int  smp_cpu_id(void);
void smp_parallel_for(int n, void (*fn)(int i, void *arg), void *arg);

/* Expected faults: between probe_begin() and probe_end(), a synchronous
 * exception on this cpu is not fatal: the faulting instruction is skipped and
 * probe_end() returns true (with the ESR). */
void probe_begin(void);
bool probe_end(uint64_t *esr);

/* CPU identification for `info` and llm_cpu_features() */
struct cpu_desc {
    const char *implementer, *part;
    uint32_t variant, revision;
    uint64_t midr;
    bool fp, asimd, dotprod, i8mm, sve, fp16;
};
void cpu_describe(struct cpu_desc *d);

/* Symbols for backtraces: name of the function holding addr, or NULL. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

/* UEFI (arch/aarch64/efi.c): what the firmware told us before we left it. */
#define EFI_MAX_RANGES 64
struct efi_boot {
    int       nranges;               /* usable RAM after ExitBootServices */
    struct { uint64_t base, size; } ranges[EFI_MAX_RANGES];
    char      cmdline[1024];
    uint64_t  initrd_base, initrd_size;   /* \initrd.img from the ESP, if any */
    char      input[256];            /* console input the firmware had read */
    uint32_t  input_len;
};
extern struct efi_boot efi_boot;
/* Only while boot services run (inside efi_main): read a whole file of the
 * boot volume (path like u"\\models\\x.gguf") into EfiLoaderData pages, NUL
 * appended. Pages kept past boot must be mem_reserve()d by the kernel.
 * 0 on success; EFI_READ_NO_MEMORY when the firmware had no pages for it
 * (larger than free RAM); EFI_READ_FAILED when it cannot be opened or read. */
#define EFI_READ_FAILED    (-1)
#define EFI_READ_NO_MEMORY (-2)
int  efi_read_file(const uint16_t *path, void **buf, uint64_t *size);
void efi_free_file(void *buf, uint64_t size);
/* Only inside efi_main: fn(name, size, arg) for each file of a boot volume directory. */
int  efi_list_dir(const uint16_t *path, void (*fn)(const uint16_t *name, uint64_t size, void *arg), void *arg);
/* Only inside efi_main: the files of \models\ into memory (arch/aarch64/efi_models.c). */
void efi_load_models(void);

#endif
