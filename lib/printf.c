/* lib/printf.c: vsnprintf/snprintf for the kernel and the engine (C99 return
 * value: the length the full output would have).
 *
 * Floating point is converted exactly: the double's integer mantissa times a
 * power of two becomes a big decimal number (base 1e9 limbs, multiplying by
 * 2^k or, for negative exponents, by 5^k and moving the decimal point). The
 * exact digit string is then rounded once, half to even, to what %f/%e/%g ask
 * for — the same digits glibc prints, so "%.9g" of a float reads back as the
 * same float. */
#include <stdint.h>
#include <stdbool.h>
#include "lib/printf.h"
#include "lib/string.h"

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ZERO = 8, F_ALT = 16, F_UPPER = 32 };
enum { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T };

struct spec {
    int  flags;
    int  width;
    int  prec;      /* -1: not given */
    int  length;
    char conv;
};

struct out {
    char  *buf;
    size_t cap;
    size_t len;     /* characters produced so far, stored or not */
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void out_repeat(struct out *o, char c, int n)
{
    for (; n > 0; n--)
        out_char(o, c);
}

static void out_str(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out_char(o, s[i]);
}

/* Padding and prefix (sign, 0x) ahead of a body of len characters. */
static void field_begin(struct out *o, const struct spec *sp, const char *prefix, size_t len)
{
    size_t plen = strlen(prefix);
    int pad = sp->width - (int)(plen + len);
    if (!(sp->flags & (F_LEFT | F_ZERO)))
        out_repeat(o, ' ', pad);
    out_str(o, prefix, plen);
    if ((sp->flags & (F_LEFT | F_ZERO)) == F_ZERO)
        out_repeat(o, '0', pad);
}

static void field_end(struct out *o, const struct spec *sp, const char *prefix, size_t len)
{
    if (sp->flags & F_LEFT)
        out_repeat(o, ' ', sp->width - (int)(strlen(prefix) + len));
}

static void fmt_string(struct out *o, const struct spec *sp, const char *s, size_t n)
{
    field_begin(o, sp, "", n);
    out_str(o, s, n);
    field_end(o, sp, "", n);
}

static void fmt_int(struct out *o, struct spec sp, uint64_t v, const char *prefix)
{
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    const char *digits = (sp.flags & F_UPPER) ? upper : lower;
    unsigned base = sp.conv == 'o' ? 8 : (sp.conv == 'x' || sp.conv == 'X' || sp.conv == 'p') ? 16 : 10;
    char tmp[24];
    int n = 0;
    for (uint64_t x = v; x; x /= base)
        tmp[n++] = digits[x % base];
    if (sp.prec >= 0)
        sp.flags &= ~F_ZERO;
    else
        sp.prec = 1;
    if (sp.conv == 'o' && (sp.flags & F_ALT) && sp.prec <= n)
        sp.prec = n + 1;                            /* '#': octal starts with 0 */
    int len = n > sp.prec ? n : sp.prec;
    field_begin(o, &sp, prefix, (size_t)len);
    out_repeat(o, '0', len - n);
    while (n)
        out_char(o, tmp[--n]);
    field_end(o, &sp, prefix, (size_t)len);
}

/* ---------------------------------------------------------------- floats */

#define BIG_LIMBS  96           /* 2^-1074 needs 767 decimal digits: 86 limbs */
#define FP_DIGITS  (BIG_LIMBS * 9)
#define LIMB_BASE  1000000000u

struct big {
    uint32_t limb[BIG_LIMBS];   /* base 1e9, least significant first */
    int      n;
};

static void big_mul(struct big *b, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t v = (uint64_t)b->limb[i] * m + carry;
        b->limb[i] = (uint32_t)(v % LIMB_BASE);
        carry = v / LIMB_BASE;
    }
    for (; carry; carry /= LIMB_BASE)
        b->limb[b->n++] = (uint32_t)(carry % LIMB_BASE);
}

/* Multiply by base^k, k >= 0, in steps of base^step (which fits in 32 bits). */
static void big_mul_pow(struct big *b, uint32_t base, int k)
{
    uint32_t step_pow = 1, rem_pow = 1;
    int step = base == 2 ? 29 : 13;
    for (int i = 0; i < step; i++)
        step_pow *= base;
    for (; k >= step; k -= step)
        big_mul(b, step_pow);
    for (; k > 0; k--)
        rem_pow *= base;
    big_mul(b, rem_pow);
}

/* Exact decimal digits of finite x > 0: x = 0.d[0]d[1]... * 10^dp, no
 * trailing zeros. Returns the digit count; 0 (with dp = 1) for x == 0. */
