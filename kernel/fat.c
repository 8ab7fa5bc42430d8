/* kernel/fat.c: read-only FAT16/FAT32 with long file names, on a block device
 * (a superfloppy, or the first FAT partition of an MBR). Every cluster number
 * read from the disk is range-checked, and no chain is followed further than
 * the volume has clusters, so a corrupt FAT gives an error instead of a hang.
 * Reads of runs of consecutive clusters go to the device as one request. */
#include "kernel/fs.h"
#include "kernel/vfs.h"
#include "kernel/mm.h"
#include "lib/string.h"
#include "lib/printf.h"

#define ATTR_DIR    0x10
#define ATTR_VOLUME 0x08
#define ATTR_LFN    0x0f
#define DIR_MAX     65536u          /* entries per directory, by the spec */
#define FAT_WIN     16u             /* FAT sectors read at once: a long chain in few requests */

struct fat_fs {
    struct blk_dev *dev;
    uint64_t part;                  /* partition start, device sectors */
    uint32_t bits;                  /* 16 or 32 */
    uint32_t cluster_bytes;
    uint32_t nclusters;             /* valid clusters: 2 .. nclusters+1 */
    uint64_t fat_byte;              /* byte offsets from the partition start */
    uint64_t root_byte;             /* FAT16 fixed root directory */
    uint32_t root_entries;
    uint64_t data_byte;
    uint32_t root_cluster;          /* FAT32 */
    /* caches: FAT_WIN sectors of the FAT (fat_lba: the first, aligned to
     * FAT_WIN; fat_n of them read), one sector of directories / unaligned
     * file bytes */
    uint64_t fat_lba, buf_lba;
    uint32_t fat_n;
    uint8_t  fat_sec[FAT_WIN * BLK_SECTOR] __attribute__((aligned(16)));
    uint8_t  buf_sec[BLK_SECTOR] __attribute__((aligned(16)));
    /* where the last read ended, so sequential reads do not rewalk the chain */
    uint32_t pos_first, pos_index, pos_cluster;
};

struct fat_dirent {
    char     name[VFS_NAME_MAX + 1]; /* the long name if there is a valid one */
    char     short_name[13];
    uint8_t  attr;
    uint32_t cluster;
    uint32_t size;
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }

/* A sector through a one-sector cache (lba relative to the partition). */
static int fat_sector(struct fat_fs *fs, uint64_t lba, uint64_t *cached, uint8_t *buf)
{
    if (*cached == lba)
        return VFS_OK;
    *cached = UINT64_MAX;
    int err = fs->dev->read(fs->dev, fs->part + lba, 1, buf);
    if (err)
        return err;
    *cached = lba;
    return VFS_OK;
}

/* Bytes at a partition offset: whole sectors straight into buf, the ragged
 * ends through the buffer cache. */
static int fat_read_bytes(struct fat_fs *fs, uint64_t at, uint8_t *buf, size_t n)
{
    while (n) {
        uint32_t in = at % BLK_SECTOR;
        int err;
        if (in || n < BLK_SECTOR) {
            size_t k = BLK_SECTOR - in < n ? BLK_SECTOR - in : n;
            if ((err = fat_sector(fs, at / BLK_SECTOR, &fs->buf_lba, fs->buf_sec)))
                return err;
            memcpy(buf, fs->buf_sec + in, k);
            blk_stats.cpu_copied += k;
            at += k, buf += k, n -= k;
            continue;
        }
        uint64_t count = n / BLK_SECTOR;
        if (count > 2048)
            count = 2048;                     /* 1 MiB per request */
        if ((err = fs->dev->read(fs->dev, fs->part + at / BLK_SECTOR, (uint32_t)count, buf)))
            return err;
        at += count * BLK_SECTOR, buf += count * BLK_SECTOR, n -= count * BLK_SECTOR;
    }
    return VFS_OK;
}

