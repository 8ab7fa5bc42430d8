/* lib/selftest.h: self-registering tests (as LK's UNITTEST). A test lives beside
 * the module it tests, in a file named *_test.c; SELFTEST() puts a descriptor in
 * the "selftests" linker section. The same tests run in the kernel (`selftest`)
 * and on the host (build/host/selftest). */
#ifndef LIB_SELFTEST_H
#define LIB_SELFTEST_H
#include <stdbool.h>

struct selftest_ctx {
    bool failed;
    char reason[160];
};

struct selftest {
    const char *name;
    void      (*fn)(struct selftest_ctx *t);
};

#define SELFTEST(name)                                                          \
    static void selftest_fn_##name(struct selftest_ctx *t);                     \
    static const struct selftest selftest_desc_##name                           \
        __attribute__((used, section("selftests"), aligned(8))) =               \
        { #name, selftest_fn_##name };                                          \
    static void selftest_fn_##name(struct selftest_ctx *t)

/* Record the first failure (with file:line and a message) and return from the test. */
#define ST_CHECK(cond, ...)                                                     \
    do {                                                                        \
        if (!(cond)) {                                                          \
            selftest_fail(t, __FILE__, __LINE__, __VA_ARGS__);                  \
            return;                                                             \
        }                                                                       \
    } while (0)

void selftest_fail(struct selftest_ctx *t, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run every test whose name contains filter (NULL or "" = all). Each prints
 * "PASS name" or "FAIL name: reason" through out(); then "selftest: N passed, N failed".
 * Returns the number of failures. */
int selftest_run(const char *filter, void (*out)(const char *line));

#endif
