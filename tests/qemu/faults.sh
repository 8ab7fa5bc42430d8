#!/bin/sh
# tests/qemu/faults.sh: the crash report, one boot per kind of fault (`fault
# data|exec|undef|stack|stack-smp`): the exception class in words, the fault
# status, FAR and ELR (and that they agree with what the command says it did),
# all 31 registers and sp, a backtrace with symbol names, "*** system halted",
# and QEMU's exit status 3 (the crash status, through semihosting). The
# undefined instruction is also taken through the UEFI door, where the kernel
# runs at an address of the firmware's choosing and the symbols must still
# resolve. Prints PASS/FAIL/SKIP lines; every QEMU run has a timeout (run-qemu.sh).
cd "$(dirname "$0")/../.." || exit 1
command -v qemu-system-aarch64 >/dev/null || { echo "SKIP faults: qemu-system-aarch64 not installed"; exit 0; }
kernel=${KERNEL:-build/kernel.bin}
[ -f "$kernel" ] || { echo "FAIL faults: $kernel missing (make kernel)"; exit 1; }
tmp=$(mktemp -d)
esp=build/esp-faults-test-$$.img
trap 'rm -rf "$tmp" "$esp"' EXIT
failed=0
CRASH_STATUS=3

# run NAME COMMAND [run-qemu.sh options...]: output in $tmp/NAME.out (no CRs), status in $rc.
# The session starts with an empty line: the PL011 may drop a byte during console_init().
run() {
    name=$1 cmd=$2; shift 2
    printf '\n%s\n' "$cmd" | scripts/run-qemu.sh --kernel "$kernel" --esp "$esp" --timeout 60 "$@" >"$tmp/$name.raw" 2>&1
    rc=$?
    tr -d '\r' <"$tmp/$name.raw" >"$tmp/$name.out"
}
fail() { echo "FAIL fault_$1: $2"; failed=1; sed 's/^/    /' "$tmp/$1.out" | tail -n 30; }
# check NAME PATTERN...: crash status, the parts every report has, then each
# (extended regex) pattern.
check() {
    name=$1; shift
    [ "$rc" -eq "$CRASH_STATUS" ] || { fail "$name" "exit status $rc, want $CRASH_STATUS"; return; }
    regs=$(grep -cE '^x[0-9]+ +0x[0-9a-f]{16} +x[0-9]+ +0x[0-9a-f]{16}$' "$tmp/$name.out")
    [ "$regs" = 15 ] || { fail "$name" "$regs lines of register pairs x0..x29, want 15"; return; }
    for pat in '^\*\*\* KERNEL CRASH on cpu [0-9]+: ' '^ESR +0x[0-9a-f]{8} +EC 0x[0-9a-f]{2}$' '^FAR +0x[0-9a-f]{16}$' \
               '^ELR +0x[0-9a-f]{16}' '^SPSR +0x' '^x30 +0x[0-9a-f]{16} +sp +0x[0-9a-f]{16}$' '^backtrace:$' \
               '^  #1 +0x[0-9a-f]{16} <[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+>$' '^\*\*\* system halted$' "$@"; do
        grep -Eq -- "$pat" "$tmp/$name.out" || { fail "$name" "output lacks /$pat/"; return; }
    done
    n=$(grep -c 'KERNEL CRASH' "$tmp/$name.out")
    [ "$n" = 1 ] || { fail "$name" "$n crash reports, want 1"; return; }
    echo "PASS fault_$name"
}
# field NAME LABEL: the hex value on the report line "LABEL 0x..."
field() { sed -n "s/^$2 *0x\([0-9a-f]*\).*/\1/p" "$tmp/$1.out" | head -n 1; }

run data 'fault data'     # bare `fault` is the same (tests/qemu/boot.sh)
check data 'KERNEL CRASH on cpu 0: data abort$' '^    write, translation fault, level [0-3]$' \
    '^ESR +0x9[0-9a-f]{7} +EC 0x25$' '^FAR +0x0000dead00000000$' '^ELR +0x[0-9a-f]{16} <fault_write[A-Za-z0-9_.]*\+0x' \
    '^  #0 +0x[0-9a-f]{16} <fault_write'

