/* kernel/fdt.c: a small flattened device tree reader. One pass over the
 * structure block collects what kernel/ and arch/ need into struct fdt_info.
 * Every offset and length is checked against the blob: the DTB is input. */
#include "kernel/fdt.h"
#include "lib/string.h"

#define FDT_MAGIC       0xd00dfeedu
#define FDT_BEGIN_NODE  1
#define FDT_END_NODE    2
#define FDT_PROP        3
#define FDT_NOP         4
#define FDT_END         9
#define MAX_DEPTH       16

struct fdt_info fdt;

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* Read a cells-wide (1 or 2) big-endian number; cells outside 1..2 read 0. */
static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    return cells == 1 ? be32(p) : cells == 2 ? be64(p) : 0;
}

struct prop { const uint8_t *val; uint32_t len; };

/* The properties of one node that matter here, gathered until its END_NODE. */
struct node {
    const char *name;
    uint32_t addr_cells, size_cells;   /* for this node's children */
    struct prop compatible, reg, interrupts, device_type, method, status;
};

static bool str_in_list(struct prop p, const char *s)
{
    size_t n = strlen(s);
    for (uint32_t i = 0; i < p.len;) {
        size_t m = strnlen((const char *)p.val + i, p.len - i);
        if (m == n && memcmp(p.val + i, s, n) == 0)
            return true;
        i += (uint32_t)m + 1;
    }
    return false;
}

static bool prop_is(struct prop p, const char *s)
{
    return p.len > 0 && str_in_list(p, s);
}

/* The i-th (base, size) pair of a reg property, using the parent's cells. */
static bool reg_get(const struct node *parent, struct prop reg, uint32_t i, uint64_t *base, uint64_t *size)
{
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    if (ac < 1 || ac > 2 || sc > 2)
        return false;
    uint32_t stride = 4 * (ac + sc);
    if (reg.len / stride <= i)
        return false;
    const uint8_t *p = reg.val + i * stride;
    *base = read_cells(p, ac);
    *size = sc ? read_cells(p + 4 * ac, sc) : 0;
    return true;
}

/* GIC interrupt specifier i (3 cells: type, number, flags) as an INTID. */
static bool irq_get(struct prop irq, uint32_t i, uint32_t *intid)
{
    if (irq.len / 12 <= i)
        return false;
    uint32_t type = be32(irq.val + 12 * i), num = be32(irq.val + 12 * i + 4);
    *intid = num + (type == 1 ? 16 : 32);
    return true;
}

static void node_done(struct fdt_info *o, const struct node *n, const struct node *parent, int depth)
{
    uint64_t base, size;
    if (n->status.len && !prop_is(n->status, "okay") && !prop_is(n->status, "ok"))
        return;
    if (depth == 1 && (prop_is(n->device_type, "memory") || strncmp(n->name, "memory", 6) == 0)) {
        for (uint32_t i = 0; o->nmem < FDT_MAX_MEM && reg_get(parent, n->reg, i, &base, &size); i++)
            if (size)
                o->mem[o->nmem++] = (struct fdt_range){ base, size };
    } else if (prop_is(n->device_type, "cpu")) {
        if (o->ncpus < FDT_MAX_CPUS && n->reg.len >= 4 * parent->addr_cells && parent->addr_cells >= 1)
            o->cpu_mpidr[o->ncpus++] = read_cells(n->reg.val, parent->addr_cells);
    } else if (prop_is(n->compatible, "arm,pl011")) {
        if (!o->uart_base && reg_get(parent, n->reg, 0, &base, &size))
            o->uart_base = base;
    } else if (prop_is(n->compatible, "arm,gic-v3") || prop_is(n->compatible, "arm,gic-400") ||
               prop_is(n->compatible, "arm,cortex-a15-gic") || prop_is(n->compatible, "arm,cortex-a9-gic")) {
        if (!o->gic_version && reg_get(parent, n->reg, 0, &o->gicd_base, &o->gicd_size) &&
            reg_get(parent, n->reg, 1, &o->gicc_base, &o->gicc_size))
            o->gic_version = prop_is(n->compatible, "arm,gic-v3") ? 3 : 2;
    } else if (prop_is(n->compatible, "arm,armv8-timer") || prop_is(n->compatible, "arm,armv7-timer")) {
        irq_get(n->interrupts, 2, &o->timer_virt_intid);
    } else if (prop_is(n->compatible, "virtio,mmio")) {
        uint32_t intid = 0;
        if (o->nvirtio < FDT_MAX_VIRTIO && reg_get(parent, n->reg, 0, &base, &size)) {
            irq_get(n->interrupts, 0, &intid);
            o->virtio[o->nvirtio].base = base;
            o->virtio[o->nvirtio].size = size;
            o->virtio[o->nvirtio].intid = intid;
            o->nvirtio++;
        }
    }
    if (depth == 1 && (strcmp(n->name, "psci") == 0 || prop_is(n->compatible, "arm,psci") ||
                       prop_is(n->compatible, "arm,psci-0.2") || prop_is(n->compatible, "arm,psci-1.0"))) {
        if (prop_is(n->method, "hvc")) o->psci = PSCI_HVC;
        if (prop_is(n->method, "smc")) o->psci = PSCI_SMC;
    }
}

