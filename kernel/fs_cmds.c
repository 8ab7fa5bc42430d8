/* kernel/fs_cmds.c: boot-time mounts (vfs_init) and the file shell commands:
 * ls, cat, stat, hexdump, mount. */
#include "kernel/vfs.h"
#include "kernel/fs.h"
#include "kernel/fdt.h"
#include "kernel/mm.h"
#include "kernel/shell.h"
#include "kernel/console.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "lib/printf.h"

/* Mount an opened filesystem, or record why it could not be; one boot line either way. */
static void mount_or_report(const char *path, const char *source, int err, struct vfs_fs *fs,
                            const char *why)
{
    char msg[160];
    if (err) {
        snprintf(msg, sizeof msg, "%s: %s", vfs_strerror(err), why);
    } else if ((err = vfs_mount(path, source, fs))) {
        fs->ops->release(fs->fs);
        snprintf(msg, sizeof msg, "%s", vfs_strerror(err));
    } else {
        kprintf("vfs: %s mounted (%s, %s)\n", path, fs->type, source);
        return;
    }
    kprintf("vfs: %s not mounted (%s): %s\n", path, source, msg);
    vfs_mount_failed(path, source, msg);
}

void vfs_init(void)
{
    char why[128], source[48];
    struct vfs_fs fs;
    if (fdt.initrd_end > fdt.initrd_start) {
        size_t size = (size_t)(fdt.initrd_end - fdt.initrd_start);
        snprintf(source, sizeof source, "initrd@%#llx+%zu", (unsigned long long)fdt.initrd_start,
                 size);
        int err = cpio_open((const void *)(uintptr_t)fdt.initrd_start, size, &fs, why, sizeof why);
        mount_or_report("/initrd", source, err, &fs, why);
    }
    boot_fs_mount();
    /* every block device with FAT: the first at /disk, then /disk2, /disk3 */
    struct blk_dev *devs[4];
    int ndev = virtio_blk_probe(devs, 4);
    for (int i = 0; i < ndev; i++) {
        char path[16];
        int part;
        snprintf(path, sizeof path, i ? "/disk%d" : "/disk", i + 1);
        int err = fat_open(devs[i], &fs, &part, why, sizeof why);
        snprintf(source, sizeof source, part ? "%s partition %d" : "%s", devs[i]->name, part);
        mount_or_report(path, source, err, &fs, why);
    }
}

static int fail(const char *cmd, const char *path, int err)
{
    kprintf("%s: %s: %s\n", cmd, path, vfs_strerror(err));
    return 1;
}

static void print_entry(const struct vfs_dirent *d)
{
    if (d->type == VFS_DIR)
        kprintf("     <dir>  %s/\n", d->name);
    else
        kprintf("%10llu  %s\n", (unsigned long long)d->size, d->name);
}

static int cmd_ls(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/";
    struct vfs_file *f;
    struct vfs_dirent d;
    int err = vfs_open(path, &f);
    if (err)
        return fail("ls", path, err);
    struct vfs_stat st;
    vfs_fstat(f, &st);
    if (st.type != VFS_DIR) {
        const char *slash = strrchr(path, '/');
        strlcpy(d.name, slash ? slash + 1 : path, sizeof d.name);
        d.type = st.type;
        d.size = st.size;
        print_entry(&d);
        vfs_close(f);
        return 0;
    }
    while ((err = vfs_readdir(f, &d)) == 1)
        print_entry(&d);
    vfs_close(f);
    return err < 0 ? fail("ls", path, err) : 0;
}
SHELL_COMMAND("ls", "ls [PATH]: list a directory (default /)", cmd_ls);

static int cmd_cat(int argc, char **argv)
{
    if (argc != 2) {
        kprintf("usage: cat PATH\n");
        return 1;
    }
    struct vfs_file *f;
    int err = vfs_open(argv[1], &f);
    if (err)
        return fail("cat", argv[1], err);
    char *buf = kmalloc(4096);
    int64_t got = buf ? 0 : VFS_ENOMEM;
    while (buf && (got = vfs_read(f, buf, 4096)) > 0)
        console_write(buf, (size_t)got);
    kfree(buf);
    vfs_close(f);
    return got < 0 ? fail("cat", argv[1], (int)got) : 0;
}
SHELL_COMMAND("cat", "cat PATH: print a file", cmd_cat);

static int cmd_stat(int argc, char **argv)
{
    if (argc != 2) {
        kprintf("usage: stat PATH\n");
        return 1;
    }
    struct vfs_stat st;
    int err = vfs_stat(argv[1], &st);
    if (err)
        return fail("stat", argv[1], err);
    kprintf("%s: %s, %llu bytes, fs %s%s\n", argv[1], st.type == VFS_DIR ? "directory" : "file",
            (unsigned long long)st.size, st.fs_type, st.in_memory ? ", in memory (maps in place)" : "");
    return 0;
}
SHELL_COMMAND("stat", "stat PATH: type, size and filesystem of a path", cmd_stat);

static void hexdump_line(uint64_t off, const uint8_t *p, size_t n)
{
    char line[80];
    int k = snprintf(line, sizeof line, "%08llx ", (unsigned long long)off);
    for (size_t i = 0; i < 16; i++)
        k += i < n ? snprintf(line + k, sizeof line - k, "%s%02x", i == 8 ? "  " : " ", p[i])
                   : snprintf(line + k, sizeof line - k, "%s  ", i == 8 ? "  " : " ");
    k += snprintf(line + k, sizeof line - k, "  |");
    for (size_t i = 0; i < n; i++)
        line[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    snprintf(line + k, sizeof line - k, "|");
    kprintf("%s\n", line);
}

static int cmd_hexdump(int argc, char **argv)
{
    uint64_t off = 0, len = 256;
    if (argc < 2 || argc > 4 || (argc > 2 && !parse_u64(argv[2], &off)) ||
        (argc > 3 && !parse_u64(argv[3], &len))) {
        kprintf("usage: hexdump PATH [OFF [LEN]]\n");
        return 1;
    }
    struct vfs_file *f;
    int err = vfs_open(argv[1], &f);
    if (err)
        return fail("hexdump", argv[1], err);
    uint8_t buf[16];
    int64_t got = 0;
    for (uint64_t done = 0; done < len; done += (uint64_t)got) {
        size_t want = len - done < 16 ? (size_t)(len - done) : 16;
        if ((got = vfs_pread(f, buf, want, off + done)) <= 0)
            break;
        hexdump_line(off + done, buf, (size_t)got);
    }
    vfs_close(f);
    return got < 0 ? fail("hexdump", argv[1], (int)got) : 0;
}
SHELL_COMMAND("hexdump", "hexdump PATH [OFF [LEN]]: bytes in hex (default 256 from 0)", cmd_hexdump);

static void mount_line(const char *path, const char *type, const char *source, const char *failed)
{
    if (failed)
        kprintf("%-8s  (not mounted)  %s: %s\n", path, source, failed);
    else
        kprintf("%-8s  %-6s  %s\n", path, type, source);
}

static int cmd_mount(int argc, char **argv)
{
    (void)argc, (void)argv;
    vfs_mount_list(mount_line);
    return 0;
}
SHELL_COMMAND("mount", "mount: list mount points and filesystem types", cmd_mount);
