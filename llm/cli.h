/* llm/cli.h: the number parsers behind llm_parse_gen_flag and
 * llm_parse_bench_args (llm/cli.c); the flags themselves, the other half of
 * llm/cli.c, are public in llm/llm.h. */
#ifndef LLM_CLI_H
#define LLM_CLI_H
#include <stdint.h>
#include <stdbool.h>
#include "lib/parse.h"
#include "llm/llm.h"

/* Decimal numbers: [+-]digits[.digits][e[+-]digits] within [lo, hi]. Integers:
 * parse_int and parse_u64 of lib/parse.h. */
bool cli_parse_double(const char *s, double lo, double hi, double *out);

#endif
