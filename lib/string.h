/* lib/string.h: the freestanding C string and memory functions (standard names,
 * so GCC's own calls to memcpy/memset land here in the kernel). */
#ifndef LIB_STRING_H
#define LIB_STRING_H
#include <stddef.h>

void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
void  *memset(void *dst, int c, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
void  *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int    strcmp(const char *a, const char *b);
int    strncmp(const char *a, const char *b, size_t n);
char  *strchr(const char *s, int c);
char  *strrchr(const char *s, int c);
char  *strstr(const char *hay, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t cap);  /* always NUL-terminates when cap > 0 */

#endif
