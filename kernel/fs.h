/* kernel/fs.h: the filesystems' mount entry points (called by vfs_init) and
 * the parts of them the selftests reach. */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H
#include <stddef.h>
#include <stdint.h>
#include "kernel/blk.h"
#include "kernel/vfs.h"

/* ---- cpio "newc" archive (kernel/cpio.c) */
struct cpio_entry {
    const char    *name;     /* inside the archive; leading "./" and "/" removed */
    uint32_t       namelen;
    uint32_t       mode;
    const uint8_t *data;     /* inside the archive */
    uint32_t       size;
};

/* Check the whole archive; fill up to cap entries (ents may be NULL to count).
 * *count = entries (files and directories). VFS_EBADARCHIVE with why set. */
int cpio_parse(const void *base, size_t size, struct cpio_entry *ents, uint32_t cap,
               uint32_t *count, char *why, size_t whycap);
/* Check the archive and open it as a filesystem (it must stay where it is). */
int cpio_open(const void *base, size_t size, struct vfs_fs *out, char *why, size_t whycap);

/* ---- FAT16/FAT32, read-only (kernel/fat.c) */
/* Find FAT on dev (superfloppy, else the first FAT MBR partition: *part =
 * 1..4, 0 for none) and open it. VFS_EBADFS with why when there is none. */
int fat_open(struct blk_dev *dev, struct vfs_fs *out, int *part, char *why, size_t whycap);
/* The 8.3 name checksum that long-name entries carry. */
uint8_t fat_lfn_checksum(const uint8_t short_name[11]);

/* ---- /boot: the ESP's \models\ files read under UEFI (kernel/boot_fs.c) */
void boot_fs_mount(void);      /* mounts when there are any */

#endif
