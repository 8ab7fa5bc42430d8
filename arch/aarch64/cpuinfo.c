/* arch/aarch64/cpuinfo.c: who we run on: MIDR decoded, features from the ID
 * registers, and the current exception level. */
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"

int arch_current_el(void)
{
    return (int)(read_sysreg(CurrentEL) >> 2 & 3);
}

static const char *implementer_name(uint32_t imp)
{
    switch (imp) {
    case 0x00: return "software-defined (QEMU -cpu max)";
    case 0x41: return "Arm";
    case 0x42: return "Broadcom";
    case 0x43: return "Cavium";
    case 0x4e: return "NVIDIA";
    case 0x51: return "Qualcomm";
    case 0x61: return "Apple";
    case 0xc0: return "Ampere";
    default:   return "unknown";
    }
}

static const char *arm_part_name(uint32_t part)
{
    static const struct { uint16_t id; const char *name; } parts[] = {
        { 0xd03, "Cortex-A53" }, { 0xd04, "Cortex-A35" }, { 0xd05, "Cortex-A55" },
        { 0xd07, "Cortex-A57" }, { 0xd08, "Cortex-A72" }, { 0xd09, "Cortex-A73" },
        { 0xd0a, "Cortex-A75" }, { 0xd0b, "Cortex-A76" }, { 0xd0c, "Neoverse-N1" },
        { 0xd0d, "Cortex-A77" }, { 0xd40, "Neoverse-V1" }, { 0xd41, "Cortex-A78" },
        { 0xd44, "Cortex-X1" }, { 0xd46, "Cortex-A510" }, { 0xd47, "Cortex-A710" },
        { 0xd48, "Cortex-X2" }, { 0xd49, "Neoverse-N2" }, { 0xd4f, "Neoverse-V2" },
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (parts[i].id == part)
            return parts[i].name;
    return "unknown part";
}

void cpu_describe(struct cpu_desc *d)
{
    uint64_t midr = read_sysreg(midr_el1);
    uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);
    uint64_t isar0 = read_sysreg(id_aa64isar0_el1);
    uint64_t isar1 = read_sysreg(id_aa64isar1_el1);
    uint32_t imp = (uint32_t)(midr >> 24 & 0xff), part = (uint32_t)(midr >> 4 & 0xfff);
    uint32_t fp = (uint32_t)(pfr0 >> 16 & 0xf), simd = (uint32_t)(pfr0 >> 20 & 0xf);
    d->implementer = implementer_name(imp);
    d->part = imp == 0x41 ? arm_part_name(part) : imp == 0 ? "" : "unknown part";
    d->variant = (uint32_t)(midr >> 20 & 0xf);
    d->revision = (uint32_t)(midr & 0xf);
    d->midr = midr;
    d->fp = fp != 0xf;
    d->asimd = simd != 0xf;
    d->fp16 = fp == 1 && simd == 1;
    d->sve = (pfr0 >> 32 & 0xf) != 0;
    d->dotprod = (isar0 >> 44 & 0xf) != 0;
    d->i8mm = (isar1 >> 52 & 0xf) != 0;
}
