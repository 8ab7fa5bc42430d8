/* arch/aarch64/efi.c: the UEFI door. efi_main runs with boot services up and
 * the firmware's MMU and stack: it finds the DTB (configuration table), builds
 * the kernel command line from the load options and \cmdline.txt on the boot
 * volume, loads \initrd.img if present, takes the memory map and leaves boot
 * services; head.S then joins the
 * -kernel path. Files the kernel needs from the ESP are read here too
 * (efi_read_file), before ExitBootServices. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "lib/string.h"

typedef void *efi_handle;
typedef uint64_t efi_status;
typedef uint16_t char16;

#define EFI_SUCCESS            0
#define EFI_BUFFER_TOO_SMALL   (0x8000000000000000ull | 5)
#define EFI_ALLOCATE_ANY_PAGES 0
#define EFI_LOADER_DATA        2
#define EFI_FILE_MODE_READ     1
#define EFI_FILE_DIRECTORY     0x10

struct efi_guid { uint32_t a; uint16_t b, c; uint8_t d[8]; };
struct efi_table_header { uint64_t signature; uint32_t revision, size, crc32, reserved; };

struct efi_input_key { uint16_t scan, unicode; };
struct efi_text_in {
    void *reset;
    efi_status (*read_key_stroke)(struct efi_text_in *self, struct efi_input_key *key);
};

struct efi_text_out {
    void *reset;
    efi_status (*output_string)(struct efi_text_out *self, const char16 *s);
};

struct efi_boot_services {
    struct efi_table_header hdr;
    void *raise_tpl, *restore_tpl;
    efi_status (*allocate_pages)(int type, int mem_type, uint64_t pages, uint64_t *addr);
    efi_status (*free_pages)(uint64_t addr, uint64_t pages);
    efi_status (*get_memory_map)(uint64_t *size, void *map, uint64_t *key, uint64_t *desc_size, uint32_t *desc_ver);
    void *allocate_pool, *free_pool;
    void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
    void *install_protocol, *reinstall_protocol, *uninstall_protocol;
    efi_status (*handle_protocol)(efi_handle h, const struct efi_guid *g, void **iface);
    void *reserved, *register_protocol_notify, *locate_handle, *locate_device_path, *install_config_table;
    void *load_image, *start_image, *exit, *unload_image;
    efi_status (*exit_boot_services)(efi_handle image, uint64_t map_key);
};

struct efi_config_table { struct efi_guid guid; void *table; };

struct efi_system_table {
    struct efi_table_header hdr;
    char16 *vendor;
    uint32_t revision;
    efi_handle con_in_handle;
    struct efi_text_in *con_in;
    efi_handle con_out_handle;
    struct efi_text_out *con_out;
    efi_handle stderr_handle;
    void *std_err;
    void *runtime;
    struct efi_boot_services *boot;
    uint64_t n_tables;
    struct efi_config_table *tables;
};

struct efi_loaded_image {
    uint32_t revision;
    efi_handle parent;
    struct efi_system_table *system_table;
    efi_handle device;
    void *file_path, *reserved;
    uint32_t load_options_size;
    void *load_options;
    void *image_base;
    uint64_t image_size;
};

struct efi_file {
    uint64_t revision;
    efi_status (*open)(struct efi_file *self, struct efi_file **out, const char16 *name, uint64_t mode, uint64_t attr);
    efi_status (*close)(struct efi_file *self);
    void *delete_file;
    efi_status (*read)(struct efi_file *self, uint64_t *size, void *buf);
    void *write, *get_position, *set_position;
    efi_status (*get_info)(struct efi_file *self, const struct efi_guid *type, uint64_t *size, void *buf);
};

struct efi_file_info { uint64_t size, file_size, physical_size; uint8_t times[48]; uint64_t attribute; };

struct efi_sfs {
    uint64_t revision;
    efi_status (*open_volume)(struct efi_sfs *self, struct efi_file **root);
};

struct efi_memory_descriptor { uint32_t type, pad; uint64_t phys, virt, pages, attr; };

static const struct efi_guid loaded_image_guid = { 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
static const struct efi_guid sfs_guid = { 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
static const struct efi_guid file_info_guid = { 0x09576e92, 0x6d3f, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } };
static const struct efi_guid dtb_guid = { 0xb1b621d5, 0xf19c, 0x41a5, { 0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0 } };

struct efi_boot efi_boot;
static struct efi_system_table *st;
static struct efi_boot_services *bs;
static struct efi_file *boot_volume;
static uint8_t memmap[32768];

static void efi_puts(const char *s)
{
    char16 buf[128];
    size_t n = 0;
    for (; *s && n < 126; s++) {
        if (*s == '\n')
            buf[n++] = '\r';
        buf[n++] = (uint8_t)*s;
    }
    buf[n] = 0;
    st->con_out->output_string(st->con_out, buf);
}

static void cmdline_append(const char *s, size_t n)
{
    size_t len = strlen(efi_boot.cmdline);
    if (len && len + 1 < sizeof(efi_boot.cmdline))
        efi_boot.cmdline[len++] = ' ';
    for (size_t i = 0; i < n && len + 1 < sizeof(efi_boot.cmdline); i++)
        efi_boot.cmdline[len++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
    while (len > 0 && efi_boot.cmdline[len - 1] == ' ')
        len--;
    efi_boot.cmdline[len] = 0;
}

/* Load options are UTF-16 text when a shell or boot entry passes a command
 * line (the shell includes the program name first); anything else is ignored. */
