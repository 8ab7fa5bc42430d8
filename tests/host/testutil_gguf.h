/* tests/host/testutil_gguf.h: a GGUF file read and parsed (tests/host/testutil.c),
 * for the tests that check the parser and what sits on it directly (GGUF
 * files, tensor types, tokenizers); the rest go through llm/llm.h. */
#ifndef TESTS_HOST_TESTUTIL_GGUF_H
#define TESTS_HOST_TESTUTIL_GGUF_H
#include <stdbool.h>
#include "llm/error.h"
#include "llm/gguf/gguf.h"
#include "tests/host/testutil.h"

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

#endif
