/* kernel/main.c: the boot story, after arch/aarch64/head.S put us at EL1 with
 * a stack: read the DTB, bring up the console, memory, MMU, interrupts, timer
 * and the other cpus; then act on the command line (`selftest`, `init="..."`)
 * and hand the console to the shell. */
#include "kernel/boot.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/fdt.h"
#include "kernel/llm_cmd.h"
#include "kernel/mm.h"
#include "kernel/shell.h"
#include "kernel/vfs.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/selftest.h"

#define DTB_MAX_SIZE (2u << 20)

struct boot_info boot_info;

static void print_line(const char *line)
{
    kprintf("%s\n", line);
}

static void run_selftests(const char *filter)
{
    int failed = selftest_run(filter, print_line);
    platform_exit(failed ? 1 : 0);
}

/* What the boot door handed over: the DTB, and under UEFI an initrd from the ESP. */
static void boot_info_init(uint64_t dtb, uint64_t path, uint64_t entry_el)
{
    boot_info.dtb = dtb;
    boot_info.path = (int)path;
    boot_info.entry_el = (int)entry_el;
    if (dtb)
        fdt_parse((const void *)(uintptr_t)dtb, DTB_MAX_SIZE, &fdt);
    if (efi_boot.initrd_size && !fdt.initrd_end) {
        fdt.initrd_start = efi_boot.initrd_base;
        fdt.initrd_end = efi_boot.initrd_base + efi_boot.initrd_size;
    }
}

static void boot_banner(void)
{
    console_preload(efi_boot.input, efi_boot.input_len);
    kprintf("\nkernel: booting via %s, entered at EL%d\n",
            boot_info.path == BOOT_PATH_UEFI ? "UEFI" : "-kernel", boot_info.entry_el);
    if (!fdt.blob)
        kprintf("kernel: no valid DTB, assuming QEMU virt defaults\n");
}

static void boot_summary(void)
{
    struct mem_stats ms;
    mem_get_stats(&ms);
    kprintf("kernel: %d cpu%s, %llu MiB free, GICv%d, cmdline \"%s\"\n", smp_cpu_count(),
            smp_cpu_count() > 1 ? "s" : "", (unsigned long long)(ms.free_bytes >> 20), irq_gic_version(),
            cmdline_text());
}

void kernel_main(uint64_t dtb, uint64_t path, uint64_t entry_el)
{
    boot_info_init(dtb, path, entry_el);
    console_init();
    boot_banner();
    cmdline_init(efi_boot.cmdline[0] ? efi_boot.cmdline : fdt.bootargs);
    mmu_init();         /* first: with caches on, RAM outside the image agrees with what firmware left */
    mem_init();
    irq_init();
    timer_init();
    smp_init();
    irq_enable();
    vfs_init();
    boot_summary();
    cmdline_check_words();

    char filter[64];
    if (cmdline_get("selftest", filter, sizeof(filter)))
        run_selftests(filter);           /* powers off */
    llm_boot_load();
    cmdline_run_init();
    shell_run();
}
