/* llm/quant/quant_test.c: selftests for the ggml type table, fp16/bf16 conversions,
 * quantizers, dequantizers and dot products (asymmetric data, odd block counts). */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/string.h"
#include "llm/quant/quant_impl.h"

#define MAXN (7 * QK)

/* Not lib/rand.h: this xorshift32 stream defines quant_golden_arm64's inputs,
 * which the harness that ran llama.cpp's functions reproduced. */
static uint32_t rng_state;

static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Uniform in [lo, hi). */
static float rng_float(float lo, float hi)
{
    return lo + (hi - lo) * (float)(rng_next() >> 8) * (1.0f / 16777216.0f);
}

/* Asymmetric data: mostly in [-0.3, 1.7], a few outliers, some exact zeros. */
static void fill_asym(float *x, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t r = rng_next() % 64;
        x[i] = r == 0 ? rng_float(-6.0f, 9.0f) : r == 1 ? 0.0f : rng_float(-0.3f, 1.7f);
    }
}


/* ---------------------------------------------------------------- table */

SELFTEST(quant_type_table)
{
    static const struct { uint32_t id; const char *name; uint32_t blck, size; bool sup; } want[] = {
        { 0, "f32", 1, 4, true },       { 1, "f16", 1, 2, true },
        { 2, "q4_0", 32, 18, true },    { 3, "q4_1", 32, 20, true },
        { 6, "q5_0", 32, 22, true },    { 7, "q5_1", 32, 24, true },
        { 8, "q8_0", 32, 34, true },    { 9, "q8_1", 32, 36, false },
        { 10, "q2_K", 256, 84, true },  { 11, "q3_K", 256, 110, true },
        { 12, "q4_K", 256, 144, true }, { 13, "q5_K", 256, 176, true },
        { 14, "q6_K", 256, 210, true }, { 15, "q8_K", 256, 292, false },
        { 20, "iq4_nl", 32, 18, false }, { 23, "iq4_xs", 256, 136, false },
        { 28, "f64", 1, 8, false },     { 30, "bf16", 1, 2, true },
        { 34, "tq1_0", 256, 54, false }, { 35, "tq2_0", 256, 66, false },
    };
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct type_traits *tt = type_traits(want[i].id);
        ST_CHECK(tt != NULL, "type %u missing", want[i].id);
        ST_CHECK(strcmp(tt->name, want[i].name) == 0, "type %u named %s", want[i].id, tt->name);
        ST_CHECK(tt->blck == want[i].blck && tt->size == want[i].size, "%s: %u bytes / %u",
                 tt->name, tt->size, tt->blck);
        ST_CHECK(tt->supported == want[i].sup, "%s supported=%d", tt->name, tt->supported);
    }
    static const uint32_t holes[] = { 4, 5, 31, 32, 33, 36, 37, 38, 39, 40, 1000, 0xffffffffu };
    for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++)
        ST_CHECK(type_traits(holes[i]) == NULL, "removed id %u has traits", holes[i]);
    int count = 0;
    for (uint32_t id = 0; id < GGML_TYPE_COUNT; id++) {
        const struct type_traits *tt = type_traits(id);
        if (tt == NULL)
            continue;
        count++;
        ST_CHECK(tt->blck > 0 && tt->size > 0, "%s empty", tt->name);
        for (uint32_t o = 0; o < id; o++)
            ST_CHECK(type_traits(o) == NULL || strcmp(type_traits(o)->name, tt->name) != 0,
                     "duplicate name %s", tt->name);
    }
    ST_CHECK(count == 31, "%d live types, want 31", count);
    ST_CHECK(type_traits(GGML_TYPE_Q4_0)->vec_dot_type == GGML_TYPE_Q8_0, "q4_0 pairs with q8_0");
    ST_CHECK(type_traits(GGML_TYPE_Q5_0)->vec_dot_type == GGML_TYPE_Q8_0, "q5_0 pairs with q8_0");
    ST_CHECK(type_traits(GGML_TYPE_Q8_0)->vec_dot_type == GGML_TYPE_Q8_0, "q8_0 pairs with q8_0");
    ST_CHECK(type_traits(GGML_TYPE_Q4_1)->vec_dot_type == GGML_TYPE_Q8_1, "q4_1 pairs with q8_1");
    ST_CHECK(type_traits(GGML_TYPE_Q5_1)->vec_dot_type == GGML_TYPE_Q8_1, "q5_1 pairs with q8_1");
    ST_CHECK(type_traits(GGML_TYPE_F16)->vec_dot_type == GGML_TYPE_F16, "f16 pairs with f16");
    ST_CHECK(type_traits(GGML_TYPE_BF16)->vec_dot_type == GGML_TYPE_BF16, "bf16 pairs with bf16");
    ST_CHECK(type_traits(GGML_TYPE_Q6_K)->vec_dot_type == GGML_TYPE_Q8_K, "q6_K pairs with q8_K");
}

