# Makefile: the kernel image (build/kernel.bin), the host build of the engine
# (build/host/...), and the test entry points. Sources are found by wildcard:
# a new file in arch/, kernel/, lib/ or llm/ needs no edit here.
# Plain `make` is `make all`. Each step prints one short line ("  CC      file");
# `make V=1` prints the full commands instead.

.DEFAULT_GOAL := all
# $(call say,TAG,WHAT) starts a recipe line: the short line, unless V=1 (then
# make echoes the command) or make -s (then nothing).
ifeq ($(V),1)
say :=
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
say := @
else
say = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

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
# build/gen/golden_test.c: data for llm/model/forward_kernel_vs_host_test.c (see below)
LLM_SRCS    := $(wildcard llm/*.c llm/*/*.c) $(B)/gen/golden_test.c

KCFLAGS_BASE := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	-ffreestanding -fno-builtin -nostdlib -nostdinc -isystem $(shell $(KCC) -print-file-name=include 2>/dev/null) \
	-fno-stack-protector -fno-common -fpie -mno-outline-atomics -fno-omit-frame-pointer \
	-fno-tree-loop-distribute-patterns -fno-math-errno -ffp-contract=off -I. -DKERNEL
# arch/ and kernel/ never touch FP/SIMD registers; lib/ (math, %f) and llm/ do.
KCFLAGS_NOFP := $(KCFLAGS_BASE) -mgeneral-regs-only
KCFLAGS_FP   := $(KCFLAGS_BASE) -march=armv8-a
KLDFLAGS     := -nostdlib -static-pie -Wl,-T,linker.ld -Wl,--no-dynamic-linker -Wl,-z,norelro \
	-Wl,--build-id=none -Wl,-z,max-page-size=4096

KOBJS := $(patsubst %,$(B)/k/%.o,$(ARCH_SRCS) $(KERNEL_SRCS) $(LIB_SRCS) $(LLM_SRCS))

$(B)/k/arch/%.o: arch/%
	@mkdir -p $(dir $@)
	$(call say,$(if $(filter %.S,$<),AS,CC),$<)$(KCC) $(KCFLAGS_NOFP) -MMD -MP -c $< -o $@
$(B)/k/kernel/%.o: kernel/%
	@mkdir -p $(dir $@)
	$(call say,$(if $(filter %.S,$<),AS,CC),$<)$(KCC) $(KCFLAGS_NOFP) -MMD -MP -c $< -o $@
$(B)/k/lib/%.o: lib/%
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(KCC) $(KCFLAGS_FP) -MMD -MP -c $< -o $@
$(B)/k/llm/%.o: llm/%
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(KCC) $(KCFLAGS_FP) -MMD -MP -c $< -o $@
$(B)/k/$(B)/gen/%.o: $(B)/gen/%
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(KCC) $(KCFLAGS_FP) -MMD -MP -c $< -o $@

# Two links: the first one's `nm` becomes the symbol table for backtraces,
# which the second one places after .data (no code moves).
$(B)/kernel.elf: $(KOBJS) linker.ld scripts/gen-ksyms.sh
	@mkdir -p $(B)/k
	$(call say,GEN,$(B)/k/ksyms0.S)scripts/gen-ksyms.sh </dev/null >$(B)/k/ksyms0.S
	$(call say,AS,$(B)/k/ksyms0.S)$(KCC) -c $(B)/k/ksyms0.S -o $(B)/k/ksyms0.o
	$(call say,LD,$(B)/kernel.pass1.elf)$(KCC) $(KCFLAGS_BASE) $(KLDFLAGS) -o $(B)/kernel.pass1.elf \
		$(KOBJS) $(B)/k/ksyms0.o -lgcc
	$(call say,GEN,$(B)/k/ksyms.S)$(KNM) -n $(B)/kernel.pass1.elf | scripts/gen-ksyms.sh >$(B)/k/ksyms.S
	$(call say,AS,$(B)/k/ksyms.S)$(KCC) -c $(B)/k/ksyms.S -o $(B)/k/ksyms.o
	$(call say,LD,$@)$(KCC) $(KCFLAGS_BASE) $(KLDFLAGS) -o $@ $(KOBJS) $(B)/k/ksyms.o -lgcc
$(B)/kernel.bin: $(B)/kernel.elf
	$(call say,OBJCOPY,$@)$(KOBJCOPY) -O binary $< $@

# ---------------------------------------------------------------- host
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -I. \
	-fno-strict-aliasing -ffp-contract=off
