/* kernel/main.c: the boot story, after arch/aarch64/head.S put us at EL1 with
 * a stack: read the DTB, bring up the console, memory, MMU, interrupts, timer
 * and the other cpus; then act on the command line (`selftest`, `init="..."`)
 * and hand the console to the shell. */
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/fdt.h"
#include "kernel/llm_cmd.h"
#include "kernel/mm.h"
#include "kernel/shell.h"
#include "kernel/vfs.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/selftest.h"
#include "lib/string.h"

#define DTB_MAX_SIZE (2u << 20)

struct boot_info boot_info;
static char cmdline[1024];

const char *kernel_cmdline(void) { return cmdline; }

/* Walk "word key=value key="quoted value"" one word at a time. */
static const char *next_word(const char *p, const char **start, size_t *len)
{
    while (*p == ' ')
        p++;
    if (!*p)
        return NULL;
    *start = p;
    bool quoted = false;
    for (; *p && (quoted || *p != ' '); p++)
        if (*p == '"')
            quoted = !quoted;
    *len = (size_t)(p - *start);
    return p;
}

bool cmdline_get(const char *key, char *buf, size_t cap)
{
    size_t klen = strlen(key), len;
    const char *w;
    for (const char *p = cmdline; (p = next_word(p, &w, &len)) != NULL;) {
        if (len < klen || strncmp(w, key, klen) != 0 || (len > klen && w[klen] != '='))
            continue;
        size_t o = 0;
        for (size_t i = klen + 1; i < len; i++)
            if (w[i] != '"') {
                if (o + 1 >= cap)
                    return false;
                buf[o++] = w[i];
            }
        if (cap == 0)
            return false;
        buf[o] = 0;
        return true;
    }
    return false;
}

static void cmdline_init(void)
{
    const char *src = efi_boot.cmdline[0] ? efi_boot.cmdline : fdt.bootargs ? fdt.bootargs : "";
    strlcpy(cmdline, src, sizeof(cmdline));
}

/* Words we act on are `selftest[=filter]` and `init=...`; "module.key=value"
 * words belong to other modules (they ask with cmdline_get). */
static void cmdline_check_words(void)
{
    const char *w;
    size_t len;
    for (const char *p = cmdline; (p = next_word(p, &w, &len)) != NULL;) {
        const char *eq = memchr(w, '=', len), *dot = memchr(w, '.', eq ? (size_t)(eq - w) : len);
        size_t klen = eq ? (size_t)(eq - w) : len;
        bool known = (klen == 8 && strncmp(w, "selftest", 8) == 0) ||
                     (klen == 4 && strncmp(w, "init", 4) == 0 && eq) || (dot && eq);
        if (!known)
            kprintf("cmdline: unknown word '%.*s' (ignored)\n", (int)len, w);
    }
}

static void print_line(const char *line)
{
    kprintf("%s\n", line);
}

static void run_selftests(const char *filter)
{
    int failed = selftest_run(filter, print_line);
    platform_exit(failed ? 1 : 0);
}

static void run_init(void)
{
    static char cmds[1024];
    if (!cmdline_get("init", cmds, sizeof(cmds)))
        return;
    for (char *p = cmds; p && *p;) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = 0;
        while (*p == ' ')
            p++;
        if (*p) {
            kprintf("init> %s\n", p);
            shell_exec_line(p);
        }
        p = semi ? semi + 1 : NULL;
    }
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
            smp_cpu_count() > 1 ? "s" : "", (unsigned long long)(ms.free_bytes >> 20), irq_gic_version(), cmdline);
    cmdline_check_words();
}

void kernel_main(uint64_t dtb, uint64_t path, uint64_t entry_el)
{
    boot_info_init(dtb, path, entry_el);
    console_init();
    boot_banner();
    cmdline_init();
    mmu_init();         /* first: with caches on, RAM outside the image agrees with what firmware left */
    mem_init();
    irq_init();
    timer_init();
    smp_init();
    irq_enable();
    vfs_init();
    boot_summary();

    char filter[64];
    if (cmdline_get("selftest", filter, sizeof(filter)))
        run_selftests(filter);           /* powers off */
    llm_boot_load();
    run_init();
    shell_run();
}
