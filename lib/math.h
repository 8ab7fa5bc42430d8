/* lib/math.h: the float math the engine needs, freestanding, with stated error
 * bounds (see math_test.c). Standard names, so host and kernel builds compute
 * the same bits. */
#ifndef LIB_MATH_H
#define LIB_MATH_H
#include <stdint.h>

#define INFINITY (__builtin_inff())
#define NAN      (__builtin_nanf(""))
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf(x)
#define isfinite(x) __builtin_isfinite(x)

float expf(float x);
float logf(float x);
float sqrtf(float x);
float sinf(float x);
float cosf(float x);
void  sincosf(float x, float *s, float *c);   /* both at once (GCC also emits calls to it) */
float powf(float x, float y);
float tanhf(float x);
float fabsf(float x);
float floorf(float x);
float ceilf(float x);
float roundf(float x);
double fabs(double x);
double sqrt(double x);
double exp(double x);
double log(double x);

/* The bits of a float and back (type punning through a union, defined in C). */
static inline uint32_t f32_to_bits(float f)
{
    union { float f; uint32_t u; } v = { .f = f };
    return v.u;
}

static inline float f32_from_bits(uint32_t u)
{
    union { uint32_t u; float f; } v = { .u = u };
    return v.f;
}

#endif
