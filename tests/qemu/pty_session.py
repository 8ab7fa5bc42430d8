#!/usr/bin/env python3
"""tests/qemu/pty_session.py: drive `make run` (or any command) in a pseudo-terminal,
as a user at a real terminal would, and print PASS/FAIL lines.

    pty_session.py NAME BOOT_SECONDS [--expect REGEX] COMMAND...

The command is started as the session leader of a new pty (its controlling
terminal, foreground process group): exactly a shell's `make run`. Pipes hide
what this shows: a QEMU outside the terminal's foreground process group is
stopped (SIGTTOU) the first time it sets the terminal to raw mode, and hangs.
Steps, each with its own deadline: the shell prompt after boot; a greedy
`llm infer -n 8` up to its stats line; a long generation stopped by Ctrl-C
(0x03 typed, as the terminal sends it in raw mode) and the prompt after it;
`poweroff`, then the command's exit status must be 0. --expect: the boot
output must also match REGEX. The transcript goes to build/test-pty/NAME.log."""
import os
import pty
import re
import select
import signal
import sys
import time

name, boot_s, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
expect = None
if cmd[:1] == ["--expect"]:
    expect, cmd = cmd[1], cmd[2:]
os.makedirs("build/test-pty", exist_ok=True)
log_path = f"build/test-pty/{name}.log"
log = open(log_path, "wb")
out = b""              # everything the terminal showed
failed = False


def descendants(root):
    """Every process below root (from /proc), deepest last."""
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            found.append(k)
            todo.append(k)
    return found


def states(root):
    """'pid:comm:state' of each process below root: shows a stopped (T) QEMU."""
    res = []
    for p in descendants(root):
        try:
            with open(f"/proc/{p}/stat") as f:
                s = f.read()
            res.append(f"{p}:{s[s.index('(') + 1:s.rindex(')')]}:{s.rsplit(')', 1)[1].split()[0]}")
        except OSError:
            pass
    return " ".join(res)


def read_until(fd, pattern, seconds, start):
    """Read until pattern (a regex on bytes) matches output from offset start
    on; the match end, or None at the deadline or end of output."""
    global out
    deadline = time.monotonic() + seconds
    while True:
        m = re.search(pattern, out[start:])
        if m:
            return start + m.end()
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:       # EIO: the other side closed
                data = b""
            if not data:
                return None
            out += data
            log.write(data)
            log.flush()


def check(step, ok, why):
    global failed
    if ok:
        print(f"PASS pty_{name}_{step}")
    else:
        failed = True
        tail = out[-600:].decode(errors="replace").replace("\r", "")
        print(f"FAIL pty_{name}_{step}: {why} (processes: {states(pid) or 'none'}; log: {log_path})")
        print("    " + tail.replace("\n", "\n    "))
    return ok


def typed(fd, text):
    os.write(fd, text.encode())


env = dict(os.environ)
for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):   # not the jobserver of a `make test` around us
    env.pop(k, None)
env["TERM"] = "xterm"
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execvpe(cmd[0], cmd, env)
    finally:
        os._exit(127)

status = None
try:
    pos = read_until(fd, rb"load time [^\n]*\r*\n> ", boot_s, 0)
    if expect and pos is not None:
        check("boot", re.search(expect.encode(), out[:pos]) is not None, f"boot output lacks /{expect}/")
    if check("prompt", pos is not None, f"no '> ' prompt after the model load within {boot_s:.0f} s"):
        typed(fd, 'llm infer -n 8 --temp 0 "Once upon a time"\r')
        end = read_until(fd, rb"\[llm\] prompt \d+ tok [^\n]*\r*\n> ", 60, pos)
        check("infer", end is not None, "no '[llm] prompt N tok' stats line and prompt within 60 s")
        if end is not None:
            typed(fd, 'llm infer -n 100000 -c 8192 --ignore-eos "Once upon a time"\r')
            # Ctrl-C once the generation is visibly under way (text after the echoed command).
            going = read_until(fd, rb"--ignore-eos \"Once upon a time\"\r*\n[\s\S]{80}", 60, end)
            time.sleep(1)
            typed(fd, "\x03")
            back = read_until(fd, rb"\[llm\] interrupted \(Ctrl-C\)[\s\S]*?\r*\n> ", 60, end)
            check("ctrl_c", going is not None and back is not None,
                  "the long generation did not start" if going is None else
                  "no '[llm] interrupted (Ctrl-C)' and prompt within 60 s of Ctrl-C")
            if back is not None:
                typed(fd, "poweroff\r")
                check("poweroff", read_until(fd, rb"powering off", 30, back) is not None,
                      "no 'powering off' within 30 s")
    # The command ends by itself after poweroff; then the pty reports EOF.
    read_until(fd, rb"(?!)", 0 if failed else 30, len(out))
    deadline = time.monotonic() + (0 if failed else 15)
    while time.monotonic() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        time.sleep(0.2)
    if not failed:
        check("exit_status", status == 0,
              "still running 45 s after poweroff" if status is None else f"exit status {status}, want 0")
finally:
    if status is None:        # stuck (e.g. a stopped QEMU): end all of it
        for p in reversed(descendants(pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    log.close()
sys.exit(1 if failed else 0)