static bool fat_valid(const struct fat_fs *fs, uint32_t c)
{
    return c >= 2 && c - 2 < fs->nclusters;
}

/* The cluster after c: 1 and *next, 0 at end of chain, or VFS_EBADFS. */
static int fat_next(struct fat_fs *fs, uint32_t c, uint32_t *next)
{
    uint64_t at = fs->fat_byte + (uint64_t)c * (fs->bits / 8);
    uint64_t lba = at / BLK_SECTOR, first = lba - lba % FAT_WIN;
    if (fs->fat_lba != first) {   /* entries never straddle sectors: 2 or 4 bytes, aligned */
        fs->fat_lba = UINT64_MAX;
        if (fs->part + first >= fs->dev->sectors)
            return VFS_EBADFS;
        uint64_t left = fs->dev->sectors - fs->part - first;
        fs->fat_n = left < FAT_WIN ? (uint32_t)left : FAT_WIN;
        int err = fs->dev->read(fs->dev, fs->part + first, fs->fat_n, fs->fat_sec);
        if (err)
            return err;
        fs->fat_lba = first;
    }
    if (lba - first >= fs->fat_n)
        return VFS_EBADFS;
    const uint8_t *p = fs->fat_sec + (at - first * BLK_SECTOR);
    uint32_t v = fs->bits == 32 ? le32(p) & 0x0fffffff : le16(p);
    uint32_t eoc = fs->bits == 32 ? 0x0ffffff8 : 0xfff8;
    if (v >= eoc)
        return 0;
    if (!fat_valid(fs, v))
        return VFS_EBADFS;                    /* free, reserved or bad cluster in a chain */
    *next = v;
    return 1;
}

/* The index-th cluster of the chain at first: 1, 0 if the chain is shorter, or an error. */
static int fat_walk(struct fat_fs *fs, uint32_t first, uint32_t index, uint32_t *out)
{
    if (!fat_valid(fs, first))
        return VFS_EBADFS;
    if (index >= fs->nclusters)
        return VFS_EBADFS;                    /* longer than the volume: a loop */
    uint32_t c = first, i = 0;
    if (fs->pos_first == first && fs->pos_index <= index)
        c = fs->pos_cluster, i = fs->pos_index;
    for (; i < index; i++) {
        int r = fat_next(fs, c, &c);
        if (r <= 0)
            return r;
    }
    fs->pos_first = first, fs->pos_index = index, fs->pos_cluster = c;
    *out = c;
    return 1;
}

static uint64_t fat_cluster_byte(const struct fat_fs *fs, uint32_t c)
{
    return fs->data_byte + (uint64_t)(c - 2) * fs->cluster_bytes;
}

static int64_t fat_read(void *vfs, const struct vfs_node *f, uint64_t off, void *buf, size_t n)
{
    struct fat_fs *fs = vfs;
    if (off >= f->size)
        return 0;
    if (n > f->size - off)
        n = (size_t)(f->size - off);
    uint32_t index = (uint32_t)(off / fs->cluster_bytes), c;
    int r = fat_walk(fs, (uint32_t)f->ino, index, &c);
    if (r <= 0)
        return r ? r : VFS_EBADFS;            /* chain shorter than the size */
    size_t done = 0;
    uint32_t in = (uint32_t)(off % fs->cluster_bytes);
    while (done < n) {
        /* extend over consecutive clusters while more is wanted */
        uint32_t last = c, count = 1, next = 0;
        while ((uint64_t)count * fs->cluster_bytes - in < n - done) {
            if ((r = fat_next(fs, last, &next)) <= 0)
                return r ? r : VFS_EBADFS;
            if (next != last + 1)
                break;
            last = next, count++;
        }
        uint64_t span = (uint64_t)count * fs->cluster_bytes - in;
        size_t k = span < n - done ? (size_t)span : n - done;
        int err = fat_read_bytes(fs, fat_cluster_byte(fs, c) + in, (uint8_t *)buf + done, k);
        if (err)
            return err;
        done += k;
        index += count;
        in = 0;
        if (done < n) {
            c = next;                         /* the cluster that broke the run */
            if (index >= fs->nclusters)
                return VFS_EBADFS;
            fs->pos_first = (uint32_t)f->ino, fs->pos_index = index, fs->pos_cluster = c;
        }
    }
    return (int64_t)done;
}

