/* lib/selftest.c: run the SELFTEST()s gathered in the "selftests" linker
 * section. GNU ld defines __start_selftests/__stop_selftests for a section whose
 * name is a C identifier (in the kernel's linker script it must stay an orphan
 * section or be placed with KEEP(*(selftests)) between those two symbols). */
#include <stdarg.h>
#include "lib/selftest.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Weak: a program linked without any SELFTEST (gen_gguf, host test programs)
 * has no such section, and then both are NULL and nothing runs. */
extern const struct selftest __start_selftests[] __attribute__((weak));
extern const struct selftest __stop_selftests[] __attribute__((weak));

void selftest_fail(struct selftest_ctx *t, const char *file, int line, const char *fmt, ...)
{
    if (t->failed)
        return;
    t->failed = true;
    int n = snprintf(t->reason, sizeof t->reason, "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof t->reason)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->reason + n, sizeof t->reason - (size_t)n, fmt, ap);
    va_end(ap);
}

int selftest_run(const char *filter, void (*out)(const char *line))
{
    char line[64 + sizeof ((struct selftest_ctx *)0)->reason];
    int passed = 0, failed = 0;
    for (const struct selftest *s = __start_selftests; s < __stop_selftests; s++) {
        if (filter && !strstr(s->name, filter))
            continue;
        struct selftest_ctx ctx = { false, "" };
        s->fn(&ctx);
        if (ctx.failed) {
            snprintf(line, sizeof line, "FAIL %s: %s", s->name, ctx.reason);
            failed++;
        } else {
            snprintf(line, sizeof line, "PASS %s", s->name);
            passed++;
        }
        out(line);
    }
    snprintf(line, sizeof line, "selftest: %d passed, %d failed", passed, failed);
    out(line);
    return failed;
}
