/* kernel/cpio_test.c: cpio_parse() on archives built here: a good one, and
 * each way a header can lie (magic, hex, sizes, alignment, missing trailer). */
#include "kernel/fs.h"
#include "kernel/vfs.h"
#include "lib/selftest.h"
#include "lib/string.h"
#include "lib/printf.h"

struct cpio_buf {
    uint8_t b[1024] __attribute__((aligned(8)));
    size_t  n;
};

/* Append one newc entry: header, name, padding, data, padding. */
static void put_entry(struct cpio_buf *a, const char *name, uint32_t mode, const void *data,
                      uint32_t size)
{
    uint32_t namesize = (uint32_t)strlen(name) + 1;
    a->n += snprintf((char *)a->b + a->n, sizeof a->b - a->n,
                     "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                     1u, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
    memcpy(a->b + a->n, name, namesize);
    a->n += namesize;
    while (a->n & 3) a->b[a->n++] = 0;
    if (size)
        memcpy(a->b + a->n, data, size);
    a->n += size;
    while (a->n & 3) a->b[a->n++] = 0;
}

static const uint8_t bin[5] = { 0x00, 0xff, 0x10, 0x7f, 0x80 };

static void build_good(struct cpio_buf *a)
{
    memset(a, 0, sizeof *a);
    put_entry(a, ".", 0040755, NULL, 0);
    put_entry(a, "./sub", 0040755, NULL, 0);
    put_entry(a, "./sub/hello.txt", 0100644, "hello\n", 6);
    put_entry(a, "b.bin", 0100644, bin, sizeof bin);
    put_entry(a, "deep/er/file", 0100644, "x", 1);       /* directories implied */
    put_entry(a, "TRAILER!!!", 0, NULL, 0);
}

SELFTEST(cpio_parse_good)
{
    static struct cpio_buf a;
    struct cpio_entry e[8];
    uint32_t n;
    char why[96];
    build_good(&a);
    int err = cpio_parse(a.b, a.n, e, 8, &n, why, sizeof why);
    ST_CHECK(err == VFS_OK, "good archive rejected: %s", why);
    ST_CHECK(n == 4, "%u entries, want 4 (\".\" is the root)", n);
    ST_CHECK(e[0].namelen == 3 && !memcmp(e[0].name, "sub", 3), "leading ./ not stripped");
    ST_CHECK(e[1].size == 6 && !memcmp(e[1].data, "hello\n", 6), "hello.txt data");
    ST_CHECK(e[2].size == 5 && !memcmp(e[2].data, bin, 5), "b.bin data");
    ST_CHECK(((uintptr_t)e[2].data & 3) == 0, "data not 4-byte aligned");
    /* trailing zero padding after TRAILER!!! (cpio pads to 512) is fine */
    ST_CHECK(cpio_parse(a.b, sizeof a.b, NULL, 0, &n, why, sizeof why) == VFS_OK && n == 4,
             "padding after the trailer rejected");
}

SELFTEST(cpio_parse_every_truncation_fails)
{
    static struct cpio_buf a;
    uint32_t n;
    char why[96];
    build_good(&a);
    for (size_t len = 0; len < a.n; len++)
        ST_CHECK(cpio_parse(a.b, len, NULL, 0, &n, why, sizeof why) == VFS_EBADARCHIVE,
                 "archive cut at %zu of %zu accepted", len, a.n);
}

/* Corrupt one byte of the good archive: parse must fail with a message. */
static bool rejects(struct cpio_buf *a, size_t at, uint8_t v, char *why, size_t cap)
{
    uint32_t n;
    build_good(a);
    a->b[at] = v;
    why[0] = '\0';
    return cpio_parse(a->b, a->n, NULL, 0, &n, why, cap) == VFS_EBADARCHIVE && why[0];
}

SELFTEST(cpio_parse_malformed)
{
    static struct cpio_buf a;
    char why[96];
    size_t second = 112;                      /* header + "." + pad: the "./sub" entry */
    ST_CHECK(rejects(&a, 5, '3', why, sizeof why), "bad magic accepted");
    ST_CHECK(rejects(&a, 6 + 8 * 1 + 3, 'g', why, sizeof why), "non-hex mode accepted");
    ST_CHECK(strstr(why, "hex"), "message '%s' does not say hex", why);
    /* name size 0xF... : past the end */
    ST_CHECK(rejects(&a, second + 6 + 8 * 11, 'F', why, sizeof why), "huge name size accepted");
    /* name size 0: */
    build_good(&a);
    memcpy(a.b + second + 6 + 8 * 11, "00000000", 8);
    uint32_t n;
    ST_CHECK(cpio_parse(a.b, a.n, NULL, 0, &n, why, sizeof why) == VFS_EBADARCHIVE,
             "zero name size accepted");
    /* file size pointing past the end */
    ST_CHECK(rejects(&a, second + 6 + 8 * 6, '7', why, sizeof why), "huge file size accepted");
    /* name not NUL-terminated: overwrite the NUL of "./sub" */
    ST_CHECK(rejects(&a, second + 110 + 5, 'x', why, sizeof why), "unterminated name accepted");
    /* no trailer: drop the last entry */
    build_good(&a);
    ST_CHECK(cpio_parse(a.b, a.n - 124, NULL, 0, &n, why, sizeof why) == VFS_EBADARCHIVE,
             "archive without TRAILER!!! accepted");
    ST_CHECK(strstr(why, "TRAILER"), "message '%s' does not name the trailer", why);
    /* misaligned base */
    ST_CHECK(cpio_parse(a.b + 1, a.n - 1, NULL, 0, &n, why, sizeof why) == VFS_EBADARCHIVE,
             "misaligned archive accepted");
}

/* Lookups and listings through the filesystem ops, as the VFS makes them. */
static int look(const struct vfs_fs *fs, const struct vfs_node *dir, const char *name,
                struct vfs_node *out)
{
    return fs->ops->lookup(fs->fs, dir, name, strlen(name), out);
}

SELFTEST(cpio_lookup_readdir)
{
    static struct cpio_buf a;
    struct vfs_fs fs;
    struct vfs_node sub, hello, deep, er, file, x;
    struct vfs_dirent d;
    char why[96], names[64] = "", buf[8];
    build_good(&a);
    ST_CHECK(cpio_open(a.b, a.n, &fs, why, sizeof why) == VFS_OK, "open: %s", why);
    ST_CHECK(look(&fs, &fs.root, "sub", &sub) == VFS_OK && sub.type == VFS_DIR, "sub");
    ST_CHECK(look(&fs, &sub, "hello.txt", &hello) == VFS_OK && hello.type == VFS_FILE &&
             hello.size == 6, "sub/hello.txt");
    ST_CHECK(fs.ops->read(fs.fs, &hello, 1, buf, sizeof buf) == 5 && !memcmp(buf, "ello\n", 5),
             "read at offset 1");
    ST_CHECK(fs.ops->read(fs.fs, &hello, 6, buf, sizeof buf) == 0, "read at end");
    const uint8_t *in_place = fs.ops->data(fs.fs, &hello);
    ST_CHECK(in_place > a.b && in_place + 6 <= a.b + a.n && !memcmp(in_place, "hello\n", 6),
             "not mapped in place");
    ST_CHECK(look(&fs, &fs.root, "deep", &deep) == VFS_OK && deep.type == VFS_DIR, "implied dir");
    ST_CHECK(look(&fs, &deep, "er", &er) == VFS_OK && er.type == VFS_DIR, "implied deep/er");
    ST_CHECK(look(&fs, &er, "file", &file) == VFS_OK && file.size == 1, "deep/er/file");
    ST_CHECK(look(&fs, &fs.root, "su", &x) == VFS_ENOENT, "prefix of a name found");
    ST_CHECK(look(&fs, &fs.root, "hello.txt", &x) == VFS_ENOENT, "nested file found at root");
    uint64_t cursor = 0;
    while (fs.ops->readdir(fs.fs, &fs.root, &cursor, &d) == 1) {
        strlcpy(names + strlen(names), d.name, sizeof names - strlen(names));
        strlcpy(names + strlen(names), d.type == VFS_DIR ? "/ " : " ", sizeof names - strlen(names));
    }
    ST_CHECK(!strcmp(names, "sub/ b.bin deep/ "), "root lists '%s'", names);
    fs.ops->release(fs.fs);
}
