/* arch/aarch64/efi_models.c: under UEFI, before ExitBootServices, read every
 * file of the boot volume's \models\ folder whole into EfiLoaderData pages
 * (the firmware's Simple File System does the one copy there is) and keep
 * those pages out of the kernel's page allocator. kernel/boot_fs.c then maps
 * them in place as /boot/NAME. A file the firmware could not read (too large
 * for the free RAM, above all) is kept without data, so /boot says so rather
 * than "not found". */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/efi_models.h"
#include "kernel/mm.h"

#define PREFIX_LEN 8    /* u"\\models\\" */

struct efi_model_file efi_models[EFI_MAX_MODELS];
int efi_n_models;

/* The generic timer runs under the firmware too; time_ns() needs timer_init. */
static uint64_t counter_ns(void)
{
    uint64_t freq = read_sysreg(cntfrq_el0), t = read_sysreg(cntvct_el0);
    return freq ? t / freq * 1000000000ull + t % freq * 1000000000ull / freq : 0;
}

/* Names that are not plain ASCII, or too long, are skipped. */
static void take_file(const uint16_t *name, uint64_t size, void *arg)
{
    (void)arg;
    if (efi_n_models >= EFI_MAX_MODELS)
        return;
    struct efi_model_file *m = &efi_models[efi_n_models];
    uint16_t path[PREFIX_LEN + EFI_MODEL_NAME_MAX + 1] = u"\\models\\";
    size_t n = 0;
    for (; name[n]; n++) {
        if (n >= EFI_MODEL_NAME_MAX || name[n] < 0x20 || name[n] > 0x7e)
            return;
        m->name[n] = (char)name[n];
        path[PREFIX_LEN + n] = name[n];
    }
    m->name[n] = 0;
    path[PREFIX_LEN + n] = 0;
    if (n == 0)
        return;
    void *buf = NULL;
    uint64_t got = size, t0 = counter_ns();
    m->read_err = efi_read_file(path, &buf, &got);
    m->read_ns = counter_ns() - t0;
    m->data = m->read_err ? NULL : buf;
    m->size = got;
    if (!m->read_err)
        mem_reserve((uint64_t)(uintptr_t)buf, got + 1);     /* + the NUL efi_read_file appends */
    efi_n_models++;
}

void efi_load_models(void)
{
    efi_list_dir(u"\\models", take_file, 0);
}
