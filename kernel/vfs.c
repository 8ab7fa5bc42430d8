/* kernel/vfs.c: the mount table, path lookup, file handles and vfs_map().
 * Paths are absolute; a path belongs to the mount with the longest matching
 * prefix, and "/" itself is a synthetic directory of the mount points. */
#include "kernel/vfs.h"
#include "kernel/fs.h"
#include "kernel/mm.h"
#include "kernel/console.h"
#include "arch/aarch64/arch.h"
#include "lib/string.h"
#include "lib/printf.h"

#define MAX_MOUNTS 8
#define MAX_MAPS   16

struct mount {
    char                     path[32];
    char                     source[48];
    struct vfs_fs            fs;
    char                     failed[160];     /* non-empty: not mounted, and why */
};

struct vfs_file {
    struct mount   *m;                       /* NULL: the synthetic "/" */
    struct vfs_node node;
    uint64_t        pos;                     /* read position, or readdir cursor */
};

static struct mount mounts[MAX_MOUNTS];
static int nmounts;

/* vfs_map copies: the pages to give back on vfs_unmap */
static struct { const void *ptr; size_t pages; } maps[MAX_MAPS];

const char *vfs_strerror(int err)
{
    switch (err) {
    case VFS_OK:           return "success";
    case VFS_ENOENT:       return "not found";
    case VFS_EISDIR:       return "is a directory";
    case VFS_ENOTDIR:      return "not a directory";
    case VFS_EBADARCHIVE:  return "bad archive";
    case VFS_EBADFS:       return "corrupt filesystem";
    case VFS_EIO:          return "I/O error";
    case VFS_ENOMEM:       return "out of memory";
    case VFS_EINVAL:       return "invalid argument";
    case VFS_ENAMETOOLONG: return "name too long";
    case VFS_EMFILE:       return "too many mounts or mappings";
    case VFS_EINTR:        return "interrupted";
    case VFS_EFBIG:        return "does not fit in memory (see the boot log)";
    default:               return "unknown error";
    }
}

int vfs_normalize(const char *path, char *out, size_t cap)
{
    size_t n = 0;
    if (!path || path[0] != '/' || cap < 2)
        return VFS_EINVAL;
    out[n++] = '/';
    for (const char *p = path; *p;) {
        while (*p == '/') p++;
        const char *c = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - c);
        if (len == 0 || (len == 1 && c[0] == '.'))
            continue;
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            while (n > 1 && out[n - 1] != '/') n--;   /* drop the last component */
            if (n > 1) n--;
            continue;
        }
        if (len > VFS_NAME_MAX || n + (n > 1) + len + 1 > cap)
            return VFS_ENAMETOOLONG;
        if (n > 1) out[n++] = '/';
        memcpy(out + n, c, len);
        n += len;
    }
    out[n] = '\0';
    return VFS_OK;
}

static struct mount *mount_slot(const char *path, const char *source)
{
    struct mount *m = NULL;
    for (int i = 0; i < nmounts; i++)
        if (!strcmp(mounts[i].path, path))
            m = &mounts[i];                   /* a retry replaces a failure */
    if (!m && nmounts < MAX_MOUNTS)
        m = &mounts[nmounts++];
    if (m) {
        memset(m, 0, sizeof *m);
        strlcpy(m->path, path, sizeof m->path);
        strlcpy(m->source, source ? source : "-", sizeof m->source);
    }
    return m;
}

int vfs_mount(const char *path, const char *source, const struct vfs_fs *fs)
{
    char norm[32];
    if (vfs_normalize(path, norm, sizeof norm) || !strcmp(norm, "/"))
        return VFS_EINVAL;
    for (int i = 0; i < nmounts; i++)
        if (!strcmp(mounts[i].path, norm) && !mounts[i].failed[0])
            return VFS_EINVAL;                /* already mounted */
    struct mount *m = mount_slot(norm, source);
    if (!m)
        return VFS_EMFILE;
    m->fs = *fs;
    return VFS_OK;
}

void vfs_mount_failed(const char *path, const char *source, const char *why)
{
    struct mount *m = mount_slot(path, source);
    if (m)
        strlcpy(m->failed, why, sizeof m->failed);
}

/* The mount that owns a normalized path, and the rest of the path after it. */
static struct mount *mount_find(const char *path, const char **rest)
{
    struct mount *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < nmounts; i++) {
        size_t len = strlen(mounts[i].path);
        if (mounts[i].failed[0] || len <= best_len || strncmp(path, mounts[i].path, len))
            continue;
        if (path[len] == '/' || path[len] == '\0') {
            best = &mounts[i];
            best_len = len;
        }
    }
    *rest = path + best_len;
    return best;
}

/* Walk a path to its node. m is NULL (and node the root) for "/" itself. */
static int vfs_lookup(const char *path, struct mount **mp, struct vfs_node *node)
{
    char norm[VFS_PATH_MAX];
    int err = vfs_normalize(path, norm, sizeof norm);
    if (err)
        return err;
    const char *p;
    struct mount *m = mount_find(norm, &p);
    *mp = m;
    if (!m) {
        *node = (struct vfs_node){ .type = VFS_DIR };
        return strcmp(norm, "/") ? VFS_ENOENT : VFS_OK;
    }
    *node = m->fs.root;
    while (*p) {
        p++;                                  /* the '/' */
        const char *c = p;
        while (*p && *p != '/') p++;
        if (node->type != VFS_DIR)
            return VFS_ENOTDIR;
        struct vfs_node next;
        err = m->fs.ops->lookup(m->fs.fs, node, c, (size_t)(p - c), &next);
        if (err)
            return err;
        *node = next;
    }
    return VFS_OK;
}