# Host objects live under obj/ so that build/host/llm can be the CLI binary.
HO             := $(B)/host/obj
HOST_LIB_OBJS  := $(patsubst %.c,$(HO)/%.o,$(LIB_SRCS))
HOST_LLM_OBJS  := $(patsubst %.c,$(HO)/%.o,$(LLM_SRCS))
HOST_CORE_OBJS := $(filter-out %_test.o,$(HOST_LIB_OBJS) $(HOST_LLM_OBJS)) $(HO)/tools/host/platform.o
# The kernel-vs-host check would compare the x86-64 host build with itself
# (its data are the host's own numbers): left out of it (and of host-asan).
# The data's embedded model stays: forward_test.c feeds it bad batches.
VS_HOST_OBJS   := %/llm/model/forward_kernel_vs_host_test.o
HOST_TEST_OBJS := $(filter-out $(VS_HOST_OBJS),$(filter %_test.o,$(HOST_LIB_OBJS) $(HOST_LLM_OBJS)))
HOST_TESTS     := $(patsubst tests/host/%.c,$(B)/host/%,$(wildcard tests/host/test_*.c))

# lib/ replaces libc's string functions; keep GCC from turning their loops back into calls.
$(HO)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -fno-tree-loop-distribute-patterns \
		-fno-math-errno -MMD -MP -c $< -o $@
$(HO)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(B)/host/llm: $(HO)/tools/host/llm_cli.o $(HOST_CORE_OBJS)
	$(call say,HOSTLD,$@)$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/selftest: $(HO)/tests/host/selftest_main.o $(HOST_TEST_OBJS) $(HOST_CORE_OBJS)
	$(call say,HOSTLD,$@)$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/gen_gguf: $(HO)/scripts/gen_gguf.o $(HO)/scripts/gen_1b.o $(HOST_CORE_OBJS)
	$(call say,HOSTLD,$@)$(HOSTCC) -o $@ $^ -lpthread
$(B)/host/test_%: $(HO)/tests/host/test_%.o $(HO)/tests/host/testutil.o $(HOST_CORE_OBJS)
	$(call say,HOSTLD,$@)$(HOSTCC) -o $@ $^ -lpthread
# The golden forward pass: a generated model and the logits and ids the host
# build computes for it, as C data linked into the kernel and aarch64 selftests.
$(B)/host/gen_golden: $(HO)/scripts/gen_golden.o $(HOST_CORE_OBJS)
	$(call say,HOSTLD,$@)$(HOSTCC) -o $@ $^ -lpthread
$(B)/gen/golden_test.c: $(B)/host/gen_gguf $(B)/host/gen_golden
	@mkdir -p $(dir $@)
	$(call say,GEN,$(B)/gen/golden.gguf)$(B)/host/gen_gguf --type q4_0 --mixed --seed 7 \
		-o $(B)/gen/golden.gguf >/dev/null
	$(call say,GEN,$@)$(B)/host/gen_golden $(B)/gen/golden.gguf $@

HOST_BINS := $(B)/host/selftest $(HOST_TESTS) \
	$(if $(wildcard tools/host/llm_cli.c),$(B)/host/llm) \
	$(if $(wildcard scripts/gen_gguf.c),$(B)/host/gen_gguf)

# ---------------------------------------------------------------- targets
.PHONY: all kernel host deps run run-uefi test test-scale clean
all: kernel host
kernel: $(B)/kernel.bin
host: $(HOST_BINS)
deps:
	@scripts/install-deps.sh
# `make run` boots with a model loaded (llm.model): MODEL=path, else
# stories260K when ../shared has it, else a generated one; on SMP cpus (default:
# the host's cores, up to 4). No time limit: the user ends it with poweroff.
SHARED_MODEL := ../shared/models/stories260K/stories260K-q4_0.gguf
GEN_MODEL    := $(B)/gen/generated-q4_0.gguf
RUN_MODEL    := $(or $(MODEL),$(wildcard $(SHARED_MODEL)),$(GEN_MODEL))
RUN_NOTE     := $(if $(MODEL)$(filter-out $(GEN_MODEL),$(RUN_MODEL)),,@echo "make: $(SHARED_MODEL) not found:"; \
	echo "  booting with $(RUN_MODEL) from build/host/gen_gguf (random weights: its text is noise)")
SMP          ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$((n < 4 ? n : 4)))
RUN_QEMU     := scripts/run-qemu.sh --timeout 0 --smp $(SMP) --model $(RUN_MODEL)
$(GEN_MODEL): $(B)/host/gen_gguf
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)$(B)/host/gen_gguf --type q4_0 -o $@ >/dev/null
run: deps
	@$(MAKE) --no-print-directory kernel $(filter $(GEN_MODEL),$(RUN_MODEL))
	$(RUN_NOTE)
	$(RUN_QEMU)
run-uefi: deps
	@$(MAKE) --no-print-directory kernel $(filter $(GEN_MODEL),$(RUN_MODEL))
	$(RUN_NOTE)
	$(RUN_QEMU) --uefi