# exec: ELR and FAR are both the .data address the command says it called.
run exec 'fault exec'
target=$(sed -n 's/^fault: calling 0x\([0-9a-f]*\) .*/\1/p' "$tmp/exec.out")
if [ -z "$target" ]; then
    fail exec "no 'fault: calling 0x...' line"
else
    target=$(printf '%016x' "0x$target")
    check exec 'KERNEL CRASH on cpu 0: instruction abort$' '^    permission fault, level 3$' \
        '^ESR +0x8[67][0-9a-f]{6} +EC 0x21$' "^FAR +0x$target\$" "^ELR +0x$target\$" '^LR +0x[0-9a-f]{16} <[A-Za-z_]'
fi

run undef 'fault undef'
check undef 'KERNEL CRASH on cpu 0: undefined instruction$' '^ESR +0x02000000 +EC 0x00$' \
    '^ELR +0x[0-9a-f]{16} <fault_undef\+0x0>$' '^  #0 +0x[0-9a-f]{16} <fault_undef\+0x0>$'

# stack: the fault address is at or just below the stack pointer of the last frame.
run stack 'fault stack'
check stack 'KERNEL CRASH on cpu 0: data abort$' '^\*\*\* stack overflow on cpu 0 \(fault address in a guard page\)$' \
    '^    write, translation fault, level 3$' '^ELR +0x[0-9a-f]{16} <recurse' '^  #5 +0x[0-9a-f]{16} <recurse'
if [ "$rc" -eq "$CRASH_STATUS" ]; then
    far=$(field stack FAR) sp=$(sed -n 's/^x30 .* sp *0x\([0-9a-f]*\)$/\1/p' "$tmp/stack.out")
    if [ -n "$far" ] && [ -n "$sp" ] && [ $((0x$far <= 0x$sp && 0x$sp - 0x$far < 4096)) = 1 ]; then
        echo "PASS fault_stack_far_near_sp"
    else
        fail stack "FAR 0x$far is not within a page at or below sp 0x$sp"
    fi
fi

# stack-smp: the overflow happens in a parallel_for item on another cpu; the
# report names that cpu, twice (the crash and the guard page's owner).
run stack_smp 'fault stack-smp' --smp 4
check stack_smp '^\*\*\* KERNEL CRASH on cpu [1-3]: data abort$' '^\*\*\* stack overflow on cpu [1-3] ' '^ELR +0x[0-9a-f]{16} <recurse'
if [ "$rc" -eq "$CRASH_STATUS" ]; then
    c1=$(sed -n 's/^\*\*\* KERNEL CRASH on cpu \([0-9]*\):.*/\1/p' "$tmp/stack_smp.out")
    c2=$(sed -n 's/^\*\*\* stack overflow on cpu \([0-9]*\) .*/\1/p' "$tmp/stack_smp.out")
    if [ -n "$c1" ] && [ "$c1" = "$c2" ]; then echo "PASS fault_stack_smp_same_cpu"; else fail stack_smp "crash on cpu '$c1', guard page of cpu '$c2'"; fi
fi

# A wrong subcommand is a usage error, and stack-smp on one cpu a refusal: no crash.
printf '\nfault nonsense\nfault stack-smp\npoweroff\n' | scripts/run-qemu.sh --kernel "$kernel" --timeout 30 >"$tmp/usage.raw" 2>&1
rc=$?
tr -d '\r' <"$tmp/usage.raw" >"$tmp/usage.out"
if [ "$rc" -eq 0 ] && grep -q '^usage: fault \[data|exec|undef|stack|stack-smp\]' "$tmp/usage.out" && grep -q '^fault: stack-smp needs a second cpu' "$tmp/usage.out" &&
   ! grep -q 'KERNEL CRASH' "$tmp/usage.out"; then
    echo "PASS fault_usage"
else
    fail usage "exit status $rc, want 0 with a usage line, a refusal of stack-smp and no crash"
fi

if [ -f /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ]; then
    run uefi_undef 'fault undef' --uefi
    check uefi_undef 'booting via UEFI' 'KERNEL CRASH on cpu 0: undefined instruction$' '^ELR +0x[0-9a-f]{16} <fault_undef\+0x0>$'
else
    echo "SKIP fault_uefi_undef: no UEFI firmware (qemu-efi-aarch64)"
fi

exit $failed
