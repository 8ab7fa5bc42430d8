/* llm/model/ops_norm_act_test.c: selftests for ops_layernorm and ops_gelu
 * (llm/model/ops_norm_act.c), each against a double-precision evaluation of
 * its definition, on asymmetric data and an odd length. */
#include <stdint.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "llm/model/ops.h"
#include "llm/quant/quant.h"

static double gelu_double(double x)
{
    const double z = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return 0.5 * x * (2.0 - 2.0 / (exp(2.0 * z) + 1.0));   /* 1 + tanh z */
}

SELFTEST(ops_layernorm_matches_double)
{
    float x[77], w[77], b[77], y[77];
    uint64_t rng_state = 777;
    for (int i = 0; i < 77; i++) {
        x[i] = rand_float(&rng_state, -3.0f, 5.0f) + 20.0f;   /* a large mean: centring must come first */
        w[i] = rand_float(&rng_state, 0.5f, 1.5f);
        b[i] = rand_float(&rng_state, -0.3f, 0.3f);
    }
    const float eps = 1e-5f;
    double mean = 0, var = 0;
    for (int i = 0; i < 77; i++)
        mean += x[i];
    mean /= 77;
    for (int i = 0; i < 77; i++)
        var += (x[i] - mean) * (x[i] - mean);
    var /= 77;
    ops_layernorm(y, x, w, b, 77, eps);
    for (int i = 0; i < 77; i++) {
        double want = (x[i] - mean) / sqrt(var + eps) * w[i] + b[i];
        ST_CHECK(fabs(y[i] - want) < 2e-5, "entry %d: %.9g vs %.9g", i, (double)y[i], want);
    }
    ops_layernorm(x, x, w, b, 77, eps);   /* in place */
    for (int i = 0; i < 77; i++)
        ST_CHECK(x[i] == y[i], "in place entry %d: %.9g vs %.9g", i, (double)x[i], (double)y[i]);
}

/* Every table entry is GELU of its f16 input rounded to f16: half an f16 ulp,
 * plus the float evaluation's error, which for negative x is 1 + tanh's
 * cancellation (an ulp of 1 times |x|/2, as ggml has it too); outside
 * [-10, 10] 0 or x. */
SELFTEST(ops_gelu_table_matches_double)
{
    ops_gelu_init();
    uint32_t checked = 0;
    for (uint32_t h = 0; h < (1u << 16); h++) {
        float x = fp16_to_fp32((uint16_t)h);
        if (!isfinite(x) || fabs(x) >= 10.0f)
            continue;
        float y = x;
        ops_gelu(&y, 1);
        double want = gelu_double(x);
        double tol = fabs(want) * (1.0 / 2048) + fabs(x) * 0x1p-23 + 6e-8;
        ST_CHECK(fabs(y - want) <= tol, "gelu(%.9g) = %.9g, want %.9g", (double)x, (double)y, want);
        ST_CHECK(fp16_to_fp32(fp32_to_fp16(y)) == y, "gelu(%.9g) = %.9g is not an f16 value", (double)x,
                 (double)y);
        checked++;
    }
    ST_CHECK(checked > 36000, "only %u table entries checked", checked);
    float e[5] = { -10.0f, -25.0f, 10.0f, 37.5f, 0.0f };
    ops_gelu(e, 5);
    ST_CHECK(e[0] == 0.0f && e[1] == 0.0f && e[2] == 10.0f && e[3] == 37.5f && e[4] == 0.0f,
             "edges: %g %g %g %g %g", (double)e[0], (double)e[1], (double)e[2], (double)e[3], (double)e[4]);
    /* between f16 values the input is rounded first: the same entry */
    float a = 1.0f + 1.0f / 4096, c = 1.0f;
    ops_gelu(&a, 1);
    ops_gelu(&c, 1);
    ST_CHECK(a == c, "gelu(1 + 2^-12) = %.9g, gelu(1) = %.9g", (double)a, (double)c);
}
