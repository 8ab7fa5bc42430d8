/* tests/host/testutil.h: helpers shared by the host test programs
 * (tests/host/test_x.c, the sweep in tests/sweep/): whole-file reads, the
 * PASS/FAIL check line, gen_gguf's path and broken files. A GGUF file read
 * and parsed, for the tests of the parser itself: tests/host/testutil_gguf.h. */
#ifndef TESTS_HOST_TESTUTIL_H
#define TESTS_HOST_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The whole file, with a NUL after its last byte (so text files are strings);
 * NULL if it cannot be read. *size is the length without the NUL. */
uint8_t *tu_read_file(const char *path, size_t *size);

/* "PASS name", or "FAIL name: <fmt...>" and one more in tu_n_fail. */
extern int tu_n_fail;
void tu_check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* gen_gguf's path: the directory argv0 names, or none. */
void tu_gen_path(char *out, size_t cap, const char *argv0);

/* For each broken kind `gen --list-broken` lists (kind, the layer that must
 * refuse it, text its message must hold), call fn; returns how many. */
int tu_each_broken(const char *gen, void (*fn)(void *ctx, const char *kind, const char *layer,
                                               const char *expect), void *ctx);

#endif
