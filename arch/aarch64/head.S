/* arch/aarch64/head.S: the first bytes of build/kernel.bin and the boot paths.
 *
 * The image is two things at once (as Linux's arm64 Image with its EFI stub):
 *  - an arm64 Linux Image: a 64-byte header (booting.rst) whose first
 *    instruction happens to encode "MZ", entered at offset 0 with x0 = DTB;
 *  - a PE/COFF EFI application: the "MZ" stub points (at 0x3c) to a PE header
 *    whose entry point is efi_entry.
 * The ELF is a static PIE linked at 0, so file offset == address == PE RVA.
 * Both doors end in boot_common: EL1, MMU off, relocated, BSS clear, FP on,
 * then kernel_main(dtb, boot_path, entry_el) on cpu 0's kernel stack. */
#include "arch/aarch64/layout.h"

#define R_AARCH64_RELATIVE 1027

    .section ".head.text", "ax"
    .globl _head
_head:
    .long   0xfa405a4d              /* ccmp x18, #0, #0xd, pl: harmless, bytes "MZ" */
    b       primary_entry           /* code1 */
    .quad   0                       /* text_offset */
    .quad   _end - _head            /* image_size, BSS included */
    .quad   0xa                     /* flags: little endian, 4K pages, anywhere in RAM */
    .quad   0, 0, 0                 /* res2..res4 */
    .ascii  "ARM\x64"               /* magic */
    .long   pe_header - _head       /* PE header offset ("MZ" e_lfanew) */

    .balign 8
pe_header:
    .ascii  "PE\0\0"
    .short  0xaa64                  /* Machine: arm64 */
    .short  2                       /* NumberOfSections */
    .long   0, 0, 0                 /* TimeDateStamp, PointerToSymbolTable, NumberOfSymbols */
    .short  section_table - optional_header
    .short  0x0206                  /* executable, line numbers and debug info stripped */
optional_header:
    .short  0x020b                  /* PE32+ */
    .byte   0x02, 0x14              /* linker version */
    .long   _text_size              /* SizeOfCode */
    .long   _data_file_size         /* SizeOfInitializedData */
    .long   0                       /* SizeOfUninitializedData */
    .long   efi_entry - _head       /* AddressOfEntryPoint */
    .long   _text_start             /* BaseOfCode */
    .quad   0                       /* ImageBase: we relocate ourselves */
    .long   4096                    /* SectionAlignment */
    .long   4096                    /* FileAlignment */
    .short  0, 0, 0, 0, 0, 0        /* OS, image and subsystem versions */
    .long   0                       /* Win32VersionValue */
    .long   _image_size             /* SizeOfImage */
    .long   _text_start             /* SizeOfHeaders */
    .long   0                       /* CheckSum */
    .short  10                      /* Subsystem: EFI application */
    .short  0                       /* DllCharacteristics */
    .quad   0, 0, 0, 0              /* stack and heap reserve/commit */
    .long   0                       /* LoaderFlags */
    .long   6                       /* NumberOfRvaAndSizes */
    .quad   0, 0, 0, 0, 0, 0        /* export..base relocation: none (no .reloc) */
section_table:
    .ascii  ".text\0\0\0"
    .long   _text_size              /* VirtualSize */
    .long   _text_start             /* VirtualAddress */
    .long   _text_size              /* SizeOfRawData */
    .long   _text_start             /* PointerToRawData */
    .long   0, 0                    /* relocations, line numbers */
    .short  0, 0
    .long   0x60000020              /* code, execute, read */
    .ascii  ".data\0\0\0"
    .long   _data_mem_size          /* VirtualSize: rodata, data and BSS */
    .long   _etext_off              /* VirtualAddress */
    .long   _data_file_size         /* SizeOfRawData */
    .long   _etext_off              /* PointerToRawData */
    .long   0, 0
    .short  0, 0
    .long   0xc0000040              /* initialized data, read, write */

    .text
/* -kernel door: x0 = DTB, EL2 or EL1, MMU off. */
primary_entry:
    mov     x19, x0
    mov     x20, #BOOT_PATH_KERNEL
    bl      el_setup
    mov     x21, x0
    bl      cpu_setup
    adrp    x0, _head
    bl      relocate
    bl      clear_bss
    b       boot_common

/* UEFI door: x0 = image handle, x1 = system table, MMU on, firmware stack. */
    .globl efi_entry
