#!/bin/sh
# tests/qemu/chat.sh: conversations with the KV cache kept between turns, on
# a generated model (gen_gguf, chatml by default): build/host/llm -cnv and the
# kernel's `llm chat` through a piped session, the same three turns
# (the second after the first, then /reset and the first again). Checks: the
# second turn processes only its new tokens (its prompt count is below the
# first's and the cache grows by exactly prompt + gen - 1: the pending token
# of the last reply is among the prompt's); /reset starts over (the third turn
# repeats the first); the kernel's replies and stats counts equal the host's.
cd "$(dirname "$0")/../.." || exit 1
PREFIX="chat "
. tests/qemu/lib.sh

qemu_need_tools chat qemu-system-aarch64 python3
qemu_build kernel build/host/gen_gguf build/host/llm
qemu_workdir build/test-chat
gen=$w/gen-f32.gguf
build/host/gen_gguf --type f32 -o "$gen" >/dev/null || { echo "FAIL chat gen_gguf: failed"; exit 1; }
FLAGS="-n 8 --temp 0 --ignore-eos -c 256"
turns='Hello there
How are you today?
/reset
Hello there
/exit'

printf '%s\n' "$turns" | build/host/llm -m "$gen" -cnv --system "Be brief" $FLAGS >"$w/host.out" 2>"$w/host.err"
grep '^llm: prompt' "$w/host.err" >"$w/host.stats"
printf '\nllm chat --system "Be brief" %s\n%s\npoweroff\n' "$FLAGS" "$turns" |
    BOOT_TIMEOUT=120 boot k --model "$gen"
grep '^\[llm\] prompt' "$w/k.out" >"$w/k.stats"

# check SOURCE STATS: three turns; numbers: prompt, gen, kv per turn
check() {
    why=$(python3 - "$2" <<'EOF'
import re, sys
rows = [tuple(map(int, re.search(r"prompt (\d+) tok .* gen (\d+) tok .* kv (\d+)/", l).groups()))
        for l in open(sys.argv[1])]
if len(rows) != 3:
    sys.exit(print(f"{len(rows)} turns, not 3"))
(p1, g1, k1), (p2, g2, k2), (p3, g3, k3) = rows
if not (0 < p2 < p1):
    sys.exit(print(f"second turn processed {p2} tokens, the first {p1}"))
if k2 != k1 + p2 + g2 - 1:
    sys.exit(print(f"cache {k1} -> {k2} after a turn of {p2} + {g2} tokens"))
if (p3, g3, k3) != (p1, g1, k1):
    sys.exit(print(f"after /reset {(p3, g3, k3)}, first turn {(p1, g1, k1)}"))
EOF
)
    if [ -z "$why" ]; then pass "$1 turns"; else fail "$1 turns" "$why ($2)"; fi
}
check host "$w/host.stats"
check kernel "$w/k.stats"

# The replies: the host's stdout lines, the kernel's lines after each "you> " echo.
python3 - "$w/host.out" "$w/k.out" "$w/k.stats" "$w/host.stats" >"$w/why" <<'EOF'
import re, sys
host = open(sys.argv[1], errors="replace").read().split("\n")[:3]
k = open(sys.argv[2], errors="replace").read().split("\n")
kern = [k[i + 1] for i, l in enumerate(k) if l.startswith("you> ") and l[5:] not in ("/reset", "/exit")]
if host != kern:
    print(f"replies differ: host {host!r}, kernel {kern!r}")
num = lambda f: [re.sub(r"[0-9.]+ ms \([0-9.]+ tok/s\)", "", l.split("prompt", 1)[1]).split("| arena")[0]
                 for l in open(f)]
if num(sys.argv[3]) != num(sys.argv[4]):
    print(f"counts differ: kernel {num(sys.argv[3])}, host {num(sys.argv[4])}")
EOF
if [ ! -s "$w/why" ]; then pass "kernel equals host"; else fail "kernel equals host" "$(cat "$w/why")"; fi
if grep -q 'chat template chatml' "$w/host.err" && grep -q 'llm chat: template chatml' "$w/k.out"; then
    pass "chatml by default"; else fail "chatml by default" "no template line ($w)"; fi
[ $fails -eq 0 ]
