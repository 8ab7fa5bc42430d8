#!/bin/sh
# tests/qemu/vfs.sh: the VFS under QEMU. Boots the kernel with an initrd (text,
# binary with known bytes, a subdirectory) and a FAT32 disk (long names in a
# subdirectory), runs ls/cat/stat/hexdump/mount, then boots with a garbage
# initrd and a garbage disk: clear errors, and the shell keeps working.
# Every boot runs under scripts/run-qemu.sh --timeout.
cd "$(dirname "$0")/../.." || exit 1
PREFIX=vfs_
. tests/qemu/lib.sh

qemu_need_tools vfs qemu-system-aarch64 python3 mkfs.vfat mcopy
qemu_build kernel
qemu_workdir build/test-vfs
mkdir -p "$w/in/docs" "$w/dsk/Long Directory Name Here"
printf 'Hello from the initrd\nsecond line\n' >"$w/in/hello.txt"
printf '\336\255\276\357\000\001\002\003\377\376\375\374\177\200\012\015tail' >"$w/in/data.bin"
printf 'nested file\n' >"$w/in/docs/nested.txt"
printf 'long file name content ok\n' >"$w/dsk/Long Directory Name Here/A file with a long name.txt"
printf 'short\n' >"$w/dsk/short.txt"
head -c 3000000 /dev/zero | tr '\0' 'z' >"$w/dsk/big.txt"
scripts/mkinitrd.sh -o "$w/initrd.cpio" "$w/in/hello.txt" "$w/in/data.bin" "$w/in/docs" >/dev/null ||
    { echo "FAIL vfs_mkinitrd: scripts/mkinitrd.sh failed"; exit 1; }
# mkinitrd starts each file's data at a multiple of 32 bytes (mapped GGUF tensors)
unaligned=$(python3 -c 'import sys
a, off = open(sys.argv[1], "rb").read(), 0
while a[off + 110:off + 120] != b"TRAILER!!!":
    size, nsize = int(a[off + 54:off + 62], 16), int(a[off + 94:off + 102], 16)
    data = (off + 110 + nsize + 3) // 4 * 4
    if size and data % 32: print(a[off + 110:off + 110 + nsize - 1].decode(), data)
    off = (data + size + 3) // 4 * 4' "$w/initrd.cpio" 2>&1)
if [ -z "$unaligned" ]; then pass initrd_aligned; else fail initrd_aligned "data not 32-byte aligned: $unaligned"; fi
scripts/mkdisk.sh -o "$w/disk.img" "$w/dsk/Long Directory Name Here" "$w/dsk/short.txt" "$w/dsk/big.txt" \
    >/dev/null || { echo "FAIL vfs_mkdisk: scripts/mkdisk.sh failed"; exit 1; }
# an MBR disk: one FAT32 partition (type 0x0c) at sector 2048, 47 MiB
truncate -s 48M "$w/mbr.img"
printf '\000\000\000\000\014\000\000\000\000\010\000\000\000\170\001\000' |
    dd of="$w/mbr.img" bs=1 seek=446 conv=notrunc 2>/dev/null
printf '\125\252' | dd of="$w/mbr.img" bs=1 seek=510 conv=notrunc 2>/dev/null
mkfs.vfat -F 32 --offset 2048 "$w/mbr.img" 48128 >/dev/null &&
    MTOOLS_SKIP_CHECK=1 mcopy -i "$w/mbr.img@@1M" "$w/dsk/short.txt" ::/in-partition.txt ||
    { echo "FAIL vfs_mkmbr: could not build the partitioned image"; exit 1; }
head -c 4096 /dev/urandom >"$w/garbage.cpio"
head -c 1048576 /dev/urandom >"$w/garbage.img"

# boot NAME [run-qemu args]: shell commands come from stdin; output in $w/NAME.out
BOOT_TIMEOUT=60

boot good --initrd "$w/initrd.cpio" --disk "$w/disk.img" <<'EOF'
mount
ls /initrd
cat /initrd/hello.txt
stat /initrd/data.bin
hexdump /initrd/data.bin
hexdump /initrd/data.bin 16 4
ls /initrd/docs
cat /initrd/docs/nested.txt
ls /disk
ls "/disk/Long Directory Name Here"
cat "/disk/long directory name here/A file with a long name.txt"
stat /disk/big.txt
hexdump /disk/big.txt 2999990
cat /initrd/missing.txt
cat /disk
ls /initrd/hello.txt/x
poweroff
EOF
expect good mount_initrd_listed "/initrd   cpio"
expect good mount_disk_listed   "/disk     fat32"
expect good ls_initrd_file      "        34  hello.txt"
expect good ls_initrd_binary    "        20  data.bin"
expect good ls_initrd_dir       "     <dir>  docs/"
expect good cat_initrd_line1    "Hello from the initrd"
expect good cat_initrd_line2    "second line"
expect good stat_initrd         "/initrd/data.bin: file, 20 bytes, fs cpio, in memory"
expect good hexdump_initrd      "00000000  de ad be ef 00 01 02 03  ff fe fd fc 7f 80 0a 0d  |................|"
expect good hexdump_initrd_tail "00000010  74 61 69 6c                                       |tail|"
expect good cat_initrd_nested   "nested file"
expect good ls_disk_long_dir    "     <dir>  Long Directory Name Here/"
expect good ls_disk_long_file   "        26  A file with a long name.txt"
expect good cat_disk_long_name  "long file name content ok"
expect good stat_disk           "/disk/big.txt: file, 3000000 bytes, fs fat32"
expect good hexdump_disk_end    "002dc6b6  7a 7a 7a 7a 7a 7a 7a 7a  7a 7a                    |zzzzzzzzzz|"
expect good err_not_found       "cat: /initrd/missing.txt: not found"
expect good err_is_dir          "cat: /disk: is a directory"
expect good err_not_dir         "ls: /initrd/hello.txt/x: not a directory"

boot garbage --initrd "$w/garbage.cpio" --disk "$w/garbage.img" <<'EOF'
ls /initrd
mount
ls /disk
ls /
cat /nothing
poweroff
EOF
expect garbage bad_initrd_at_boot "vfs: /initrd not mounted"
expect garbage bad_initrd_reason  "bad archive: entry at offset 0: bad magic"
expect garbage bad_disk_at_boot   "vfs: /disk not mounted (vda): corrupt filesystem: no FAT filesystem"
expect garbage bad_initrd_ls      "ls: /initrd: not found"
expect garbage bad_mount_listing  "(not mounted)"
expect garbage bad_disk_ls        "ls: /disk: not found"
expect garbage shell_still_runs   "cat: /nothing: not found"

# the modern virtio-mmio transport (QEMU 7.2 defaults to legacy), MBR partition
boot modern --disk "$w/mbr.img" -- -global virtio-mmio.force-legacy=false <<'EOF'
mount
cat /disk/in-partition.txt
poweroff
EOF
expect modern modern_transport  "modern transport"
expect modern mbr_partition     "/disk     fat32   vda partition 1"
expect modern mbr_cat           "short"

[ "$fails" -eq 0 ]
