/* kernel/fdt_test.c: the DTB parser agrees with itself on the boot DTB and
 * survives corrupted copies of it (the DTB is input: no read may escape). */
#include "lib/selftest.h"
#include "lib/rand.h"
#include "lib/string.h"
#include "kernel/fdt.h"
#include "kernel/mm.h"

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

SELFTEST(fdt_boot_dtb)
{
    if (!fdt.blob)
        return;                          /* booted without a DTB: nothing to check */
    ST_CHECK(fdt.nmem >= 1 && fdt.mem[0].size >= (16u << 20), "memory nodes: %d", fdt.nmem);
    ST_CHECK(fdt.uart_base != 0, "no PL011");
    ST_CHECK(fdt.gic_version == 2 || fdt.gic_version == 3, "GIC version %d", fdt.gic_version);
    ST_CHECK(fdt.ncpus >= 1, "no cpus");
    ST_CHECK(fdt.psci != PSCI_NONE, "no PSCI method");
    ST_CHECK(fdt.timer_virt_intid == 27, "virtual timer INTID %u", fdt.timer_virt_intid);
    static struct fdt_info again;
    ST_CHECK(fdt_parse(fdt.blob, fdt.blob_size, &again) == 0, "reparse failed");
    ST_CHECK(again.nvirtio == fdt.nvirtio && again.uart_base == fdt.uart_base, "reparse differs");
    ST_CHECK(fdt_parse(fdt.blob, fdt.blob_size - 1, &again) == -1, "a truncated blob must be refused");
}

SELFTEST(fdt_corrupt_copies)
{
    if (!fdt.blob)
        return;
    const uint8_t *src = fdt.blob;
    uint32_t used = be32(src + 8) + be32(src + 36);       /* through the end of the structure block */
    uint32_t strings_end = be32(src + 12) + be32(src + 32);
    if (strings_end > used)
        used = strings_end;
    ST_CHECK(used <= fdt.blob_size, "header sizes");
    size_t pages = (fdt.blob_size + MM_PAGE - 1) / MM_PAGE;
    uint8_t *copy = page_alloc(pages);
    ST_CHECK(copy != NULL, "no memory for a copy");
    static struct fdt_info out;
    uint64_t seed = 12345;
    int ok = 0;
    for (int round = 0; round < 400; round++) {
        memcpy(copy, src, used);
        for (int k = 0; k < 4; k++) {
            uint64_t r = rand_u64(&seed);
            copy[r % used] = (uint8_t)(r >> 56);
        }
        if (fdt_parse(copy, fdt.blob_size, &out) == 0)
            ok++;
        ST_CHECK(out.nmem <= FDT_MAX_MEM && out.ncpus <= FDT_MAX_CPUS && out.nvirtio <= FDT_MAX_VIRTIO,
                 "counts out of range in round %d", round);
        if (out.bootargs)
            ST_CHECK((const uint8_t *)out.bootargs >= copy && (const uint8_t *)out.bootargs < copy + used,
                     "bootargs points outside the blob");
    }
    page_free(copy, pages);
    ST_CHECK(ok > 0, "every corrupted copy was refused: mutations too harsh to test anything");
}