# deps first: on a fresh machine the cross compiler arrives with it. The build
# uses every core, and makes host-asan too, before tests/run.sh runs suites
# side by side (tests/sanitize, tests/sweep and tests/fuzz build on its
# objects; a failure there is theirs to report).
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all host-arm64
	@$(MAKE) --no-print-directory -s -j$$(nproc) host-asan >/dev/null 2>&1 || true
	tests/run.sh
# The 22-layer TinyLlama-1.1B-shaped models on both boots with the bench
# (scripts/test-scale.sh; long: README.md says how long). Not part of test.
test-scale: deps
	@$(MAKE) --no-print-directory kernel $(B)/host/gen_gguf $(B)/host/llm
	$(call say,SCALE,scripts/test-scale.sh)scripts/test-scale.sh
# Keep every built file: make would otherwise delete intermediate objects after
# the test run, and its "rm" line would follow the suite's closing count.
.SECONDARY:
clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- sanitizers and fuzzing
# build/host-asan/: the host tests (selftest, test_*) and the corruption sweep
# built with ASan + UBSan. build/fuzz/: libFuzzer targets from tests/fuzz/*.c.
# With clang the sanitizer objects also carry libFuzzer's coverage hooks, so
# both link against one object set. lib/string.c is left to libc here (ASan
# intercepts memcpy & co.): only its strlcpy, which glibc 2.36 lacks, stays global.
# lib/printf.c and lib/math.c are kept, so output and math stay bit-identical.
SAN_CC     := $(or $(shell command -v clang-14 2>/dev/null),$(shell command -v clang 2>/dev/null),$(HOSTCC))
SAN_IS_CLANG := $(findstring clang,$(notdir $(SAN_CC)))
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -I. \
	-fno-strict-aliasing -ffp-contract=off $(SAN_FLAGS) \
	$(if $(SAN_IS_CLANG),-fsanitize=fuzzer-no-link)
