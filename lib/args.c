/* lib/args.c: command-line splitting (see args.h). The write position never
 * passes the read position, so the words are built in the line itself. */
#include <stdbool.h>
#include <stddef.h>
#include "lib/args.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int args_split(char *line, char **argv, int cap)
{
    int argc = 0;
    char *r = line, *w = line;
    if (cap < 1)
        return ARGS_ERR_TOO_MANY;
    for (;;) {
        while (is_blank(*r))
            r++;
        if (!*r)
            break;
        if (argc >= cap - 1)
            return ARGS_ERR_TOO_MANY;
        argv[argc++] = w;
        bool quoted = false;
        for (; *r && (quoted || !is_blank(*r)); r++) {
            if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
                *w++ = *++r;
            else if (*r == '"')
                quoted = !quoted;
            else
                *w++ = *r;
        }
        if (quoted)
            return ARGS_ERR_QUOTE;
        if (*r)
            r++;                    /* step over the blank before writing over it */
        *w++ = '\0';
    }
    argv[argc] = NULL;
    return argc;
}

const char *args_strerror(int err)
{
    switch (err) {
    case ARGS_ERR_QUOTE:    return "unterminated double quote";
    case ARGS_ERR_TOO_MANY: return "too many arguments";
    default:                return "bad command line";
    }
}