efi_entry:
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    stp     x0, x1, [sp, #16]
    adrp    x0, _head
    bl      relocate
    bl      clear_bss
    ldp     x0, x1, [sp, #16]
    bl      efi_main                /* < 0: failed, boot services still up */
    tbz     x0, #63, 1f
    movz    x0, #1                  /* EFI_LOAD_ERROR */
    movk    x0, #0x8000, lsl #48
    ldp     x29, x30, [sp], #32
    ret
1:  mov     x19, x0                 /* DTB (0 if none); boot services are gone */
    mov     x20, #BOOT_PATH_UEFI
    bl      mmu_off                 /* efi_main cleaned the image and DTB to PoC */
    bl      el_setup
    mov     x21, x0
    bl      cpu_setup
    b       boot_common

/* x19 = DTB, x20 = boot path, x21 = entry EL. */
boot_common:
    mov     x0, #0
    bl      set_stacks
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    mov     x29, xzr
    mov     x30, xzr
    bl      kernel_main
    b       cpu_halt

/* PSCI CPU_ON door: x0 = context id = cpu index, MMU off. */
    .globl secondary_entry
secondary_entry:
    mov     x19, x0
    bl      el_setup
    bl      cpu_setup
    adrp    x0, mmu_boot_regs
    add     x0, x0, :lo12:mmu_boot_regs
    bl      mmu_enable_regs
    mov     x0, x19
    bl      set_stacks
    mov     x0, x19
    mov     x29, xzr
    mov     x30, xzr
    bl      secondary_main
    b       cpu_halt

    .globl cpu_halt
cpu_halt:
    msr     daifset, #0xf
1:  wfe
    b       1b

/* Leave EL2 for EL1 (with timers, FP and GICv3 system registers open to EL1).
 * Returns x0 = the EL we were entered at. Uses no stack. */
el_setup:
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    cmp     x0, #2
    b.ne    2f
    mov     x1, #(1 << 31)          /* HCR_EL2.RW: EL1 is AArch64 (and E2H, TGE off) */
    msr     hcr_el2, x1
    isb
    mrs     x1, cnthctl_el2
    orr     x1, x1, #3              /* EL1PCTEN, EL1PCEN */
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x33ff             /* CPTR_EL2: RES1 bits, no FP trap */
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    mrs     x1, midr_el1
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    mrs     x1, id_aa64pfr0_el1
    ubfx    x1, x1, #24, #4         /* GIC system register interface? */
    cbz     x1, 1f
    mrs     x1, S3_4_C12_C9_5       /* ICC_SRE_EL2: SRE, DFB, DIB, Enable */
    orr     x1, x1, #0xf
    msr     S3_4_C12_C9_5, x1
    isb
1:  mov     x1, #0x0800             /* SCTLR_EL1 RES1 bits, MMU off */
    movk    x1, #0x30d0, lsl #16
    msr     sctlr_el1, x1
    mov     x1, #0x3c5              /* EL1h, DAIF masked */
    msr     spsr_el2, x1
    msr     elr_el2, x30
    eret
2:  ret

/* Mask interrupts, open FP/SIMD to EL1 and EL0, MMU off with known SCTLR. */
cpu_setup:
    msr     daifset, #0xf
    mov     x0, #(3 << 20)          /* CPACR_EL1.FPEN */
    msr     cpacr_el1, x0
    mov     x0, #0x0800
    movk    x0, #0x30d0, lsl #16
    msr     sctlr_el1, x0
    isb
    ret

/* Turn off the MMU and caches the firmware left on (at EL1 or EL2). */
mmu_off:
    mrs     x0, CurrentEL
    cmp     x0, #(2 << 2)
    b.eq    1f
    mrs     x0, sctlr_el1
    bic     x0, x0, #1
    bic     x0, x0, #4
    msr     sctlr_el1, x0
    isb
    tlbi    vmalle1
    b       2f
1:  mrs     x0, sctlr_el2
    bic     x0, x0, #1
    bic     x0, x0, #4
    msr     sctlr_el2, x0
    isb
    tlbi    alle2
2:  ic      iallu
    dsb     sy
    isb
    ret

/* Apply R_AARCH64_RELATIVE relocations for load base x0. Idempotent:
 * each entry stores base + addend. Uses no stack. */
relocate:
    adrp    x1, __rela_start
    add     x1, x1, :lo12:__rela_start
    adrp    x2, __rela_end
    add     x2, x2, :lo12:__rela_end
1:  cmp     x1, x2
    b.hs    2f
    ldp     x3, x4, [x1], #24
    ldur    x5, [x1, #-8]
    cmp     w4, #R_AARCH64_RELATIVE
    b.ne    1b
    add     x5, x5, x0
    str     x5, [x0, x3]
    b       1b
2:  ret

clear_bss:
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:  ret

/* x0 = cpu index: TPIDR_EL1, exception stack (SP_EL1), kernel stack (SP_EL0,
 * selected), vector base. */
set_stacks:
    msr     tpidr_el1, x0
    adrp    x1, cpu_stacks
    add     x1, x1, :lo12:cpu_stacks
    ldr     x2, =STACK_BLOCK
    madd    x1, x0, x2, x1
    add     x2, x1, #(XSTACK_OFF + XSTACK_SIZE)
    msr     spsel, #1
    mov     sp, x2
    add     x2, x1, #(KSTACK_OFF + KSTACK_SIZE)
    msr     spsel, #0
    mov     sp, x2
    adrp    x1, exc_vectors
    add     x1, x1, :lo12:exc_vectors
    msr     vbar_el1, x1
    isb
    ret

/* void mmu_enable_regs(const struct mmu_regs *r): {mair, tcr, ttbr0, sctlr}. */
    .globl mmu_enable_regs
mmu_enable_regs:
    ldp     x1, x2, [x0]
    msr     mair_el1, x1
    msr     tcr_el1, x2
    ldp     x3, x4, [x0, #16]
    msr     ttbr0_el1, x3
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    msr     sctlr_el1, x4
    isb
    ic      iallu
    dsb     nsh
    isb
    ret

    .section ".bss.stacks", "aw", %nobits
    .balign 4096
    .globl cpu_stacks
cpu_stacks:
    .space  STACK_BLOCK * MAX_CPUS
