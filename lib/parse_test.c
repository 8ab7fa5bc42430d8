/* lib/parse_test.c: integer parsing at its edges: bases, signs, overflow by
 * one, fields that are not NUL-terminated, and what must be refused. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/parse.h"

SELFTEST(parse_unsigned)
{
    uint64_t u = 7;
    ST_CHECK(parse_u64("0", &u) && u == 0, "0 -> %llu", (unsigned long long)u);
    ST_CHECK(parse_u64("18446744073709551615", &u) && u == UINT64_MAX, "u64 max");
    ST_CHECK(parse_u64("0xFFFFffffFFFFffff", &u) && u == UINT64_MAX, "hex u64 max");
    ST_CHECK(parse_u64("0x1f", &u) && u == 31 && parse_u64("0X1F", &u) && u == 31, "hex");
    ST_CHECK(parse_u64("010", &u) && u == 10, "leading zero is decimal, not octal: %llu", (unsigned long long)u);
    u = 7;
    ST_CHECK(!parse_u64("18446744073709551616", &u) && !parse_u64("0x10000000000000000", &u), "overflow accepted");
    ST_CHECK(!parse_u64("", &u) && !parse_u64("0x", &u) && !parse_u64("-1", &u) && !parse_u64("+1", &u),
             "empty or signed accepted");
    ST_CHECK(!parse_u64(" 1", &u) && !parse_u64("1 ", &u) && !parse_u64("1a", &u) && !parse_u64("0x1g", &u),
             "junk accepted");
    ST_CHECK(u == 7, "a refused parse wrote %llu", (unsigned long long)u);
}

SELFTEST(parse_digits_fields)
{
    uint64_t u = 0;
    /* a cpio header field: 8 hex digits followed by more header */
    ST_CHECK(parse_digits("0000a1B2070701", 8, 16, &u) && u == 0xa1b2, "hex8 -> %#llx", (unsigned long long)u);
    const char *piece = "<0x0A>";
    ST_CHECK(parse_digits(piece + 3, 2, 16, &u) && u == 10, "byte piece");
    ST_CHECK(parse_digits("777", 3, 8, &u) && u == 511 && parse_digits("zz", 2, 36, &u) && u == 1295, "bases");
    ST_CHECK(!parse_digits("12", 0, 10, &u) && !parse_digits("19", 2, 8, &u) && !parse_digits("0x1", 3, 16, &u),
             "bad digits accepted");
    ST_CHECK(!parse_digits("11111111111111111111111111111111111111111111111111111111111111111", 65, 2, &u),
             "65 binary digits accepted");
}

SELFTEST(parse_signed)
{
    int64_t n = 0;
    ST_CHECK(parse_int("-1", -1, 10, &n) && n == -1, "-1 -> %lld", (long long)n);
    ST_CHECK(parse_int("+10", -1, 10, &n) && n == 10, "+10 -> %lld", (long long)n);
    ST_CHECK(parse_int("-0x10", -16, 0, &n) && n == -16, "-0x10 -> %lld", (long long)n);
    ST_CHECK(parse_int("-9223372036854775808", INT64_MIN, 0, &n) && n == INT64_MIN, "INT64_MIN");
    ST_CHECK(parse_int("9223372036854775807", 0, INT64_MAX, &n) && n == INT64_MAX, "INT64_MAX");
    ST_CHECK(!parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &n) &&
             !parse_int("-9223372036854775809", INT64_MIN, INT64_MAX, &n), "int64 overflow accepted");
    ST_CHECK(!parse_int("-2", -1, 10, &n) && !parse_int("11", -1, 10, &n), "out of range accepted");
    ST_CHECK(!parse_int("1.0", 0, 10, &n) && !parse_int("-", 0, 10, &n) && !parse_int("--1", -5, 10, &n),
             "bad int accepted");
}
