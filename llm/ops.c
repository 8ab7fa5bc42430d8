/* llm/ops.c: scalar kernels of the forward pass (see llm/ops.h). The comments
 * name the ggml-cpu / llamafile kernel each one mirrors on an arm64 build with
 * DOTPROD and without FP16 vector arithmetic (the llama.cpp reference build). */
#include "llm/ops.h"
#include "llm/quant.h"
#include "llm/quant_impl.h"   /* block layouts, fma_f32, hsum4_f32: shared with quant.c */
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/string.h"

/* ggml_compute_forward_rms_norm_f32: squares summed in double, mean and scale
 * in float, x scaled first, then multiplied by the weight (a separate ggml_mul). */
void ops_rmsnorm(float *y, const float *x, const float *w, uint32_t n, float eps)
{
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / n);
    const float scale = 1.0f / sqrtf(mean + eps);
    for (uint32_t i = 0; i < n; i++)
        y[i] = (x[i] * scale) * w[i];
}

/* ggml_rope_cache_init (ext_factor 0, freq_scale 1, mscale 1): theta starts at
 * the position and is multiplied by base^(-2/n_rot) in float at each pair, so
 * rounding compounds exactly as in ggml. */
void ops_rope_cache(float *cache, uint32_t n_rot, uint32_t pos, float base)
{
    const float theta_scale = powf(base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (uint32_t i = 0; i < n_rot; i += 2) {
        cache[i] = cosf(theta);
        cache[i + 1] = sinf(theta);
        theta *= theta_scale;
    }
}

/* GGML_ROPE_TYPE_NORM: adjacent pairs; dims past n_rot pass through. */
void ops_rope(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot)
{
    for (uint32_t h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        for (uint32_t i = 0; i < n_rot; i += 2) {
            const float c = cache[i], s = cache[i + 1];
            const float x0 = v[i], x1 = v[i + 1];
            v[i] = x0 * c - x1 * s;
            v[i + 1] = x0 * s + x1 * c;
        }
    }
}

static inline uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* e^x as ggml_v_expf computes each lane on NEON (ARM optimized-routines'
 * expf, max error about 1.5 ulp): n = round(x / ln 2) through the 1.5 * 2^23
 * shift, b = x - n ln 2 in two fused steps, a degree-5 polynomial j ~ e^b - 1,
 * then 2^n * (1 + j) with a two-factor scale when |n| > 126. ggml's softmax
 * and SiLU use it, so mirroring it keeps the rounding of everything after. */
static float expf_neon(float x)
{
    const float shift = 0x1.8p23f;
    const float z = fma_f32(x, 0x1.715476p+0f, shift);
    const float n = z - shift;
    const float b = fma_f32(-n, 0x1.7f7d1cp-20f, fma_f32(-n, 0x1.62e4p-1f, x));
    const uint32_t e = f2u(z) << 23;
    const float k = u2f(e + f2u(1.0f));
    const float u = b * b;
    const float j = fma_f32(fma_f32(fma_f32(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    fma_f32(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                            u, 0x1.ffffecp-1f * b);
    if (!(fabsf(n) > 126.0f))
        return fma_f32(k, j, k);
    const uint32_t d = n <= 0.0f ? 0x82000000u : 0;
    const float s1 = u2f(d + 0x7f000000u), s2 = u2f(e - d);
    if (fabsf(n) > 192.0f)
        return s1 * s1;
    return fma_f32(s2, j, s2) * s1;
}

/* ggml_compute_forward_soft_max_f32 with a -INF mask: scale, max, then the
 * NEON ggml_vec_soft_max_f32: e^(x - max) four lanes at a time, each group's
 * float sum (vaddvq_f32) added into a double; libm's expf for a tail of < 4.
 * Finally multiplied by the float of 1/sum. */
void ops_softmax(float *x, uint32_t n, uint32_t n_valid, float scale)
{
    float max = -INFINITY;
    for (uint32_t i = 0; i < n_valid; i++) {
        x[i] *= scale;
        if (x[i] > max)
            max = x[i];
    }
    double sum = 0.0;
    uint32_t i = 0;
    for (; i + 3 < n; i += 4) {
        for (uint32_t l = i; l < i + 4; l++)
            x[l] = l < n_valid ? expf_neon(x[l] - max) : 0.0f;
        sum += (double)hsum4_f32(x + i);
    }
    for (; i < n; i++) {
        x[i] = i < n_valid ? expf(x[i] - max) : 0.0f;
        sum += (double)x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (i = 0; i < n; i++)
        x[i] *= inv;
}

/* ggml_vec_silu_f32 (ggml_v_silu four lanes at a time: x / (1 + e^-x) with
 * the NEON exp, libm's expf for a tail), then ggml_mul by up: llama.cpp at
 * this commit has no fused swiglu. */
void ops_swiglu(float *gate, const float *up, uint32_t n)
{
    const uint32_t n4 = n & ~3u;
    for (uint32_t i = 0; i < n; i++) {
        const float g = gate[i];
        const float e = i < n4 ? expf_neon(0.0f - g) : expf(-g);
        gate[i] = (g / (1.0f + e)) * up[i];
    }
}

void ops_add(float *y, const float *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* --------------------------------------------------------------- dot products */

/* tinyBLAS<4, float32x4_t, ...>::gemm: one 4-lane accumulator (vfmaq_f32),
 * then vaddvq_f32. */
float ops_dot_f32(const float *w, const float *x, uint32_t n)
{
    float acc[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i += 4)
        for (uint32_t l = 0; l < 4; l++)
            acc[l] = fma_f32(w[i + l], x[i + l], acc[l]);
    return hsum4_f32(acc);
}

float ops_dot_f16(const uint16_t *w, const float *x, uint32_t n)
{
    float acc[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i += 4)
        for (uint32_t l = 0; l < 4; l++)
            acc[l] = fma_f32(fp16_to_fp32(w[i + l]), x[i + l], acc[l]);
    return hsum4_f32(acc);
}

/* Element i of a Q8_0 or Q4_0 block as a small integer. */
static inline int32_t q0_elem(const void *blk, bool q4, uint32_t i)
{
    if (!q4)
        return ((const struct block_q8_0 *)blk)->qs[i];
    const uint8_t b = ((const struct block_q4_0 *)blk)->qs[i % (QK / 2)];
    return (i < QK / 2 ? (b & 15) : (b >> 4)) - 8;
}

/* tinyBLAS_Q0_ARM (Q8_0 weights; Q4_0 ones that were not repacked): per block
 * lane l holds the integer dot of elements 4l..4l+3 and 16+4l..16+4l+3 (two
 * vdotq_s32) and adds isum * (dw * dx) with one rounding (vmlaq_n_f32, fused
 * by the compiler); then vaddvq_f32. */
static float dot_q0_lanes(const uint8_t *w, bool q4, const struct block_q8_0 *x, uint32_t nb)
{
    const size_t wb = q4 ? sizeof(struct block_q4_0) : sizeof(struct block_q8_0);
    float acc[4] = {0, 0, 0, 0};
    for (uint32_t b = 0; b < nb; b++, w += wb, x++) {
        uint16_t wd;
        memcpy(&wd, w, 2);   /* d leads both block layouts */
        const float d = fp16_to_fp32(wd) * fp16_to_fp32(x->d);
        for (uint32_t l = 0; l < 4; l++) {
            int32_t s = 0;
            for (uint32_t i = 4 * l; i < 4 * l + 4; i++)
                s += q0_elem(w, q4, i) * x->qs[i] + q0_elem(w, q4, i + 16) * x->qs[i + 16];
            acc[l] = fma_f32((float)s, d, acc[l]);
        }
    }
    return hsum4_f32(acc);
}

/* ------------------------------------------------------------------- matmul */

/* Which kernel llama.cpp's mul_mat ends up in for this weight. llamafile's
 * sgemm only takes batches of two or more rows ("prompt processing"); a single
 * row goes through ggml's own vec_dot on activations converted to vec_dot_type.
 * Repacked Q4_0 has its own gemv/gemm either way. */
enum mm_kind {
    MM_F32,       /* tinyBLAS, f32 activations (k % 4 == 0) */
    MM_F16,       /* tinyBLAS, f16 weights widened, f32 activations */
    MM_Q8_0,      /* tinyBLAS_Q0_ARM, activations to Q8_0 */
    MM_Q4_0,      /* the same for Q4_0 rows that llama.cpp did not repack */
    MM_Q4_0_RP,   /* repacked q4_0_4x4 gemv/gemm (rows % 4 == 0) */
    MM_VEC_DOT,   /* ggml's vec_dot on activations converted to vec_dot_type */
};

struct mm_job {
    enum mm_kind   kind;
    uint32_t       type, n, rows, n_tok, chunk;
    const uint8_t *w;
    size_t         w_row;     /* bytes per weight row */
    const float   *x;
    const uint8_t *xq;        /* converted activations */
    size_t         xq_row;
    float         *y;
};

static enum mm_kind mm_kind_of(uint32_t type, uint64_t n, uint64_t rows, uint32_t n_tok)
{
    if (type == GGML_TYPE_Q4_0 && rows % 4 == 0)
        return MM_Q4_0_RP;
    if (n_tok < 2)
        return MM_VEC_DOT;
    switch (type) {
    case GGML_TYPE_F32: return n % 4 == 0 ? MM_F32 : MM_VEC_DOT;
    case GGML_TYPE_F16: return n % 4 == 0 ? MM_F16 : MM_VEC_DOT;
    case GGML_TYPE_Q8_0: return MM_Q8_0;
    case GGML_TYPE_Q4_0: return MM_Q4_0;
    default: return MM_VEC_DOT;
    }
}

static bool mm_needs_conversion(enum mm_kind k)
{
    return k != MM_F32 && k != MM_F16;
}

size_t ops_matmul_scratch(uint32_t type, uint64_t n, uint32_t n_tok)
{
    const struct type_traits *tt = type_traits(type);
    if (!tt || tt->vec_dot_type == GGML_TYPE_F32)
        return 0;
    return (size_t)type_row_bytes(tt->vec_dot_type, n) * n_tok;
}

static float mm_row(const struct mm_job *j, uint32_t r, uint32_t t)
{
    const uint8_t *w = j->w + (size_t)r * j->w_row;
    const uint8_t *xq = j->xq + (size_t)t * j->xq_row;
    switch (j->kind) {
    case MM_F32: return ops_dot_f32((const float *)w, j->x + (size_t)t * j->n, j->n);
    case MM_F16: return ops_dot_f16((const uint16_t *)w, j->x + (size_t)t * j->n, j->n);
    case MM_Q8_0: return dot_q0_lanes(w, false, (const void *)xq, j->n / QK);
    case MM_Q4_0: return dot_q0_lanes(w, true, (const void *)xq, j->n / QK);
    case MM_Q4_0_RP: return vec_dot_q4_0_repacked(j->n, w, xq);
    default:
        return vec_dot(j->type, j->n, w,
                       j->xq ? (const void *)xq : (const void *)(j->x + (size_t)t * j->n));
    }
}

static void mm_chunk(int c, void *arg)
{
    const struct mm_job *j = arg;
    uint32_t r0 = (uint32_t)c * j->chunk;
    uint32_t r1 = r0 + j->chunk < j->rows ? r0 + j->chunk : j->rows;
    for (uint32_t r = r0; r < r1; r++)
        for (uint32_t t = 0; t < j->n_tok; t++)
            j->y[(size_t)t * j->rows + r] = mm_row(j, r, t);
}

void ops_matmul(const struct gguf_tensor *w, const float *x, uint32_t n_tok, float *y,
                void *scratch)
{
    struct mm_job j = {
        .type = w->type, .n = (uint32_t)w->ne[0], .rows = (uint32_t)w->ne[1], .n_tok = n_tok,
        .w = w->data, .w_row = (size_t)type_row_bytes(w->type, w->ne[0]), .x = x, .y = y,
    };
    j.kind = mm_kind_of(w->type, j.n, j.rows, n_tok);
    const enum ggml_type vdt = type_traits(w->type)->vec_dot_type;
    if (mm_needs_conversion(j.kind) && vdt != GGML_TYPE_F32) {
        j.xq = scratch;
        j.xq_row = (size_t)type_row_bytes(vdt, j.n);
        for (uint32_t t = 0; t < n_tok; t++)
            quantize_row(vdt, x + (size_t)t * j.n, (uint8_t *)scratch + t * j.xq_row, j.n);
    }
    /* Small products are not worth waking other cores. */
    uint64_t work = (uint64_t)j.rows * j.n * n_tok;
    int n_chunks = work < (1u << 16) ? 1 : llm_cpu_count() * 4;
    if ((uint32_t)n_chunks > j.rows)
        n_chunks = (int)j.rows;
    j.chunk = (j.rows + (uint32_t)n_chunks - 1) / (uint32_t)n_chunks;
    n_chunks = (int)((j.rows + j.chunk - 1) / j.chunk);
    llm_parallel_for(n_chunks, mm_chunk, &j);
}
