/* lib/parse.c: integer parsing (see lib/parse.h). */
#include "lib/parse.h"
#include "lib/string.h"

static unsigned digit_value(char c)
{
    return c >= '0' && c <= '9' ? (unsigned)(c - '0')
         : c >= 'a' && c <= 'z' ? (unsigned)(c - 'a' + 10)
         : c >= 'A' && c <= 'Z' ? (unsigned)(c - 'A' + 10) : 99;
}

bool parse_digits(const char *s, size_t len, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned d = digit_value(s[i]);
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_digits(s + 2, strlen(s + 2), 16, out);
    return parse_digits(s, strlen(s), 10, out);
}

bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t u;
    if (*s == '-' || *s == '+')
        s++;
    if (!parse_u64(s, &u) || u > (uint64_t)INT64_MAX + neg)
        return false;
    int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;   /* 2^63 becomes INT64_MIN */
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}
