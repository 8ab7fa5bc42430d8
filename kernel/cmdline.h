/* kernel/cmdline.h: the kernel command line, from the DTB's /chosen/bootargs
 * (-kernel) or the UEFI load options. Words are separated by spaces; a word
 * is "key", "key=value" or key="quoted value". Modules read their own words
 * with cmdline_get ("llm.model=PATH", "icount"); the boot acts on `selftest`
 * and `init`. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H
#include <stddef.h>
#include <stdbool.h>

/* Keep a copy of src (NULL: empty), cut at 1023 bytes. */
void cmdline_init(const char *src);
/* The whole line, as kept. */
const char *cmdline_text(void);
/* Value of "key=value" (quotes stripped) copied into buf; false when absent or
 * too long. A bare "key" gives "". */
bool cmdline_get(const char *key, char *buf, size_t cap);
/* Print "cmdline: unknown word ..." for each word no module reads. */
void cmdline_check_words(void);
/* Run init="cmd1; cmd2" through the shell, one command at a time. */
void cmdline_run_init(void);

#endif