SELFTEST(quant_row_bytes)
{
    ST_CHECK(type_row_bytes(GGML_TYPE_Q4_0, 64) == 36, "q4_0 x64");
    ST_CHECK(type_row_bytes(GGML_TYPE_Q6_K, 512) == 420, "q6_K x512");
    ST_CHECK(type_row_bytes(GGML_TYPE_F32, 3) == 12, "f32 x3");
    ST_CHECK(type_row_bytes(GGML_TYPE_F32, 0) == 0, "empty row");
    ST_CHECK(type_row_bytes(GGML_TYPE_Q4_0, 48) == 0, "partial block accepted");
    ST_CHECK(type_row_bytes(4, 32) == 0, "removed type accepted");
    ST_CHECK(type_row_bytes(GGML_TYPE_COUNT, 32) == 0, "bad type accepted");
    ST_CHECK(type_row_bytes(GGML_TYPE_F64, UINT64_MAX / 8) == UINT64_MAX / 8 * 8, "largest f64 row");
    ST_CHECK(type_row_bytes(GGML_TYPE_F64, UINT64_MAX / 8 + 1) == 0, "f64 overflow");
    ST_CHECK(type_row_bytes(GGML_TYPE_Q8_0, (UINT64_MAX / 34 + 1) * 32) == 0, "q8_0 overflow");
}

/* ---------------------------------------------------------------- fp16 / bf16 */

SELFTEST(quant_fp16_exhaustive)
{
    float prev = -INFINITY;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = fp16_to_fp32((uint16_t)h);
        bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
        ST_CHECK(nan == (bool)isnan(f), "%04x: nan mismatch", h);
        if (nan) {
            ST_CHECK(fp32_to_fp16(f) == (h | 0x200), "%04x: nan -> %04x", h, fp32_to_fp16(f));
            continue;
        }
        ST_CHECK(fp32_to_fp16(f) == h, "%04x -> %g -> %04x", h, (double)f, fp32_to_fp16(f));
#ifdef __FLT16_MAX__
        ST_CHECK(f32_to_bits((float)(_Float16)f) == f32_to_bits(f), "%04x: compiler disagrees", h);
#endif
        /* positive halves are increasing in their bit pattern */
        if (h > 0 && h <= 0x7c00)
            ST_CHECK(f > prev, "%04x not increasing", h);
        if (h <= 0x7c00)
            prev = f;
    }
    ST_CHECK(fp16_to_fp32(0x0001) == 5.9604644775390625e-8f, "smallest subnormal");
    ST_CHECK(fp16_to_fp32(0x7bff) == 65504.0f, "largest half");
    ST_CHECK(f32_to_bits(fp16_to_fp32(0x8000)) == 0x80000000u, "-0");
}

/* Nearest half by search over the (verified, increasing) decoded values. */
static uint16_t fp16_nearest(float f)
{
    uint16_t sign = f < 0 ? 0x8000 : 0;
    double a = fabs((double)f);
    uint32_t lo = 0, hi = 0x7c00;             /* decode(lo) <= a < decode(hi) */
    if (a >= 65520.0)
        return sign | 0x7c00;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if ((double)fp16_to_fp32((uint16_t)mid) <= a) lo = mid; else hi = mid;
    }
    double dl = a - fp16_to_fp32((uint16_t)lo), dh = fp16_to_fp32((uint16_t)hi) - a;
    if (dh < dl || (dh == dl && (hi & 1) == 0))
        lo = hi;
    return sign | (uint16_t)lo;
}