/* The 32-byte entry idx of a directory (cluster 0 = the FAT16 fixed root):
 * 1 and *ent, 0 past the end, or an error. */
static int fat_dir_entry(struct fat_fs *fs, uint32_t dir, uint32_t idx, const uint8_t **ent)
{
    uint64_t at;
    if (dir == 0) {
        if (idx >= fs->root_entries)
            return 0;
        at = fs->root_byte + (uint64_t)idx * 32;
    } else {
        if (idx >= DIR_MAX)
            return 0;
        uint32_t c;
        int r = fat_walk(fs, dir, (uint32_t)((uint64_t)idx * 32 / fs->cluster_bytes), &c);
        if (r <= 0)
            return r;
        at = fat_cluster_byte(fs, c) + (uint64_t)idx * 32 % fs->cluster_bytes;
    }
    int err = fat_sector(fs, at / BLK_SECTOR, &fs->buf_lba, fs->buf_sec);
    if (err)
        return err;
    *ent = fs->buf_sec + at % BLK_SECTOR;
    return 1;
}

uint8_t fat_lfn_checksum(const uint8_t short_name[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + short_name[i]);
    return sum;
}

/* "FOO     TXT" -> "FOO.TXT" (or "foo.txt" with the NT lower-case flags). */
static void fat_short_name(const uint8_t *e, char out[13])
{
    int n = 0;
    for (int i = 0; i < 11; i++) {
        if (i == 8) {
            if (e[8] == ' ')
                break;
            out[n++] = '.';
        }
        uint8_t ch = (i == 0 && e[0] == 0x05) ? 0xe5 : e[i];
        if (ch == ' ')
            continue;
        if (ch >= 'A' && ch <= 'Z' && (e[12] & (i < 8 ? 0x08 : 0x10)))
            ch += 'a' - 'A';
        out[n++] = (char)ch;
    }
    out[n] = '\0';
}

/* Long-name pieces, collected back to front as the entries come. */
struct lfn {
    uint16_t chars[20 * 13 + 1];
    uint8_t  sum;
    int      expect;                          /* next sequence number wanted; 0 = none */
    bool     complete;
};

static const uint8_t lfn_pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

static void lfn_add(struct lfn *l, const uint8_t *e)
{
    int seq = e[0] & 0x1f;
    if (e[0] & 0x40) {                        /* the last piece comes first */
        l->expect = seq;
        l->sum = e[13];
    }
    if (seq == 0 || seq > 20 || seq != l->expect || e[13] != l->sum) {
        l->expect = 0;
        l->complete = false;
        return;
    }
    for (int i = 0; i < 13; i++)
        l->chars[(seq - 1) * 13 + i] = le16(e + lfn_pos[i]);
    if (e[0] & 0x40)
        l->chars[seq * 13] = 0;
    l->expect = seq - 1;
    l->complete = seq == 1;
}

