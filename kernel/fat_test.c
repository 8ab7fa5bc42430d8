/* kernel/fat_test.c: fat_open() on a FAT16 volume built here, in a small
 * array behind a fake block device (sectors past the array read as zeros):
 * long names (several entries, bad checksum), a multi-cluster file, and
 * broken chains (out of range, too short, looping directory) that must end
 * in an error, not a hang. */
#include "kernel/fs.h"
#include "kernel/vfs.h"
#include "lib/selftest.h"
#include "lib/string.h"

#define T_SECTORS  5000u               /* 4978 clusters of 512 bytes: FAT16 */
#define T_STORED   64u                 /* sectors 0..63 are in img[] */
#define T_FAT      1u                  /* 20 FAT sectors, then the root directory */
#define T_ROOT     21u
#define T_DATA     22u                 /* cluster 2 */

static uint8_t img[T_STORED * 512] __attribute__((aligned(16)));

static int ram_read(struct blk_dev *dev, uint64_t lba, uint32_t count, void *buf)
{
    if (lba > dev->sectors || count > dev->sectors - lba)
        return VFS_EIO;
    for (uint32_t i = 0; i < count; i++, lba++) {
        uint8_t *dst = (uint8_t *)buf + i * 512;
        if (lba < T_STORED)
            memcpy(dst, img + lba * 512, 512);
        else
            memset(dst, 0, 512);
    }
    return VFS_OK;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void fat_set(uint32_t c, uint16_t v) { put16(img + T_FAT * 512 + c * 2, v); }
static uint8_t *cluster(uint32_t c) { return img + (T_DATA + c - 2) * 512; }

static uint8_t *short_entry(uint8_t *e, const char name11[11], uint8_t attr, uint16_t c, uint32_t size)
{
    memcpy(e, name11, 11);
    e[11] = attr;
    put16(e + 26, c);
    put32(e + 28, size);
    return e + 32;
}

/* The long-name entries for name (ASCII), last piece first, then the short entry. */
static uint8_t *long_entry(uint8_t *e, const char *name, const char name11[11], uint8_t attr,
                           uint16_t c, uint32_t size, uint8_t sum_xor)
{
    static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    int len = (int)strlen(name), pieces = (len + 12) / 13;
    uint8_t sum = fat_lfn_checksum((const uint8_t *)name11) ^ sum_xor;
    for (int k = pieces; k >= 1; k--, e += 32) {
        e[0] = (uint8_t)(k | (k == pieces ? 0x40 : 0));
        e[11] = 0x0f;
        e[13] = sum;
        for (int i = 0; i < 13; i++) {
            int at = (k - 1) * 13 + i;
            put16(e + pos[i], at < len ? (uint8_t)name[at] : at == len ? 0 : 0xffff);
        }
    }
    return short_entry(e, name11, attr, c, size);
}

static void build_volume(void)
{
    memset(img, 0, sizeof img);
    uint8_t *b = img;
    b[0] = 0xeb;
    put16(b + 11, 512); b[13] = 1; put16(b + 14, 1); b[16] = 1;
    put16(b + 17, 16); put16(b + 19, T_SECTORS); put16(b + 22, 20);
    put16(b + 510, 0xaa55);
    fat_set(0, 0xfff8); fat_set(1, 0xffff);

    uint8_t *e = img + T_ROOT * 512;
    e = long_entry(e, "Long Sub Directory", "LONGSU~1   ", 0x10, 2, 0, 0);
    e = short_entry(e, "README  TXT", 0x20, 3, 600);           /* clusters 3 -> 4 */
    e = short_entry(e, "BADLINK BIN", 0x20, 7, 1024);          /* 7 -> out of range */
    e = short_entry(e, "SHORT   BIN", 0x20, 8, 2048);          /* one cluster for four */
    e = long_entry(e, "wrong checksum name", "BADSUM  TXT", 0x20, 9, 3, 0x5a);
    e = short_entry(e, "LOOPDIR    ", 0x10, 11, 0);            /* 11 -> 12 -> 11 */
    e[0] = 0xe5;                                               /* deleted */
    short_entry(e + 1, "ELETED TXT", 0x20, 9, 3);
    fat_set(2, 0xffff);
    fat_set(3, 4); fat_set(4, 0xfff8);
    fat_set(7, 0xfff0);
    fat_set(8, 0xffff);
    fat_set(9, 0xffff);
    fat_set(10, 0xffff);
    fat_set(11, 12); fat_set(12, 11);

    e = cluster(2);
    e = short_entry(e, ".          ", 0x10, 2, 0);
    e = short_entry(e, "..         ", 0x10, 0, 0);
    long_entry(e, "A file with a long name.txt", "AFILEW~1TXT", 0x20, 10, 5, 0);
    memcpy(cluster(10), "hello", 5);
    for (int i = 0; i < 1024; i++)
        cluster(3)[i] = (uint8_t)(i % 251);
    memcpy(cluster(9), "abc", 3);
    for (int i = 0; i < 16; i++) {                             /* a full, looping directory */
        char n[12] = "F0         ";
        n[1] = (char)('a' + i);
        short_entry(cluster(11) + 32 * i, n, 0x20, 9, 3);
        short_entry(cluster(12) + 32 * i, n, 0x20, 9, 3);
    }
}

static struct blk_dev ram = { .name = "ram", .sectors = T_SECTORS, .read = ram_read };

static int look(const struct vfs_fs *fs, const struct vfs_node *dir, const char *name,
                struct vfs_node *out)
{
    return fs->ops->lookup(fs->fs, dir, name, strlen(name), out);
}

SELFTEST(fat_lfn_checksum_known)
{
    /* checksums mtools wrote into the long-name entries of a mkfs.vfat image */
    ST_CHECK(fat_lfn_checksum((const uint8_t *)"THISIS~1TXT") == 0x43, "THISIS~1TXT");
    ST_CHECK(fat_lfn_checksum((const uint8_t *)"ALONGD~1   ") == 0xd5, "ALONGD~1");
}

SELFTEST(fat_long_names_and_reads)
{
    struct vfs_fs fs;
    struct vfs_node sub, f, x;
    struct vfs_dirent d;
    char why[96], names[160] = "";
    static uint8_t buf[600];
    int part;
    build_volume();
    ST_CHECK(fat_open(&ram, &fs, &part, why, sizeof why) == VFS_OK, "open: %s", why);
    ST_CHECK(!strcmp(fs.type, "fat16") && part == 0, "type %s part %d", fs.type, part);
    ST_CHECK(look(&fs, &fs.root, "long sub directory", &sub) == VFS_OK && sub.type == VFS_DIR,
             "long directory name (case-insensitive)");
    ST_CHECK(look(&fs, &fs.root, "LONGSU~1", &x) == VFS_OK && x.ino == sub.ino, "short alias");
    ST_CHECK(look(&fs, &sub, "A file with a long name.txt", &f) == VFS_OK && f.size == 5,
             "three-entry long name");
    ST_CHECK(fs.ops->read(fs.fs, &f, 0, buf, 16) == 5 && !memcmp(buf, "hello", 5), "read");
    ST_CHECK(look(&fs, &fs.root, "readme.txt", &f) == VFS_OK && f.size == 600, "readme");
    ST_CHECK(fs.ops->read(fs.fs, &f, 0, buf, 600) == 600, "two-cluster read");
    for (int i = 0; i < 600; i++)
        ST_CHECK(buf[i] == i % 251, "byte %d is %u", i, buf[i]);
    ST_CHECK(fs.ops->read(fs.fs, &f, 510, buf, 4) == 4 && buf[0] == 510 % 251 &&
             buf[3] == 513 % 251, "read across the cluster boundary");
    ST_CHECK(look(&fs, &fs.root, "wrong checksum name", &x) == VFS_ENOENT,
             "long name with a bad checksum accepted");
    ST_CHECK(look(&fs, &fs.root, "eleted.txt", &x) == VFS_ENOENT, "deleted entry found");
    uint64_t cursor = 0;
    while (fs.ops->readdir(fs.fs, &fs.root, &cursor, &d) == 1) {
        strlcpy(names + strlen(names), d.name, sizeof names - strlen(names));
        strlcpy(names + strlen(names), " ", sizeof names - strlen(names));
    }
    ST_CHECK(!strcmp(names, "Long Sub Directory README.TXT BADLINK.BIN SHORT.BIN BADSUM.TXT LOOPDIR "),
             "root lists '%s'", names);
    fs.ops->release(fs.fs);
}

SELFTEST(fat_corrupt_chains_fail)
{
    struct vfs_fs fs;
    struct vfs_node f, loop;
    char why[96];
    static uint8_t buf[2048];
    int part;
    build_volume();
    ST_CHECK(fat_open(&ram, &fs, &part, why, sizeof why) == VFS_OK, "open: %s", why);
    ST_CHECK(look(&fs, &fs.root, "badlink.bin", &f) == VFS_OK, "badlink");
    ST_CHECK(fs.ops->read(fs.fs, &f, 0, buf, 1024) == VFS_EBADFS, "out-of-range cluster read");
    ST_CHECK(look(&fs, &fs.root, "short.bin", &f) == VFS_OK, "short");
    ST_CHECK(fs.ops->read(fs.fs, &f, 0, buf, 2048) == VFS_EBADFS, "chain shorter than size");
    ST_CHECK(fs.ops->read(fs.fs, &f, 1536, buf, 10) == VFS_EBADFS, "seek past chain end");
    ST_CHECK(look(&fs, &fs.root, "loopdir", &loop) == VFS_OK, "loopdir");
    int r = look(&fs, &loop, "no such name", &f);      /* must return, whatever it says */
    ST_CHECK(r == VFS_ENOENT || r == VFS_EBADFS, "looping directory: %d", r);
    fs.ops->release(fs.fs);

    img[0] = 0;                                        /* no jump: not a boot sector */
    ST_CHECK(fat_open(&ram, &fs, &part, why, sizeof why) == VFS_EBADFS && why[0], "garbage accepted");
    build_volume();
    put16(img + 22, 1);                                /* FAT too small for the clusters */
    ST_CHECK(fat_open(&ram, &fs, &part, why, sizeof why) == VFS_EBADFS, "tiny FAT accepted");
}
