/* kernel/page_alloc.c: the physical page allocator. One bit per 4 KiB page
 * over the span of usable RAM (1 = in use); page_alloc(n) is a first-fit
 * search for n clear bits, so multi-megabyte contiguous runs are possible.
 * Usable RAM is the UEFI memory map (under UEFI) or the DTB's memory nodes,
 * minus the kernel image, the DTB, the initrd, /memreserve/ and mem_reserve(). */
#include "kernel/mm.h"
#include "kernel/boot.h"
#include "kernel/fdt.h"
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/layout.h"
#include "lib/string.h"

#define MAX_RSV 32

extern char _head[], _end[];

struct range { uint64_t base, end; };

static spinlock_t lock;
static uint64_t *bitmap;
static uint64_t span_base, npages;
static uint64_t ram_pages, reserved_pages, free_pages, used_pages;
static struct range rsv[MAX_RSV];
static int nrsv;
static bool ready;

static uint64_t align_down(uint64_t x) { return x & ~(uint64_t)(MM_PAGE - 1); }
static uint64_t align_up(uint64_t x) { return (x + MM_PAGE - 1) & ~(uint64_t)(MM_PAGE - 1); }

static bool bit_get(uint64_t i) { return bitmap[i >> 6] >> (i & 63) & 1; }
static void bit_set(uint64_t i) { bitmap[i >> 6] |= 1ull << (i & 63); }
static void bit_clear(uint64_t i) { bitmap[i >> 6] &= ~(1ull << (i & 63)); }

/* The usable RAM ranges: UEFI's map when we came through UEFI, else the DTB. */
static int ram_ranges(struct range *out, int cap)
{
    int n = 0;
    if (efi_boot.nranges > 0) {
        for (int i = 0; i < efi_boot.nranges && n < cap; i++)
            out[n++] = (struct range){ efi_boot.ranges[i].base, efi_boot.ranges[i].base + efi_boot.ranges[i].size };
    } else {
        for (int i = 0; i < fdt.nmem && n < cap; i++)
            out[n++] = (struct range){ fdt.mem[i].base, fdt.mem[i].base + fdt.mem[i].size };
    }
    return n;
}

static void take_page(uint64_t p)
{
    if (!bit_get(p)) {
        bit_set(p);
        free_pages--;
        reserved_pages++;
    }
}

void mem_reserve(uint64_t base, uint64_t size)
{
    if (size == 0 || base + size < base)
        return;
    if (!ready) {
        if (nrsv < MAX_RSV)
            rsv[nrsv++] = (struct range){ align_down(base), align_up(base + size) };
        else
            kprintf("mem: too many early reservations, dropping %#llx\n", (unsigned long long)base);
        return;
    }
    spin_lock(&lock);
    uint64_t lo = align_down(base), hi = align_up(base + size);
    for (uint64_t a = lo; a < hi; a += MM_PAGE)
        if (a >= span_base && (a - span_base) / MM_PAGE < npages)
            take_page((a - span_base) / MM_PAGE);
    spin_unlock(&lock);
}

/* Lowest page-aligned spot of size bytes in ram avoiding every reservation. */
static uint64_t find_spot(const struct range *ram, int nram, uint64_t size)
{
    for (int i = 0; i < nram; i++) {
        uint64_t cand = align_up(ram[i].base);
        for (int j = 0; j < nrsv; j++) {
            if (cand < rsv[j].end && rsv[j].base < cand + size) {
                cand = rsv[j].end;
                j = -1;                 /* moved: check every reservation again */
            }
        }
        if (cand + size <= ram[i].end)
            return cand;
    }
    return 0;
}

