/* lib/math_test.c: lib/math.c against references computed here in double
 * with series summed to convergence (no libm anywhere), with ulp bounds:
 * expf, logf <= 1 ulp; sinf, cosf, powf, tanhf <= 2 ulp; floorf, ceilf,
 * roundf, sqrtf, fabsf exact; double exp/log within 1 ulp of known constants.
 * tests/host/test_math.c measures the same functions against glibc's libm. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"

static uint64_t bits_d(double f) { union { double f; uint64_t u; } v = { f }; return v.u; }

static uint32_t rng(uint64_t *s) { return (uint32_t)(rand_u64(s) >> 32); }

static double ref_pow2(int k)
{
    union { uint64_t u; double f; } v = { (uint64_t)(k + 1023) << 52 };
    return v.f;
}

/* |got - ref| in units of the float ulp at ref (subnormal ulp below 2^-126). */
static double ulp_err(float got, double ref)
{
    int e = (int)(bits_d(ref) >> 52 & 0x7ff) - 1023;
    double d = (double)got - ref;
    return (d < 0 ? -d : d) / ref_pow2((e < -126 ? -126 : e) - 23);
}

/* ---------------------------------------------------------------- references */

static const double R_LN2_HI = 0.693147180559945286226764;     /* ln 2 = HI + LO */
static const double R_LN2_LO = 2.319046813846299558e-17;

static double ref_exp(double x)
{
    int k = (int)(x / R_LN2_HI + (x < 0 ? -0.5 : 0.5));
    double r = (x - k * R_LN2_HI) - k * R_LN2_LO, term = 1, sum = 1;
    for (int n = 1; n < 40 && (term > 1e-22 || term < -1e-22); n++) {
        term *= r / n;
        sum += term;
    }
    return sum * ref_pow2(k);
}

static double ref_log(double x)
{
    int e = 0;
    while (x > 1.4142135623730951) { x *= 0.5; e++; }
    while (x < 0.7071067811865476) { x *= 2; e--; }
    double s = (x - 1) / (x + 1), z = s * s, term = s, sum = 0;
    for (int n = 1; n < 200 && (term > 1e-24 || term < -1e-24); n += 2) {
        sum += term / n;
        term *= z;
    }
    return e * R_LN2_HI + (2 * sum + e * R_LN2_LO);
}

/* x - k*pi/2 with pi/2 in three parts (the first two exact when multiplied by k < 2^20). */
static double ref_reduce(double x, int *k)
{
    *k = (int)(x * 0.63661977236758134 + (x < 0 ? -0.5 : 0.5));
    return ((x - *k * 1.57079632673412561417e+00) - *k * 6.07710050630396597660e-11)
           - *k * 2.02226624879595063154e-21;
}

static double ref_sin_series(double r, int first)      /* first = 1: sin, 0: cos */
{
    double term = first ? r : 1, sum = 0;
    for (int n = first; n < 40; n += 2) {
        sum += term;
        term *= -r * r / ((n + 1) * (n + 2));
    }
    return sum;
}

static double ref_sin(double x, int shift)             /* shift 1: cos */
{
    int k;
    double r = ref_reduce(x, &k);
    int q = (k + shift) & 3;
    double v = ref_sin_series(r, !(q & 1));
    return (q & 2) ? -v : v;
}

/* ---------------------------------------------------------------- tests */

#define SAMPLES 3000

SELFTEST(math_expf)
{
    static const float edge[] = { 0, -0.0f, 1, -1, 0.5f, 1e-7f, -1e-30f, 88.7f, 88.72283f, -87.3f, -103.0f, 20.5f };
    uint64_t s = 12345;
    double worst = 0;
    for (int i = 0; i < SAMPLES + 12; i++) {
        float x = i < 12 ? edge[i] : rand_float(&s, -103.0f, 88.7f);
        double e = ulp_err(expf(x), ref_exp(x));
        ST_CHECK(e <= 1.0, "expf(%.9g) = %.9g, %.3f ulp from %.17g", x, expf(x), e, ref_exp(x));
        worst = e > worst ? e : worst;
    }
    ST_CHECK(expf(0) == 1.0f && expf(-200) == 0 && isinf(expf(89.0f)) && isinf(expf(INFINITY)), "expf limits");
    ST_CHECK(expf(-INFINITY) == 0 && isnan(expf(NAN)), "expf inf/nan");
    ST_CHECK(worst > 0, "no error measured: test is broken");
}

