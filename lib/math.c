/* lib/math.c: float and double math without libm.
 *
 * The float functions evaluate in double and round once at the end, so their
 * error is the final rounding (0.5 ulp) plus a double-precision residue far
 * below a float ulp. Polynomials are truncated Taylor series on small reduced
 * ranges, with the truncation error noted beside each. sinf/cosf reduce
 * x mod pi/2 with a two-part pi/2 (Cody-Waite) below 2^20 and with 2/pi bits
 * (Payne-Hanek) above, so every finite float gets an accurate angle.
 * Measured errors are in math_test.c and tests/host/test_math.c. */
#include <stdint.h>
#include <stdbool.h>
#include "lib/math.h"

static uint64_t d2u(double f) { union { double f; uint64_t u; } v = { f }; return v.u; }
static double u2d(uint64_t u) { union { uint64_t u; double f; } v = { u }; return v.f; }

float fabsf(float x) { return f32_from_bits(f32_to_bits(x) & 0x7fffffffu); }
double fabs(double x) { return u2d(d2u(x) & ~(1ull << 63)); }

/* One instruction each (fsqrt, sqrtss/sd): lib/ is built with -fno-math-errno,
 * without which GCC would emit a call back to sqrtf for negative inputs. */
float sqrtf(float x) { return __builtin_sqrtf(x); }
double sqrt(double x) { return __builtin_sqrt(x); }

/* Nearest integer of |x| < 2^31 (ties away from zero). */
static int nearest_int(double x)
{
    return (int)(x < 0 ? x - 0.5 : x + 0.5);
}

/* floorf/ceilf/roundf: clear the fraction bits of the magnitude, first adding
 * one unit when it must go up (floor of negatives, ceil of positives) or half
 * a unit for roundf (ties away from zero). A carry into the exponent is fine. */
static float round_bits(float x, bool floor_dir, bool ceil_dir, bool half)
{
    uint32_t u = f32_to_bits(x), sign = u >> 31;
    int e = (int)(u >> 23 & 0xff) - 127;
    if (e >= 23)
        return x;                               /* integral, inf or nan */
    bool up = (floor_dir && sign) || (ceil_dir && !sign);
    if (e < 0) {                                /* |x| < 1 */
        if ((u << 1) == 0)
            return x;
        bool one = up || (half && e == -1);
        return f32_from_bits(sign << 31 | (one ? 0x3f800000u : 0));
    }
    uint32_t mask = 0x007fffffu >> e;
    if ((u & mask) == 0)
        return x;
    if (up)
        u += 0x00800000u >> e;
    else if (half)
        u += 0x00400000u >> e;
    return f32_from_bits(u & ~mask);
}

float floorf(float x) { return round_bits(x, true, false, false); }
float ceilf(float x)  { return round_bits(x, false, true, false); }
float roundf(float x) { return round_bits(x, false, false, true); }

/* ---------------------------------------------------------------- exp, log */

static const double LN2    = 6.93147180559945286227e-01;
static const double LN2_HI = 6.93147180369123816490e-01;   /* 32 bits: k*LN2_HI is exact */
static const double LN2_LO = 1.90821492927058770002e-10;
static const double INV_LN2 = 1.44269504088896338700e+00;

/* x * 2^k for x near 1 and |k| < 1100, with one rounding (also when subnormal). */
static double scale2(double x, int k)
{
    if (k > 1023) {
        x *= 0x1p1023;
        k -= 1023;
    } else if (k < -1021) {
        x *= 0x1p-1000;                         /* still normal: x ~ 1 */
        k += 1000;
    }
    return x * u2d((uint64_t)(k + 1023) << 52);
}

double exp(double x)
{
    if (x != x)
        return x + x;
    if (x > 709.8)
        return INFINITY;
    if (x < -745.2)
        return 0.0;
    int k = nearest_int(x * INV_LN2);
    double r = (x - k * LN2_HI) - k * LN2_LO;   /* |r| <= 0.347 */
    /* Taylor to r^13: truncation 0.347^14/14! < 5e-18 */
    double p = 1.0 / 6227020800.0;
    static const double c[] = { 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
        1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0,
        1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0 };
    for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++)
        p = p * r + c[i];
    return scale2(p, k);
}