SELFTEST(quant_fp16_rounding)
{
    static const struct { float f; uint16_t h; } cases[] = {
        { 1.0f, 0x3c00 }, { 1.00048828125f, 0x3c00 },      /* 1 + 2^-11: tie -> even */
        { 1.00146484375f, 0x3c02 },                          /* 1 + 3*2^-11: tie -> even (up) */
        { 65504.0f, 0x7bff }, { 65519.99f, 0x7bff }, { 65520.0f, 0x7c00 },
        { 1e10f, 0x7c00 }, { -1e10f, 0xfc00 },
        { 2.98023223876953125e-8f, 0x0000 },                 /* 2^-25: tie -> 0 */
        { 2.9802326e-8f, 0x0001 },                           /* just above 2^-25 */
        { 8.940696716308594e-8f, 0x0002 },                   /* 1.5 * 2^-24: tie -> even */
        { 6.097555160522461e-5f, 0x03ff },                   /* largest subnormal */
        { 6.1035156e-5f, 0x0400 }, { -0.0f, 0x8000 }, { 1e-30f, 0x0000 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ST_CHECK(fp32_to_fp16(cases[i].f) == cases[i].h, "%g -> %04x, want %04x",
                 (double)cases[i].f, fp32_to_fp16(cases[i].f), cases[i].h);
    ST_CHECK(fp32_to_fp16(f32_from_bits(0x7f800001)) == 0x7e00, "sNaN quieted");
    ST_CHECK(fp32_to_fp16(f32_from_bits(0xffc02000)) == 0xfe01, "NaN payload kept");
    rng_state = 12345;
    for (int i = 0; i < 200000; i++) {
        /* exponents from far below the subnormals to past the overflow */
        uint32_t e = 90 + rng_next() % 60, u = (rng_next() & 0x807fffff) | e << 23;
        if (i % 4 == 0)
            u &= ~0xfffu;                          /* many exact ties */
        float f = f32_from_bits(u);
        ST_CHECK(fp32_to_fp16(f) == fp16_nearest(f), "%08x -> %04x, want %04x", u,
                 fp32_to_fp16(f), fp16_nearest(f));
#ifdef __FLT16_MAX__
        union { _Float16 h; uint16_t u; } c = { .h = (_Float16)f };
        ST_CHECK(fp32_to_fp16(f) == c.u, "%08x: compiler gives %04x", u, c.u);
#endif
    }
}

SELFTEST(quant_bf16)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = bf16_to_fp32((uint16_t)h);
        if (isnan(f))
            ST_CHECK(fp32_to_bf16(f) == (h | 0x40), "%04x nan -> %04x", h, fp32_to_bf16(f));
        else
            ST_CHECK(fp32_to_bf16(f) == h, "%04x round trip -> %04x", h, fp32_to_bf16(f));
    }
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x3f808000)) == 0x3f80, "tie to even (down)");
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x3f818000)) == 0x3f82, "tie to even (up)");
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x3f808001)) == 0x3f81, "above tie");
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x7f7fffff)) == 0x7f80, "overflow to inf");
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x00018000)) == 0x0002, "subnormals round too");
    ST_CHECK(fp32_to_bf16(f32_from_bits(0x7f800001)) == 0x7fc0, "sNaN quieted");
}

/* ---------------------------------------------------------------- float helpers */

/* fma_f32, and its double-arithmetic fallback where the host has one (the
 * x86-64 build takes VFMADD when the CPU has it) */
static float fma_both(float a, float b, float c)
{
#if !defined(__aarch64__) && !defined(__FP_FAST_FMAF)
    float s = fma_f32_soft(a, b, c);
    return s == fma_f32(a, b, c) ? s : NAN;
#else
    return fma_f32(a, b, c);
#endif
}

SELFTEST(quant_float_helpers)
{
    float e = 1.1920928955078125e-7f;            /* 2^-23 */
    ST_CHECK(fma_both(1.0f + e, 1.0f + e, -1.0f) == 2 * e + e * e, "fma keeps the low product bits");
    ST_CHECK(fma_both(1.0f + e, 1.0f - e, -1.0f) == -(e * e), "fma exact cancellation");
    /* double rounding trap: a*b+c lands just above a float tie */
    /* (1 + 2^-12)^2 is a float tie (even: down); + 2^-60 must tip it up, which a
     * sum rounded first to double would lose */
    float u = 1.0f + 0x1p-12f;
    ST_CHECK(fma_both(u, u, 0x1p-60f) == 1.0f + 0x1p-11f + e, "fma double rounding: %08x",
             f32_to_bits(fma_both(u, u, 0x1p-60f)));
    ST_CHECK(fma_both(u, u, -0x1p-60f) == 1.0f + 0x1p-11f, "fma tie, tipped down");
    ST_CHECK(fma_both(2.0f, 3.0f, 4.0f) == 10.0f, "fma small ints");
    static const struct { float v; int32_t n, z; } c[] = {
        { 0.5f, 0, 0 }, { 1.5f, 2, 1 }, { 2.5f, 2, 2 }, { -0.5f, 0, 0 }, { -1.5f, -2, -1 },
        { -2.5f, -2, -2 }, { 126.5f, 126, 126 }, { 127.49f, 127, 127 }, { -3.7f, -4, -3 },
        { 8388609.0f, 8388609, 8388609 }, { 3e9f, INT32_MAX, INT32_MAX },
        { -3e9f, INT32_MIN, INT32_MIN }, { NAN, 0, 0 }, { 0.49999997f, 0, 0 },
    };
    for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
        ST_CHECK(cvt_nearest_even(c[i].v) == c[i].n, "nearest_even(%g) = %d", (double)c[i].v,
                 cvt_nearest_even(c[i].v));
        ST_CHECK(cvt_toward_zero(c[i].v) == c[i].z, "toward_zero(%g) = %d", (double)c[i].v,
                 cvt_toward_zero(c[i].v));
    }
}

