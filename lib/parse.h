/* lib/parse.h: the one integer parser, for command lines and file formats
 * alike (shell arguments, llm flags, cpio headers, tokenizer byte pieces).
 * Whole fields only: no blanks, nothing after the digits, values that do not
 * fit in 64 bits rejected rather than wrapped. */
#ifndef LIB_PARSE_H
#define LIB_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* The value of the len digits at s in base 2..36 (letters either case); false
 * when len is 0, a character is not a digit of base, or it overflows. s need
 * not be NUL-terminated. */
bool parse_digits(const char *s, size_t len, unsigned base, uint64_t *out);
/* A string of decimal digits, or hex digits after 0x / 0X. */
bool parse_u64(const char *s, uint64_t *out);
/* [+-] then as parse_u64, within [lo, hi]. */
bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

#endif
