#!/bin/sh
# tests/qemu/session.sh: `llm session` in the kernel, on a generated model
# (gen_gguf): two sessions over one KV pool whose prompts share a 96-token
# prefix. Checks: each session's ids equal the same prompt run alone (no
# session: the model's own, after the sessions are dropped); the second
# prompt takes the first's blocks ("shared prefix 96" in its stats line);
# `llm session list` shows both holding the same shared blocks, the pool
# counting them once, and the current session; a pool of 3 blocks stops a
# long generation with "KV pool full: 3 blocks of 3 in use" and the session
# still lists and runs.
cd "$(dirname "$0")/../.." || exit 1
w=build/test-session
fails=0
pass() { echo "PASS session $1"; }
fail() { echo "FAIL session $1: $2"; fails=$((fails + 1)); }

for tool in qemu-system-aarch64 python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP session: $tool not installed"; exit 0; }
done
make -s kernel build/host/gen_gguf >/dev/null 2>&1 ||
    { echo "FAIL session build: make kernel build/host/gen_gguf failed"; exit 1; }
rm -rf "$w" && mkdir -p "$w"
gen=$w/gen-f32.gguf
build/host/gen_gguf --type f32 -o "$gen" >/dev/null || { echo "FAIL session gen_gguf: failed"; exit 1; }
SYS="you are a kind cat and the dog ran to the mat with a hat and the cat sat on a mat and the dog ran to the cat with a red hat on a big mat"
A="$SYS one"
B="$SYS two and more"
F="-n 12 --temp 0 --ignore-eos --ids"
printf '\nllm session new -c 256\nllm infer %s "%s"\nllm session new -c 256\nllm infer %s "%s"\nllm session list\nllm session use 0\nllm session list\nllm session drop 0\nllm session drop 1\nllm infer -c 256 %s "%s"\nllm infer -c 256 %s "%s"\nllm session new -c 256 --pool-kib 24\nllm infer -n 200 --temp 0 --ignore-eos the cat\nllm session list\nllm infer -n 4 --temp 0 --ignore-eos the dog\npoweroff\n' \
    "$F" "$A" "$F" "$B" "$F" "$A" "$F" "$B" |
    scripts/run-qemu.sh --timeout "${TIMEOUT:-180}" --model "$gen" 2>&1 | tr -d '\r' >"$w/k.out"

python3 - "$w/k.out" >"$w/why" <<'PY'
import re, sys
out = open(sys.argv[1], errors="replace").read()
ids = re.findall(r"^ids: (.*)$", out, re.M)
if len(ids) != 4:
    sys.exit(print(f"ids: {len(ids)} lines, not 4"))
a, b, a_solo, b_solo = ids
if a != a_solo or b != b_solo:
    print(f"pool ids differ from solo: A {a!r} vs {a_solo!r}; B {b!r} vs {b_solo!r}")
stats = re.findall(r"^\[llm\] prompt .*$", out, re.M)
if len(stats) < 2 or "shared prefix 96" not in stats[1] or "shared prefix" in stats[0]:
    print(f"second prompt did not share 96 positions: {stats[:2]!r}")
lists = out.split("llm session list")
rows = [re.findall(r"^session (\d)( \*)?: (\d+) positions, (\d+) blocks, (\d+) KiB, (\d+) shared$", l, re.M)
        for l in lists[1:3]]
pools = [re.findall(r"^pool: (\d+) of (\d+) blocks in use .*, (\d+) shared; (\d+) positions in (\d+): waste", l, re.M)
         for l in lists[1:3]]
if len(rows) != 2 or len(rows[0]) != 2 or not pools[0]:
    sys.exit(print(f"list: {rows!r} {pools!r}"))
(s0, c0, p0, b0, k0, sh0), (s1, c1, p1, b1, k1, sh1) = rows[0]
used, total, shared, pos, slots = map(int, pools[0][0])
if int(sh0) != 3 or int(sh1) != 3 or shared != 3 or used != int(b0) + int(b1) - 3:
    print(f"sharing: sessions {rows[0]!r}, pool {pools[0]!r}")
if c0 or not c1 or rows[1][0][1] != " *" or rows[1][1][1]:
    print(f"current session: {rows!r}")
if "KV pool full: 3 blocks of 3 in use" not in out:
    print("no 'KV pool full: 3 blocks of 3 in use'")
last = lists[3] if len(lists) > 3 else ""
if not re.search(r"^session 0 \*: 96 positions, 3 blocks", last, re.M) or len(re.findall(r"^\[llm\] prompt", last, re.M)) != 1:
    print(f"after the full pool: {last[:400]!r}")
PY
if [ ! -s "$w/why" ]; then pass "two sessions, a shared prefix, a full pool"; else fail "kernel" "$(cat "$w/why") ($w/k.out)"; fi
[ $fails -eq 0 ]
