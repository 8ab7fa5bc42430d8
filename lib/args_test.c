/* lib/args_test.c: command-line splitting: blanks, quotes, escapes, errors. */
#include "lib/selftest.h"
#include "lib/args.h"
#include "lib/string.h"

/* Split src (copied) and compare with want[], a NULL-terminated list. */
static int split_is(const char *src, const char *const *want, int cap, char *why, size_t why_cap)
{
    char line[128], *argv[8];
    strlcpy(line, src, sizeof line);
    int argc = args_split(line, argv, cap);
    int n = 0;
    while (want[n])
        n++;
    if (argc != n) {
        strlcpy(why, "wrong count", why_cap);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(argv[i], want[i]) != 0) {
            strlcpy(why, argv[i], why_cap);
            return 0;
        }
    if (argv[argc] != NULL) {
        strlcpy(why, "argv not NULL-terminated", why_cap);
        return 0;
    }
    return 1;
}

#define CHECK_SPLIT(src, ...)                                                     \
    do {                                                                          \
        static const char *const want_[] = { __VA_ARGS__, NULL };                 \
        char why_[64] = "";                                                       \
        ST_CHECK(split_is(src, want_, 8, why_, sizeof why_), "split '%s': %s", src, why_); \
    } while (0)

SELFTEST(args_words)
{
    CHECK_SPLIT("help", "help");
    CHECK_SPLIT("  llm  infer\t-n 64  ", "llm", "infer", "-n", "64");
    CHECK_SPLIT("a\r\nb\vc\fd", "a", "b", "c", "d");
    char line[] = "   \t ", *argv[4];
    ST_CHECK(args_split(line, argv, 4) == 0 && argv[0] == NULL, "blank line gives no words");
    char empty[] = "";
    ST_CHECK(args_split(empty, argv, 4) == 0, "empty line gives no words");
}

SELFTEST(args_quotes)
{
    CHECK_SPLIT("echo \"Once upon a time\" x", "echo", "Once upon a time", "x");
    CHECK_SPLIT("a\"b c\"d", "ab cd");
    CHECK_SPLIT("\"\" x \"\"", "", "x", "");
    CHECK_SPLIT("say \"he said \\\"hi\\\"\"", "say", "he said \"hi\"");
    CHECK_SPLIT("path \\\\server \\n \"a\\\\\"", "path", "\\server", "\\n", "a\\");
    CHECK_SPLIT("\\\"unquoted", "\"unquoted");
    CHECK_SPLIT("trailing\\", "trailing\\");
}

SELFTEST(args_errors)
{
    char *argv[4];
    char a[] = "echo \"never closed", b[] = "x \"a\\\"", c[] = "1 2 3 4", d[] = "1 2 3";
    ST_CHECK(args_split(a, argv, 4) == ARGS_ERR_QUOTE, "unterminated quote");
    ST_CHECK(args_split(b, argv, 4) == ARGS_ERR_QUOTE, "escaped quote does not close");
    ST_CHECK(args_split(c, argv, 4) == ARGS_ERR_TOO_MANY, "4 words with room for 3");
    ST_CHECK(args_split(d, argv, 4) == 3 && argv[3] == NULL && strcmp(argv[2], "3") == 0, "3 words fit in 4 slots");
    ST_CHECK(args_split(d, argv, 0) == ARGS_ERR_TOO_MANY, "no room at all");
    ST_CHECK(strcmp(args_strerror(ARGS_ERR_QUOTE), "unterminated double quote") == 0, "error text");
}