float expf(float x)
{
    if (x != x)
        return x + x;
    if (x > 89.0f)
        return INFINITY;
    if (x < -104.0f)
        return 0.0f;
    double xd = x;
    int k = nearest_int(xd * INV_LN2);
    double r = xd - k * LN2;                    /* error |k| * 2^-53: < 1e-14 */
    /* Taylor to r^8: truncation 0.347^9/9! < 3e-10, 0.003 float ulp */
    double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120
             + r * (1.0 / 720 + r * (1.0 / 5040 + r * (1.0 / 40320))))))));
    return (float)(p * u2d((uint64_t)(k + 1023) << 52));
}

double log(double x)
{
    if (x != x)
        return x + x;
    if (x == 0)
        return -INFINITY;
    if (x < 0)
        return NAN;
    if (__builtin_isinf(x))
        return x;
    int e = 0;
    if (x < 0x1p-1022) {                        /* subnormal */
        x *= 0x1p54;
        e = -54;
    }
    uint64_t u = d2u(x);
    e += (int)(u >> 52) - 1023;
    double m = u2d((u & ((1ull << 52) - 1)) | 0x3ff0000000000000ull);   /* [1, 2) */
    if (m > 1.41421356237309504880) {
        m *= 0.5;
        e++;
    }
    /* log(1+f) = f - (f^2/2 - s*(f^2/2 + R)), s = f/(2+f), R = sum 2 s^2n/(2n+1);
     * |s| < 0.172, so 10 terms leave s^22 < 2e-17 relative. */
    double f = m - 1.0, s = f / (2.0 + f), z = s * s, hfsq = 0.5 * f * f;
    double R = 0;
    for (int n = 10; n >= 1; n--)
        R = (R + 2.0 / (2 * n + 1)) * z;
    double lf = f - (hfsq - s * (hfsq + R));
    return e * LN2_HI + (lf + e * LN2_LO);
}

float logf(float x)
{
    return (float)log((double)x);
}

/* ---------------------------------------------------------------- powf, tanhf */

static bool is_odd_integer(float y)
{
    return fabsf(y) < 0x1p24f && floorf(y) == y && ((int32_t)y & 1);
}

float powf(float x, float y)
{
    if (y == 0 || x == 1)
        return 1.0f;
    if (x != x || y != y)
        return x + y;
    bool neg = false;
    if (f32_to_bits(x) >> 31) {
        if (__builtin_isinf(y)) {
            if (x == -1.0f)
                return 1.0f;
        } else if (floorf(y) != y) {
            if (x != 0 && !__builtin_isinf(x))
                return NAN;                     /* negative base, fractional power */
        } else {
            neg = is_odd_integer(y);
        }
    }
    float r = (float)exp((double)y * log((double)fabsf(x)));
    return neg ? -r : r;
}

float tanhf(float x)
{
    double a = fabs((double)x), t;
    if (x != x)
        return x + x;
    if (a > 9.1)
        t = 1.0;                                /* 1 - tanh < 2^-25: rounds to 1 */
    else if (a < 0x1p-12)
        t = a - a * a * a / 3;                  /* next term 2a^5/15: < 2^-50 relative */
    else {
        double e = exp(2 * a);
        t = (e - 1) / (e + 1);
    }
    return (float)((f32_to_bits(x) >> 31) ? -t : t);
}

/* ---------------------------------------------------------------- sinf, cosf */

static const double PIO2     = 1.57079632679489655800e+00;
static const double PIO2_1   = 1.57079632673412561417e+00;  /* 33 bits: k*PIO2_1 exact, k < 2^20 */
static const double PIO2_1T  = 6.07710050650619224932e-11;  /* pi/2 - PIO2_1 */
static const double INV_PIO2 = 6.36619772367581382433e-01;

/* 2/pi = 0.a2f9836e 4e441529 ... in binary: bits 1..320 after the point. */
static const uint32_t two_over_pi[10] = {
    0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0, 0xdb629599,
    0x3c439041, 0xfe5163ab, 0xdebbc561, 0xb7246e3a, 0x424dd2e0,
};