SELFTEST(math_logf)
{
    static const float edge[] = { 1, 2, 0.5f, 10, 1.0000001f, 0.99999994f, 3.4e38f, 1.2e-38f, 1.4e-45f, 7.0f };
    uint64_t s = 777;
    for (int i = 0; i < SAMPLES + 10; i++) {
        float x = i < 10 ? edge[i] : f32_from_bits(rng(&s) % 0x7f800000u + 1);
        double e = ulp_err(logf(x), ref_log(x));
        ST_CHECK(e <= 1.0, "logf(%.9g) = %.9g, %.3f ulp from %.17g", x, logf(x), e, ref_log(x));
    }
    ST_CHECK(logf(1) == 0 && isinf(logf(0)) && logf(0) < 0 && isinf(logf(INFINITY)), "logf limits");
    ST_CHECK(isnan(logf(-1)) && isnan(logf(NAN)), "logf domain");
}

SELFTEST(math_sinf_cosf)
{
    static const float edge[] = { 0, 1e-20f, 0.785398f, 1.5707964f, 3.1415927f, -3.1415927f, 6.2831855f,
                                  1e5f, -99999.5f, 12345.678f, 51471.85f, 65536.0f };
    uint64_t s = 4242;
    for (int i = 0; i < 2 * SAMPLES + 12; i++) {
        float x = i < 12 ? edge[i] : i < SAMPLES ? rand_float(&s, -10, 10) : rand_float(&s, -1e5f, 1e5f);
        double es = ulp_err(sinf(x), ref_sin(x, 0)), ec = ulp_err(cosf(x), ref_sin(x, 1));
        ST_CHECK(es <= 2.0, "sinf(%.9g) = %.9g, %.3f ulp from %.17g", x, sinf(x), es, ref_sin(x, 0));
        ST_CHECK(ec <= 2.0, "cosf(%.9g) = %.9g, %.3f ulp from %.17g", x, cosf(x), ec, ref_sin(x, 1));
        float sx, cx;
        sincosf(x, &sx, &cx);
        ST_CHECK(f32_to_bits(sx) == f32_to_bits(sinf(x)) && f32_to_bits(cx) == f32_to_bits(cosf(x)), "sincosf(%.9g) differs", x);
    }
    ST_CHECK(sinf(-0.0f) == 0 && f32_to_bits(sinf(-0.0f)) == 0x80000000u && cosf(0) == 1, "sinf/cosf at zero");
    ST_CHECK(isnan(sinf(INFINITY)) && isnan(cosf(-INFINITY)) && isnan(sinf(NAN)), "sinf/cosf inf/nan");
    /* beyond 2^20 the Payne-Hanek path: sin^2 + cos^2 = 1 and known values */
    for (int i = 0; i < 200; i++) {
        float x = f32_from_bits(0x49800000u + rng(&s) % (0x7f000000u - 0x49800000u));
        float a = sinf(x), b = cosf(x);
        ST_CHECK(fabsf(a * a + b * b - 1) < 1e-6f, "sin^2+cos^2 at %.9g: %.9g %.9g", x, a, b);
    }
    /* sin/cos of the floats 1e22f and FLT_MAX, from glibc's double sin/cos */
    ST_CHECK(ulp_err(sinf(1e22f), -0.73408153529610154) <= 1, "sinf(1e22f) = %.9g", sinf(1e22f));
    ST_CHECK(ulp_err(cosf(3.4028235e38f), 0.8530210398303042) <= 1, "cosf(FLT_MAX) = %.9g", cosf(3.4028235e38f));
}

SELFTEST(math_powf_tanhf)
{
    uint64_t s = 99;
    for (int i = 0; i < SAMPLES; i++) {
        float x = rand_float(&s, 0.001f, 100), y = rand_float(&s, -11, 11);    /* |y ln x| < 80: no overflow */
        double e = ulp_err(powf(x, y), ref_exp(y * ref_log(x)));
        ST_CHECK(e <= 2.0, "powf(%.9g, %.9g) = %.9g, %.3f ulp", x, y, powf(x, y), e);
        float a = rand_float(&s, -10, 10) * (i & 1 ? 1 : 1e-3f);
        double ez = ref_exp(2.0 * a), ra = (a > -1e-4f && a < 1e-4f) ? a - (double)a * a * a / 3 : (ez - 1) / (ez + 1);
        e = ulp_err(tanhf(a), ra);
        ST_CHECK(e <= 2.0, "tanhf(%.9g) = %.9g, %.3f ulp", a, tanhf(a), e);
    }
    /* RoPE's frequencies: 10000^(-2i/d) */
    ST_CHECK(powf(10000.0f, -0.5f) == 0.01f && powf(2, 10) == 1024 && powf(-2, 3) == -8 && isnan(powf(-8, 1.0f / 3)),
             "powf exact cases");
    ST_CHECK(powf(0, -1) == INFINITY && f32_to_bits(powf(-0.0f, 3)) == 0x80000000u && powf(-0.0f, -3) == -INFINITY, "powf zeros");
    ST_CHECK(powf(NAN, 0) == 1 && powf(1, NAN) == 1 && powf(-1, INFINITY) == 1 && powf(0.5f, INFINITY) == 0, "powf specials");
    ST_CHECK(powf(2, INFINITY) == INFINITY && powf(-INFINITY, 3) == -INFINITY && powf(-INFINITY, 2) == INFINITY, "powf infinities");
    ST_CHECK(tanhf(20) == 1 && tanhf(-INFINITY) == -1 && f32_to_bits(tanhf(-0.0f)) == 0x80000000u && isnan(tanhf(NAN)), "tanhf limits");
}

