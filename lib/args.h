/* lib/args.h: split a command line into words, in place. Words are separated by
 * blanks (space, tab, CR, LF, VT, FF); a double-quoted part may hold blanks
 * (a"b c"d is one word, ab cd; "" is an empty word). Inside or outside quotes,
 * \" is a quote character and \\ a backslash; any other backslash is literal. */
#ifndef LIB_ARGS_H
#define LIB_ARGS_H

#define ARGS_ERR_QUOTE    (-1)   /* a double quote is never closed */
#define ARGS_ERR_TOO_MANY (-2)   /* more than cap - 1 words */

/* Rewrite line in place into NUL-terminated words; argv[0..argc-1] point at
 * them and argv[argc] = NULL, so at most cap - 1 words fit. Returns argc, or
 * an ARGS_ERR_* code (then line and argv hold garbage). */
int args_split(char *line, char **argv, int cap);

/* A one-line description of an ARGS_ERR_* code. */
const char *args_strerror(int err);

#endif
