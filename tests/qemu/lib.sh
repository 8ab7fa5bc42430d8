# tests/qemu/lib.sh: what the QEMU test scripts share. Sourced, not a suite
# (tests/run.sh passes over lib.sh): a script sets PREFIX, the start of its
# check names, and runs `. tests/qemu/lib.sh` after its `cd` to the top.
#   qemu_need_tools SUITE TOOL...  "SKIP SUITE: TOOL not installed", exit 0
#   qemu_build TARGET...           make them, else "FAIL ${PREFIX}build", exit 1
#   qemu_workdir DIR               w=DIR, emptied
#   qemu_gen_model NAME ARGS...    model=build/gen/cache/KEY/NAME.gguf, written by
#                                  build/host/gen_gguf ARGS once for each KEY (a
#                                  hash of gen_gguf and ARGS): the 1B-shaped
#                                  file takes most of a minute to write
#   pass CHECK / fail CHECK WHY / skip CHECK WHY
#                                  a PASS/FAIL/SKIP line named ${PREFIX}CHECK;
#                                  fail counts in $fails (the script's status)
#   boot NAME [run-qemu.sh args]   stdin is the shell session; scripts/run-qemu.sh
#                                  --timeout ${TIMEOUT:-$BOOT_TIMEOUT} (default 90)
#                                  into $w/NAME.raw, then $w/NAME.out without CRs,
#                                  ending with a line "rc=STATUS"
#   expect NAME CHECK STRING       pass CHECK when $w/NAME.out has STRING
fails=0

qemu_need_tools() {
    suite=$1; shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "SKIP $suite: $tool not installed"; exit 0; }
    done
}
qemu_build() {
    make -s "$@" >/dev/null 2>&1 || { echo "FAIL ${PREFIX}build: make $* failed"; exit 1; }
}
qemu_workdir() {
    w=$1
    rm -rf "$w" && mkdir -p "$w" || exit 1
}
qemu_gen_model() {
    name=$1; shift
    key=$({ sha256sum <build/host/gen_gguf; echo "$*"; } | sha256sum | cut -c 1-16)
    model=build/gen/cache/$key/$name.gguf
    [ -f "$model" ] && return 0
    for old in build/gen/cache/*/"$name.gguf"; do   # the same name from an older gen_gguf
        [ -f "$old" ] && rm -f "$old"
    done
    mkdir -p "${model%/*}" || exit 1
    if ! build/host/gen_gguf "$@" -o "$model.$$" >/dev/null 2>"$model.$$.err"; then
        echo "FAIL ${PREFIX}gen: build/host/gen_gguf $* failed: $(tail -n 1 "$model.$$.err")"
        rm -f "$model.$$" "$model.$$.err"
        exit 1
    fi
    rm -f "$model.$$.err"
    mv "$model.$$" "$model"
}

pass() { echo "PASS $PREFIX$1"; }
fail() { echo "FAIL $PREFIX$1: $2"; fails=$((fails + 1)); }
skip() { echo "SKIP $PREFIX$1: $2"; }

boot() {
    name=$1; shift
    scripts/run-qemu.sh --timeout "${TIMEOUT:-${BOOT_TIMEOUT:-90}}" "$@" >"$w/$name.raw" 2>&1
    echo "rc=$?" >>"$w/$name.raw"
    tr -d '\r' <"$w/$name.raw" >"$w/$name.out"
}
expect() {
    if grep -qF -- "$3" "$w/$1.out"; then pass "$2"; else fail "$2" "no '$3' in $w/$1.out"; fi
}
