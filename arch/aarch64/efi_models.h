/* arch/aarch64/efi_models.h: the files of the ESP's \models\ folder, read into
 * memory by efi_load_models() while boot services ran (kernel/boot_fs.c shows
 * them as /boot/NAME). */
#ifndef ARCH_EFI_MODELS_H
#define ARCH_EFI_MODELS_H
#include <stdint.h>

#define EFI_MAX_MODELS      8
#define EFI_MODEL_NAME_MAX  63

struct efi_model_file {
    char        name[EFI_MODEL_NAME_MAX + 1];   /* ASCII */
    const void *data;                           /* EfiLoaderData pages, mem_reserve()d */
    uint64_t    size;
    uint64_t    read_ns;                        /* the firmware's read, by the generic timer */
    int         read_err;                       /* 0, or EFI_READ_*: not read (data NULL, size
                                                   as listed), kept so /boot can say why */
};

extern struct efi_model_file efi_models[EFI_MAX_MODELS];
extern int efi_n_models;

#endif
