/* arch/aarch64/vectors.S: the exception vector table. Kernel code runs on
 * SP_EL0; every exception switches to SP_EL1 (this cpu's exception stack),
 * saves a struct exc_frame (layout.h) and calls exc_handler(frame, kind).
 * The handler may change the saved ELR (to skip a probed instruction). */
#include "arch/aarch64/layout.h"

.macro ventry kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp]
    mov     x1, #\kind
    b       exc_save
.endm

    .text
    .balign 2048
    .globl exc_vectors
exc_vectors:
    ventry  EXC_SYNC                    /* current EL, SP_EL0: normal kernel code */
    ventry  EXC_IRQ
    ventry  EXC_FIQ
    ventry  EXC_SERROR
    ventry  (EXC_SYNC | EXC_NESTED)     /* current EL, SP_EL1: inside a handler */
    ventry  (EXC_IRQ | EXC_NESTED)
    ventry  (EXC_FIQ | EXC_NESTED)
    ventry  (EXC_SERROR | EXC_NESTED)
    ventry  8                           /* lower EL: never used */
    ventry  9
    ventry  10
    ventry  11
    ventry  12
    ventry  13
    ventry  14
    ventry  15

exc_save:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mrs     x2, sp_el0
    tbz     x1, #2, 1f
    add     x2, sp, #FRAME_SIZE         /* nested: the interrupted code used SP_EL1 */
1:  str     x2, [sp, #FRAME_SP]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #FRAME_ELR]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #FRAME_ESR]
    mov     x0, sp
    bl      exc_handler
    ldp     x2, x3, [sp, #FRAME_ELR]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x0, x1, [sp]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #FRAME_SIZE
    eret
