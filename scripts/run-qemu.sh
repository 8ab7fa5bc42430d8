#!/bin/sh
# run-qemu.sh: boot build/kernel.bin in QEMU (virt, serial on stdio) and exit
# with the guest's status: 0 after `poweroff`, the semihosting exit code after
# a failure (selftest failures: 1, a kernel crash: 3), 124 on timeout.
# QEMU runs in the terminal's foreground (timeout --foreground): in a real
# terminal it reads keys and gets Ctrl-C as a byte for the guest; in the
# background the first tty access would stop it (SIGTTOU, state T in ps).
#
#   --help            print this text
#   --uefi            boot through UEFI firmware from a FAT ESP image
#                     (EFI/BOOT/BOOTAA64.EFI = the kernel, \cmdline.txt = --append,
#                     \initrd.img = --initrd)
#   --esp PATH        where to build the ESP image (default build/esp.img)
#   --smp N           cpus (default 1)          --mem SIZE   RAM (default 1G)
#   --append ARGS     kernel command line       --initrd F   initial ramdisk (cpio)
#   --disk FILE       raw disk image on virtio-blk (FAT: /disk; scripts/mkdisk.sh)
#   --timeout S       kill QEMU after S seconds (default 60), exit 124;
#                     0: no limit (make run)
#   --cpu MODEL       default max               --icount     deterministic time (-icount shift=0,
#                                                            boot argument icount: 1 ns = 1 insn)
#   --gic 2|3         GIC version (default: QEMU's)
#   --el2             start at EL2 (virtualization=on)
#   --no-semihosting  without it a failing guest cannot report a status
#   --kernel PATH     default build/kernel.bin
#   --model FILE      load FILE at boot: put it into the initrd (/initrd/NAME;
#                     not with --initrd), or with --uefi onto the ESP as
#                     \models\NAME (/boot/NAME), and append llm.model=that path
#   -- ARGS...        extra QEMU arguments
set -e
cd "$(dirname "$0")/.."
uefi=0 smp=1 mem=1G append="" initrd="" timeout=60 cpu=max icount=0 semihosting=1
gic="" el2=0 kernel=build/kernel.bin esp=build/esp.img model="" disk=""
die() { echo "run-qemu.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' scripts/run-qemu.sh; }
while [ $# -gt 0 ]; do
    case "$1" in
    --uefi) uefi=1 ;;
    --esp) esp=$2; shift ;;
    --smp) smp=$2; shift ;;
    --mem) mem=$2; shift ;;
    --append) append=$2; shift ;;
    --initrd) initrd=$2; shift ;;
    --disk) disk=$2; shift ;;
    --timeout) timeout=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    --icount) icount=1 ;;
    --gic) gic=$2; shift ;;
    --el2) el2=1 ;;
    --semihosting) semihosting=1 ;;
    --no-semihosting) semihosting=0 ;;
    --kernel) kernel=$2; shift ;;
    --model) model=$2; shift ;;
    --help|-h) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option $1 (run-qemu.sh --help)" ;;
    esac
    shift
done
[ -f "$kernel" ] || die "$kernel missing: run 'make kernel'"
[ -z "$initrd" ] || [ -f "$initrd" ] || die "initrd $initrd missing"
[ -z "$disk" ] || [ -f "$disk" ] || die "disk $disk missing"
# The kernel reads the boot argument icount: its clock then counts instructions.
[ "$icount" = 1 ] && append="${append:+$append }icount"
if [ -n "$model" ]; then
    [ -f "$model" ] || die "model $model missing"
    if [ "$uefi" = 1 ]; then
        append="${append:+$append }llm.model=/boot/$(basename "$model")"
    else
        [ -z "$initrd" ] || die "--model makes the initrd: use it without --initrd"
        initrd=$(mktemp /tmp/run-qemu-initrd.XXXXXX)
        trap 'rm -f "$initrd"' EXIT
        scripts/mkinitrd.sh -o "$initrd" "$model" >/dev/null
        append="${append:+$append }llm.model=/initrd/$(basename "$model")"
    fi
fi

machine=virt
[ -n "$gic" ] && machine="$machine,gic-version=$gic"
[ "$el2" = 1 ] && machine="$machine,virtualization=on"
set -- -cpu "$cpu" -smp "$smp" -m "$mem" -display none -monitor none -nic none \
    -chardev stdio,id=ser,signal=off -serial chardev:ser "$@"
[ "$semihosting" = 1 ] && set -- -semihosting "$@"
[ "$icount" = 1 ] && set -- -icount shift=0 "$@"

if [ "$uefi" = 1 ]; then
    fw=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
    [ -f "$fw" ] || die "$fw missing (apt-get install qemu-efi-aarch64)"
    # FAT image sized for its contents plus slack (mkfs.vfat -C wants KiB).
    bytes=$(cat "$kernel" ${initrd:+"$initrd"} ${model:+"$model"} | wc -c)
    kib=$((bytes / 1024 + 16384))
    rm -f "$esp"
    mkfs.vfat -C "$esp" "$kib" >/dev/null
    mmd -i "$esp" ::/EFI ::/EFI/BOOT
    mcopy -i "$esp" "$kernel" ::/EFI/BOOT/BOOTAA64.EFI
    if [ -n "$append" ]; then
        printf '%s\n' "$append" >"$esp.cmdline"
        mcopy -i "$esp" "$esp.cmdline" ::/cmdline.txt
        rm -f "$esp.cmdline"
    fi
    [ -n "$initrd" ] && mcopy -i "$esp" "$initrd" ::/initrd.img
    if [ -n "$model" ]; then
        mmd -i "$esp" ::/models
        mcopy -i "$esp" "$model" "::/models/$(basename "$model")"
    fi
    # The ESP sits on a virtio-mmio disk: the firmware boots from it and the
    # kernel's own virtio-blk driver finds it in the DTB.
    set -- -M "$machine,acpi=off" -bios "$fw" -boot menu=on,splash-time=0 \
        -drive if=none,id=esp,format=raw,file="$esp" -device virtio-blk-device,drive=esp "$@"
else
    set -- -M "$machine" -kernel "$kernel" "$@"
    [ -n "$append" ] && set -- "$@" -append "$append"
    [ -n "$initrd" ] && set -- "$@" -initrd "$initrd"
fi

# Added last, the disk comes first in the DTB (QEMU numbers transports from
# the top), so the kernel mounts it at /disk even next to the UEFI ESP.
[ -n "$disk" ] && set -- "$@" -drive if=none,id=disk,format=raw,file="$disk" \
    -device virtio-blk-device,drive=disk

set +e
if [ "$uefi" = 1 ] && [ ! -t 0 ]; then
    # The firmware drains the UART and drops what it read when it resets its
    # console, so piped input is held back until the kernel has taken over.
    tmp=$(mktemp -d)
    mkfifo "$tmp/in"
    exec 3<&0     # an asynchronous list would get /dev/null as stdin
    ( while ! grep -q "kernel: booting via UEFI" "$tmp/out" 2>/dev/null; do sleep 0.05; done; exec cat <&3 ) >"$tmp/in" &
    feeder=$!
    { timeout --foreground -k 5 "$timeout" qemu-system-aarch64 "$@" <"$tmp/in"; echo $? >"$tmp/rc"; } | tee "$tmp/out"
    kill "$feeder" 2>/dev/null
    rc=$(cat "$tmp/rc")
    rm -rf "$tmp"
else
    timeout --foreground -k 5 "$timeout" qemu-system-aarch64 "$@"
    rc=$?
fi
[ "$rc" = 124 ] && echo "run-qemu.sh: timed out after ${timeout}s" >&2
exit "$rc"
