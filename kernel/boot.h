/* kernel/boot.h: how we were booted, and the kernel command line. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kernel/cmdline.h"   /* the command line the boot handed over */

struct boot_info {
    int         path;           /* BOOT_PATH_KERNEL or BOOT_PATH_UEFI (arch/aarch64/layout.h) */
    int         entry_el;       /* exception level we were entered at */
    uint64_t    dtb;            /* physical address, 0 if none */
};
extern struct boot_info boot_info;


void console_panic_mode(void);  /* crash path: stop taking the console lock */
/* Input read before the console existed (UEFI's key buffer): returned first. */
void console_preload(const char *s, size_t n);

#endif
