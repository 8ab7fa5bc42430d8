#!/bin/sh
# tests/qemu/shell.sh: hostile input on the serial line. One boot is fed lines
# that must each end in an error message and leave the shell working: an
# overlong line, bytes that are not UTF-8, unknown commands and options,
# missing and extra arguments, an unterminated quote, too many words, a bad
# number, Ctrl-C, stray control/escape bytes and 4 KiB of pseudo-random
# bytes (fixed seed: the same every run). The session ends with `help`,
# `uptime` and `poweroff`: those must run (uptime exactly once: the line that
# hid "uptime" between invalid bytes must not), and QEMU must exit with 0.
# Prints PASS/FAIL/SKIP lines; every QEMU run has a timeout (run-qemu.sh).
cd "$(dirname "$0")/../.." || exit 1
command -v qemu-system-aarch64 >/dev/null || { echo "SKIP shell: qemu-system-aarch64 not installed"; exit 0; }
kernel=${KERNEL:-build/kernel.bin}
[ -f "$kernel" ] || { echo "FAIL shell: $kernel missing (make kernel)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The session starts with an empty line: the PL011 may drop a byte during console_init().
{
    printf '\n'
    LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 256) }'
    printf '\003\n'
    head -c 2000 /dev/zero | tr '\0' 'a'; printf '\n'
    printf '\377\376\n'
    printf '\377uptime\376\n'
    printf 'stat /initrd\300\257\n'
    printf 'no_such_command --flag\n'
    printf 'llm infer --bogus hello\n'
    printf 'llm infer -n notanumber hello\n'
    printf 'llm infer hello\n'
    printf 'llm load\n'
    printf 'llm load /initrd/no-such-model.gguf\n'
    printf 'llm frobnicate\n'
    printf 'hexdump\n'
    printf 'cat /no/such/file\n'
    printf 'mem --verbose\n'
    printf 'echo "unterminated\n'
    for i in $(seq 40); do printf 'w%d ' "$i"; done; printf '\n'
    printf 'uptime half a line\003\n'
    printf '\001\002\007\033[99;99Z\033[5~\n'
    printf '   \n'
    printf 'help\n'
    printf 'uptime\n'
    printf 'poweroff\n'
} >"$tmp/in"
scripts/run-qemu.sh --kernel "$kernel" --timeout 60 <"$tmp/in" >"$tmp/raw" 2>&1
rc=$?
tr -d '\r' <"$tmp/raw" >"$tmp/out"

# expect NAME FIXED-STRING: somewhere in the session's output
expect() {
    if grep -qF -- "$2" "$tmp/out"; then
        echo "PASS shell_$1"
    else
        echo "FAIL shell_$1: output lacks '$2'"; failed=1
    fi
}
# expect_after NAME COMMAND FIXED-STRING: the line after the echoed "> COMMAND"
# holds the string (an answer to that command, not to an earlier one)
expect_after() {
    got=$(awk -v cmd="> $2" 'found { print; exit } $0 == cmd { found = 1 }' "$tmp/out")
    case "$got" in
    *"$3"*) echo "PASS shell_$1" ;;
    *) echo "FAIL shell_$1: after '> $2': '$got', want '$3'"; failed=1 ;;
    esac
}
expect overlong_line 'error: line too long (max 512 bytes)'
# The three lines after the overlong one: each echoed without its bad bytes, then refused.
e='error: line has bytes that are not UTF-8 (ignored)'
got=$(grep -a -A6 '^error: line too long' "$tmp/out" | sed -n '2,7p' | tr '\n' '|')
if [ "$got" = "> |$e|> uptime|$e|> stat /initrd|$e|" ]; then
    echo "PASS shell_not_utf8"
else
    echo "FAIL shell_not_utf8: after the overlong line: '$got'"; failed=1
fi
expect_after unknown_command 'no_such_command --flag' "unknown command 'no_such_command' (try help)"
expect_after llm_unknown_option 'llm infer --bogus hello' "llm infer: unknown option '--bogus'"
expect_after llm_bad_number 'llm infer -n notanumber hello' "llm infer: bad value for -n: 'notanumber'"
expect_after llm_no_model 'llm infer hello' 'llm: no model loaded'
expect_after llm_load_no_path 'llm load' 'usage: llm load [--repack] PATH'
expect_after llm_load_missing 'llm load /initrd/no-such-model.gguf' 'llm: load failed: /initrd/no-such-model.gguf'
expect_after llm_unknown_subcommand 'llm frobnicate' 'usage:'
expect_after hexdump_no_args 'hexdump' 'usage: hexdump PATH'
expect_after cat_missing 'cat /no/such/file' 'cat: /no/such/file: '
expect_after extra_argument 'mem --verbose' 'usage: mem (no arguments)'
expect_after unterminated_quote 'echo "unterminated' 'error: unterminated double quote'
expect_after too_many_words "$(for i in $(seq 40); do printf 'w%d ' "$i"; done)" 'error: too many arguments'
expect ctrl_c '^C'
expect help_ran '  poweroff '
expect powered_off 'powering off'
n=$(grep -c 'error: line has bytes that are not UTF-8' "$tmp/out")
if [ "$n" -ge 4 ]; then echo "PASS shell_random_bytes"; else echo "FAIL shell_random_bytes: $n UTF-8 errors, want the random lines' too"; failed=1; fi

n=$(grep -cE '^up [0-9]+\.[0-9]{3} s$' "$tmp/out")
if [ "$n" = 1 ]; then echo "PASS shell_uptime_once"; else echo "FAIL shell_uptime_once: uptime answered $n times, want 1"; failed=1; fi
# Every line got exactly one prompt back: nothing hung or was swallowed, and
# the count is of prompts that start a line (random bytes echoed after a
# prompt may hold "> " too). A line ends, as kernel/line_edit.c reads it, at
# CR, at LF unless right after CR, and at Ctrl-C; the last one, poweroff,
# gets no prompt, the boot prints the first.
want=$(od -An -v -tu1 "$tmp/in" | awk '{ for (i = 1; i <= NF; i++) {
    c = $i; if (c == 13 || c == 3 || (c == 10 && prev != 13)) n++; prev = c } } END { print n }')
n=$(grep -c '^> ' "$tmp/out")
if [ "$n" = "$want" ]; then echo "PASS shell_prompt_per_line"; else echo "FAIL shell_prompt_per_line: $n prompts for $want lines"; failed=1; fi
if grep -q 'KERNEL CRASH' "$tmp/out"; then echo "FAIL shell_no_crash: the kernel crashed"; failed=1; else echo "PASS shell_no_crash"; fi
if [ "$rc" = 0 ]; then echo "PASS shell_exit_status"; else echo "FAIL shell_exit_status: $rc, want 0"; failed=1; fi
[ "$failed" = 0 ] || sed 's/^/    /' "$tmp/out" | cut -c1-200 | tail -n 60
exit $failed
