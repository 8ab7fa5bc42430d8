/* lib/string_test.c: memory and string functions, every alignment pairing and
 * length around the word size, overlap in both directions, and edge cases. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/string.h"

#define AREA 96

/* Fill with a pattern that differs at every offset and between buffers. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 37 + (i >> 3));
}

SELFTEST(string_memcpy_alignments)
{
    static unsigned char src[AREA], dst[AREA], want[AREA];
    for (size_t so = 0; so < 9; so++)
        for (size_t doff = 0; doff < 9; doff++)
            for (size_t n = 0; n + so < AREA - 9 && n + doff < AREA - 9; n += n < 20 ? 1 : 7) {
                fill(src, AREA, 3);
                fill(dst, AREA, 101);
                fill(want, AREA, 101);
                for (size_t i = 0; i < n; i++)
                    want[doff + i] = src[so + i];
                void *r = memcpy(dst + doff, src + so, n);
                ST_CHECK(r == dst + doff, "memcpy return value");
                for (size_t i = 0; i < AREA; i++)
                    ST_CHECK(dst[i] == want[i], "memcpy so=%zu do=%zu n=%zu: byte %zu", so, doff, n, i);
            }
}

SELFTEST(string_memmove_overlap)
{
    static unsigned char buf[AREA], want[AREA];
    for (size_t from = 0; from < 24; from++)
        for (size_t to = 0; to < 24; to++)
            for (size_t n = 0; n < AREA - 24; n += n < 20 ? 1 : 5) {
                fill(buf, AREA, 7);
                fill(want, AREA, 7);
                unsigned char tmp[AREA];
                for (size_t i = 0; i < n; i++)
                    tmp[i] = want[from + i];
                for (size_t i = 0; i < n; i++)
                    want[to + i] = tmp[i];
                ST_CHECK(memmove(buf + to, buf + from, n) == buf + to, "memmove return value");
                for (size_t i = 0; i < AREA; i++)
                    ST_CHECK(buf[i] == want[i], "memmove from=%zu to=%zu n=%zu: byte %zu", from, to, n, i);
            }
}

SELFTEST(string_memset)
{
    static unsigned char buf[AREA];
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off < AREA; n += n < 20 ? 1 : 9) {
            fill(buf, AREA, 5);
            ST_CHECK(memset(buf + off, 0x1a5, n) == buf + off, "memset return value");
            for (size_t i = 0; i < AREA; i++) {
                unsigned char want = (i >= off && i < off + n) ? 0xa5 : (unsigned char)(5 + i * 37 + (i >> 3));
                ST_CHECK(buf[i] == want, "memset off=%zu n=%zu: byte %zu is %#x", off, n, i, buf[i]);
            }
        }
}

SELFTEST(string_compare)
{
    ST_CHECK(memcmp("abc", "abd", 3) < 0 && memcmp("abd", "abc", 3) > 0, "memcmp order");
    ST_CHECK(memcmp("abc", "abd", 2) == 0 && memcmp("x", "y", 0) == 0, "memcmp prefix");
    ST_CHECK(memcmp("\x80", "\x7f", 1) > 0, "memcmp must compare unsigned bytes");
    ST_CHECK(strcmp("", "") == 0 && strcmp("a", "") > 0 && strcmp("", "a") < 0, "strcmp empty");
    ST_CHECK(strcmp("abc", "abcd") < 0 && strcmp("abd", "abc") > 0, "strcmp order");
    ST_CHECK(strcmp("\xe9", "e") > 0, "strcmp must compare unsigned chars");
    ST_CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("abcx", "abcy", 4) < 0, "strncmp limit");
    ST_CHECK(strncmp("ab", "ab\0z", 10) == 0, "strncmp stops at NUL");
}

SELFTEST(string_search)
{
    const char *s = "hello, world";
    ST_CHECK(strlen("") == 0 && strlen(s) == 12, "strlen");
    ST_CHECK(strnlen(s, 5) == 5 && strnlen(s, 100) == 12 && strnlen("", 0) == 0, "strnlen");
    ST_CHECK(strchr(s, 'o') == s + 4 && strrchr(s, 'o') == s + 8, "strchr/strrchr");
    ST_CHECK(strchr(s, 'z') == NULL && strrchr(s, 'z') == NULL, "strchr miss");
    ST_CHECK(strchr(s, '\0') == s + 12 && strrchr(s, '\0') == s + 12, "strchr finds the NUL");
    ST_CHECK(memchr(s, 'w', 12) == s + 7 && memchr(s, 'w', 7) == NULL, "memchr");
    ST_CHECK(memchr("a\xff", 0x1ff, 2) != NULL, "memchr compares as unsigned char");
    ST_CHECK(strstr(s, "world") == s + 7 && strstr(s, "worlds") == NULL, "strstr");
    ST_CHECK(strstr(s, "") == s && strstr("", "") != NULL && strstr("", "a") == NULL, "strstr empty");
    ST_CHECK(strstr("aaab", "aab") != NULL && strstr("abab", "bab") != NULL, "strstr restart");
}

SELFTEST(string_strlcpy)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    ST_CHECK(strlcpy(buf, "truncated!", sizeof buf) == 10, "strlcpy returns the source length");
    ST_CHECK(strcmp(buf, "truncat") == 0, "strlcpy truncates and terminates: '%s'", buf);
    ST_CHECK(strlcpy(buf, "ok", sizeof buf) == 2 && strcmp(buf, "ok") == 0, "strlcpy short");
    buf[0] = 'q';
    ST_CHECK(strlcpy(buf, "abc", 0) == 3 && buf[0] == 'q', "strlcpy with cap 0 writes nothing");
    ST_CHECK(strlcpy(buf, "abc", 1) == 3 && buf[0] == '\0', "strlcpy with cap 1");
}