/* UCS-2 to UTF-8; false if it does not fit. */
static bool lfn_utf8(const struct lfn *l, char *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < 260 && l->chars[i] && l->chars[i] != 0xffff; i++) {
        uint16_t c = l->chars[i];
        size_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        if (n + need >= cap || c == '/')
            return false;
        if (need == 1) {
            out[n++] = (char)c;
        } else if (need == 2) {
            out[n++] = (char)(0xc0 | c >> 6);
            out[n++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[n++] = (char)(0xe0 | c >> 12);
            out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[n] = '\0';
    return n > 0;
}

/* The next live entry from *idx on: 1, 0 at the end, or an error. */
static int fat_dir_next(struct fat_fs *fs, uint32_t dir, uint64_t *idx, struct fat_dirent *out)
{
    struct lfn l = { .expect = 0 };
    for (;;) {
        const uint8_t *e = NULL;
        if (*idx >= DIR_MAX)
            return 0;
        int r = fat_dir_entry(fs, dir, (uint32_t)*idx, &e);
        if (r <= 0)
            return r;
        if (e[0] == 0)
            return 0;                         /* no entries after this one */
        (*idx)++;
        if (e[0] == 0xe5) {
            l.expect = 0, l.complete = false;
            continue;
        }
        if ((e[11] & 0x3f) == ATTR_LFN) {
            lfn_add(&l, e);
            continue;
        }
        bool lfn_ok = l.complete && l.sum == fat_lfn_checksum(e);
        l.expect = 0, l.complete = false;
        if (e[11] & ATTR_VOLUME)
            continue;
        fat_short_name(e, out->short_name);
        if (!strcmp(out->short_name, ".") || !strcmp(out->short_name, ".."))
            continue;
        if (!lfn_ok || !lfn_utf8(&l, out->name, sizeof out->name))
            strlcpy(out->name, out->short_name, sizeof out->name);
        out->attr = e[11];
        out->cluster = le16(e + 26) | (fs->bits == 32 ? (uint32_t)le16(e + 20) << 16 : 0);
        out->size = le32(e + 28);
        return 1;
    }
}

static void fat_node(struct fat_fs *fs, const struct fat_dirent *d, struct vfs_node *out)
{
    if (d->attr & ATTR_DIR) {
        /* cluster 0 in a ".."-style entry means the root */
        uint32_t c = d->cluster ? d->cluster : (fs->bits == 32 ? fs->root_cluster : 0);
        *out = (struct vfs_node){ .size = 0, .type = VFS_DIR, .ino = c };
    } else {
        *out = (struct vfs_node){ .size = d->size, .type = VFS_FILE, .ino = d->cluster };
    }
}

static bool name_eq(const char *a, const char *b, size_t blen)
{
    size_t i = 0;
    for (; i < blen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
        if (!x || x != y)
            return false;
    }
    return a[i] == '\0';
}

static int fat_lookup(void *vfs, const struct vfs_node *dir, const char *name, size_t len,
                      struct vfs_node *out)
{
    struct fat_fs *fs = vfs;
    struct fat_dirent *d = kmalloc(sizeof *d);
    if (!d)
        return VFS_ENOMEM;
    uint64_t idx = 0;
    int r;
    while ((r = fat_dir_next(fs, (uint32_t)dir->ino, &idx, d)) == 1)
        if (name_eq(d->name, name, len) || name_eq(d->short_name, name, len)) {
            fat_node(fs, d, out);
            break;
        }
    kfree(d);
    return r == 1 ? VFS_OK : r == 0 ? VFS_ENOENT : r;
}

static int fat_readdir(void *vfs, const struct vfs_node *dir, uint64_t *cursor,
                       struct vfs_dirent *out)
{
    struct fat_fs *fs = vfs;
    struct fat_dirent *d = kmalloc(sizeof *d);
    if (!d)
        return VFS_ENOMEM;
    int r = fat_dir_next(fs, (uint32_t)dir->ino, cursor, d);
    if (r == 1) {
        struct vfs_node n;
        fat_node(fs, d, &n);
        strlcpy(out->name, d->name, sizeof out->name);
        out->type = n.type;
        out->size = n.size;
    }
    kfree(d);
    return r;
}

static void fat_release(void *fs)
{
    kfree(fs);
}

static const struct vfs_fs_ops fat_ops = {
    .lookup = fat_lookup, .readdir = fat_readdir, .read = fat_read, .data = NULL,
    .release = fat_release,
};

/* Check a boot sector and fill fs from it; NULL or why not. */
static const char *fat_parse_bpb(struct fat_fs *fs, const uint8_t *b, uint64_t part_sectors)
{
    uint32_t bps = le16(b + 11), spc = b[13], rsvd = le16(b + 14), nfats = b[16];
    uint32_t root_ent = le16(b + 17);
    uint64_t total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
    uint64_t fatsz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
    if (le16(b + 510) != 0xaa55 || (b[0] != 0xeb && b[0] != 0xe9))
        return "no FAT boot sector";
    if (bps < 512 || bps > 4096 || (bps & (bps - 1)) || !spc || (spc & (spc - 1)) ||
        !rsvd || !nfats || !fatsz || !total)
        return "bad BIOS parameter block";
    uint64_t root_sectors = ((uint64_t)root_ent * 32 + bps - 1) / bps;
    uint64_t data = rsvd + nfats * fatsz + root_sectors;
    if (total <= data || total * (bps / BLK_SECTOR) > part_sectors)
        return "filesystem larger than its device";
    uint64_t clusters = (total - data) / spc;
    if (clusters < 4085)
        return "FAT12 is not supported";
    fs->bits = clusters < 65525 ? 16 : 32;
    if (clusters > 0x0ffffff5 || fatsz * bps < (clusters + 2) * (fs->bits / 8))
        return "FAT too small for the cluster count";
    fs->cluster_bytes = bps * spc;
    fs->nclusters = (uint32_t)clusters;
    fs->fat_byte = (uint64_t)rsvd * bps;
    fs->root_byte = (rsvd + nfats * fatsz) * bps;
    fs->root_entries = root_ent;
    fs->data_byte = data * bps;
    fs->root_cluster = fs->bits == 32 ? le32(b + 44) : 0;
    if (fs->bits == 32 && !fat_valid(fs, fs->root_cluster))
        return "bad root directory cluster";
    if (fs->bits == 16 && root_ent == 0)
        return "FAT16 without a root directory";
    return NULL;
}

int fat_open(struct blk_dev *dev, struct vfs_fs *out, int *part, char *why, size_t whycap)
{
    struct fat_fs *fs = kmalloc(sizeof *fs);
    if (!fs) {
        snprintf(why, whycap, "out of memory");
        return VFS_ENOMEM;
    }
    *fs = (struct fat_fs){ .dev = dev, .fat_lba = UINT64_MAX, .buf_lba = UINT64_MAX };
    *part = 0;
    uint8_t *b = fs->buf_sec;
    const char *bad = "no boot signature in sector 0";  /* superfloppy or MBR */
    int err = dev->read(dev, 0, 1, b);
    if (err) {
        snprintf(why, whycap, "%s reading sector 0", vfs_strerror(err));
        kfree(fs);
        return err;
    }
    if (le16(b + 510) == 0xaa55 && (bad = fat_parse_bpb(fs, b, dev->sectors))) {
        /* not a superfloppy: the first MBR partition holding FAT */
        uint8_t mbr[64];
        memcpy(mbr, b + 446, sizeof mbr);
        for (int i = 0; i < 4 && bad; i++) {
            const uint8_t *pe = mbr + 16 * i;
            uint64_t start = le32(pe + 8), count = le32(pe + 12);
            if (pe[4] == 0 || pe[4] == 0xee || !count || start >= dev->sectors ||
                count > dev->sectors - start || dev->read(dev, start, 1, b))
                continue;
            if (!fat_parse_bpb(fs, b, count)) {
                fs->part = start;
                *part = i + 1;
                bad = NULL;
            }
        }
        if (bad && mbr[4] == 0xee)
            bad = "GPT partition table is not supported";
    }
    if (bad) {
        snprintf(why, whycap, "no FAT filesystem (%s)", bad);
        kfree(fs);
        return VFS_EBADFS;
    }
    *out = (struct vfs_fs){ fs->bits == 32 ? "fat32" : "fat16", &fat_ops, fs,
                            { .size = 0, .type = VFS_DIR, .ino = fs->root_cluster } };
    return VFS_OK;
}