HA         := $(B)/host-asan
HAO        := $(HA)/obj
HA_LIB_OBJS  := $(patsubst %.c,$(HAO)/%.o,$(LIB_SRCS))
HA_LLM_OBJS  := $(patsubst %.c,$(HAO)/%.o,$(LLM_SRCS))
HA_CORE_OBJS := $(filter-out %_test.o,$(HA_LIB_OBJS) $(HA_LLM_OBJS)) $(HAO)/tools/host/platform.o
HA_TEST_OBJS := $(filter-out $(VS_HOST_OBJS),$(filter %_test.o,$(HA_LIB_OBJS) $(HA_LLM_OBJS)))
HA_BINS      := $(HA)/selftest $(patsubst tests/host/%.c,$(HA)/%,$(wildcard tests/host/test_*.c)) \
	$(patsubst tests/sweep/%.c,$(HA)/sweep_%,$(wildcard tests/sweep/*.c)) \
	$(if $(wildcard scripts/gen_gguf.c),$(HA)/gen_gguf) $(if $(wildcard tools/host/llm_cli.c),$(HA)/llm)

$(HAO)/lib/string.o: lib/string.c
	@mkdir -p $(dir $@)
	$(call say,ASANCC,$<)$(SAN_CC) $(SAN_CFLAGS) -fno-builtin -MMD -MP -c $< -o $@.full
	$(call say,OBJCOPY,$@)objcopy --keep-global-symbol=strlcpy $@.full $@
$(HAO)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(call say,ASANCC,$<)$(SAN_CC) $(SAN_CFLAGS) -fno-builtin -fno-math-errno -MMD -MP -c $< -o $@
$(HAO)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,ASANCC,$<)$(SAN_CC) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(HA)/selftest: $(HAO)/tests/host/selftest_main.o $(HA_TEST_OBJS) $(HA_CORE_OBJS)
	$(call say,ASANLD,$@)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ -lpthread
$(HA)/test_%: $(HAO)/tests/host/test_%.o $(HAO)/tests/host/testutil.o $(HA_CORE_OBJS)
	$(call say,ASANLD,$@)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ -lpthread
$(HA)/sweep_%: $(HAO)/tests/sweep/%.o $(HAO)/tests/host/testutil.o $(HA_CORE_OBJS)
	$(call say,ASANLD,$@)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ -lpthread
$(HA)/gen_gguf: $(HAO)/scripts/gen_gguf.o $(HAO)/scripts/gen_1b.o $(HA_CORE_OBJS)
	$(call say,ASANLD,$@)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ -lpthread
$(HA)/llm: $(HAO)/tools/host/llm_cli.o $(HA_CORE_OBJS)
	$(call say,ASANLD,$@)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ -lpthread

FZ           := $(B)/fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FZ)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 300
# kernel/line_edit.c is pure (lib/ headers only), so its fuzzer links it directly.
$(FZ)/fuzz_line_edit: $(HAO)/kernel/line_edit.o
$(FZ)/%: $(HAO)/tests/fuzz/%.o $(HA_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(call say,FUZZLD,$@)$(SAN_CC) $(SAN_FLAGS) -fsanitize=fuzzer -o $@ $^ -lpthread

.PHONY: host-asan fuzz-build fuzz
host-asan: $(HA_BINS)
fuzz-build: $(FUZZ_TARGETS) $(B)/host/gen_gguf
# `make fuzz`: FUZZ_SECONDS per target (tests/fuzz/fuzz.sh builds what it needs).
# `make test` runs the same script's short form, and tests/sanitize, tests/sweep.
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/fuzz.sh --long

# ---------------------------------------------------------------- host-arm64 (NEON, speed)
# build/host-arm64/: the host programs (llm, selftest: static; test_*) as
# aarch64-linux binaries, run under qemu-aarch64 (-cpu max, and -cpu cortex-a72
# for the no-DotProd fallback): the NEON kernels' tests and the benchmarks.
# Baseline stays armv8-a; DotProd code carries its own target attribute.
A64CC     := aarch64-linux-gnu-gcc
A64       := $(B)/host-arm64
A64O      := $(A64)/obj
A64_FLAGS := $(HOST_CFLAGS) -march=armv8-a
# lib/string.c defines libc's names; static glibc has them too: ours come first.
A64_LD    := $(A64CC) -static -Wl,--allow-multiple-definition
A64_CORE_OBJS := $(patsubst $(HO)/%,$(A64O)/%,$(HOST_CORE_OBJS))
# with the kernel-vs-host check: aarch64 NEON against the x86-64 host build
A64_TEST_OBJS := $(patsubst $(HO)/%,$(A64O)/%,$(filter %_test.o,$(HOST_LIB_OBJS) $(HOST_LLM_OBJS)))
A64_BINS  := $(A64)/selftest $(patsubst tests/host/%.c,$(A64)/%,$(wildcard tests/host/test_*.c)) \
	$(if $(wildcard tools/host/llm_cli.c),$(A64)/llm)

$(A64O)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(call say,A64CC,$<)$(A64CC) $(A64_FLAGS) -fno-builtin -fno-tree-loop-distribute-patterns \
		-fno-math-errno -MMD -MP -c $< -o $@
$(A64O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,A64CC,$<)$(A64CC) $(A64_FLAGS) -MMD -MP -c $< -o $@

$(A64)/llm: $(A64O)/tools/host/llm_cli.o $(A64_CORE_OBJS)
	$(call say,A64LD,$@)$(A64_LD) -o $@ $^ -lpthread
$(A64)/selftest: $(A64O)/tests/host/selftest_main.o $(A64_TEST_OBJS) $(A64_CORE_OBJS)
	$(call say,A64LD,$@)$(A64_LD) -o $@ $^ -lpthread
# The test programs link libc dynamically, as on the host: test_math and
# test_printf compare with libm's and libc's own functions (dlopen, RTLD_NEXT).
# tests/arm64/host_tests.sh runs them with QEMU_LD_PREFIX.
$(A64)/test_%: $(A64O)/tests/host/test_%.o $(A64O)/tests/host/testutil.o $(A64_CORE_OBJS)
	$(call say,A64LD,$@)$(A64CC) -o $@ $^ -lpthread

# QEMU plugin that counts executed guest instructions (../shared/tools).
INSNCOUNT_SRC := ../shared/tools/insncount.c
$(B)/insncount.so: $(INSNCOUNT_SRC)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)$(HOSTCC) -shared -fPIC -O2 -o $@ $<

.PHONY: host-arm64 bench bench-1b
host-arm64: $(A64_BINS)
bench: host-arm64 kernel $(B)/host/gen_gguf $(if $(wildcard $(INSNCOUNT_SRC)),$(B)/insncount.so)
	scripts/bench.sh --out docs/bench.md
# Only docs/bench.md's TinyLlama-1.1B section (make bench runs it too).
bench-1b: kernel $(B)/host/gen_gguf
	scripts/bench.sh --1b --out docs/bench.md

# ---------------------------------------------------------------- soak
# `make soak`: one boot, SOAK_CALLS `llm infer` calls with model swaps between
# them; at the end every page and heap block must be back (scripts/soak.sh).
# Not part of `make test`, which runs a 60-call one (tests/qemu/soak.sh).
SOAK_CALLS ?= 1000
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory kernel $(B)/host/gen_gguf
	KERNEL=$(B)/kernel.bin SOAK_DIR=$(B)/soak scripts/soak.sh $(SOAK_CALLS)
