/* arch/aarch64/mmu_test.c: the page tables enforce what mmu.c promises.
 * Faults are provoked under probe_begin/probe_end and must be the right kind. */
#include "lib/selftest.h"
#include "arch/aarch64/arch.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/layout.h"
#include "kernel/fdt.h"

#define EC(esr)     ((uint32_t)((esr) >> 26))
#define FSC(esr)    ((uint32_t)(esr) & 0x3c)
#define EC_IABT     0x21
#define EC_DABT     0x25
#define FSC_TRANS   0x04
#define FSC_PERM    0x0c

static const uint32_t rodata_word = 0x12345678;
static uint32_t data_ret_insn = 0xd65f03c0;        /* "ret", in writable memory */

static bool probe_write(volatile uint32_t *p, uint64_t *esr)
{
    probe_begin();
    *p = 0;
    return probe_end(esr);
}

static bool probe_read(volatile const uint32_t *p, uint64_t *esr)
{
    probe_begin();
    (void)*p;
    return probe_end(esr);
}

/* Memory attribute (MAIR encoding) the tables give va, or -1 if unmapped. */
static int attr_of(const void *va)
{
    __asm__ volatile("at s1e1r, %0" :: "r"(va));
    isb();
    uint64_t par = read_sysreg(par_el1);
    return (par & 1) ? -1 : (int)(par >> 56);
}

SELFTEST(mmu_text_is_read_only)
{
    uint64_t esr = 0;
    volatile uint32_t *text = (volatile uint32_t *)(uintptr_t)&probe_write;
    uint32_t before = *text;
    ST_CHECK(probe_write(text, &esr), "writing to kernel text did not fault");
    ST_CHECK(EC(esr) == EC_DABT && (esr & (1u << 6)) && FSC(esr) == FSC_PERM,
             "expected a write permission fault, ESR %#llx", (unsigned long long)esr);
    ST_CHECK(*text == before, "text changed");
}

SELFTEST(mmu_rodata_is_read_only)
{
    uint64_t esr = 0;
    ST_CHECK(!probe_read(&rodata_word, &esr), "reading rodata faulted");
    ST_CHECK(probe_write((volatile uint32_t *)(uintptr_t)&rodata_word, &esr), "writing rodata did not fault");
    ST_CHECK(EC(esr) == EC_DABT && FSC(esr) == FSC_PERM, "ESR %#llx", (unsigned long long)esr);
}

SELFTEST(mmu_data_is_not_executable)
{
    uint64_t esr = 0;
    void (*fn)(void) = (void (*)(void))(uintptr_t)&data_ret_insn;
    probe_begin();
    fn();
    ST_CHECK(probe_end(&esr), "executing from data did not fault");
    ST_CHECK(EC(esr) == EC_IABT && FSC(esr) == FSC_PERM, "expected an instruction permission fault, ESR %#llx",
             (unsigned long long)esr);
}

SELFTEST(mmu_guard_pages_unmapped)
{
    uint64_t esr = 0;
    for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
        const uint8_t *block = (const uint8_t *)cpu_stacks + (uint64_t)cpu * STACK_BLOCK;
        const uint8_t *guards[2] = { block, block + XSTACK_OFF + XSTACK_SIZE };
        for (int g = 0; g < 2; g++) {
            int gcpu = -1;
            ST_CHECK(mmu_is_guard((uint64_t)(uintptr_t)guards[g] + 8, &gcpu) && gcpu == cpu, "guard lookup");
            ST_CHECK(probe_read((volatile const uint32_t *)(uintptr_t)(guards[g] + 8), &esr),
                     "cpu %d guard %d readable", cpu, g);
            ST_CHECK(EC(esr) == EC_DABT && FSC(esr) == FSC_TRANS, "ESR %#llx", (unsigned long long)esr);
        }
        ST_CHECK(!probe_read((volatile const uint32_t *)(uintptr_t)(block + KSTACK_OFF), &esr),
                 "cpu %d stack bottom not mapped", cpu);
    }
}

SELFTEST(mmu_memory_attributes)
{
    static uint64_t ram_word;
    ST_CHECK(attr_of(&ram_word) == 0xff, "RAM attr %#x, want normal write-back 0xff", attr_of(&ram_word));
    if (fdt.uart_base)
        ST_CHECK(attr_of((void *)(uintptr_t)fdt.uart_base) == 0x04, "UART attr %#x, want device-nGnRE",
                 attr_of((void *)(uintptr_t)fdt.uart_base));
    ST_CHECK(attr_of((void *)(uintptr_t)0xdead00000000ull) == -1, "0xdead00000000 should be unmapped");
    ST_CHECK((read_sysreg(sctlr_el1) & 5) == 5, "MMU and data cache should be on");
}