static void take_load_options(const struct efi_loaded_image *li)
{
    const char16 *w = li->load_options;
    size_t n = li->load_options_size / 2;
    char text[512];
    size_t len = 0;
    for (size_t i = 0; i < n && w[i]; i++) {
        if (w[i] < 0x20 || w[i] > 0x7e || len + 1 >= sizeof(text))
            return;
        text[len++] = (char)w[i];
    }
    text[len] = 0;
    const char *p = text;
    const char *sp = strchr(p, ' ');
    size_t first = sp ? (size_t)(sp - p) : len;
    if (first >= 4 && (strncmp(p + first - 4, ".efi", 4) == 0 || strncmp(p + first - 4, ".EFI", 4) == 0))
        p += sp ? first + 1 : first;
    cmdline_append(p, strlen(p));
}

/* Read a whole file from the boot volume into fresh EfiLoaderData pages
 * (which stay ours after ExitBootServices: callers mem_reserve() them or free
 * them with efi_free_file()). 0 on success, else EFI_READ_* (arch.h). */
int efi_read_file(const char16 *path, void **buf, uint64_t *size)
{
    struct efi_file *f;
    if (!boot_volume || boot_volume->open(boot_volume, &f, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return EFI_READ_FAILED;
    uint8_t info_buf[512];
    uint64_t info_size = sizeof(info_buf), addr = 0;
    int rc = EFI_READ_FAILED;
    if (f->get_info(f, &file_info_guid, &info_size, info_buf) == EFI_SUCCESS) {
        uint64_t n = ((struct efi_file_info *)info_buf)->file_size;
        rc = EFI_READ_NO_MEMORY;
        if (bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, n / 4096 + 1, &addr) == EFI_SUCCESS) {
            rc = EFI_READ_FAILED;
            uint64_t got = n;
            if (f->read(f, &got, (void *)(uintptr_t)addr) == EFI_SUCCESS && got == n) {
                ((uint8_t *)(uintptr_t)addr)[n] = 0;    /* the extra page byte: text files end in NUL */
                *buf = (void *)(uintptr_t)addr;
                *size = n;
                rc = 0;
            } else {
                bs->free_pages(addr, n / 4096 + 1);
            }
        }
    }
    f->close(f);
    return rc;
}

void efi_free_file(void *buf, uint64_t size)
{
    bs->free_pages((uint64_t)(uintptr_t)buf, size / 4096 + 1);
}

/* Call fn for each file (not directory) in directory path of the boot volume:
 * its UTF-16 name (the file name follows the fixed part of EFI_FILE_INFO) and
 * size. 0 on success, -1 when the directory cannot be opened. */
int efi_list_dir(const char16 *path, void (*fn)(const char16 *name, uint64_t size, void *arg), void *arg)
{
    struct efi_file *d;
    uint64_t info[128];                 /* EFI_FILE_INFO with a name of up to ~470 chars */
    if (!boot_volume || boot_volume->open(boot_volume, &d, path, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return -1;
    for (;;) {
        uint64_t n = sizeof(info) - 2;
        if (d->read(d, &n, info) != EFI_SUCCESS || n <= sizeof(struct efi_file_info))
            break;
        const struct efi_file_info *fi = (const void *)info;
        ((uint8_t *)info)[n] = ((uint8_t *)info)[n + 1] = 0;
        if (!(fi->attribute & EFI_FILE_DIRECTORY))
            fn((const char16 *)(fi + 1), fi->file_size, arg);
    }
    d->close(d);
    return 0;
}

static void open_boot_volume(efi_handle image)
{
    struct efi_loaded_image *li;
    struct efi_sfs *sfs;
    if (bs->handle_protocol(image, &loaded_image_guid, (void **)&li) != EFI_SUCCESS)
        return;
    take_load_options(li);
    if (bs->handle_protocol(li->device, &sfs_guid, (void **)&sfs) == EFI_SUCCESS)
        sfs->open_volume(sfs, &boot_volume);
}

/* Console input the firmware already took from the UART (piped stdin arrives
 * while UEFI runs): hand it to the kernel's console, oldest first. */
static void take_pending_keys(void)
{
    struct efi_input_key key;
    while (efi_boot.input_len < sizeof(efi_boot.input) &&
           st->con_in->read_key_stroke(st->con_in, &key) == EFI_SUCCESS)
        if (key.unicode && key.unicode < 0x80)
            efi_boot.input[efi_boot.input_len++] = (char)key.unicode;
}

static const void *find_dtb(void)
{
    for (uint64_t i = 0; i < st->n_tables; i++)
        if (memcmp(&st->tables[i].guid, &dtb_guid, sizeof(dtb_guid)) == 0)
            return st->tables[i].table;
    return NULL;
}

/* Usable RAM once boot services are gone: loader and boot-services memory and
 * conventional memory; adjacent descriptors are merged. */
static void take_memory_map(uint64_t size, uint64_t desc_size)
{
    for (uint64_t off = 0; off + desc_size <= size; off += desc_size) {
        const struct efi_memory_descriptor *d = (const void *)(memmap + off);
        if (!(d->type >= 1 && d->type <= 4) && d->type != 7)
            continue;
        int n = efi_boot.nranges;
        if (n > 0 && efi_boot.ranges[n - 1].base + efi_boot.ranges[n - 1].size == d->phys)
            efi_boot.ranges[n - 1].size += d->pages * 4096;
        else if (n < EFI_MAX_RANGES) {
            efi_boot.ranges[n].base = d->phys;
            efi_boot.ranges[n].size = d->pages * 4096;
            efi_boot.nranges++;
        }
    }
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

long efi_main(efi_handle image, struct efi_system_table *systab)
{
    st = systab;
    bs = systab->boot;
    efi_puts("kernel: starting from UEFI\n");
    const uint8_t *dtb = find_dtb();
    if (!dtb)
        efi_puts("kernel: no DTB from the firmware (use -M virt,acpi=off); using QEMU virt defaults\n");
    open_boot_volume(image);
    void *text;
    uint64_t text_size;
    if (efi_read_file(u"\\cmdline.txt", &text, &text_size) == 0) {
        cmdline_append(text, text_size);
        efi_free_file(text, text_size);
    }
    void *initrd;
    uint64_t initrd_size;
    if (efi_read_file(u"\\initrd.img", &initrd, &initrd_size) == 0) {
        efi_boot.initrd_base = (uint64_t)(uintptr_t)initrd;
        efi_boot.initrd_size = initrd_size;
    }
    efi_load_models();
    take_pending_keys();
    uint64_t size, key, desc_size;
    uint32_t desc_ver;
    efi_status s = 1;
    for (int tries = 0; tries < 3 && s != EFI_SUCCESS; tries++) {
        size = sizeof(memmap);
        if (bs->get_memory_map(&size, memmap, &key, &desc_size, &desc_ver) != EFI_SUCCESS)
            break;
        s = bs->exit_boot_services(image, key);     /* fails if the map changed: retry */
    }
    if (s != EFI_SUCCESS) {
        efi_puts("kernel: could not exit boot services\n");
        return -1;
    }
    take_memory_map(size, desc_size);
    /* head.S turns the MMU off next: push everything we will read to memory. */
    dcache_clean_range(_head, (uint64_t)(_end - _head));
    if (dtb && be32(dtb) == 0xd00dfeed)
        dcache_clean_range(dtb, be32(dtb + 4));
    return (long)(uintptr_t)dtb;
}