/* ---------------------------------------------------------------- known blocks */

SELFTEST(quant_q8_activation_ties_to_even)
{
    static float x[QK];
    static struct block_q8_0 q0, r0;
    static struct block_q8_1 q1;
    static const float in[8] = { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -127.0f };
    static const int8_t even[8] = { 0, 2, 2, 0, -2, -2, 126, -127 };
    static const int8_t away[8] = { 1, 2, 3, -1, -2, -3, 127, -127 };
    for (int j = 0; j < QK; j++)
        x[j] = in[j % 8];                          /* amax 127: d = 1, id = 1 exactly */
    quantize_row(GGML_TYPE_Q8_0, x, &q0, QK);
    quantize_q8_0_ref(x, &r0, QK);
    quantize_row(GGML_TYPE_Q8_1, x, &q1, QK);
    ST_CHECK(q0.d == 0x3c00 && r0.d == 0x3c00 && q1.d == 0x3c00, "d %04x", q0.d);
    int sum = 0;
    for (int j = 0; j < QK; j++) {
        ST_CHECK(q0.qs[j] == even[j % 8], "q8_0[%d] = %d, want %d", j, q0.qs[j], even[j % 8]);
        ST_CHECK(q1.qs[j] == even[j % 8], "q8_1[%d] = %d", j, q1.qs[j]);
        ST_CHECK(r0.qs[j] == away[j % 8], "q8_0 ref[%d] = %d, want %d", j, r0.qs[j], away[j % 8]);
        sum += even[j % 8];
    }
    ST_CHECK(q1.s == fp32_to_fp16((float)sum), "q8_1 s %04x for sum %d", q1.s, sum);
    /* all zero: d = 0, no division */
    memset(x, 0, sizeof x);
    quantize_row(GGML_TYPE_Q8_1, x, &q1, QK);
    ST_CHECK(q1.d == 0 && q1.s == 0 && q1.qs[5] == 0, "zero block");
    /* d is kept in f32 for the scaling: 0.3 / (amax/127) with amax = 1.27 */
    x[0] = 1.27f;
    x[1] = 0.3f;
    quantize_row(GGML_TYPE_Q8_0, x, &q0, QK);
    ST_CHECK(q0.qs[0] == 127 && q0.qs[1] == 30, "scaled %d %d", q0.qs[0], q0.qs[1]);
    ST_CHECK(q0.d == fp32_to_fp16(1.27f / 127), "d rounded once");
}

