/* tests/host/testutil.h: helpers shared by the host test programs
 * (tests/host/test_x.c, the sweep in tests/sweep/): whole-file reads, a GGUF file read
 * and opened, the PASS/FAIL check line, gen_gguf's path and broken files. */
#ifndef TESTS_HOST_TESTUTIL_H
#define TESTS_HOST_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "llm/error.h"
#include "llm/gguf/gguf.h"

/* The whole file, with a NUL after its last byte (so text files are strings);
 * NULL if it cannot be read. *size is the length without the NUL. */
uint8_t *tu_read_file(const char *path, size_t *size);

/* A file read into memory and parsed: buf lives as long as the view f. */
struct tu_gguf {
    uint8_t         *buf;
    size_t           size;
    struct gguf_file f;
    struct llm_err   err;   /* why tu_gguf_load failed */
    bool             ok;    /* f is open */
};

/* Read and gguf_open path; false with err set if either fails. Call
 * tu_gguf_free afterwards either way. */
bool tu_gguf_load(struct tu_gguf *g, const char *path);
void tu_gguf_free(struct tu_gguf *g);

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