SELFTEST(math_rounding)
{
    static const float in[]    = { 2.5f, -2.5f, 0.5f, -0.5f, 0.49999997f, -1.0f, 1.75f, -1.75f, 8388607.5f, 16777217.0f, -0.0f, 1e-40f };
    static const float floor_[] = { 2, -3, 0, -1, 0, -1, 1, -2, 8388607, 16777216, -0.0f, 0 };
    static const float ceil_[]  = { 3, -2, 1, -0.0f, 1, -1, 2, -1, 8388608, 16777216, -0.0f, 1 };
    static const float round_[] = { 3, -3, 1, -1, 0, -1, 2, -2, 8388608, 16777216, -0.0f, 0 };
    for (int i = 0; i < 12; i++) {
        ST_CHECK(f32_to_bits(floorf(in[i])) == f32_to_bits(floor_[i]), "floorf(%.9g) = %.9g", in[i], floorf(in[i]));
        ST_CHECK(f32_to_bits(ceilf(in[i])) == f32_to_bits(ceil_[i]), "ceilf(%.9g) = %.9g", in[i], ceilf(in[i]));
        ST_CHECK(f32_to_bits(roundf(in[i])) == f32_to_bits(round_[i]), "roundf(%.9g) = %.9g", in[i], roundf(in[i]));
    }
    ST_CHECK(isinf(floorf(INFINITY)) && isnan(ceilf(NAN)) && roundf(-1e30f) == -1e30f, "rounding of inf/nan/large");
    ST_CHECK(fabsf(-3.5f) == 3.5f && f32_to_bits(fabsf(-0.0f)) == 0 && fabs(-2.25) == 2.25, "fabs");
}

SELFTEST(math_sqrt)
{
    for (uint32_t i = 0; i < 5000; i++)
        ST_CHECK(sqrtf((float)(i * i)) == (float)i && sqrt((double)i * i) == i, "sqrt(%u^2)", i);
    ST_CHECK(f32_to_bits(sqrtf(2)) == 0x3fb504f3u && bits_d(sqrt(2)) == 0x3ff6a09e667f3bcdull, "sqrt(2) bits");
    ST_CHECK(isnan(sqrtf(-1)) && isinf(sqrtf(INFINITY)) && f32_to_bits(sqrtf(-0.0f)) == 0x80000000u, "sqrtf specials");
}

SELFTEST(math_double_exp_log)
{
    /* correctly rounded constants; allow 1 ulp */
    static const struct { double x, want; int is_log; } c[] = {
        { 1, 2.718281828459045, 0 }, { -1, 0.36787944117144233, 0 }, { 10, 22026.465794806718, 0 },
        { 0.5, 1.6487212707001282, 0 }, { -700, 9.85967654375977e-305, 0 },
        { 10, 2.302585092994046, 1 }, { 2, 0.6931471805599453, 1 }, { 0.1, -2.3025850929940455, 1 },
        { 1e300, 690.7755278982137, 1 }, { 5e-324, -744.4400719213812, 1 },
    };
    for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
        double got = c[i].is_log ? log(c[i].x) : exp(c[i].x);
        int64_t d = (int64_t)(bits_d(got) - bits_d(c[i].want));
        ST_CHECK(d >= -1 && d <= 1, "%s(%.17g) = %.17g, want %.17g", c[i].is_log ? "log" : "exp", c[i].x, got, c[i].want);
    }
    ST_CHECK(exp(0) == 1 && log(1) == 0 && isinf(exp(710)) && exp(-746) == 0 && isnan(log(-1)), "exp/log limits");
    uint64_t s = 5;
    for (int i = 0; i < 1000; i++) {
        double x = rand_float(&s, -700, 700);
        double back = log(exp(x)), tol = 4e-16 * (x < 0 ? -x : x) + 1e-300;
        ST_CHECK(back - x <= tol && x - back <= tol, "log(exp(%.17g)) = %.17g", x, back);
    }
}
