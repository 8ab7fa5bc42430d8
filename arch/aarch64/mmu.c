/* arch/aarch64/mmu.c: the kernel's own translation tables (TTBR0, 4 KiB
 * granule, 39-bit VA starting at level 1). RAM is identity mapped, normal
 * write-back memory, never executable; the kernel image is mapped by section
 * (text RX, rodata RO, data/BSS RW) with every stack's guard page left
 * unmapped; DTB devices are device-nGnRE. Tables come from a static pool. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"
#include "kernel/console.h"
#include "lib/string.h"

#define POOL_PAGES  64
#define D_VALID     (1ull << 0)
#define D_TABLE     (1ull << 1)             /* table (L1/L2) or page (L3) */
#define D_ATTR(i)   ((uint64_t)(i) << 2)
#define D_AP_RO     (1ull << 7)
#define D_SH_INNER  (3ull << 8)
#define D_AF        (1ull << 10)
#define D_PXN       (1ull << 53)
#define D_UXN       (1ull << 54)
#define D_ADDR      0x0000fffffffff000ull

enum { MT_DEVICE_nGnRnE, MT_DEVICE_nGnRE, MT_NORMAL };
#define MAIR_VALUE  (0x00ull | 0x04ull << 8 | 0xffull << 16)

#define PROT_TEXT   (D_ATTR(MT_NORMAL) | D_SH_INNER | D_AF | D_AP_RO | D_UXN)
#define PROT_RO     (D_ATTR(MT_NORMAL) | D_SH_INNER | D_AF | D_AP_RO | D_UXN | D_PXN)
#define PROT_RW     (D_ATTR(MT_NORMAL) | D_SH_INNER | D_AF | D_UXN | D_PXN)
#define PROT_DEVICE (D_ATTR(MT_DEVICE_nGnRE) | D_AF | D_UXN | D_PXN)

#define SCTLR_RES1  0x30d00800ull
#define SCTLR_M     (1ull << 0)
#define SCTLR_C     (1ull << 2)
#define SCTLR_SA    (1ull << 3)
#define SCTLR_I     (1ull << 12)

struct mmu_regs mmu_boot_regs;
static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(PAGE_SIZE)));
static int pool_used;
static uint64_t *root;

void dcache_clean_range(const void *p, uint64_t n)
{
    uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);
    uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1), end = (uint64_t)(uintptr_t)p + n;
    for (; a < end; a += line)
        __asm__ volatile("dc civac, %0" :: "r"(a) : "memory");
    dsb(sy);
}

static uint64_t *table_new(void)
{
    if (pool_used == POOL_PAGES) {
        kprintf("mmu: page table pool exhausted\n");
        cpu_halt();
    }
    return pool[pool_used++];
}

/* Map [va, va+size) to pa with the largest blocks alignment allows. A block in
 * the way of a finer mapping is split into a table of the same attributes. */
static void map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
    while (size) {
        uint64_t *t = root;
        for (int level = 1;; level++) {
            int shift = 12 + 9 * (3 - level);
            uint64_t bsize = 1ull << shift, *e = &t[(va >> shift) & 511];
            bool leaf_ok = level == 3 || (((va | pa) & (bsize - 1)) == 0 && size >= bsize && !(*e & D_VALID && *e & D_TABLE));
            if (leaf_ok) {
                *e = pa | prot | D_VALID | (level == 3 ? D_TABLE : 0);
                va += bsize; pa += bsize; size -= bsize;
                break;
            }
            if (!(*e & D_VALID)) {
                *e = (uint64_t)(uintptr_t)table_new() | D_VALID | D_TABLE;
            } else if (!(*e & D_TABLE)) {
                uint64_t *n = table_new(), sub = bsize / 512, old = *e & ~D_ADDR;
                for (int i = 0; i < 512; i++)
                    n[i] = ((*e & D_ADDR) + i * sub) | old | (level + 1 == 3 ? D_TABLE : 0);
                *e = (uint64_t)(uintptr_t)n | D_VALID | D_TABLE;
            }
            t = (uint64_t *)(uintptr_t)(*e & D_ADDR);
        }
    }
}

