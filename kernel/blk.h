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

/* Probe the virtio-mmio transports in the DTB (in DTB order) and bring up
 * every block device: up to cap go into devs; returns how many. */
int virtio_blk_probe(struct blk_dev **devs, int cap);

#endif
