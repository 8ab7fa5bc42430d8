/* kernel/ksyms.c: function names for backtraces. The table is generated from
 * `nm` of a first link (scripts/gen-ksyms.sh) and linked into the final
 * image: count, then sorted (offset, name offset) pairs, then the names.
 * Offsets are from the image start, so the table needs no relocation. */
#include "arch/aarch64/arch.h"

extern const uint32_t ksyms_table[];
extern char _head[], _etext[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t base = (uint64_t)(uintptr_t)_head;
    uint32_t n = ksyms_table[0];
    const uint32_t *pairs = ksyms_table + 1;
    const char *names = (const char *)(pairs + 2 * n);
    if (n == 0 || addr < base || addr >= (uint64_t)(uintptr_t)_etext)
        return NULL;
    uint64_t off = addr - base;
    uint32_t lo = 0, hi = n;                    /* last entry with offset <= off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pairs[2 * mid] <= off) lo = mid; else hi = mid;
    }
    if (pairs[2 * lo] > off)
        return NULL;
    *offset = off - pairs[2 * lo];
    return names + pairs[2 * lo + 1];
}