static int fp_digits(double x, char *d, int *dp)
{
    union { double f; uint64_t u; } bits = { x };
    int bexp = (int)(bits.u >> 52 & 0x7ff);
    uint64_t m = bits.u & ((1ull << 52) - 1);
    int e = bexp ? bexp - 1075 : -1074;
    if (bexp)
        m |= 1ull << 52;
    *dp = 1;
    if (m == 0)
        return 0;
    for (; !(m & 1); m >>= 1)
        e++;

    struct big b = { { 0 }, 0 };
    for (; m; m /= LIMB_BASE)
        b.limb[b.n++] = (uint32_t)(m % LIMB_BASE);
    big_mul_pow(&b, e >= 0 ? 2 : 5, e >= 0 ? e : -e);

    int nd = 0;
    for (int i = b.n - 1; i >= 0; i--) {
        uint32_t v = b.limb[i];
        for (int k = 8; k >= 0; k--) {
            d[nd + k] = (char)('0' + v % 10);
            v /= 10;
        }
        nd += 9;
    }
    int lead = 0;                               /* zeros of the top limb */
    while (d[lead] == '0')
        lead++;
    memmove(d, d + lead, (size_t)(nd - lead));
    nd -= lead;
    *dp = nd + (e < 0 ? e : 0);                 /* x = digits * 10^e when e < 0 */
    while (d[nd - 1] == '0')
        nd--;
    return nd;
}

/* Keep the first keep digits, rounding the exact value half to even. */
static int round_digits(char *d, int nd, int *dp, int keep)
{
    if (keep >= nd)
        return nd;
    if (keep < 0)
        return 0;
    char r = d[keep];
    bool up = r > '5' || (r == '5' && (nd > keep + 1 || (keep > 0 && (d[keep - 1] & 1))));
    nd = keep;
    if (up) {
        while (nd > 0 && d[nd - 1] == '9')
            nd--;
        if (nd == 0) {
            d[nd++] = '1';
            (*dp)++;
        } else {
            d[nd - 1]++;
        }
    }
    while (nd > 0 && d[nd - 1] == '0')
        nd--;
    return nd;
}

static char digit_at(const char *d, int nd, int i)
{
    return i >= 0 && i < nd ? d[i] : '0';
}

static void fmt_float(struct out *o, struct spec sp, double v)
{
    union { double f; uint64_t u; } bits = { v };
    bool neg = bits.u >> 63;
    char prefix[2] = { neg ? '-' : (sp.flags & F_PLUS) ? '+' : (sp.flags & F_SPACE) ? ' ' : 0, 0 };
    bool upper = sp.conv >= 'A' && sp.conv <= 'Z';
    if (__builtin_isnan(v) || __builtin_isinf(v)) {
        const char *s = __builtin_isnan(v) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        sp.flags &= ~F_ZERO;
        field_begin(o, &sp, prefix, 3);
        out_str(o, s, 3);
        field_end(o, &sp, prefix, 3);
        return;
    }
    char d[FP_DIGITS];
    int dp, prec = sp.prec < 0 ? 6 : sp.prec > 100000 ? 100000 : sp.prec;
    int nd = fp_digits(neg ? -v : v, d, &dp);
    char c = (char)(sp.conv | 0x20);
    bool exp_style = c == 'e', alt = sp.flags & F_ALT;
    if (c == 'g') {
        int p = prec ? prec : 1;
        nd = round_digits(d, nd, &dp, p);
        int x = dp - 1;
        exp_style = !(x < p && x >= -4);
        prec = exp_style ? p - 1 : p - 1 - x;
        if (!alt) {                                 /* %g drops trailing zeros */
            int shown = exp_style ? nd - 1 : nd - dp;
            prec = prec < shown ? prec : shown > 0 ? shown : 0;
        }
    } else {
        nd = round_digits(d, nd, &dp, exp_style ? prec + 1 : dp + prec);
    }

    int ex = nd ? dp - 1 : 0, ex_abs = ex < 0 ? -ex : ex;
    int ex_digits = ex_abs >= 100 ? 3 : 2;
    bool point = prec > 0 || alt;
    size_t len = exp_style ? (size_t)(1 + point + prec + 2 + ex_digits)
                           : (size_t)((dp > 0 ? dp : 1) + point + prec);
    field_begin(o, &sp, prefix, len);
    if (exp_style) {
        out_char(o, digit_at(d, nd, 0));
        if (point)
            out_char(o, '.');
        for (int i = 1; i <= prec; i++)
            out_char(o, digit_at(d, nd, i));
        out_char(o, upper ? 'E' : 'e');
        out_char(o, ex < 0 ? '-' : '+');
        if (ex_digits == 3)
            out_char(o, (char)('0' + ex_abs / 100));
        out_char(o, (char)('0' + ex_abs / 10 % 10));
        out_char(o, (char)('0' + ex_abs % 10));
    } else {
        if (dp <= 0)
            out_char(o, '0');
        for (int i = 0; i < dp; i++)
            out_char(o, digit_at(d, nd, i));
        if (point)
            out_char(o, '.');
        for (int i = 0; i < prec; i++)
            out_char(o, digit_at(d, nd, dp + i));
    }
    field_end(o, &sp, prefix, len);
}

