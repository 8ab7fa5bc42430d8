/* tests/fuzz/fuzz_args.c: libFuzzer target for the shell's word splitter.
 * Input: one byte choosing the argv capacity, then the line (up to the first
 * NUL). Checked: argv points inside the line, argv[argc] is NULL, and quoting
 * each word back (wrapped in "", with \" and \\) and splitting again gives the
 * same words -- the splitter's own definition of a word. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/args.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_LINE 4096
#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char line[MAX_LINE + 1], orig[MAX_LINE + 1], requoted[4 * MAX_LINE + 3 * MAX_WORDS];
    char *argv[MAX_WORDS + 1], *argv2[MAX_WORDS + 1];
    if (size < 1)
        return 0;
    int cap = 1 + data[0] % MAX_WORDS;
    size_t n = size - 1 > MAX_LINE ? MAX_LINE : size - 1;
    memcpy(line, data + 1, n);
    line[n] = '\0';
    n = strlen(line);
    memcpy(orig, line, n + 1);
    int argc = args_split(line, argv, cap);
    if (argc < 0) {
        CHECK(argc == ARGS_ERR_QUOTE || argc == ARGS_ERR_TOO_MANY);
        CHECK(args_strerror(argc)[0] != '\0');
        return 0;
    }
    CHECK(argc < cap && argv[argc] == NULL);
    size_t out = 0;
    for (int i = 0; i < argc; i++) {
        CHECK(argv[i] >= line && argv[i] <= line + n);
        size_t len = strlen(argv[i]);
        CHECK(argv[i] + len <= line + n);
        requoted[out++] = '"';
        for (size_t k = 0; k < len; k++) {
            if (argv[i][k] == '"' || argv[i][k] == '\\')
                requoted[out++] = '\\';
            requoted[out++] = argv[i][k];
        }
        requoted[out++] = '"';
        requoted[out++] = ' ';
    }
    requoted[out] = '\0';
    /* A line with no quotes or backslashes splits into its blank-free runs. */
    if (!strpbrk(orig, "\"\\"))
        for (int i = 0; i < argc; i++)
            CHECK(strstr(orig, argv[i]) != NULL);
    static char copy[sizeof requoted];
    memcpy(copy, requoted, out + 1);
    int argc2 = args_split(copy, argv2, MAX_WORDS + 1);
    CHECK(argc2 == argc);
    for (int i = 0; i < argc; i++)
        CHECK(strcmp(argv[i], argv2[i]) == 0);
    return 0;
}