SELFTEST(quant_known_blocks)
{
    static struct block_q4_0 b40;
    static struct block_q4_1 b41;
    static struct block_q5_0 b50;
    static struct block_q5_1 b51;
    static struct block_q8_0 b80;
    static float y[QK];
    /* distinct nibbles: byte j holds element j (low) = j, element 16+j (high) = 15-j */
    b40.d = fp32_to_fp16(0.5f);
    b41.d = fp32_to_fp16(0.25f);
    b41.m = fp32_to_fp16(-1.0f);
    b50.d = fp32_to_fp16(2.0f);
    b51.d = fp32_to_fp16(1.0f);
    b51.m = fp32_to_fp16(0.5f);
    for (int j = 0; j < 16; j++) {
        uint8_t byte = (uint8_t)(j | (15 - j) << 4);
        b40.qs[j] = b41.qs[j] = b50.qs[j] = b51.qs[j] = byte;
    }
    /* qh: bits 0..31 = 1 0 1 1 0 0 ... (0x0000000d) plus bit 31 and bit 16 */
    uint32_t qh = 0x8001000du;
    for (int k = 0; k < 4; k++)
        b50.qh[k] = b51.qh[k] = (uint8_t)(qh >> 8 * k);
    for (int j = 0; j < QK; j++)
        b80.qs[j] = (int8_t)(j * 8 - 128);
    b80.d = fp32_to_fp16(0.125f);

    dequantize_row(GGML_TYPE_Q4_0, &b40, y, QK);
    for (int j = 0; j < QK; j++) {
        int lvl = j < 16 ? j : 31 - j;
        ST_CHECK(y[j] == (lvl - 8) * 0.5f, "q4_0[%d] = %g", j, (double)y[j]);
    }
    dequantize_row(GGML_TYPE_Q4_1, &b41, y, QK);
    for (int j = 0; j < QK; j++) {
        int lvl = j < 16 ? j : 31 - j;
        ST_CHECK(y[j] == lvl * 0.25f - 1.0f, "q4_1[%d] = %g", j, (double)y[j]);
    }
    dequantize_row(GGML_TYPE_Q5_0, &b50, y, QK);
    for (int j = 0; j < QK; j++) {
        int lvl = (j < 16 ? j : 31 - j) | (int)(qh >> j & 1) << 4;
        ST_CHECK(y[j] == (lvl - 16) * 2.0f, "q5_0[%d] = %g", j, (double)y[j]);
    }
    dequantize_row(GGML_TYPE_Q5_1, &b51, y, QK);
    for (int j = 0; j < QK; j++) {
        int lvl = (j < 16 ? j : 31 - j) | (int)(qh >> j & 1) << 4;
        ST_CHECK(y[j] == lvl + 0.5f, "q5_1[%d] = %g", j, (double)y[j]);
    }
    dequantize_row(GGML_TYPE_Q8_0, &b80, y, QK);
    for (int j = 0; j < QK; j++)
        ST_CHECK(y[j] == (j * 8 - 128) * 0.125f, "q8_0[%d] = %g", j, (double)y[j]);

    /* the max-magnitude element maps to level 0 (-8 * d) exactly */
    for (int j = 0; j < QK; j++)
        y[j] = (float)(j % 7) - 2.0f;
    y[9] = -16.0f;
    quantize_row(GGML_TYPE_Q4_0, y, &b40, QK);
    ST_CHECK(b40.d == fp32_to_fp16(2.0f) && (b40.qs[9] & 15) == 0, "q4_0 max: d %04x q %d",
             b40.d, b40.qs[9] & 15);
    ST_CHECK((b40.qs[0] & 15) == 7 && (b40.qs[2] & 15) == 8, "q4_0 levels %d %d",
             b40.qs[0] & 15, b40.qs[2] & 15);
}

/* ---------------------------------------------------------------- round trips and dots */

static const enum ggml_type weight_types[] = {
    GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
};

/* Worst error per element, in units of the block's step d (its top level may
 * clip one step for the symmetric types: ggml maps the signed max to -8/-16). */
static float step_of(enum ggml_type t, const float *x)
{
    float mn = x[0], mx = x[0], amax = 0.0f;
    for (int j = 0; j < QK; j++) {
        if (x[j] < mn) mn = x[j];
        if (x[j] > mx) mx = x[j];
        if (fabsf(x[j]) > amax) amax = fabsf(x[j]);
    }
    switch (t) {
    case GGML_TYPE_Q4_0: return amax / 8;
    case GGML_TYPE_Q5_0: return amax / 16;
    case GGML_TYPE_Q4_1: return (mx - mn) / 15;
    case GGML_TYPE_Q5_1: return (mx - mn) / 31;
    default:             return amax / 127;
    }
}

SELFTEST(quant_round_trip)
{
    static float x[MAXN], y[MAXN];
    static uint8_t q[MAXN / QK * 36];
    static const int blocks[] = { 1, 3, 7 };
    rng_state = 777;
    for (unsigned ti = 0; ti < sizeof weight_types / sizeof weight_types[0]; ti++) {
        enum ggml_type ty = weight_types[ti];
        bool sym = ty == GGML_TYPE_Q4_0 || ty == GGML_TYPE_Q5_0;
        for (unsigned bi = 0; bi < 3; bi++) {
            int n = blocks[bi] * QK;
            fill_asym(x, n);
            memset(y, 0, sizeof y);
            quantize_row(ty, x, q, n);
            dequantize_row(ty, q, y, n);
            for (int i = 0; i < n; i++) {
                float step = step_of(ty, x + i / QK * QK);
                /* half a step, one step where the symmetric top level clips,
                 * plus the fp16 rounding of d and m */
                float tol = step * (sym ? 1.0f : 0.5f) * 1.002f + fabsf(x[i]) * 2e-3f + 1e-6f;
                ST_CHECK(fabsf(y[i] - x[i]) <= tol, "%s n=%d [%d]: %g vs %g (tol %g)",
                         type_traits(ty)->name, n, i, (double)x[i], (double)y[i], (double)tol);
            }
        }
    }
}

