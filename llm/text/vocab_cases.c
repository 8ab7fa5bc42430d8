/* llm/text/vocab_cases.c: run llama.cpp's .inp test cases (see vocab_cases.h). */
#include "llm/text/vocab_cases.h"
#include "llm/platform.h"
#include "lib/printf.h"
#include "lib/string.h"

static const char SEP[] = "\n__ggml_vocab_test__\n";

/* Next separator at or after pos, or len. */
static size_t find_sep(const char *s, size_t len, size_t pos)
{
    size_t n = sizeof SEP - 1;
    for (; pos + n <= len; pos++)
        if (s[pos] == '\n' && memcmp(s + pos, SEP, n) == 0)
            return pos;
    return len;
}

static int run_case(const struct tokenizer *t, const char *text, size_t n, int32_t *ids, int cap,
                    void (*out)(void *, const char *, size_t), void *ctx)
{
    int k = tokenizer_encode(t, text, n, false, ids, cap);
    char line[16];
    if (k < 0) {
        out(ctx, "error: tokenizing failed\n", 25);
        return -1;
    }
    for (int i = 0; i < k; i++)
        out(ctx, line, (size_t)snprintf(line, sizeof line, " %d", (int)ids[i]));
    out(ctx, "\n", 1);
    return 0;
}

int vocab_cases_run(const struct tokenizer *t, const char *inp, size_t len,
                    void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
    /* A case of n bytes gives at most 3n + 3 ids (an id per byte, or per
     * U+FFFD's 3 bytes), plus the special tokens. */
    size_t cap = 3 * len + 8;
    size_t bytes = cap * sizeof(int32_t);
    int32_t *ids = llm_alloc(bytes, 16);
    if (!ids) {
        out(ctx, "error: out of memory\n", 21);
        return -1;
    }
    int n_cases = 0;
    for (size_t pos = 0; pos < len; n_cases++) {
        size_t end = find_sep(inp, len, pos);
        if (run_case(t, inp + pos, end - pos, ids, (int)cap, out, ctx)) {
            n_cases = -1;
            break;
        }
        pos = end == len ? len : end + sizeof SEP - 1;
    }
    llm_free(ids, bytes);
    return n_cases;
}
