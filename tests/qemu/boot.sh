#!/bin/sh
# tests/qemu/boot.sh: boot the kernel in QEMU both ways (-kernel and UEFI) and
# check the boot path, selftests, SMP, crash reports and scripted sessions.
# Prints PASS/FAIL/SKIP lines; every QEMU run has a timeout (run-qemu.sh).
cd "$(dirname "$0")/../.." || exit 1
command -v qemu-system-aarch64 >/dev/null || { echo "SKIP boot: qemu-system-aarch64 not installed"; exit 0; }
[ -f build/kernel.bin ] || { echo "FAIL boot: build/kernel.bin missing (make kernel)"; exit 1; }
tmp=$(mktemp -d)
esp=build/esp-boot-test-$$.img
trap 'rm -rf "$tmp" "$esp"' EXIT
failed=0

# run NAME INPUT [run-qemu.sh options...]: output in $tmp/NAME.out, status in $rc
run() {
    name=$1 input=$2; shift 2
    printf '%b' "$input" | scripts/run-qemu.sh --esp "$esp" "$@" >"$tmp/$name.out" 2>&1
    rc=$?
}
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; sed 's/^/    /' "$tmp/$1.out" | tail -n 25; }
# check NAME WANT_RC PATTERN...: status and every (extended regex) pattern
check() {
    name=$1 want=$2; shift 2
    if [ "$want" = nonzero ] && [ "$rc" -eq 0 ]; then fail "$name" "exit status 0, want non-zero"; return; fi
    if [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; then fail "$name" "exit status $rc, want $want"; return; fi
    for pat in "$@"; do
        grep -Eq -- "$pat" "$tmp/$name.out" || { fail "$name" "output lacks /$pat/"; return; }
    done
    pass "$name"
}

run kernel_info 'info\npoweroff\n' --timeout 30
check kernel_info 0 '^boot: +-kernel' '^features:.*AdvSIMD' '^cores: +1 online' 'powering off'

run uefi_info 'info\npoweroff\n' --uefi --timeout 60
check uefi_info 0 '^boot: +UEFI' '^ram: +[0-9]+ MiB' 'powering off'

run uefi_cmdline '' --uefi --append 'selftest=mmu_' --timeout 60
check uefi_cmdline 0 'cmdline "selftest=mmu_"' '^PASS mmu_text_is_read_only' 'selftest: [1-9][0-9]* passed, 0 failed'

run uefi_smp_gicv3 '' --uefi --smp 4 --gic 3 --mem 2G --append 'selftest=smp' --timeout 60
check uefi_smp_gicv3 0 'booting via UEFI' '4 cpus' 'GICv3' 'PASS smp_parallel_for_all_cpus' ', 0 failed'

# Every test the kernel links must pass: the SELFTEST(name)s in its sources
# (arch/ kernel/ lib/ llm/, all linked), each with a PASS line of its own.
run selftest '' --smp 2 --append selftest --timeout 60
grep -rhoE '^SELFTEST\([A-Za-z0-9_]+\)' arch kernel lib llm | sed 's/^SELFTEST(\(.*\))$/\1/' | sort >"$tmp/want"
tr -d '\r' <"$tmp/selftest.out" | sed -n 's/^PASS \([A-Za-z0-9_]*\)$/\1/p' | sort >"$tmp/got"
missing=$(comm -23 "$tmp/want" "$tmp/got" | tr '\n' ' ')
if [ ! -s "$tmp/want" ]; then fail selftest "no SELFTEST() found in the sources"
elif [ -n "$missing" ]; then fail selftest "$(wc -l <"$tmp/got") of $(wc -l <"$tmp/want") registered tests passed; not: $missing"
elif ! cmp -s "$tmp/want" "$tmp/got"; then fail selftest "PASS lines for unknown or repeated tests: $(comm -13 "$tmp/want" "$tmp/got" | tr '\n' ' ')"
else check selftest 0 "selftest: $(wc -l <"$tmp/want") passed, 0 failed"; fi

# A model larger than the machine's RAM: the firmware cannot read it into
# memory; /boot still lists it, and loading it says why, not "not found".
truncate -s 300M "$tmp/big.gguf"
run uefi_model_too_big 'llm load /boot/big.gguf\nls /boot\npoweroff\n' --uefi --mem 256M --model "$tmp/big.gguf" --timeout 60
check uefi_model_too_big 0 '^vfs: /boot/big.gguf: 300 MiB does not fit in this machine.s [0-9]+ MiB of RAM' \
    '^llm: load failed: /boot/big.gguf: does not fit in memory' '314572800 +big.gguf'

run smp4 'info\npoweroff\n' --smp 4 --timeout 30
check smp4 0 '^cores: +4 online'

run gicv3_el2 '' --smp 2 --gic 3 --el2 --append 'selftest=smp' --timeout 60
check gicv3_el2 0 'entered at EL2' 'GICv3' 'PASS smp_parallel_for_all_cpus' ', 0 failed'

run icount '' --icount --append 'selftest=timer' --timeout 60
check icount 0 'PASS timer_interrupt' ', 0 failed'

run fault 'fault\n' --timeout 30
check fault nonzero 'KERNEL CRASH on cpu 0: data abort' 'write, translation fault' '^FAR +0x0*dead00000000' \
    '^ELR .*<fault_write' '^x30 ' '^backtrace:' '#1 .*<'

run stack_overflow 'fault stack\n' --timeout 30
check stack_overflow nonzero 'stack overflow on cpu 0' '^backtrace:' '<recurse'

run session 'uptime\nmem\nno_such_command\nuptime\npoweroff\n' --timeout 30
check session 0 '^up [0-9]+\.[0-9]{3} s' '^free +[0-9]+ KiB' 'no_such_command' 'powering off'
c=$(grep -c '^up ' "$tmp/session.out")
[ "$c" = 2 ] || { echo "FAIL session_order: 'uptime' answered $c times, want 2"; failed=1; }

run init_cmds '' --append 'init="uptime; poweroff" bogus_word' --timeout 30
check init_cmds 0 'init> uptime' '^up ' "unknown word 'bogus_word'" 'powering off'

run reboot 'reboot\n' --timeout 30 -- -no-reboot
check reboot 0 'rebooting'

exit $failed