/* vec_dot must equal the exact dot of the two dequantized rows up to the
 * float rounding of its per-block products and sums, plus `extra`. */
static bool dot_close_extra(float got, const float *w, const float *x, int n, double extra,
                            double *want_out)
{
    double want = 0.0, mag = 0.0;
    for (int i = 0; i < n; i++) {
        want += (double)w[i] * x[i];
        mag += fabs((double)w[i] * x[i]);
    }
    *want_out = want;
    return fabs(got - want) <= 4e-6 * mag + extra + 1e-30;
}

static bool dot_close(float got, const float *w, const float *x, int n, double *want_out)
{
    return dot_close_extra(got, w, x, n, 0.0, want_out);
}

SELFTEST(quant_vec_dot_quantized)
{
    static float w[MAXN], x[MAXN], wd[MAXN], xd[MAXN];
    static uint8_t wq[MAXN / QK * 36], xq[MAXN / QK * 36];
    static const int blocks[] = { 1, 2, 3, 7 };
    rng_state = 4242;
    for (unsigned ti = 0; ti < sizeof weight_types / sizeof weight_types[0]; ti++) {
        enum ggml_type ty = weight_types[ti], xt = type_traits(ty)->vec_dot_type;
        for (unsigned bi = 0; bi < 4; bi++) {
            int n = blocks[bi] * QK;
            double want;
            fill_asym(w, n);
            fill_asym(x, n);
            quantize_row(ty, w, wq, n);
            quantize_row(xt, x, xq, n);
            dequantize_row(ty, wq, wd, n);
            dequantize_row(xt, xq, xd, n);
            float got = vec_dot(ty, n, wq, xq);
            /* Q8_1 carries s = d*sum(q) rounded to fp16 (half an ulp: 2^-11
             * relative); q4_1/q5_1 use it for the m*sum(x) term */
            double extra = 0.0;
            for (int b = 0; xt == GGML_TYPE_Q8_1 && b < blocks[bi]; b++) {
                float m = fp16_to_fp32(ty == GGML_TYPE_Q4_1 ? ((struct block_q4_1 *)wq)[b].m
                                                            : ((struct block_q5_1 *)wq)[b].m);
                extra += fabs((double)m * fp16_to_fp32(((struct block_q8_1 *)xq)[b].s)) * 0x1p-11;
            }
            ST_CHECK(dot_close_extra(got, wd, xd, n, extra, &want), "%s n=%d: %.9g vs %.9g",
                     type_traits(ty)->name, n, (double)got, want);
            if (ty == GGML_TYPE_Q4_0) {
                got = vec_dot_q4_0_repacked(n, wq, xq);
                ST_CHECK(dot_close(got, wd, xd, n, &want), "q4_0 repacked n=%d: %.9g vs %.9g",
                         n, (double)got, want);
            }
            if (ty == GGML_TYPE_Q4_0 || ty == GGML_TYPE_Q8_0) {
                got = vec_dot_sgemm(ty, n, wq, xq);
                ST_CHECK(dot_close(got, wd, xd, n, &want), "%s sgemm n=%d: %.9g vs %.9g",
                         type_traits(ty)->name, n, (double)got, want);
            }
        }
    }
}

/* Small integers with unit scales: every float step is exact, so the result
 * is the integer dot exactly, whatever the order. */
SELFTEST(quant_vec_dot_exact)
{
    static struct block_q8_0 a[3], b[3];
    static struct block_q4_1 w41[3];
    static struct block_q8_1 x81[3];
    int32_t want = 0, want41 = 0, sx = 0;
    for (int i = 0; i < 3; i++) {
        a[i].d = b[i].d = 0x3c00;
        w41[i].d = 0x3c00;
        w41[i].m = fp32_to_fp16(-2.0f);
        x81[i].d = 0x3c00;
        int sum = 0;
        for (int j = 0; j < QK; j++) {
            a[i].qs[j] = (int8_t)(j * 3 - 40 + i);
            b[i].qs[j] = (int8_t)(17 - j * 2 + i * 5);
            x81[i].qs[j] = b[i].qs[j];
            want += a[i].qs[j] * b[i].qs[j];
            int lvl = (j + i) % 16;
            if (j < 16)
                w41[i].qs[j] = (uint8_t)lvl;
            else
                w41[i].qs[j - 16] |= (uint8_t)(lvl << 4);
            want41 += lvl * b[i].qs[j];
            sum += b[i].qs[j];
        }
        x81[i].s = fp32_to_fp16((float)sum);
        sx += sum;
    }
    ST_CHECK(vec_dot(GGML_TYPE_Q8_0, 3 * QK, a, b) == (float)want, "q8_0: %g vs %d",
             (double)vec_dot(GGML_TYPE_Q8_0, 3 * QK, a, b), want);
    float got = vec_dot(GGML_TYPE_Q4_1, 3 * QK, w41, x81);
    ST_CHECK(got == (float)(want41 - 2 * sx), "q4_1: %g vs %d", (double)got, want41 - 2 * sx);
}