/* ---------------------------------------------------------------- arguments */

static uint64_t arg_unsigned(va_list *ap, int length)
{
    switch (length) {
    case L_HH: return (unsigned char)va_arg(*ap, unsigned);
    case L_H:  return (unsigned short)va_arg(*ap, unsigned);
    case L_L:  return va_arg(*ap, unsigned long);
    case L_LL: return va_arg(*ap, unsigned long long);
    case L_Z:  return va_arg(*ap, size_t);
    case L_J:  return va_arg(*ap, uintmax_t);
    case L_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
    default:   return va_arg(*ap, unsigned);
    }
}

static int64_t arg_signed(va_list *ap, int length)
{
    switch (length) {
    case L_HH: return (signed char)va_arg(*ap, int);
    case L_H:  return (short)va_arg(*ap, int);
    case L_L:  return va_arg(*ap, long);
    case L_LL: return va_arg(*ap, long long);
    case L_Z:  return (int64_t)va_arg(*ap, size_t);
    case L_J:  return va_arg(*ap, intmax_t);
    case L_T:  return va_arg(*ap, ptrdiff_t);
    default:   return va_arg(*ap, int);
    }
}

/* Parse flags, width, precision and length after '%'; returns the conversion's position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    static const char flag_chars[] = "-+ 0#";
    static const int flag_bits[] = { F_LEFT, F_PLUS, F_SPACE, F_ZERO, F_ALT };
    const char *p;
    *sp = (struct spec){ 0, 0, -1, L_NONE, 0 };
    for (; *f && (p = strchr(flag_chars, *f)) != NULL; f++)
        sp->flags |= flag_bits[p - flag_chars];
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->flags |= F_LEFT;
            sp->width = -sp->width;
        }
        f++;
    }
    for (; *f >= '0' && *f <= '9'; f++)
        sp->width = sp->width * 10 + (*f - '0');
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);            /* negative: as if omitted */
            f++;
        }
        for (; *f >= '0' && *f <= '9'; f++)
            sp->prec = sp->prec * 10 + (*f - '0');
    }
    switch (*f) {
    case 'h': sp->length = f[1] == 'h' ? L_HH : L_H; f += f[1] == 'h' ? 2 : 1; break;
    case 'l': sp->length = f[1] == 'l' ? L_LL : L_L; f += f[1] == 'l' ? 2 : 1; break;
    case 'z': sp->length = L_Z; f++; break;
    case 'j': sp->length = L_J; f++; break;
    case 't': sp->length = L_T; f++; break;
    }
    sp->conv = *f;
    if (sp->conv >= 'A' && sp->conv <= 'Z')
        sp->flags |= F_UPPER;
    return f;
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap_in)
{
    struct out o = { buf, cap, 0 };
    struct spec sp;
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            out_char(&o, *f);
            continue;
        }
        f = parse_spec(f + 1, &sp, &ap);
        switch (sp.conv) {
        case 'd': case 'i': {
            int64_t v = arg_signed(&ap, sp.length);
            const char *prefix = v < 0 ? "-" : (sp.flags & F_PLUS) ? "+" : (sp.flags & F_SPACE) ? " " : "";
            fmt_int(&o, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, prefix);
            break;
        }
        case 'u': case 'o': case 'x': case 'X': {
            uint64_t v = arg_unsigned(&ap, sp.length);
            bool hex_prefix = (sp.flags & F_ALT) && v && sp.conv != 'o' && sp.conv != 'u';
            fmt_int(&o, sp, v, hex_prefix ? (sp.conv == 'X' ? "0X" : "0x") : "");
            break;
        }
        case 'p':
            fmt_int(&o, sp, (uintptr_t)va_arg(ap, void *), "0x");
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            sp.flags &= ~F_ZERO;
            fmt_string(&o, &sp, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            sp.flags &= ~F_ZERO;
            fmt_string(&o, &sp, s, sp.prec >= 0 ? strnlen(s, (size_t)sp.prec) : strlen(s));
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
            fmt_float(&o, sp, va_arg(ap, double));
            break;
        case '%':
            out_char(&o, '%');
            break;
        case '\0':                                  /* lone '%' at the end */
            f--;
            break;
        default:                                    /* unknown: print it as written */
            out_char(&o, '%');
            out_char(&o, sp.conv);
            break;
        }
    }
    va_end(ap);
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
