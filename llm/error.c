/* llm/error.c: fill an llm_err with a formatted message. */
#include <stdarg.h>
#include "llm/error.h"
#include "lib/printf.h"

int llm_errf(struct llm_err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