SELFTEST(quant_vec_dot_float)
{
    static float w[257], x[257];
    static uint16_t wh[257], xh[257], wb[257], xb[257];
    static const int lens[] = { 1, 15, 16, 17, 63, 100, 257 };
    rng_state = 99;
    for (unsigned li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int n = lens[li];
        fill_asym(w, n);
        fill_asym(x, n);
        quantize_row(GGML_TYPE_F16, w, wh, n);
        quantize_row(GGML_TYPE_F16, x, xh, n);
        quantize_row(GGML_TYPE_BF16, w, wb, n);
        quantize_row(GGML_TYPE_BF16, x, xb, n);
        double want;
        ST_CHECK(dot_close(vec_dot(GGML_TYPE_F32, n, w, x), w, x, n, &want), "f32 n=%d", n);
        static float wd[257], xd[257];
        dequantize_row(GGML_TYPE_F16, wh, wd, n);
        dequantize_row(GGML_TYPE_F16, xh, xd, n);
        for (int i = 0; i < n; i++)
            ST_CHECK(fabsf(wd[i] - w[i]) <= fabsf(w[i]) * 4.9e-4f + 3e-8f, "f16 value %d", i);
        ST_CHECK(dot_close(vec_dot(GGML_TYPE_F16, n, wh, xh), wd, xd, n, &want), "f16 n=%d", n);
        if (n % 4 == 0) {
            ST_CHECK(dot_close(vec_dot_sgemm(GGML_TYPE_F32, n, w, x), w, x, n, &want), "f32 sgemm n=%d", n);
            ST_CHECK(dot_close(vec_dot_sgemm(GGML_TYPE_F16, n, wh, x), wd, x, n, &want), "f16 sgemm n=%d", n);
        }
        dequantize_row(GGML_TYPE_BF16, wb, wd, n);
        dequantize_row(GGML_TYPE_BF16, xb, xd, n);
        ST_CHECK(dot_close(vec_dot(GGML_TYPE_BF16, n, wb, xb), wd, xd, n, &want), "bf16 n=%d", n);
    }
    /* the 16-lane order is visible: a big value in lane 0 swallows a small one
     * in lane 1 only if they share an accumulator */
    memset(w, 0, sizeof w);
    memset(x, 0, sizeof x);
    w[0] = 1e8f; w[1] = 1.0f; w[16] = -1e8f; w[17] = 1.0f;
    for (int i = 0; i < 32; i++) x[i] = 1.0f;
    ST_CHECK(vec_dot(GGML_TYPE_F32, 32, w, x) == 2.0f, "lanes: %g", (double)vec_dot(GGML_TYPE_F32, 32, w, x));
    ST_CHECK(vec_dot_sgemm(GGML_TYPE_Q4_1, 32, w, x) == 0.0f, "sgemm has no q4_1 path");
}

/* ---------------------------------------------------------------- bit-exact with ggml */

static uint32_t golden_hash[27];

static void golden_mix(int k, const void *p, int n)
{
    const uint8_t *b = p;
    for (int i = 0; i < n; i++) {
        golden_hash[k] ^= b[i];
        golden_hash[k] *= 16777619u;
    }
}

/* FNV-1a hashes of every output over 24 rows (odd block counts, F32 lengths
 * that leave leftovers), as produced by llama.cpp c392e50's own functions built
 * for arm64 (GCC 12 -O3 -march=armv8.2-a+dotprod) and run under qemu-aarch64:
 * ggml-quants.c quantize_row_*_ref and dequantize_row_*; ggml-cpu-quants.c
 * quantize_row_q8_0/q8_1 and ggml_vec_dot_*; ggml-cpu.c ggml_vec_dot_f32/f16/
 * bf16 and GGML_FP32_TO_FP16/BF16; ggml-cpu-aarch64.cpp ggml_gemv_q4_0_4x4_q8_0
 * on repacked rows; llamafile_sgemm. A build that fuses a*b+c where ggml did
 * not (or the reverse) fails here. */
