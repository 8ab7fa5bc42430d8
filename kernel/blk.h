/* kernel/blk.h: a block device as filesystems see it: 512-byte sectors, read only. */
#ifndef KERNEL_BLK_H
#define KERNEL_BLK_H
#include <stdint.h>

#define BLK_SECTOR 512u

struct blk_dev {
    char     name[16];                 /* "vda" */
    uint64_t sectors;                  /* capacity in 512-byte sectors */
    /* Read count sectors at lba into buf (any address in RAM): 0 or a VFS error. */
    int    (*read)(struct blk_dev *dev, uint64_t lba, uint32_t count, void *buf);
    void    *priv;
};

/* What block reads have moved since boot: by the device, straight into the
 * caller's buffers (DMA), and by the CPU out of a filesystem's sector buffer
 * (the ragged ends of a read, metadata). vfs_map reports them per file. */
struct blk_stats {
    uint64_t dma_bytes, requests, cpu_copied;
};
extern struct blk_stats blk_stats;

/* Probe the virtio-mmio transports in the DTB (in DTB order) and bring up
 * every block device: up to cap go into devs; returns how many. */
int virtio_blk_probe(struct blk_dev **devs, int cap);

#endif
