/* arch/aarch64/layout.h: constants shared by the assembly boot path and C:
 * per-cpu stack layout, exception frame layout, boot path codes. */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define PAGE_SIZE       4096
#define MAX_CPUS        8

/* Each cpu owns one stack block: [guard][exception stack][guard][kernel stack].
 * Kernel code runs on SP_EL0 (the kernel stack); exceptions switch to SP_EL1
 * (the exception stack), so a kernel stack overflow can still be reported. */
#define GUARD_SIZE      PAGE_SIZE
#define XSTACK_SIZE     (16 * 1024)
#define KSTACK_SIZE     (64 * 1024)
#define XSTACK_OFF      GUARD_SIZE
#define KSTACK_OFF      (GUARD_SIZE + XSTACK_SIZE + GUARD_SIZE)
#define STACK_BLOCK     (KSTACK_OFF + KSTACK_SIZE)

/* Exception frame: x0..x30, sp, elr, spsr, esr, far (8 bytes each). */
#define FRAME_SP        (31 * 8)
#define FRAME_ELR       (32 * 8)
#define FRAME_SPSR      (33 * 8)
#define FRAME_ESR       (34 * 8)
#define FRAME_FAR       (35 * 8)
#define FRAME_SIZE      (36 * 8)

/* Exception kinds passed to the C handler (+4 when taken on the exception stack). */
#define EXC_SYNC        0
#define EXC_IRQ         1
#define EXC_FIQ         2
#define EXC_SERROR      3
#define EXC_NESTED      4

#define BOOT_PATH_KERNEL 0
#define BOOT_PATH_UEFI   1

#endif