SELFTEST(quant_golden_arm64)
{
    static const uint32_t want[27] = {
        0x921f47d2, 0x162e512c, 0x4b824c8b, 0x962dcba2, 0xf1b129e4, 0x34d7f621,
        0x06c64309, 0x7a1bb0bd, 0xfb2401b6, 0x09e896b9, 0x29dac294, 0x1211321b,
        0x5425b563, 0x38a3a5f0, 0x599c19c6, 0xb480903d, 0x5c9ed32b, 0x84fae45a,
        0xd05ddcb2, 0x82bf15a4, 0x7bc0c34c, 0x92f6aa92, 0x47ff8fdb, 0x46759716,
        0x2c35291e, 0xe0880020, 0xa4926395,
    };
    static const char *const what[27] = {
        "q4_0 ref", "q4_1 ref", "q5_0 ref", "q5_1 ref", "q8_0 ref", "q8_0 activation",
        "q8_1 activation", "fp16", "bf16", "dot q4_0", "dot q4_1", "dot q5_0", "dot q5_1",
        "dot q8_0", "q4_0 repacked", "sgemm q4_0", "sgemm q8_0", "dot f32", "dot f16",
        "dot bf16", "sgemm f32", "sgemm f16", "deq q4_0", "deq q4_1", "deq q5_0",
        "deq q5_1", "deq q8_0",
    };
    static const enum ggml_type wt[5] = {
        GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
    };
    static float w[15 * QK], x[15 * QK], d[15 * QK];
    static uint8_t wq[15 * 36], xq[15 * 36];
    static uint16_t wh[15 * QK], xh[15 * QK], wb[15 * QK], xb[15 * QK];
    for (int k = 0; k < 27; k++)
        golden_hash[k] = 2166136261u;
    rng_state = 2025;
    for (int trial = 0; trial < 24; trial++) {
        int nb = 1 + 2 * (trial % 8), n = QK * nb, nf = n - 10;
        float s;
        fill_asym(w, n);
        fill_asym(x, n);
        for (int i = 0; i < n; i++)
            x[i] *= 1.0f + (float)(trial % 5);
        quantize_row(GGML_TYPE_Q8_0, x, xq, n);
        golden_mix(5, xq, nb * 34);
        quantize_row(GGML_TYPE_Q8_1, x, xq, n);
        golden_mix(6, xq, nb * 36);
        for (int t = 0; t < 5; t++) {
            enum ggml_type xt = type_traits(wt[t])->vec_dot_type;
            quantize_row_ref(wt[t], w, wq, n);
            dequantize_row(wt[t], wq, d, n);
            golden_mix(t, wq, (int)type_row_bytes(wt[t], n));
            golden_mix(22 + t, d, 4 * n);
            quantize_row(xt, x, xq, n);
            s = vec_dot(wt[t], n, wq, xq);
            golden_mix(9 + t, &s, 4);
            if (t == 0) {
                s = vec_dot_q4_0_repacked(n, wq, xq);
                golden_mix(14, &s, 4);
            }
            if (t == 0 || t == 4) {
                s = vec_dot_sgemm(wt[t], n, wq, xq);
                golden_mix(t == 0 ? 15 : 16, &s, 4);
            }
        }
        quantize_row(GGML_TYPE_F16, w, wh, n);
        quantize_row(GGML_TYPE_F16, x, xh, n);
        quantize_row(GGML_TYPE_BF16, w, wb, n);
        quantize_row(GGML_TYPE_BF16, x, xb, n);
        golden_mix(7, xh, 2 * n);
        golden_mix(8, xb, 2 * n);
        s = vec_dot(GGML_TYPE_F32, nf, w, x);
        golden_mix(17, &s, 4);
        s = vec_dot(GGML_TYPE_F16, nf, wh, xh);
        golden_mix(18, &s, 4);
        s = vec_dot(GGML_TYPE_BF16, nf, wb, xb);
        golden_mix(19, &s, 4);
        s = vec_dot_sgemm(GGML_TYPE_F32, n, w, x);
        golden_mix(20, &s, 4);
        s = vec_dot_sgemm(GGML_TYPE_F16, n, wh, x);
        golden_mix(21, &s, 4);
    }
    for (int k = 0; k < 27; k++)
        ST_CHECK(golden_hash[k] == want[k], "%s differs from ggml (hash %08x)", what[k], golden_hash[k]);
}
