/* lib/string.c: freestanding memory and string functions.
 *
 * memcpy/memmove/memset move 8-byte words only when both pointers can be
 * brought to 8-byte alignment together; heads, tails and mismatched alignments
 * go byte by byte. Every access is naturally aligned, so these are safe before
 * the MMU is on (Device memory faults on unaligned access). The Makefile
 * builds lib/ with -fno-builtin -fno-tree-loop-distribute-patterns so GCC does
 * not turn these loops back into calls to themselves. */
#include <stdint.h>
#include "lib/string.h"

typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)

static int is_aligned(uintptr_t p)
{
    return (p & (WORD - 1)) == 0;
}

/* Copy low to high; correct for overlap when dst < src. */
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 2 * WORD && is_aligned((uintptr_t)d ^ (uintptr_t)s)) {
        while (!is_aligned((uintptr_t)d)) {
            *d++ = *s++;
            n--;
        }
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
            *(word_t *)d = *(const word_t *)s;
    }
    while (n--)
        *d++ = *s++;
}

/* Copy high to low; correct for overlap when dst > src. */
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    d += n;
    s += n;
    if (n >= 2 * WORD && is_aligned((uintptr_t)d ^ (uintptr_t)s)) {
        while (!is_aligned((uintptr_t)d)) {
            *--d = *--s;
            n--;
        }
        for (; n >= WORD; n -= WORD) {
            d -= WORD;
            s -= WORD;
            *(word_t *)d = *(const word_t *)s;
        }
    }
    while (n--)
        *--d = *--s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst - (uintptr_t)src >= n)   /* dst below src, or no overlap */
        copy_forward(dst, src, n);
    else
        copy_backward(dst, src, n);
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (n >= 2 * WORD) {
        word_t w = (unsigned char)c * (word_t)0x0101010101010101ull;
        while (!is_aligned((uintptr_t)d)) {
            *d++ = (unsigned char)c;
            n--;
        }
        for (; n >= WORD; n -= WORD, d += WORD)
            *(word_t *)d = w;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x - *y;
        if (!*x)
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

char *strstr(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return (char *)hay;
    return n == 0 ? (char *)hay : NULL;
}

size_t strlcpy(char *dst, const char *src, size_t cap)
{
    size_t len = strlen(src);
    if (cap > 0) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
