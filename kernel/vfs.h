/* kernel/vfs.h: the virtual file system: a mount table, path lookup, file
 * handles, and vfs_map() (a file's bytes as one read-only pointer: in place
 * when the filesystem already holds them in memory, one copy otherwise).
 * Filesystems: /initrd (cpio newc, kernel/cpio.c), /disk (FAT, kernel/fat.c). */
#ifndef KERNEL_VFS_H
#define KERNEL_VFS_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Errors are negative; vfs_strerror() names them. */
enum {
    VFS_OK           = 0,
    VFS_ENOENT       = -1,   /* not found */
    VFS_EISDIR       = -2,   /* is a directory */
    VFS_ENOTDIR      = -3,   /* not a directory */
    VFS_EBADARCHIVE  = -4,   /* bad archive (cpio) */
    VFS_EBADFS       = -5,   /* corrupt filesystem (FAT) */
    VFS_EIO          = -6,   /* I/O error (device) */
    VFS_ENOMEM       = -7,   /* out of memory */
    VFS_EINVAL       = -8,   /* invalid argument */
    VFS_ENAMETOOLONG = -9,   /* path or name too long */
    VFS_EMFILE       = -10,  /* too many open files or mounts */
    VFS_EINTR        = -11,  /* interrupted */
    VFS_EFBIG        = -12,  /* does not fit in memory (a /boot file UEFI could not read) */
};
const char *vfs_strerror(int err);

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 512

enum vfs_type { VFS_FILE = 1, VFS_DIR = 2 };

/* A filesystem's handle for one file or directory (ino/aux are its own). */
struct vfs_node {
    uint64_t size;
    uint32_t type;           /* enum vfs_type */
    uint64_t ino;
    uint64_t aux;
};

struct vfs_dirent {
    char     name[VFS_NAME_MAX + 1];
    uint32_t type;
    uint64_t size;
};

struct vfs_stat {
    uint32_t    type;
    uint64_t    size;
    const char *fs_type;     /* "cpio", "fat32", ... */
    bool        in_memory;   /* vfs_map() needs no copy */
};

/* What a filesystem implements; fs is its own state. Everything returns
 * VFS_OK or a negative error unless said otherwise. */
struct vfs_fs_ops {
    int (*lookup)(void *fs, const struct vfs_node *dir, const char *name, size_t len,
                  struct vfs_node *out);
    /* One entry at *cursor (0 = first), advancing it: 1 = entry, 0 = end. */
    int (*readdir)(void *fs, const struct vfs_node *dir, uint64_t *cursor,
                   struct vfs_dirent *out);
    /* Bytes read (short only at end of file), or a negative error. */
    int64_t (*read)(void *fs, const struct vfs_node *f, uint64_t off, void *buf, size_t n);
    /* The file's bytes if they are in memory, else NULL (may be NULL). */
    const void *(*data)(void *fs, const struct vfs_node *f);
    void (*release)(void *fs);                 /* free fs (a failed mount) */
};

/* One opened filesystem, ready to mount (from cpio_open, fat_open). */
struct vfs_fs {
    const char              *type;   /* static: "cpio", "fat32", "fat16" */
    const struct vfs_fs_ops *ops;
    void                    *fs;
    struct vfs_node          root;
};

/* Mount fs at path ("/initrd"); the mount table then owns it. */
int  vfs_mount(const char *path, const char *source, const struct vfs_fs *fs);
/* Remember why something was not mounted (shown by `mount`). */
void vfs_mount_failed(const char *path, const char *source, const char *why);

/* Call fn for each mount point (failed: why it is not mounted, else NULL). */
void vfs_mount_list(void (*fn)(const char *path, const char *type, const char *source,
                               const char *failed));

/* Mount everything the machine has: /initrd (DTB /chosen), /disk (virtio-blk). */
void vfs_init(void);

struct vfs_file;
int     vfs_open(const char *path, struct vfs_file **out);
int64_t vfs_read(struct vfs_file *f, void *buf, size_t n);      /* at the file position */
int64_t vfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off);
int     vfs_seek(struct vfs_file *f, uint64_t off);
int     vfs_readdir(struct vfs_file *dir, struct vfs_dirent *out); /* 1 = entry, 0 = end */
int     vfs_fstat(struct vfs_file *f, struct vfs_stat *st);
void    vfs_close(struct vfs_file *f);
int     vfs_stat(const char *path, struct vfs_stat *st);

/* A file's bytes as one read-only pointer. *copied is 0 when the bytes were
 * already in memory (initrd), else the bytes read into fresh pages.
 * Undo with vfs_unmap(ptr). */
int  vfs_map(const char *path, const void **ptr, size_t *size, size_t *copied);
void vfs_unmap(const void *ptr);

/* Normalize path (absolute; "." and ".." resolved, "//" folded) into out. */
int  vfs_normalize(const char *path, char *out, size_t cap);

#endif
