/* llm/model/ops_norm_act.c: LayerNorm and GELU (see llm/model/ops.h), the
 * ops the GPT-2 family adds to llama's. Scalar only: LayerNorm sums in double
 * one value at a time (as ggml does) and GELU is a table lookup, so a NEON
 * twin would save little. */
#include "llm/model/ops.h"
#include "llm/quant/quant.h"
#include "llm/quant/quant_impl.h"   /* fma_f32 */
#include "lib/math.h"

/* ggml_compute_forward_norm_f32: the mean of x and the variance of the
 * centred values summed in double, mean, variance and scale in float; then
 * the centred values scaled (ggml_vec_scale_f32), and llama.cpp's separate
 * ggml_mul by w and ggml_add of b. */
void ops_layernorm(float *y, const float *x, const float *w, const float *b, uint32_t n, float eps)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)x[i];
    const float mean = (float)(sum / n);
    double sum2 = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        const float v = x[i] - mean;
        y[i] = v;
        sum2 += (double)(v * v);
    }
    const float variance = (float)(sum2 / n);
    const float scale = 1.0f / sqrtf(variance + eps);
    for (uint32_t i = 0; i < n; i++)
        y[i] = (y[i] * scale) * w[i] + b[i];
}

/* ggml-cpu (GGML_GELU_FP16) looks GELU up in a table of all 65536 f16 inputs,
 * each entry ggml_gelu_f32 of that input rounded to f16. ggml_gelu_f32 is the
 * tanh form in float; GCC (-ffp-contract=fast) fuses 1 + a*x*x into an FMA. */
static uint16_t gelu_table[1 << 16];
static bool     gelu_ready;

static float gelu_f32(float x)
{
    const float a = 0.044715f, sqrt_2_over_pi = 0.79788456080286535587989211986876f;
    return 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * x * fma_f32(a * x, x, 1.0f)));
}

void ops_gelu_init(void)
{
    if (gelu_ready)
        return;
    for (uint32_t i = 0; i < (1u << 16); i++)
        gelu_table[i] = fp32_to_fp16(gelu_f32(fp16_to_fp32((uint16_t)i)));
    gelu_ready = true;
}

/* ggml_vec_gelu_f32: 0 at or below -10, x at or above 10, else the table. */
void ops_gelu(float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (x[i] <= -10.0f)
            x[i] = 0.0f;
        else if (x[i] < 10.0f)
            x[i] = fp16_to_fp32(gelu_table[fp32_to_fp16(x[i])]);
    }
}