void mem_init(void)
{
    struct range ram[EFI_MAX_RANGES];
    int nram = ram_ranges(ram, EFI_MAX_RANGES);
    if (nram == 0) {
        kprintf("mem: no RAM ranges (no DTB memory node, no UEFI map)\n");
        return;
    }
    mem_reserve((uint64_t)(uintptr_t)_head, (uint64_t)(_end - _head));
    if (fdt.blob)
        mem_reserve((uint64_t)(uintptr_t)fdt.blob, fdt.blob_size);
    if (fdt.initrd_end > fdt.initrd_start)
        mem_reserve(fdt.initrd_start, fdt.initrd_end - fdt.initrd_start);
    for (int i = 0; i < fdt.nrsv; i++)
        mem_reserve(fdt.rsv[i].base, fdt.rsv[i].size);

    uint64_t lo = ~0ull, hi = 0;
    for (int i = 0; i < nram; i++) {
        if (ram[i].base < lo) lo = ram[i].base;
        if (ram[i].end > hi) hi = ram[i].end;
    }
    span_base = align_down(lo);
    npages = (align_up(hi) - span_base) / MM_PAGE;
    uint64_t bytes = align_up((npages + 63) / 64 * 8);
    uint64_t where = find_spot(ram, nram, bytes);
    if (!where) {
        kprintf("mem: no room for the page bitmap (%llu bytes)\n", (unsigned long long)bytes);
        return;
    }
    bitmap = (uint64_t *)(uintptr_t)where;
    memset(bitmap, 0xff, bytes);
    for (int i = 0; i < nram; i++)
        for (uint64_t a = align_up(ram[i].base); a + MM_PAGE <= ram[i].end; a += MM_PAGE) {
            uint64_t p = (a - span_base) / MM_PAGE;
            if (bit_get(p)) {
                bit_clear(p);
                ram_pages++;
                free_pages++;
            }
        }
    ready = true;
    mem_reserve(where, bytes);
    for (int i = 0; i < nrsv; i++)
        mem_reserve(rsv[i].base, rsv[i].end - rsv[i].base);
}

/* First run of n clear bits, or -1. Whole words are skipped when full or counted when empty. */
static int64_t find_run(uint64_t n)
{
    uint64_t run = 0, start = 0;
    for (uint64_t i = 0; i < npages;) {
        if ((i & 63) == 0 && i + 64 <= npages) {
            uint64_t w = bitmap[i >> 6];
            if (w == ~0ull) { run = 0; i += 64; continue; }
            if (w == 0 && run + 64 < n) { if (!run) start = i; run += 64; i += 64; continue; }
        }
        if (bit_get(i)) {
            run = 0;
        } else {
            if (!run) start = i;
            if (++run == n) return (int64_t)start;
        }
        i++;
    }
    return -1;
}

void *page_alloc(size_t n)
{
    if (!ready || n == 0 || n > npages)
        return NULL;
    spin_lock(&lock);
    int64_t p = find_run(n);
    if (p >= 0) {
        for (uint64_t i = 0; i < n; i++)
            bit_set((uint64_t)p + i);
        free_pages -= n;
        used_pages += n;
    }
    spin_unlock(&lock);
    return p < 0 ? NULL : (void *)(uintptr_t)(span_base + (uint64_t)p * MM_PAGE);
}

void page_free(void *ptr, size_t n)
{
    uint64_t a = (uint64_t)(uintptr_t)ptr;
    if (!ptr || n == 0)
        return;
    if ((a & (MM_PAGE - 1)) || a < span_base || (a - span_base) / MM_PAGE + n > npages) {
        kprintf("page_free: bad range %p + %zu pages\n", ptr, n);
        return;
    }
    spin_lock(&lock);
    uint64_t first = (a - span_base) / MM_PAGE;
    for (uint64_t i = first; i < first + n; i++) {
        if (!bit_get(i))
            kprintf("page_free: page %#llx was free\n", (unsigned long long)(span_base + i * MM_PAGE));
        else {
            bit_clear(i);
            free_pages++;
            used_pages--;
        }
    }
    spin_unlock(&lock);
}

static uint64_t largest_run(void)
{
    uint64_t best = 0, run = 0;
    for (uint64_t i = 0; i < npages; i++) {
        run = bit_get(i) ? 0 : run + 1;
        if (run > best) best = run;
    }
    return best;
}

void mem_get_stats(struct mem_stats *s)
{
    memset(s, 0, sizeof(*s));
    spin_lock(&lock);
    s->ram_bytes = ram_pages * MM_PAGE;
    s->reserved_bytes = reserved_pages * MM_PAGE;
    s->free_bytes = free_pages * MM_PAGE;
    s->page_alloc_bytes = used_pages * MM_PAGE;
    s->largest_free = ready ? largest_run() * MM_PAGE : 0;
    spin_unlock(&lock);
    heap_get_stats(&s->heap_pages_bytes, &s->heap_used_bytes, &s->heap_allocs);
}
