/* lib/printf_test.c: vsnprintf against expected strings (checked against
 * glibc), truncation and return values, and the %.9g float round trip. */
#include <stdint.h>
#include <stdarg.h>
#include "lib/selftest.h"
#include "lib/printf.h"
#include "lib/rand.h"
#include "lib/string.h"

static char got[512];
static int got_ret;

static bool fmt_is(const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    got_ret = vsnprintf(got, sizeof got, fmt, ap);
    va_end(ap);
    return strcmp(got, want) == 0 && got_ret == (int)strlen(want);
}

#define CHECK_FMT(want, ...) \
    ST_CHECK(fmt_is(want, __VA_ARGS__), "%s: got '%s' (%d), want '%s'", #__VA_ARGS__, got, got_ret, want)

SELFTEST(printf_integers)
{
    CHECK_FMT("0 -42 -2147483648", "%d %i %d", 0, -42, -2147483647 - 1);
    CHECK_FMT("   42|42   |00042|-0042", "%5d|%-5d|%05d|%05d", 42, 42, 42, -42);
    CHECK_FMT("+5  5 +0", "%+d % d %+d", 5, 5, 0);
    CHECK_FMT("007|    -007|     007||", "%.3d|%8.3d|%08.3d|%.0d|", 7, -7, 7, 0);
    CHECK_FMT("4294967295 37777777777", "%u %o", 4294967295u, 4294967295u);
    CHECK_FMT("ff FF 0xff 0XFF 010 10 0 0 0", "%x %X %#x %#X %#o %o %#x %#o %#.0o", 255, 255, 255, 255, 8, 8, 0, 0, 0);
    CHECK_FMT("0x00ff|  0x0ff", "%#06x|%#7.3x", 255, 255);
    CHECK_FMT("-9223372036854775808 18446744073709551615", "%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
    CHECK_FMT("44 255 4464 ffff -1", "%hhd %hhu %hd %hx %ld", 300, -1, 70000, -1, -1L);
    CHECK_FMT("123 -5 -3 7", "%zu %jd %td %zx", (size_t)123, (intmax_t)-5, (ptrdiff_t)-3, (size_t)7);
    CHECK_FMT("    1|1    |5|00042", "%*d|%*d|%.*d|%.*d", 5, 1, -5, 1, -1, 5, 5, 42);
    CHECK_FMT("0x1234 0x0", "%p %p", (void *)0x1234, (void *)0);
}

SELFTEST(printf_strings)
{
    CHECK_FMT("ab|  a|a  |%", "%c%c|%3c|%-3c|%%", 'a', 'b', 'a', 'a');
    CHECK_FMT("abc|ab|    x|ab    |(null)", "%s|%.2s|%5.1s|%-6s|%s", "abc", "abc", "xyz", "ab", (char *)NULL);
    char counted[3] = { 'x', 'y', 'z' };                /* not NUL-terminated */
    CHECK_FMT("[xyz] [xy]", "[%.*s] [%.2s]", 3, counted, counted);
    CHECK_FMT("plain text", "plain text");
}

SELFTEST(printf_truncation)
{
    char buf[8];
    memset(buf, 'q', sizeof buf);
    ST_CHECK(snprintf(buf, 5, "%s", "hello world") == 11, "return value is the full length");
    ST_CHECK(strcmp(buf, "hell") == 0 && buf[5] == 'q', "truncated to cap-1 plus NUL: '%s'", buf);
    ST_CHECK(snprintf(NULL, 0, "%d", 12345) == 5, "cap 0 with NULL buffer");
    ST_CHECK(snprintf(buf, 1, "abc") == 3 && buf[0] == '\0', "cap 1 gives an empty string");
    ST_CHECK(snprintf(buf, sizeof buf, "%7.3f", 2.5) == 7 && strcmp(buf, "  2.500") == 0, "exact fit");
}

SELFTEST(printf_fixed)
{
    CHECK_FMT("0.000000 -0.000000 1.00 0 2 2 0.2 0.3", "%f %f %.2f %.0f %.0f %.0f %.1f %.1f",
              0.0, -0.0, 1.005, 0.5, 1.5, 2.5, 0.25, 0.35);
    CHECK_FMT("100000000000000000000.000000", "%f", 1e20);
    CHECK_FMT("1180591620717411303424", "%.0f", 1180591620717411303424.0);
    CHECK_FMT("-1234.568|      3.14|3.14      |-000003.14", "%.3f|%10.2f|%-10.2f|%010.2f", -1234.5678, 3.14159, 3.14159, -3.14159);
    CHECK_FMT("+2.0  2.0 3. 0.000", "%+.1f % .1f %#.0f %.3f", 2.0, 2.0, 3.0, 1e-9);
    CHECK_FMT("0.000000000000000000000000000000000000000000001401298",
              "%.51f", 1.401298464324817e-45);
    CHECK_FMT("999.9999 1000.000", "%.4f %.3f", 999.99994, 999.99996);
}

SELFTEST(printf_exponent)
{
    CHECK_FMT("1.234568e+04 1.230000E-04 1.00e+01 0.000000e+00", "%e %E %.2e %e", 12345.678, 0.000123, 9.999, 0.0);
    CHECK_FMT("1.000000e-310 4.941e-324 1.000000e+100 1e+308", "%e %.3e %e %.0e", 1e-310, 5e-324, 1e100, 1e308);
    CHECK_FMT("1.797693e+308 -2.5e-01 3.e+00", "%e %.1e %#.0e", 1.7976931348623157e308, -0.25, 3.0);
}

SELFTEST(printf_general)
{
    CHECK_FMT("100000 1e+06 0.0001 1e-05 123.456", "%g %g %g %g %g", 100000.0, 1000000.0, 0.0001, 0.00001, 123.456);
    CHECK_FMT("3.14 1.00000 0 1E-10 0.5 0.05 0.9 1e+01", "%.3g %#g %g %G %.0g %.1g %.1g %.1g",
              3.14159, 1.0, 0.0, 1e-10, 0.5, 0.05, 0.95, 9.5);
    CHECK_FMT("1 0.100000001 3.402823e+38 1.17549435e-38", "%.7g %.9g %.7g %.9g",
              1.0f, 0.1f, 3.4028235e38f, 1.17549435e-38f);
    CHECK_FMT("-0 1.5e+300   12.5|12.5  |", "%g %g %6g|%-6g|", -0.0, 1.5e300, 12.5, 12.5);
    /* Rounding that carries into a new power of ten: the style and the digits
     * follow the rounded value (C11 7.21.6.1), and # keeps its trailing zero
     * (glibc 2.36 prints "1.e+02" for 99.5: tests/host/test_printf.c). */
    CHECK_FMT("1.0e+02 1.0e+02 1.0E+03 100.", "%#.2g %#.2g %#.2G %#.3g", 99.5, 100.0, 999.6, 99.96);
}

SELFTEST(printf_nonfinite)
{
    double inf = __builtin_inf(), nan = __builtin_nan("");
    CHECK_FMT("inf INF  -inf|nan +inf      inf -NAN", "%f %F %5.1f|%e %+f %08f %G", inf, inf, -inf, nan, inf, inf, -nan);
    CHECK_FMT("inf -inf nan", "%g %.3e %.0f", inf, -inf, nan);
}

/* ---------------------------------------------------------------- round trip */

/* Decimal string (as %g prints it) to double: at most 17 significant digits,
 * scaled by exact powers of ten, so the result is within a few double ulps. */
static double parse_decimal(const char *s)
{
    static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    bool neg = *s == '-';
    s += neg;
    uint64_t mant = 0;
    int exp10 = 0, seen_point = 0;
    for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
        if (*s == '.')
            seen_point = 1;
        else {
            mant = mant * 10 + (uint64_t)(*s - '0');
            exp10 -= seen_point;
        }
    }
    if (*s == 'e' || *s == 'E') {
        int sign = s[1] == '-' ? -1 : 1, e = 0;
        for (s += 2; *s >= '0' && *s <= '9'; s++)
            e = e * 10 + (*s - '0');
        exp10 += sign * e;
    }
    double v = (double)mant;
    for (; exp10 > 22; exp10 -= 22)
        v *= 1e22;
    for (; exp10 < -22; exp10 += 22)
        v /= 1e22;
    v = exp10 >= 0 ? v * pow10[exp10] : v / pow10[-exp10];
    return neg ? -v : v;
}

/* A float printed with %.9g reads back as the same float (9 digits always
 * suffice for binary32); the 9-digit decimal is never near a float midpoint,
 * so the few-ulp double parse above cannot flip the rounding. */
SELFTEST(printf_float_round_trip)
{
    uint64_t seed = 0x2545f491;
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        union { uint32_t u; float f; } v = { (uint32_t)(rand_u64(&seed) >> 32) };
        if ((v.u & 0x7f800000) == 0x7f800000)
            continue;                                   /* inf, nan */
        snprintf(buf, sizeof buf, "%.9g", v.f);
        union { float f; uint32_t u; } back = { (float)parse_decimal(buf) };
        ST_CHECK(back.u == v.u, "%%.9g of %#x is '%s', reads back as %#x", v.u, buf, back.u);
    }
}
