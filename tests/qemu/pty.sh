#!/bin/sh
# tests/qemu/pty.sh: `make run` and `make run-uefi` in a pseudo-terminal, as
# typed at a real terminal (tests/qemu/pty_session.py): the prompt appears, `llm infer`
# streams to its stats line, Ctrl-C stops a long generation, `poweroff` ends
# make with status 0. Every other test pipes stdin, which cannot show a QEMU
# stopped by the terminal (SIGTTOU). Also `make run SMP=1 MODEL=...`. Every
# step has a deadline.
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib.sh
qemu_need_tools pty qemu-system-aarch64 python3
failed=0
python3 tests/qemu/pty_session.py run 120 make --no-print-directory run || failed=1
# make's knobs: SMP=1, and MODEL= (a generated model)
make -s build/gen/generated-q4_0.gguf >/dev/null 2>&1 || { echo "FAIL pty_gen_model: make failed"; exit 1; }
python3 tests/qemu/pty_session.py run_smp1_model 120 \
    --expect 'kernel: 1 cpu,[^\n]*llm.model=/initrd/generated-q4_0.gguf' \
    make --no-print-directory run SMP=1 MODEL=build/gen/generated-q4_0.gguf || failed=1
if [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ]; then
    python3 tests/qemu/pty_session.py run_uefi 240 make --no-print-directory run-uefi || failed=1
else
    echo "SKIP pty_run_uefi: no UEFI firmware (qemu-efi-aarch64)"
fi
exit $failed