static void chosen_prop(struct fdt_info *o, const char *name, struct prop p)
{
    if (strcmp(name, "bootargs") == 0 && p.len > 0 && p.val[p.len - 1] == 0)
        o->bootargs = (const char *)p.val;
    else if (strcmp(name, "linux,initrd-start") == 0 && (p.len == 4 || p.len == 8))
        o->initrd_start = read_cells(p.val, p.len / 4);
    else if (strcmp(name, "linux,initrd-end") == 0 && (p.len == 4 || p.len == 8))
        o->initrd_end = read_cells(p.val, p.len / 4);
}

static void parse_memreserve(struct fdt_info *o, const uint8_t *b, uint32_t total, uint32_t off)
{
    for (; off <= total - 16 && o->nrsv < FDT_MAX_RSV; off += 16) {
        uint64_t base = be64(b + off), size = be64(b + off + 8);
        if (size == 0)
            break;
        o->rsv[o->nrsv++] = (struct fdt_range){ base, size };
    }
}

int fdt_parse(const void *blob, size_t max_size, struct fdt_info *o)
{
    const uint8_t *b = blob;
    memset(o, 0, sizeof(*o));
    o->timer_virt_intid = 27;
    if (!b || max_size < 40 || be32(b) != FDT_MAGIC)
        return -1;
    uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
    uint32_t off_rsv = be32(b + 16), size_strings = be32(b + 32), size_struct = be32(b + 36);
    if (total > max_size || total < 40 || off_struct > total || size_struct > total - off_struct ||
        off_strings > total || size_strings > total - off_strings || off_rsv > total - 16 || (off_struct & 3))
        return -1;
    o->blob = blob;
    o->blob_size = total;
    parse_memreserve(o, b, total, off_rsv);

    const uint8_t *s = b + off_struct, *end = s + size_struct;
    const char *strings = (const char *)b + off_strings;
    struct node stack[MAX_DEPTH];
    int depth = -1;
    while (s + 4 <= end) {
        uint32_t tok = be32(s);
        s += 4;
        if (tok == FDT_BEGIN_NODE) {
            size_t n = strnlen((const char *)s, (size_t)(end - s));
            if (s + n >= end || ++depth >= MAX_DEPTH)
                return -1;
            struct node *nd = &stack[depth];
            memset(nd, 0, sizeof(*nd));
            nd->name = (const char *)s;
            nd->addr_cells = 2;
            nd->size_cells = 1;
            s += (n + 1 + 3) & ~(size_t)3;
        } else if (tok == FDT_END_NODE) {
            if (depth < 0)
                return -1;
            if (depth >= 1)
                node_done(o, &stack[depth], &stack[depth - 1], depth);
            depth--;
        } else if (tok == FDT_PROP) {
            if (end - s < 8 || depth < 0)
                return -1;
            uint32_t len = be32(s), nameoff = be32(s + 4);
            s += 8;
            if (len > (size_t)(end - s) || nameoff >= size_strings ||
                strnlen(strings + nameoff, size_strings - nameoff) == size_strings - nameoff)
                return -1;
            struct prop p = { s, len };
            const char *name = strings + nameoff;
            struct node *nd = &stack[depth];
            if (strcmp(name, "#address-cells") == 0 && len == 4) nd->addr_cells = be32(s);
            else if (strcmp(name, "#size-cells") == 0 && len == 4) nd->size_cells = be32(s);
            else if (strcmp(name, "compatible") == 0) nd->compatible = p;
            else if (strcmp(name, "reg") == 0) nd->reg = p;
            else if (strcmp(name, "interrupts") == 0) nd->interrupts = p;
            else if (strcmp(name, "device_type") == 0) nd->device_type = p;
            else if (strcmp(name, "method") == 0) nd->method = p;
            else if (strcmp(name, "status") == 0) nd->status = p;
            if (depth == 1 && strcmp(nd->name, "chosen") == 0)
                chosen_prop(o, name, p);
            s += (len + 3) & ~3u;
        } else if (tok == FDT_END) {
            break;
        } else if (tok != FDT_NOP) {
            return -1;
        }
    }
    return 0;
}
