/* llm/quant/cpu_ops.c: the scalar compute-kernel table (llm/quant/quant.h, row by row) and the
 * run-time choice between it and the NEON tables of quant_neon.c. */
#include "llm/quant/cpu_ops.h"
#include "llm/platform.h"

static float dot_scalar(enum ops_order o, enum ggml_type t, int64_t n, const void *w, const void *x)
{
    if (o == OPS_REPACKED)
        return vec_dot_q4_0_repacked(n, w, x);
    if (o == OPS_SGEMM)
        return vec_dot_sgemm(t, n, w, x);
    return vec_dot(t, n, w, x);
}

void cpu_ops_matmul_scalar(const struct mm_args *a, uint32_t r0, uint32_t r1)
{
    if (a->w_seg) {
        for (uint32_t r = r0; r < r1; r++) {
            const struct row_segs w = { a->w_seg, a->w_seg_off + r * a->w_row, a->seg_n };
            for (uint32_t t = 0; t < a->n_tok; t++)
                a->y[t * a->y_row + r] = vec_dot_float_segs(a->type, a->order == OPS_SGEMM, a->n, &w,
                                                            a->x + t * a->x_row);
        }
        return;
    }
    for (uint32_t r = r0; r < r1; r++)
        for (uint32_t t = 0; t < a->n_tok; t++)
            a->y[t * a->y_row + r] = dot_scalar(a->order, a->type, a->n,
                                                a->w + r * a->w_row, a->x + t * a->x_row);
}

const struct cpu_ops cpu_ops_scalar = {
    .name = "scalar",
    .quantize = quantize_row,
    .matmul = cpu_ops_matmul_scalar,
};

static const struct cpu_ops *chosen;
static bool force_scalar;

static const struct cpu_ops *cpu_ops_pick(void)
{
#if defined(__aarch64__)
    uint32_t f = llm_cpu_features();
    if (!force_scalar && (f & LLM_CPU_ASIMD))
        return !(f & LLM_CPU_DOTPROD) ? &cpu_ops_neon :
               (f & LLM_CPU_I8MM) ? &cpu_ops_neon_i8mm : &cpu_ops_neon_dotprod;
#endif
    return &cpu_ops_scalar;
}

const struct cpu_ops *cpu_ops(void)
{
    if (chosen == NULL)
        chosen = cpu_ops_pick();
    return chosen;
}

void cpu_ops_force_scalar(bool scalar)
{
    force_scalar = scalar;
    chosen = cpu_ops_pick();
}
