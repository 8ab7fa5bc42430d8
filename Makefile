# Makefile: the kernel image (build/kernel.bin), the host build of the engine
# (build/host/...), and the test entry points. Sources are found by wildcard:
# a new file in arch/, kernel/, lib/ or llm/ needs no edit here.

CROSS    ?= aarch64-linux-gnu-
KCC      := $(CROSS)gcc
KOBJCOPY := $(CROSS)objcopy
KNM      := $(CROSS)nm
HOSTCC   ?= gcc
B        := build

# ---------------------------------------------------------------- kernel
ARCH_SRCS   := $(wildcard arch/aarch64/*.S arch/aarch64/*.c)
KERNEL_SRCS := $(wildcard kernel/*.c)
LIB_SRCS    := $(wildcard lib/*.c)
LLM_SRCS    := $(wildcard llm/*.c)

KCFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -fno-builtin -nostdlib -nostdinc -isystem $(shell $(KCC) -print-file-name=include 2>/dev/null) \
	-fno-stack-protector -fno-common -fpie -mno-outline-atomics -fno-omit-frame-pointer \
	-fno-tree-loop-distribute-patterns -fno-math-errno -I. -DKERNEL
# arch/ and kernel/ never touch FP/SIMD registers; lib/ (math, %f) and llm/ do.
KCFLAGS_NOFP := $(KCFLAGS_BASE) -mgeneral-regs-only
KCFLAGS_FP   := $(KCFLAGS_BASE) -march=armv8-a
KLDFLAGS     := -nostdlib -static-pie -Wl,-T,linker.ld -Wl,--no-dynamic-linker -Wl,-z,norelro \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096

KOBJS := $(patsubst %,$(B)/k/%.o,$(ARCH_SRCS) $(KERNEL_SRCS) $(LIB_SRCS) $(LLM_SRCS))

$(B)/k/arch/%.o: arch/%
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_NOFP) -MMD -c $< -o $@
$(B)/k/kernel/%.o: kernel/%
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_NOFP) -MMD -c $< -o $@
$(B)/k/lib/%.o: lib/%
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_FP) -MMD -c $< -o $@
$(B)/k/llm/%.o: llm/%
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS_FP) -MMD -c $< -o $@

# Two links: the first one's `nm` becomes the symbol table for backtraces,
# which the second one places after .data (no code moves).
$(B)/kernel.elf: $(KOBJS) linker.ld scripts/gen-ksyms.sh
	@mkdir -p $(B)/k
	scripts/gen-ksyms.sh </dev/null >$(B)/k/ksyms0.S
	$(KCC) -c $(B)/k/ksyms0.S -o $(B)/k/ksyms0.o
	$(KCC) $(KCFLAGS_BASE) $(KLDFLAGS) -o $(B)/kernel.pass1.elf $(KOBJS) $(B)/k/ksyms0.o -lgcc
	$(KNM) -n $(B)/kernel.pass1.elf | scripts/gen-ksyms.sh >$(B)/k/ksyms.S
	$(KCC) -c $(B)/k/ksyms.S -o $(B)/k/ksyms.o
	$(KCC) $(KCFLAGS_BASE) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/k/ksyms.o -lgcc
$(B)/kernel.bin: $(B)/kernel.elf
	$(KOBJCOPY) -O binary $< $@

# ---------------------------------------------------------------- host
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -I. \
	-fno-strict-aliasing -ffp-contract=off
# Host objects live under obj/ so that build/host/llm can be the CLI binary.
HO             := $(B)/host/obj
HOST_LIB_OBJS  := $(patsubst %.c,$(HO)/%.o,$(LIB_SRCS))
HOST_LLM_OBJS  := $(patsubst %.c,$(HO)/%.o,$(LLM_SRCS))
HOST_CORE_OBJS := $(filter-out %_test.o,$(HOST_LIB_OBJS) $(HOST_LLM_OBJS)) $(HO)/tools/host/platform.o
HOST_TEST_OBJS := $(filter %_test.o,$(HOST_LIB_OBJS) $(HOST_LLM_OBJS))
HOST_TESTS     := $(patsubst tests/host/%.c,$(B)/host/%,$(wildcard tests/host/test_*.c))

# lib/ replaces libc's string functions; keep GCC from turning their loops back into calls.
$(HO)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -fno-tree-loop-distribute-patterns -fno-math-errno -MMD -c $< -o $@
$(HO)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -c $< -o $@

$(B)/host/llm: $(HO)/tools/host/llm_cli.o $(HOST_CORE_OBJS)
	$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/selftest: $(HO)/tests/host/selftest_main.o $(HOST_TEST_OBJS) $(HOST_CORE_OBJS)
	$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/gen_gguf: $(HO)/scripts/gen_gguf.o $(HOST_CORE_OBJS)
	$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/test_%: $(HO)/tests/host/test_%.o $(HOST_CORE_OBJS)
	$(HOSTCC) -o $@ $^ -lpthread

HOST_BINS := $(B)/host/selftest $(HOST_TESTS) \
	$(if $(wildcard tools/host/llm_cli.c),$(B)/host/llm) \
	$(if $(wildcard scripts/gen_gguf.c),$(B)/host/gen_gguf)

# ---------------------------------------------------------------- targets
.PHONY: all kernel host deps run run-uefi test clean
all: kernel host
kernel: $(B)/kernel.bin
host: $(HOST_BINS)
deps:
	@scripts/install-deps.sh
run: deps
	@$(MAKE) --no-print-directory kernel
	scripts/run-qemu.sh
run-uefi: deps
	@$(MAKE) --no-print-directory kernel
	scripts/run-qemu.sh --uefi
test: deps
	@$(MAKE) --no-print-directory all
	tests/run.sh
clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
