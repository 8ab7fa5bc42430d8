/* kernel/boot_fs.c: /boot, the files UEFI read from the ESP's \models\ folder
 * before ExitBootServices (arch/aarch64/efi_models.c): one flat directory of
 * files already in memory, so vfs_map() hands them out in place. A file the
 * firmware could not read is listed, but opening it fails with why (too large
 * for the machine's memory, or a read error), not "not found". */
#include "kernel/fs.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/efi_models.h"
#include "lib/string.h"

#define ROOT_INO ((uint64_t)EFI_MAX_MODELS)

static void node_of(int i, struct vfs_node *out)
{
    *out = (struct vfs_node){ .size = efi_models[i].size, .type = VFS_FILE, .ino = (uint64_t)i };
}

static int boot_lookup(void *fs, const struct vfs_node *dir, const char *name, size_t len,
                       struct vfs_node *out)
{
    (void)fs;
    if (dir->ino != ROOT_INO)
        return VFS_ENOTDIR;
    for (int i = 0; i < efi_n_models; i++)
        if (strlen(efi_models[i].name) == len && memcmp(efi_models[i].name, name, len) == 0) {
            if (efi_models[i].read_err)
                return efi_models[i].read_err == EFI_READ_NO_MEMORY ? VFS_EFBIG : VFS_EIO;
            node_of(i, out);
            return VFS_OK;
        }
    return VFS_ENOENT;
}

static int boot_readdir(void *fs, const struct vfs_node *dir, uint64_t *cursor, struct vfs_dirent *out)
{
    (void)fs;
    if (dir->ino != ROOT_INO)
        return VFS_ENOTDIR;
    if (*cursor >= (uint64_t)efi_n_models)
        return 0;
    const struct efi_model_file *m = &efi_models[(*cursor)++];
    strlcpy(out->name, m->name, sizeof out->name);
    out->type = VFS_FILE;
    out->size = m->size;
    return 1;
}

static int64_t boot_read(void *fs, const struct vfs_node *f, uint64_t off, void *buf, size_t n)
{
    (void)fs;
    if (off >= f->size)
        return 0;
    if (n > f->size - off)
        n = (size_t)(f->size - off);
    memcpy(buf, (const uint8_t *)efi_models[f->ino].data + off, n);
    return (int64_t)n;
}

static const void *boot_data(void *fs, const struct vfs_node *f)
{
    (void)fs;
    return efi_models[f->ino].data;
}

static void boot_release(void *fs)
{
    (void)fs;
}

static const struct vfs_fs_ops boot_ops = {
    .lookup = boot_lookup, .readdir = boot_readdir, .read = boot_read, .data = boot_data,
    .release = boot_release,
};

static void boot_fs_report(const struct efi_model_file *m)
{
    unsigned long long mib = (m->size + (1 << 20) - 1) >> 20;
    if (m->read_err == EFI_READ_NO_MEMORY) {
        struct mem_stats ms;
        mem_get_stats(&ms);
        kprintf("vfs: /boot/%s: %llu MiB does not fit in this machine's %llu MiB of RAM (the firmware "
                "could not read it into memory)\n", m->name, mib, (unsigned long long)(ms.ram_bytes >> 20));
    } else if (m->read_err) {
        kprintf("vfs: /boot/%s: the firmware could not read it (%llu MiB)\n", m->name, mib);
    } else {
        kprintf("vfs: /boot/%s: %llu bytes, read by the firmware in %llu ms\n", m->name,
                (unsigned long long)m->size, (unsigned long long)(m->read_ns / 1000000));
    }
}

void boot_fs_mount(void)
{
    if (efi_n_models == 0)
        return;
    struct vfs_fs fs = { "efi", &boot_ops, NULL, { .size = 0, .type = VFS_DIR, .ino = ROOT_INO } };
    int err = vfs_mount("/boot", "ESP \\models", &fs);
    if (err) {
        kprintf("vfs: /boot not mounted: %s\n", vfs_strerror(err));
        return;
    }
    for (int i = 0; i < efi_n_models; i++)
        boot_fs_report(&efi_models[i]);
}