int vfs_open(const char *path, struct vfs_file **out)
{
    struct mount *m;
    struct vfs_node node;
    int err = vfs_lookup(path, &m, &node);
    if (err)
        return err;
    struct vfs_file *f = kmalloc(sizeof *f);
    if (!f)
        return VFS_ENOMEM;
    *f = (struct vfs_file){ m, node, 0 };
    *out = f;
    return VFS_OK;
}

void vfs_close(struct vfs_file *f)
{
    kfree(f);
}

int64_t vfs_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    if (f->node.type == VFS_DIR)
        return VFS_EISDIR;
    return f->m->fs.ops->read(f->m->fs.fs, &f->node, off, buf, n);
}

int64_t vfs_read(struct vfs_file *f, void *buf, size_t n)
{
    int64_t got = vfs_pread(f, buf, n, f->pos);
    if (got > 0)
        f->pos += (uint64_t)got;
    return got;
}

int vfs_seek(struct vfs_file *f, uint64_t off)
{
    if (f->node.type == VFS_DIR)
        return VFS_EISDIR;
    f->pos = off;
    return VFS_OK;
}

int vfs_readdir(struct vfs_file *dir, struct vfs_dirent *out)
{
    if (dir->node.type != VFS_DIR)
        return VFS_ENOTDIR;
    if (dir->m)
        return dir->m->fs.ops->readdir(dir->m->fs.fs, &dir->node, &dir->pos, out);
    /* "/": one entry per live mount (all mounts are one level deep) */
    while (dir->pos < (uint64_t)nmounts) {
        struct mount *m = &mounts[dir->pos++];
        if (m->failed[0])
            continue;
        strlcpy(out->name, m->path + 1, sizeof out->name);
        out->type = VFS_DIR;
        out->size = 0;
        return 1;
    }
    return 0;
}

/* The file's bytes, when its filesystem holds them in memory. */
static const void *vfs_in_memory(struct vfs_file *f)
{
    const struct vfs_fs *fs = &f->m->fs;
    return f->node.type == VFS_FILE && fs->ops->data ? fs->ops->data(fs->fs, &f->node) : NULL;
}

int vfs_fstat(struct vfs_file *f, struct vfs_stat *st)
{
    *st = (struct vfs_stat){
        .type = f->node.type,
        .size = f->node.size,
        .fs_type = f->m ? f->m->fs.type : "root",
        .in_memory = f->m && vfs_in_memory(f),
    };
    return VFS_OK;
}

int vfs_stat(const char *path, struct vfs_stat *st)
{
    struct vfs_file *f;
    int err = vfs_open(path, &f);
    if (err)
        return err;
    vfs_fstat(f, st);
    vfs_close(f);
    return VFS_OK;
}

/* ---- vfs_map */

/* Read the whole file into buf, with a progress line each second after the first. */
static int vfs_read_all(struct vfs_file *f, const char *path, uint8_t *buf, size_t size)
{
    const size_t chunk = 4u << 20;
    const uint64_t second = 1000000000ull;
    uint64_t t0 = time_ns(), next_report = t0 + second;
    bool reported = false;
    for (size_t off = 0; off < size;) {
        size_t n = size - off < chunk ? size - off : chunk;
        int64_t got = vfs_pread(f, buf + off, n, off);
        if (got < 0)
            return (int)got;
        if ((size_t)got != n)
            return VFS_EIO;                   /* the file shrank under us */
        off += n;
        uint64_t now = time_ns();
        if (now >= next_report || (reported && off == size)) {
            uint64_t ms = (now - t0) / 1000000;
            kprintf("vfs: reading %s: %zu/%zu MiB, %llu.%llu s\n", path, off >> 20, size >> 20,
                    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000 / 100));
            next_report = now + second;
            reported = true;
        }
    }
    return VFS_OK;
}

int vfs_map(const char *path, const void **ptr, size_t *size, size_t *copied)
{
    struct vfs_file *f;
    int err = vfs_open(path, &f);
    if (err)
        return err;
    if (f->node.type == VFS_DIR) {
        vfs_close(f);
        return VFS_EISDIR;
    }
    *size = (size_t)f->node.size;
    *copied = 0;
    const void *in_place = vfs_in_memory(f);
    if (in_place) {
        *ptr = in_place;
        vfs_close(f);
        return VFS_OK;
    }
    int slot = 0;
    while (slot < MAX_MAPS && maps[slot].ptr) slot++;
    size_t pages = *size ? (*size + MM_PAGE - 1) / MM_PAGE : 1;
    void *buf = slot < MAX_MAPS ? page_alloc(pages) : NULL;
    if (!buf) {
        vfs_close(f);
        return slot < MAX_MAPS ? VFS_ENOMEM : VFS_EMFILE;
    }
    err = vfs_read_all(f, path, buf, *size);
    vfs_close(f);
    if (err) {
        page_free(buf, pages);
        return err;
    }
    maps[slot].ptr = buf;
    maps[slot].pages = pages;
    *ptr = buf;
    *copied = *size;
    return VFS_OK;
}

void vfs_unmap(const void *ptr)
{
    for (int i = 0; i < MAX_MAPS; i++)
        if (ptr && maps[i].ptr == ptr) {
            page_free((void *)ptr, maps[i].pages);
            maps[i].ptr = NULL;
            return;
        }
    /* not a copy: the bytes belong to the filesystem, nothing to free */
}

/* ---- `mount` lists the table (vfs_mount_list is used by the shell command) */
void vfs_mount_list(void (*fn)(const char *path, const char *type, const char *source,
                               const char *failed))
{
    for (int i = 0; i < nmounts; i++)
        fn(mounts[i].path, mounts[i].fs.type, mounts[i].source,
           mounts[i].failed[0] ? mounts[i].failed : NULL);
}
