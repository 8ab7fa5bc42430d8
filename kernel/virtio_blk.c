/* kernel/virtio_blk.c: virtio block devices on the virtio-mmio transport,
 * legacy (version 1, QEMU's default) and modern (version 2). One virtqueue,
 * one request at a time, completion by polling the used ring (no interrupt).
 * Buffers are handed to the device by address: the kernel's identity map
 * makes virtual = physical. */
#include "kernel/blk.h"
#include "kernel/vfs.h"
#include "kernel/fdt.h"
#include "kernel/console.h"
#include "arch/aarch64/arch.h"
#include "lib/string.h"
#include "lib/printf.h"

/* transport registers */
#define VIRTIO_MAGIC        0x000
#define VIRTIO_VERSION      0x004
#define VIRTIO_DEVICE_ID    0x008
#define VIRTIO_DEV_FEATURES 0x010
#define VIRTIO_DEV_FEAT_SEL 0x014
#define VIRTIO_DRV_FEATURES 0x020
#define VIRTIO_DRV_FEAT_SEL 0x024
#define VIRTIO_GUEST_PAGE   0x028   /* legacy */
#define VIRTIO_QUEUE_SEL    0x030
#define VIRTIO_QUEUE_MAX    0x034
#define VIRTIO_QUEUE_NUM    0x038
#define VIRTIO_QUEUE_ALIGN  0x03c   /* legacy */
#define VIRTIO_QUEUE_PFN    0x040   /* legacy */
#define VIRTIO_QUEUE_READY  0x044   /* modern */
#define VIRTIO_QUEUE_NOTIFY 0x050
#define VIRTIO_IRQ_STATUS   0x060
#define VIRTIO_IRQ_ACK      0x064
#define VIRTIO_STATUS       0x070
#define VIRTIO_QUEUE_DESC   0x080   /* modern: low, high at +4 */
#define VIRTIO_QUEUE_AVAIL  0x090
#define VIRTIO_QUEUE_USED   0x0a0
#define VIRTIO_CONFIG_GEN   0x0fc
#define VIRTIO_CONFIG       0x100

#define STATUS_ACK          1
#define STATUS_DRIVER       2
#define STATUS_DRIVER_OK    4
#define STATUS_FEATURES_OK  8
#define STATUS_FAILED       128

#define DESC_NEXT  1
#define DESC_WRITE 2

#define QSIZE        8               /* a request takes 3 descriptors */
#define MAX_BLK      4
#define MAX_REQ_SECT 2048u           /* 1 MiB per request */
#define TIMEOUT_NS   5000000000ull

