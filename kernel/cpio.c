/* kernel/cpio.c: /initrd, a cpio "newc" archive read in place. The whole
 * archive is checked once at mount (magic, hex fields, name and data bounds,
 * 4-byte alignment, TRAILER!!!); after that, files are pointers into it.
 * Directories may be explicit entries or implied by deeper paths. */
#include "kernel/fs.h"
#include "kernel/vfs.h"
#include "kernel/mm.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "lib/printf.h"

#define CPIO_HDR 110u
#define S_IFMT   0170000u
#define S_IFDIR  0040000u
#define S_IFREG  0100000u

struct cpio_fs {
    const uint8_t     *base;
    size_t             size;
    uint32_t           count;
    struct cpio_entry *ents;
};

static size_t align4(size_t x) { return (x + 3) & ~(size_t)3; }

/* One 8-digit hex field; false if any character is not a hex digit. */
static bool hex8(const uint8_t *p, uint32_t *out)
{
    uint64_t v;
    if (!parse_digits((const char *)p, 8, 16, &v))
        return false;
    *out = (uint32_t)v;   /* 8 hex digits: at most 0xffffffff */
    return true;
}

static int bad(char *why, size_t cap, size_t off, const char *what)
{
    snprintf(why, cap, "entry at offset %zu: %s", off, what);
    return VFS_EBADARCHIVE;
}

int cpio_parse(const void *base, size_t size, struct cpio_entry *ents, uint32_t cap,
               uint32_t *count, char *why, size_t whycap)
{
    const uint8_t *a = base;
    size_t off = 0;
    uint32_t n = 0;
    *count = 0;
    if ((uintptr_t)base & 3)
        return bad(why, whycap, 0, "archive not 4-byte aligned");
    for (;;) {
        if (size - off < CPIO_HDR)   /* off <= size always holds here */
            return bad(why, whycap, off, off ? "truncated header (no TRAILER!!!)" : "archive too short");
        const uint8_t *h = a + off;
        if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
            return bad(why, whycap, off, "bad magic (not a newc archive)");
        uint32_t f[13];
        for (int i = 0; i < 13; i++)
            if (!hex8(h + 6 + 8 * i, &f[i]))
                return bad(why, whycap, off, "non-hex header field");
        uint32_t mode = f[1], filesize = f[6], namesize = f[11];
        if (namesize == 0 || namesize > VFS_PATH_MAX)
            return bad(why, whycap, off, "bad name size");
        if (namesize > size - off - CPIO_HDR)
            return bad(why, whycap, off, "name past end of archive");
        const char *name = (const char *)h + CPIO_HDR;
        if (name[namesize - 1] != '\0' || strnlen(name, namesize) != namesize - 1)
            return bad(why, whycap, off, "name not NUL-terminated");
        size_t data = align4(off + CPIO_HDR + namesize);
        if (data > size || filesize > size - data)
            return bad(why, whycap, off, "file data past end of archive");
        if (!strcmp(name, "TRAILER!!!"))
            break;
        size_t next = align4(data + filesize);
        if (next > size)
            return bad(why, whycap, off, "padding past end of archive");

        /* "./a/b/" -> "a/b"; "." is the root itself */
        while (name[0] == '.' && name[1] == '/') name += 2;
        while (name[0] == '/') name++;
        size_t len = strlen(name);
        while (len && name[len - 1] == '/') len--;
        uint32_t type = mode & S_IFMT;
        bool keep = len && !(len == 1 && name[0] == '.') && (type == S_IFREG || type == S_IFDIR);
        if (type == S_IFDIR && filesize)
            return bad(why, whycap, off, "directory with data");
        if (keep) {
            if (ents && n < cap)
                ents[n] = (struct cpio_entry){ name, (uint32_t)len, mode, a + data, filesize };
            n++;
        }
        off = next;
    }
    *count = n;
    return VFS_OK;
}

/* If e lies under dir prefix (p, plen), the child name it gives (its next
 * component) in child and clen, and whether that child is e itself. */
static bool cpio_child(const struct cpio_entry *e, const char *p, size_t plen,
                       const char **child, size_t *clen, bool *is_self)
{
    const char *rest = e->name;
    size_t rlen = e->namelen;
    if (plen) {
        if (rlen <= plen + 1 || memcmp(rest, p, plen) || rest[plen] != '/')
            return false;
        rest += plen + 1;
        rlen -= plen + 1;
    }
    const char *slash = memchr(rest, '/', rlen);
    *child = rest;
    *clen = slash ? (size_t)(slash - rest) : rlen;
    *is_self = !slash;
    return true;
}