static void map_identity(uint64_t lo, uint64_t hi, uint64_t prot)
{
    lo &= ~(uint64_t)(PAGE_SIZE - 1);
    hi = (hi + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (hi > lo)
        map_range(lo, lo, hi - lo, prot);
}

static uint64_t addr(const void *p) { return (uint64_t)(uintptr_t)p; }

/* Data and BSS, minus the two guard pages of every cpu's stack block. */
static void map_data(void)
{
    uint64_t stacks = addr(cpu_stacks);
    map_identity(addr(_data), stacks, PROT_RW);
    for (int c = 0; c < MAX_CPUS; c++) {
        uint64_t b = stacks + (uint64_t)c * STACK_BLOCK;
        map_identity(b + XSTACK_OFF, b + XSTACK_OFF + XSTACK_SIZE, PROT_RW);
        map_identity(b + KSTACK_OFF, b + KSTACK_OFF + KSTACK_SIZE, PROT_RW);
    }
    map_identity(stacks + (uint64_t)MAX_CPUS * STACK_BLOCK, addr(_end), PROT_RW);
}

bool mmu_is_guard(uint64_t a, int *cpu)
{
    uint64_t stacks = addr(cpu_stacks);
    if (a < stacks || a >= stacks + (uint64_t)MAX_CPUS * STACK_BLOCK)
        return false;
    uint64_t off = (a - stacks) % STACK_BLOCK;
    if (cpu)
        *cpu = (int)((a - stacks) / STACK_BLOCK);
    return off < GUARD_SIZE || (off >= XSTACK_OFF + XSTACK_SIZE && off < KSTACK_OFF);
}

static void map_ram(uint64_t lo, uint64_t hi)
{
    uint64_t ks = addr(_head), ke = addr(_end);
    if (lo < ks)
        map_identity(lo, hi < ks ? hi : ks, PROT_RW);
    if (hi > ke)
        map_identity(lo > ke ? lo : ke, hi, PROT_RW);
}

void mmu_init(void)
{
    root = table_new();
    if (fdt.nmem) {
        for (int i = 0; i < fdt.nmem; i++)
            map_ram(fdt.mem[i].base, fdt.mem[i].base + fdt.mem[i].size);
    } else {
        for (int i = 0; i < efi_boot.nranges; i++)
            map_ram(efi_boot.ranges[i].base, efi_boot.ranges[i].base + efi_boot.ranges[i].size);
    }
    map_identity(addr(_head), addr(_etext), PROT_TEXT);
    map_identity(addr(_rodata), addr(_erodata), PROT_RO);
    map_data();

    if (fdt.blob) {
        map_identity(fdt.uart_base, fdt.uart_base + PAGE_SIZE, PROT_DEVICE);
        map_identity(fdt.gicd_base, fdt.gicd_base + fdt.gicd_size, PROT_DEVICE);
        map_identity(fdt.gicc_base, fdt.gicc_base + fdt.gicc_size, PROT_DEVICE);
        for (int i = 0; i < fdt.nvirtio; i++)
            map_identity(fdt.virtio[i].base, fdt.virtio[i].base + fdt.virtio[i].size, PROT_DEVICE);
    } else {
        map_identity(0, 0x40000000, PROT_DEVICE);   /* QEMU virt's device space */
    }

    uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;
    if (parange > 5)
        parange = 5;
    mmu_boot_regs.mair = MAIR_VALUE;
    mmu_boot_regs.tcr = 25 | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 23 | parange << 32;
    mmu_boot_regs.ttbr0 = addr(root);
    mmu_boot_regs.sctlr = SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I;
    /* Secondaries read these with their MMU and caches off. */
    dcache_clean_range(pool, sizeof(pool));
    dcache_clean_range(&mmu_boot_regs, sizeof(mmu_boot_regs));
    mmu_enable_regs(&mmu_boot_regs);
}