struct vq_desc  { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct vq_used  { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; uint16_t avail_event; };

/* The legacy layout (used ring on the next page) serves both versions. */
struct vq_mem {
    struct vq_desc  desc[QSIZE];
    struct vq_avail avail;
    uint8_t         pad[4096 - QSIZE * sizeof(struct vq_desc) - sizeof(struct vq_avail)];
    struct vq_used  used;
} __attribute__((aligned(4096)));

struct vblk {
    struct blk_dev  blk;
    uintptr_t       base;
    uint16_t        last_used;
    bool            broken;          /* a request timed out: the queue state is unknown */
    struct { uint32_t type, reserved; uint64_t sector; } req;
    volatile uint8_t status;
};

static struct vq_mem vq_mems[MAX_BLK];
static struct vblk vblks[MAX_BLK];
static int nvblk;
struct blk_stats blk_stats;

static uint32_t reg_read(uintptr_t base, uint32_t off)
{
    return *(volatile uint32_t *)(base + off);
}

static void reg_write(uintptr_t base, uint32_t off, uint32_t v)
{
    __asm__ volatile("dsb sy" ::: "memory");   /* ring writes land before the device looks */
    *(volatile uint32_t *)(base + off) = v;
}

static void reg_write64(uintptr_t base, uint32_t off, uint64_t v)
{
    reg_write(base, off, (uint32_t)v);
    reg_write(base, off + 4, (uint32_t)(v >> 32));
}

static int vblk_read(struct blk_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    struct vblk *v = dev->priv;
    struct vq_mem *q = &vq_mems[v - vblks];
    if (v->broken)
        return VFS_EIO;
    if (lba > dev->sectors || count > dev->sectors - lba)
        return VFS_EINVAL;
    while (count) {
        uint32_t n = count < MAX_REQ_SECT ? count : MAX_REQ_SECT;
        v->req.type = 0;                       /* VIRTIO_BLK_T_IN */
        v->req.reserved = 0;
        v->req.sector = lba;
        v->status = 0xff;
        q->desc[0] = (struct vq_desc){ (uintptr_t)&v->req, sizeof v->req, DESC_NEXT, 1 };
        q->desc[1] = (struct vq_desc){ (uintptr_t)buf, n * BLK_SECTOR, DESC_NEXT | DESC_WRITE, 2 };
        q->desc[2] = (struct vq_desc){ (uintptr_t)&v->status, 1, DESC_WRITE, 0 };
        q->avail.ring[q->avail.idx % QSIZE] = 0;
        __asm__ volatile("dmb sy" ::: "memory");
        q->avail.idx++;
        reg_write(v->base, VIRTIO_QUEUE_NOTIFY, 0);

        uint64_t deadline = time_ns() + TIMEOUT_NS;
        while (*(volatile uint16_t *)&q->used.idx == v->last_used)
            if (time_ns() > deadline) {
                v->broken = true;
                kprintf("virtio: %s: request timed out\n", dev->name);
                return VFS_EIO;
            }
        __asm__ volatile("dmb sy" ::: "memory");
        v->last_used++;
        reg_write(v->base, VIRTIO_IRQ_ACK, reg_read(v->base, VIRTIO_IRQ_STATUS));
        if (v->status != 0)
            return VFS_EIO;
        blk_stats.dma_bytes += (uint64_t)n * BLK_SECTOR;
        blk_stats.requests++;
        lba += n;
        count -= n;
        buf = (uint8_t *)buf + (size_t)n * BLK_SECTOR;
    }
    return VFS_OK;
}

/* Bring one block device up: status handshake, features, queue 0. */
static const char *vblk_init(struct vblk *v, struct vq_mem *q, uint32_t version)
{
    uintptr_t b = v->base;
    reg_write(b, VIRTIO_STATUS, 0);
    reg_write(b, VIRTIO_STATUS, STATUS_ACK);
    reg_write(b, VIRTIO_STATUS, STATUS_ACK | STATUS_DRIVER);
    /* no optional features; modern devices need VIRTIO_F_VERSION_1 (bit 32) */
    reg_write(b, VIRTIO_DRV_FEAT_SEL, 0);
    reg_write(b, VIRTIO_DRV_FEATURES, 0);
    if (version == 2) {
        reg_write(b, VIRTIO_DEV_FEAT_SEL, 1);
        if (!(reg_read(b, VIRTIO_DEV_FEATURES) & 1))
            return "device lacks VIRTIO_F_VERSION_1";
        reg_write(b, VIRTIO_DRV_FEAT_SEL, 1);
        reg_write(b, VIRTIO_DRV_FEATURES, 1);
        reg_write(b, VIRTIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
        if (!(reg_read(b, VIRTIO_STATUS) & STATUS_FEATURES_OK))
            return "features not accepted";
    } else {
        reg_write(b, VIRTIO_GUEST_PAGE, 4096);
    }
    reg_write(b, VIRTIO_QUEUE_SEL, 0);
    uint32_t max = reg_read(b, VIRTIO_QUEUE_MAX);
    if (max < QSIZE)
        return "queue too small";
    memset(q, 0, sizeof *q);
    reg_write(b, VIRTIO_QUEUE_NUM, QSIZE);
    if (version == 2) {
        reg_write64(b, VIRTIO_QUEUE_DESC, (uintptr_t)q->desc);
        reg_write64(b, VIRTIO_QUEUE_AVAIL, (uintptr_t)&q->avail);
        reg_write64(b, VIRTIO_QUEUE_USED, (uintptr_t)&q->used);
        reg_write(b, VIRTIO_QUEUE_READY, 1);
    } else {
        reg_write(b, VIRTIO_QUEUE_ALIGN, 4096);
        reg_write(b, VIRTIO_QUEUE_PFN, (uint32_t)((uintptr_t)q >> 12));
    }
    uint32_t gen, lo, hi;
    do {                                       /* config reads must not straddle a change */
        gen = reg_read(b, VIRTIO_CONFIG_GEN);
        lo = reg_read(b, VIRTIO_CONFIG);
        hi = reg_read(b, VIRTIO_CONFIG + 4);
    } while (version == 2 && gen != reg_read(b, VIRTIO_CONFIG_GEN));
    v->blk.sectors = (uint64_t)hi << 32 | lo;
    reg_write(b, VIRTIO_STATUS, STATUS_ACK | STATUS_DRIVER | (version == 2 ? STATUS_FEATURES_OK : 0) |
                                STATUS_DRIVER_OK);
    return NULL;
}

int virtio_blk_probe(struct blk_dev **devs, int cap)
{
    for (int i = 0; i < fdt.nvirtio && nvblk < MAX_BLK; i++) {
        uintptr_t b = (uintptr_t)fdt.virtio[i].base;
        if (fdt.virtio[i].size < VIRTIO_CONFIG + 8 || reg_read(b, VIRTIO_MAGIC) != 0x74726976)
            continue;
        uint32_t version = reg_read(b, VIRTIO_VERSION), id = reg_read(b, VIRTIO_DEVICE_ID);
        if (id != 2)                           /* 0: empty slot; 2: block */
            continue;
        struct vblk *v = &vblks[nvblk];
        *v = (struct vblk){ .base = b };
        snprintf(v->blk.name, sizeof v->blk.name, "vd%c", 'a' + nvblk);
        v->blk.read = vblk_read;
        v->blk.priv = v;
        const char *bad = version == 1 || version == 2 ? vblk_init(v, &vq_mems[nvblk], version)
                                                       : "unknown transport version";
        if (bad) {
            reg_write(b, VIRTIO_STATUS, STATUS_FAILED);
            kprintf("virtio: block device at %#lx: %s\n", (unsigned long)b, bad);
            continue;
        }
        kprintf("virtio: %s at %#lx: %llu sectors (%llu MiB), %s transport\n", v->blk.name,
                (unsigned long)b, (unsigned long long)v->blk.sectors,
                (unsigned long long)(v->blk.sectors >> 11), version == 1 ? "legacy" : "modern");
        if (nvblk < cap)
            devs[nvblk] = &v->blk;
        nvblk++;
    }
    return nvblk < cap ? nvblk : cap;
}