/* Bits s .. s+63 of 2/pi (bit 1 is the first after the point; bits < 1 are 0). */
static uint64_t two_over_pi_bits(int s)
{
    if (s < 1)
        return two_over_pi_bits(1) >> (1 - s);
    int w = (s - 1) / 32, o = (s - 1) % 32;
    unsigned __int128 v = (unsigned __int128)two_over_pi[w] << 64
                        | (uint64_t)two_over_pi[w + 1] << 32 | two_over_pi[w + 2];
    return (uint64_t)(v >> (32 - o));
}

/* |x| = (q + r/(pi/2)) * pi/2 for |x| >= 2^20: with |x| = m * 2^e, only the
 * bits of 2/pi from e-1 on matter mod 4; 128 of them leave error < 2^-100. */
static int rem_pio2_large(float ax, double *r)
{
    uint32_t u = f32_to_bits(ax);
    int e = (int)(u >> 23) - 150;
    uint64_t m = (u & 0x7fffff) | 0x800000;
    unsigned __int128 c = (unsigned __int128)two_over_pi_bits(e - 1) << 64 | two_over_pi_bits(e + 63);
    unsigned __int128 p = c * m;                /* mod 2^128: 2 integer bits, 126 fraction bits */
    int q = (int)(p >> 126);
    __int128 frac = (__int128)(p << 2);         /* signed: in [-1/2, 1/2) * 2^128 */
    if (frac < 0)
        q++;
    double t = (double)(int64_t)(frac >> 64) * 0x1p-64 + (double)(uint64_t)frac * 0x1p-128;
    *r = t * PIO2;
    return q & 3;
}

/* x = q*pi/2 + r with |r| <= pi/4 (a little more for huge x); returns q mod 4. */
static int rem_pio2f(float x, double *r)
{
    float ax = fabsf(x);
    int q;
    if (ax < 0x1p20f) {
        int k = nearest_int((double)ax * INV_PIO2);
        *r = ((double)ax - k * PIO2_1) - k * PIO2_1T;
        q = k & 3;
    } else {
        q = rem_pio2_large(ax, r);
    }
    if (f32_to_bits(x) >> 31) {
        *r = -*r;
        q = -q & 3;
    }
    return q;
}

/* Taylor to r^13 / r^14 on |r| <= pi/4: truncation < 3e-14 relative. */
static double sin_kernel(double r)
{
    double z = r * r;
    return r + r * z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880
             + z * (-1.0 / 39916800 + z * (1.0 / 6227020800.0))))));
}

static double cos_kernel(double r)
{
    double z = r * r;
    return 1.0 + z * (-0.5 + z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320
             + z * (-1.0 / 3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200.0)))))));
}

/* sin of (q*pi/2 + r) */
static float sin_quadrant(int q, double r)
{
    double v = (q & 1) ? cos_kernel(r) : sin_kernel(r);
    return (float)((q & 2) ? -v : v);
}

float sinf(float x)
{
    if (!__builtin_isfinite(x))
        return x - x;
    if (fabsf(x) < 0x1p-12f)
        return x;                               /* x^2/6 < 2^-26.5: x is sin x rounded; keeps -0 */
    double r;
    int q = rem_pio2f(x, &r);
    return sin_quadrant(q, r);
}

float cosf(float x)
{
    if (!__builtin_isfinite(x))
        return x - x;
    double r;
    int q = rem_pio2f(x, &r);
    return sin_quadrant((q + 1) & 3, r);        /* cos x = sin(x + pi/2) */
}

/* GNU extension; GCC also turns sinf(x) and cosf(x) of the same x into this
 * call in host builds (without -fno-builtin), so it must exist. */
void sincosf(float x, float *s, float *c)
{
    if (!__builtin_isfinite(x) || fabsf(x) < 0x1p-12f) {
        *s = sinf(x);
        *c = cosf(x);
        return;
    }
    double r;
    int q = rem_pio2f(x, &r);
    *s = sin_quadrant(q, r);
    *c = sin_quadrant((q + 1) & 3, r);
}
