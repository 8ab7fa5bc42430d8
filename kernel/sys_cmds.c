/* kernel/sys_cmds.c: shell commands about the machine: info, mem, uptime,
 * poweroff, reboot, and fault (a deliberate crash of a chosen kind, to show
 * and test the crash report). */
#include "kernel/shell.h"
#include "kernel/console.h"
#include "kernel/boot.h"
#include "kernel/mm.h"
#include "kernel/fdt.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/string.h"

/* The commands here take no arguments: anything after the name is a mistake. */
static bool no_args(int argc, char **argv)
{
    if (argc == 1)
        return true;
    kprintf("usage: %s (no arguments)\n", argv[0]);
    return false;
}

static int cmd_info(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return 1;
    struct cpu_desc d;
    struct mem_stats ms;
    cpu_describe(&d);
    mem_get_stats(&ms);
    kprintf("boot:     %s, entered at EL%d, running at EL%d\n",
            boot_info.path == BOOT_PATH_UEFI ? "UEFI" : "-kernel", boot_info.entry_el, arch_current_el());
    kprintf("cpu:      %s %s r%up%u (MIDR %#llx)\n", d.implementer, d.part, d.variant, d.revision,
            (unsigned long long)d.midr);
    kprintf("features:%s%s%s%s%s%s\n", d.fp ? " FP" : "", d.asimd ? " AdvSIMD" : "", d.fp16 ? " FP16" : "",
            d.dotprod ? " DotProd" : "", d.i8mm ? " I8MM" : "", d.sve ? " SVE" : "");
    kprintf("cores:    %d online\n", smp_cpu_count());
    kprintf("ram:      %llu MiB usable, %llu MiB free\n", (unsigned long long)(ms.ram_bytes >> 20),
            (unsigned long long)(ms.free_bytes >> 20));
    kprintf("gic:      v%d, timer %llu Hz\n", irq_gic_version(), (unsigned long long)timer_freq_hz());
    if (fdt.initrd_end > fdt.initrd_start)
        kprintf("initrd:   %#llx, %llu bytes\n", (unsigned long long)fdt.initrd_start,
                (unsigned long long)(fdt.initrd_end - fdt.initrd_start));
    kprintf("cmdline:  %s\n", cmdline_text());
    return 0;
}
SHELL_COMMAND("info", "machine: boot path, cpu, features, cores, RAM, command line", cmd_info);

static void print_kib(const char *label, uint64_t bytes)
{
    kprintf("%-20s %10llu KiB\n", label, (unsigned long long)(bytes >> 10));
}

static int cmd_mem(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return 1;
    struct mem_stats s;
    mem_get_stats(&s);
    print_kib("ram (usable)", s.ram_bytes);
    print_kib("reserved", s.reserved_bytes);
    print_kib("free", s.free_bytes);
    print_kib("largest free run", s.largest_free);
    print_kib("page_alloc in use", s.page_alloc_bytes);
    print_kib("  heap pages", s.heap_pages_bytes);
    /* Exact, not KiB: a leak of one small block must show (tests/qemu/soak.sh). */
    kprintf("%-20s %10llu bytes\n", "  heap blocks in use", (unsigned long long)s.heap_used_bytes);
    kprintf("%-20s %10llu\n", "heap allocations", (unsigned long long)s.heap_allocs);
    return 0;
}
SHELL_COMMAND("mem", "memory: RAM, free, page allocator and heap use", cmd_mem);

static int cmd_uptime(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return 1;
    uint64_t ns = time_ns();
    kprintf("up %llu.%03llu s\n", (unsigned long long)(ns / 1000000000ull),
            (unsigned long long)(ns / 1000000ull % 1000));
    return 0;
}
SHELL_COMMAND("uptime", "time since boot", cmd_uptime);

static int cmd_poweroff(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return 1;
    kprintf("powering off\n");
    platform_exit(0);
}
SHELL_COMMAND("poweroff", "power off (QEMU exits with status 0)", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
    if (!no_args(argc, argv))
        return 1;
    kprintf("rebooting\n");
    platform_reboot();
}
SHELL_COMMAND("reboot", "reset the machine", cmd_reboot);

static volatile int recurse_forever = 1;

static int __attribute__((noinline)) recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (recurse_forever)
        return recurse(depth + 1) + pad[0];
    return pad[0];
}

/* `fault stack-smp`: the overflow on another cpu, in a parallel_for item. The
 * calling cpu claims the first item and waits in it, so the others take the rest. */
static void recurse_elsewhere(int i, void *arg)
{
    (void)i;
    if (smp_cpu_id() != *(const int *)arg)
        recurse(0);
    for (uint64_t end = time_ns() + 2000000000ull; time_ns() < end;)
        ;
}

static int __attribute__((noinline)) fault_write(volatile uint64_t *p)
{
    *p = 0xbad;
    return 0;
}

/* A `ret` in .data: were data executable it would just return, so the crash
 * can only come from the mapping's execute-never bit. */
static uint32_t ret_in_data[1] = { 0xd65f03c0 };

static int __attribute__((noinline)) fault_undef(void)
{
    __asm__ volatile("udf #0" ::: "memory");
    return 0;
}

static int cmd_fault(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "data";
    if (argc > 2)
        kind = "";
    if (strcmp(kind, "data") == 0) {
        kprintf("fault: writing to address 0xdead00000000 (outside the 39-bit address space)\n");
        return fault_write((volatile uint64_t *)0xdead00000000ull);
    }
    if (strcmp(kind, "exec") == 0) {
        kprintf("fault: calling %p (.data, execute-never)\n", (void *)ret_in_data);
        int (*fn)(void) = (int (*)(void))(uintptr_t)ret_in_data;
        return fn();
    }
    if (strcmp(kind, "undef") == 0) {
        kprintf("fault: executing udf #0\n");
        return fault_undef();
    }
    if (strcmp(kind, "stack") == 0)
        return recurse(0);
    if (strcmp(kind, "stack-smp") == 0) {
        int self = smp_cpu_id();
        if (smp_cpu_count() < 2) {
            kprintf("fault: stack-smp needs a second cpu\n");
            return 1;
        }
        smp_parallel_for(smp_cpu_count(), recurse_elsewhere, &self);
        kprintf("fault: no other cpu took an item\n");
        return 1;
    }
    kprintf("usage: fault [data|exec|undef|stack|stack-smp]\n");
    return 1;
}
SHELL_COMMAND("fault", "crash on purpose: fault [data|exec|undef|stack|stack-smp] (default: data)", cmd_fault);
