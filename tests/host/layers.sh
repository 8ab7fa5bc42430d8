#!/bin/sh
# tests/host/layers.sh: the include rules of docs/architecture.md, read off
# the sources (no build needed):
#   layers_no_kernel_arch   nothing under llm/ or lib/ includes a kernel/ or arch/ header
#   layers_quoted_roots     llm/ includes only "llm/..." and "lib/..."; lib/ only "lib/..."
#                           (no "tools/host/...", no relative paths)
#   layers_system_headers   <...> in llm/ and lib/ only the freestanding C headers
#                           (stdint, stddef, stdbool, stdarg, limits, float,
#                           stdalign, stdnoreturn, iso646) and arm_neon.h
# Each rule first runs on a planted tree that breaks it, so a scanner that has
# stopped matching fails instead of passing quietly.
cd "$(dirname "$0")/../.." || exit 1
failed=0

# "path:line:text" of every #include under ROOT/DIRS (C sources, headers, .inc).
includes() {
    root=$1; shift
    (cd "$root" && grep -rnE --include='*.c' --include='*.h' --include='*.inc' \
        '^[[:space:]]*#[[:space:]]*include' "$@" 2>/dev/null)
}

# The rules: each prints its violations under ROOT.
rule_no_kernel_arch() {
    includes "$1" llm lib | grep -E '#[[:space:]]*include[[:space:]]*[<"](\.\./)*(kernel|arch)/'
}
rule_quoted_roots() {
    includes "$1" llm | grep -E '#[[:space:]]*include[[:space:]]*"' |
        grep -vE '#[[:space:]]*include[[:space:]]*"(llm|lib)/'
    includes "$1" lib | grep -E '#[[:space:]]*include[[:space:]]*"' |
        grep -vE '#[[:space:]]*include[[:space:]]*"lib/'
}
rule_system_headers() {
    includes "$1" llm lib | grep -E '#[[:space:]]*include[[:space:]]*<' |
        grep -vE '#[[:space:]]*include[[:space:]]*<(stdint|stddef|stdbool|stdarg|limits|float|stdalign|stdnoreturn|iso646|arm_neon)\.h>'
}

# A tree where every rule has something to find.
plant=build/test-layers
rm -rf "$plant" && mkdir -p "$plant/llm/model" "$plant/lib" || exit 1
printf '#include <stdint.h>\n#include "llm/model/ops.h"\n  #  include "kernel/vfs.h"\n' >"$plant/llm/model/bad.c"
printf '#include "../arch/aarch64/arch.h"\n#include "tools/host/host.h"\n' >"$plant/llm/bad.h"
printf '#include "lib/string.h"\n#include "llm/platform.h"\n#include <stdio.h>\n' >"$plant/lib/bad.c"

n_files=$(find llm lib -type f \( -name '*.c' -o -name '*.h' -o -name '*.inc' \) | wc -l)
if [ "$n_files" -lt 10 ]; then
    echo "FAIL layers_sources: only $n_files files under llm/ and lib/"; exit 1
fi

check() {   # NAME RULE WANT_PLANTED: the rule must find WANT_PLANTED lines in the plant, none in the tree
    got=$($2 "$plant" | wc -l)
    bad=$($2 .)
    if [ "$got" -ne "$3" ]; then
        echo "FAIL $1: found $got of the $3 planted violations in $plant (the scanner is broken)"
        failed=1
    elif [ -n "$bad" ]; then
        n=$(echo "$bad" | wc -l)
        echo "FAIL $1: $(echo "$bad" | head -n 1)$([ "$n" -gt 1 ] && echo " (and $((n - 1)) more)") breaks the rule (docs/architecture.md)"
        echo "$bad" | sed 's/^/    /'
        failed=1
    else
        echo "PASS $1 ($n_files files under llm/ and lib/)"
    fi
}
check layers_no_kernel_arch rule_no_kernel_arch 2
check layers_quoted_roots rule_quoted_roots 4
check layers_system_headers rule_system_headers 1
[ "$failed" -eq 0 ]
