/* kernel/fdt.h: what the kernel needs from the flattened device tree, parsed
 * once at boot by fdt_parse() (bounds-checked: the DTB is input). */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define FDT_MAX_MEM     8
#define FDT_MAX_CPUS    8
#define FDT_MAX_VIRTIO  32
#define FDT_MAX_RSV     8

struct fdt_range { uint64_t base, size; };

struct fdt_info {
    const void *blob;               /* NULL when no valid DTB */
    uint32_t    blob_size;
    int         nmem;
    struct fdt_range mem[FDT_MAX_MEM];
    int         nrsv;               /* /memreserve/ entries */
    struct fdt_range rsv[FDT_MAX_RSV];
    const char *bootargs;           /* NUL-terminated inside the blob, or NULL */
    uint64_t    initrd_start, initrd_end;
    uint64_t    uart_base;          /* arm,pl011; 0 if none */
    int         gic_version;        /* 2, 3, or 0 */
    uint64_t    gicd_base, gicd_size;
    uint64_t    gicc_base, gicc_size;   /* v2 cpu interface / v3 redistributors */
    uint32_t    timer_virt_intid;   /* virtual timer PPI as a GIC INTID */
    enum { PSCI_NONE, PSCI_HVC, PSCI_SMC } psci;
    int         ncpus;
    uint64_t    cpu_mpidr[FDT_MAX_CPUS];
    int         nvirtio;
    struct { uint64_t base, size; uint32_t intid; } virtio[FDT_MAX_VIRTIO];
};

extern struct fdt_info fdt;

/* Parse blob (size unknown: taken from its header, capped at max_size). 0 or -1. */
int fdt_parse(const void *blob, size_t max_size, struct fdt_info *out);

#endif
