/* kernel/console.h: the serial console (PL011): polled output, and input read
 * with flow control so piped stdin waits for the guest. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H
#include <stddef.h>
#include <stdbool.h>

void console_init(void);                 /* UART base from the DTB, or the virt default */
void console_putc(char c);               /* '\n' is sent as "\r\n" */
void console_write(const char *s, size_t n);
int  console_getc(void);                 /* blocks for one byte */
int  console_trygetc(void);              /* -1 when nothing is waiting */
/* Read what the UART has until `want` arrives (consumed: true); the other
 * bytes stay queued for console_getc/trygetc. For Ctrl-C during long work. */
bool console_poll_for(char want);
int  kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