/* A directory node names its path as (entry ino, prefix length aux); the root is aux 0. */
static void cpio_dir_prefix(const struct cpio_fs *c, const struct vfs_node *dir,
                            const char **p, size_t *plen)
{
    *plen = dir->aux;
    *p = *plen ? c->ents[dir->ino].name : "";
}

static void cpio_node(const struct cpio_fs *c, uint32_t i, bool is_self, size_t prefix_len,
                      struct vfs_node *out)
{
    const struct cpio_entry *e = &c->ents[i];
    if (is_self && (e->mode & S_IFMT) == S_IFREG)
        *out = (struct vfs_node){ .size = e->size, .type = VFS_FILE, .ino = i, .aux = 0 };
    else
        *out = (struct vfs_node){ .size = 0, .type = VFS_DIR, .ino = i, .aux = prefix_len };
}

static int cpio_lookup(void *fs, const struct vfs_node *dir, const char *name, size_t len,
                       struct vfs_node *out)
{
    struct cpio_fs *c = fs;
    const char *p, *child;
    size_t plen, clen;
    bool self, found = false;
    cpio_dir_prefix(c, dir, &p, &plen);
    for (uint32_t i = 0; i < c->count; i++) {
        if (!cpio_child(&c->ents[i], p, plen, &child, &clen, &self))
            continue;
        if (clen != len || memcmp(child, name, len))
            continue;
        /* an entry for the name itself wins over a path that implies it */
        if (self || !found)
            cpio_node(c, i, self, plen ? plen + 1 + len : len, out);
        found = true;
        if (self)
            break;
    }
    return found ? VFS_OK : VFS_ENOENT;
}

static int cpio_readdir(void *fs, const struct vfs_node *dir, uint64_t *cursor,
                        struct vfs_dirent *out)
{
    struct cpio_fs *c = fs;
    const char *p, *child, *other;
    size_t plen, clen, olen;
    bool self, oself;
    cpio_dir_prefix(c, dir, &p, &plen);
    for (uint32_t i = *cursor; i < c->count; i++) {
        if (!cpio_child(&c->ents[i], p, plen, &child, &clen, &self))
            continue;
        /* report each child once: at its first appearance */
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = cpio_child(&c->ents[j], p, plen, &other, &olen, &oself) &&
                   olen == clen && !memcmp(other, child, clen);
        if (seen)
            continue;
        struct vfs_node n;
        if (cpio_lookup(fs, dir, child, clen, &n))   /* resolves explicit vs implied */
            continue;
        size_t k = clen > VFS_NAME_MAX ? VFS_NAME_MAX : clen;
        memcpy(out->name, child, k);
        out->name[k] = '\0';
        out->type = n.type;
        out->size = n.size;
        *cursor = i + 1;
        return 1;
    }
    *cursor = c->count;
    return 0;
}

static int64_t cpio_read(void *fs, const struct vfs_node *f, uint64_t off, void *buf, size_t n)
{
    struct cpio_fs *c = fs;
    if (off >= f->size)
        return 0;
    if (n > f->size - off)
        n = f->size - off;
    memcpy(buf, c->ents[f->ino].data + off, n);
    return (int64_t)n;
}

static const void *cpio_data(void *fs, const struct vfs_node *f)
{
    struct cpio_fs *c = fs;
    return c->ents[f->ino].data;
}

static void cpio_release(void *fs)
{
    struct cpio_fs *c = fs;
    kfree(c->ents);
    kfree(c);
}

static const struct vfs_fs_ops cpio_ops = {
    .lookup = cpio_lookup, .readdir = cpio_readdir, .read = cpio_read, .data = cpio_data,
    .release = cpio_release,
};

int cpio_open(const void *base, size_t size, struct vfs_fs *out, char *why, size_t whycap)
{
    uint32_t count;
    int err = cpio_parse(base, size, NULL, 0, &count, why, whycap);
    if (err)
        return err;
    struct cpio_fs *c = kmalloc(sizeof *c);
    struct cpio_entry *ents = kmalloc((count ? count : 1) * sizeof *ents);
    if (!c || !ents) {
        kfree(c);
        kfree(ents);
        snprintf(why, whycap, "out of memory for %u entries", count);
        return VFS_ENOMEM;
    }
    cpio_parse(base, size, ents, count, &count, why, whycap);
    *c = (struct cpio_fs){ base, size, count, ents };
    *out = (struct vfs_fs){ "cpio", &cpio_ops, c, { .size = 0, .type = VFS_DIR, .ino = 0, .aux = 0 } };
    return VFS_OK;
}
