/* lib/printf.h: formatted output into buffers: %d %i %u %x %X %o %c %s %p %%,
 * %f %e %g, flags "-+ 0#", width and precision (also *), length hh h l ll z j t.
 * %.*s prints a counted string (GGUF strings are not NUL-terminated). */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H
#include <stddef.h>
#include <stdarg.h>

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
