/* tests/host/test_math.c: measure lib/math.c's error in ulps against glibc's
 * libm (loaded with dlopen, because lib/ interposes the float names), over
 * random and exhaustive-range samples, and check the stated bounds. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "lib/math.h"
#include "lib/rand.h"

typedef double (*fn1)(double);
typedef double (*fn2)(double, double);
typedef long double (*fn1l)(long double);

/* Error of got in float ulps of ref. A NaN where the reference has none (or
 * the other way round) is infinitely wrong: as a NaN it would lose every
 * `e > worst` comparison and pass unseen. */
static double ulps_f(float got, double ref)
{
    if (got == ref || (got != got && ref != ref))
        return 0;
    if (got != got || ref != ref)
        return __builtin_inf();
    int e = 0;
    uint64_t u;
    memcpy(&u, &ref, 8);
    e = (int)(u >> 52 & 0x7ff) - 1023;
    if (e < -126)
        e = -126;
    double ulp = 1;
    for (int i = 0; i < 23 - e; i++) ulp /= 2;
    for (int i = 0; i < e - 23; i++) ulp *= 2;
    double d = (double)got - ref;
    return (d < 0 ? -d : d) / ulp;
}

/* The double checks' error, with a NaN (from a NaN result) as infinite. */
static double nan_is_inf(double e) { return e != e ? __builtin_inf() : e; }

static uint64_t state = 88172645463325252ull;
static uint64_t rnd(void) { return rand_u64(&state); }
static float rand_range(float lo, float hi) { return lo + (hi - lo) * (float)((rnd() >> 40) * 0x1p-24); }

static int failures;

static void report(const char *name, double worst, float at, double bound)
{
    printf("     %s: max error %.3f ulp at %.9g (bound %.1f)\n", name, worst, at, bound);
    if (worst <= bound) printf("PASS %s\n", name);
    else { printf("FAIL %s: %.3f ulp > %.1f\n", name, worst, bound); failures++; }
}

/* Samples per function. The aarch64 build runs under qemu-aarch64
 * (tests/arm64/host_tests.sh), where the long double references are soft
 * float: an eighth as many there. The x86-64 run covers the full count, and
 * lib/math.c computes the same bits on both (the same C, -ffp-contract=off);
 * what the aarch64 run adds is a check of that build and of its libm. */
#if defined(__aarch64__)
#define N 250000
#else
#define N 2000000
#endif

int main(void)
{
    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (!m) { printf("SKIP math_vs_libm: no libm.so.6\n"); return 0; }
    fn1 r_exp = (fn1)dlsym(m, "exp"), r_log = (fn1)dlsym(m, "log"), r_sin = (fn1)dlsym(m, "sin");
    fn1 r_cos = (fn1)dlsym(m, "cos"), r_tanh = (fn1)dlsym(m, "tanh");
    fn2 r_pow = (fn2)dlsym(m, "pow");
    fn1l r_expl = (fn1l)dlsym(m, "expl"), r_logl = (fn1l)dlsym(m, "logl");
    double w; float at, x, y;

    w = 0; at = 0;
    for (int i = 0; i < N; i++) { x = rand_range(-103.9f, 88.72f); double e = ulps_f(expf(x), r_exp(x)); if (e > w) w = e, at = x; }
    report("math_expf_vs_libm", w, at, 1.0);
    w = 0; at = 0;
    for (int i = 0; i < N; i++) { uint32_t b = (uint32_t)rnd() % 0x7f800000u + 1; memcpy(&x, &b, 4); double e = ulps_f(logf(x), r_log(x)); if (e > w) w = e, at = x; }
    report("math_logf_vs_libm", w, at, 1.0);
    w = 0; at = 0;
    for (int i = 0; i < N; i++) { x = i & 1 ? rand_range(-1e5f, 1e5f) : rand_range(-8, 8); double e = ulps_f(sinf(x), r_sin(x)); if (e > w) w = e, at = x; }
    report("math_sinf_vs_libm", w, at, 2.0);
    w = 0; at = 0;
    for (int i = 0; i < N; i++) { x = i & 1 ? rand_range(-1e5f, 1e5f) : rand_range(-8, 8); double e = ulps_f(cosf(x), r_cos(x)); if (e > w) w = e, at = x; }
    report("math_cosf_vs_libm", w, at, 2.0);
    w = 0; at = 0;
    for (int i = 0; i < N / 4; i++) { uint32_t b = (uint32_t)rnd() % 0x7f800000u; memcpy(&x, &b, 4); double e = ulps_f(sinf(x), r_sin(x)); double e2 = ulps_f(cosf(x), r_cos(x)); if (e2 > e) e = e2; if (e > w) w = e, at = x; }
    report("math_sincosf_any_float_vs_libm", w, at, 2.0);
    w = 0; at = 0;
    for (int i = 0; i < N; i++) {
        x = rand_range(0, 1000); y = rand_range(-12, 12);
        double ref = r_pow(x, y);
        if (ref > 3e38 || ref < 1.2e-38) continue;
        double e = ulps_f(powf(x, y), ref); if (e > w) w = e, at = x;
    }
    report("math_powf_vs_libm", w, at, 2.0);
    w = 0; at = 0;
    for (int i = 0; i < N; i++) { x = rand_range(-10, 10) * (i & 1 ? 1 : 1e-4f); double e = ulps_f(tanhf(x), r_tanh(x)); if (e > w) w = e, at = x; }
    report("math_tanhf_vs_libm", w, at, 2.0);

    /* double exp/log against long double, in double ulps */
    double wd = 0, atd = 0;
    for (int i = 0; i < N / 4; i++) {
        double xd = ((double)(rnd() >> 11) * 0x1p-53 - 0.5) * 1416;
        long double ref = r_expl(xd);
        if (ref < 0x1p-1022L || ref > 0x1p1023L) continue;
        int e; { double rd = (double)ref; uint64_t u; memcpy(&u, &rd, 8); e = (int)(u >> 52 & 0x7ff) - 1023; }
        long double d = ((long double)exp(xd) - ref) / __builtin_ldexpl(1, e - 52);
        double ed = nan_is_inf((double)(d < 0 ? -d : d)); if (ed > wd) wd = ed, atd = xd;
    }
    printf("     exp: max error %.3f ulp at %.17g\n", wd, atd);
    if (wd <= 2) printf("PASS math_exp_vs_expl\n"); else { printf("FAIL math_exp_vs_expl: %.3f ulp\n", wd); failures++; }
    wd = 0;
    for (int i = 0; i < N / 4; i++) {
        uint64_t b = rnd() % 0x7ff0000000000000ull + 1; double xd; memcpy(&xd, &b, 8);
        long double ref = r_logl(xd);
        int e; { double rd = (double)ref; uint64_t u; memcpy(&u, &rd, 8); e = (int)(u >> 52 & 0x7ff) - 1023; }
        long double d = ((long double)log(xd) - ref) / __builtin_ldexpl(1, e - 52);
        double ed = nan_is_inf((double)(d < 0 ? -d : d)); if (ed > wd) wd = ed, atd = xd;
    }
    printf("     log: max error %.3f ulp at %.17g\n", wd, atd);
    if (wd <= 2) printf("PASS math_log_vs_logl\n"); else { printf("FAIL math_log_vs_logl: %.3f ulp\n", wd); failures++; }
    return failures != 0;
}
