/* llm/model/ops.c: scalar kernels of the forward pass (see llm/model/ops.h). The comments
 * name the ggml-cpu / llamafile kernel each one mirrors on an arm64 build with
 * DOTPROD and without FP16 vector arithmetic (the llama.cpp reference build). */
#include "llm/model/ops.h"
#include "llm/quant/quant.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant_impl.h"   /* fma_f32, hsum4_f32: shared with quant.c */
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/string.h"

/* ggml_compute_forward_rms_norm_f32: squares summed in double, mean and scale
 * in float, x scaled first, then multiplied by the weight (a separate ggml_mul). */
void ops_rmsnorm(float *y, const float *x, const float *w, uint32_t n, float eps)
{
    if (cpu_ops()->rmsnorm) {   /* the NEON twin: same result */
        cpu_ops()->rmsnorm(y, x, w, n, eps);
        return;
    }
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
void ops_rope_cache(float *cache, uint32_t n_rot, int32_t pos, float base)
{
    const float theta_scale = powf(base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (uint32_t i = 0; i < n_rot; i += 2) {
        cache[i] = cosf(theta);
        cache[i + 1] = sinf(theta);
        theta *= theta_scale;
    }
}

/* GGML_ROPE_TYPE_NORM: adjacent pairs; dims past n_rot pass through. ggml
 * writes x0*c - x1*s and x0*s + x1*c; GCC (-ffp-contract=fast, its default
 * for GNU C) fuses the first product of each into an FMA, and so do we:
 * it is what keeps F16-cached keys bit-identical to llama.cpp's. */
void ops_rope(float *x, const float *cache, uint32_t n_heads, uint32_t head_dim, uint32_t n_rot)
{
    if (cpu_ops()->rope) {   /* the NEON twin: same result */
        cpu_ops()->rope(x, cache, n_heads, head_dim, n_rot);
        return;
    }
    for (uint32_t h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        for (uint32_t i = 0; i < n_rot; i += 2) {
            const float c = cache[i], s = cache[i + 1];
            const float x0 = v[i], x1 = v[i + 1];
            v[i] = fma_f32(x0, c, -(x1 * s));
            v[i + 1] = fma_f32(x0, s, x1 * c);
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
    if (cpu_ops()->softmax) {   /* the NEON twin: same result */
        cpu_ops()->softmax(x, n, n_valid, scale);
        return;
    }
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
    if (cpu_ops()->swiglu) {   /* the NEON twin: same result */
        cpu_ops()->swiglu(gate, up, n);
        return;
    }
    const uint32_t n4 = n & ~3u;
    for (uint32_t i = 0; i < n; i++) {
        const float g = gate[i];
        const float e = i < n4 ? expf_neon(0.0f - g) : expf(-g);
        gate[i] = (g / (1.0f + e)) * up[i];
    }
}

/* Four at a time so that GCC's -O2 (SLP) vectorizes it: it runs between
 * matmuls on one core while the others wait. */
void ops_add(float *restrict y, const float *restrict x, uint32_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float *p = y + i;
        const float *q = x + i;
        p[0] += q[0];
        p[1] += q[1];
        p[2] += q[2];
        p[3] += q[3];
    }
    for (; i < n; i++)
        y[i] += x[i];
}

/* ------------------------------------------------------------------- matmul */

/* Which summation order llama.cpp's mul_mat ends up in for this weight and
 * batch (ggml-cpu.c ggml_compute_forward_mul_mat at c392e50 on arm64):
 *  - Q4_0 with rows % 4 == 0 was repacked at load: its gemv/gemm, always;
 *  - llamafile's sgemm takes only batches of >= 2 rows ("prompt processing"):
 *    Q8_0 and (unrepacked) Q4_0 on Q8_0 activations; F16 on f32 activations;
 *    F32 from 4 rows; F16/F32 need n and rows % 4 == 0;
 *  - everything else is ggml's vec_dot on activations converted to the
 *    weight type's vec_dot_type (a single token always lands here). */
enum ops_order ops_order_of(uint32_t type, uint64_t n, uint64_t rows, uint32_t n_tok)
{
    if (type == GGML_TYPE_Q4_0 && rows % 4 == 0)
        return OPS_REPACKED;
    if (n_tok < 2)
        return OPS_VEC_DOT;
    switch (type) {
    case GGML_TYPE_Q8_0:
    case GGML_TYPE_Q4_0: return OPS_SGEMM;
    case GGML_TYPE_F16:  return n % 4 == 0 && rows % 4 == 0 ? OPS_SGEMM : OPS_VEC_DOT;
    case GGML_TYPE_F32:  return n_tok >= 4 && n % 4 == 0 && rows % 4 == 0 ? OPS_SGEMM : OPS_VEC_DOT;
    default:             return OPS_VEC_DOT;
    }
}

/* The activation type an order wants: sgemm on F16/F32 weights keeps f32. */
enum ggml_type ops_x_type(enum ops_order o, uint32_t type)
{
    if (o == OPS_SGEMM && (type == GGML_TYPE_F16 || type == GGML_TYPE_F32))
        return GGML_TYPE_F32;
    return type_traits(type)->vec_dot_type;
}

struct mm_job {
    enum ops_order  order;
    uint32_t       type, n, rows, n_tok;
    const uint8_t *w;
    size_t         w_row;     /* bytes per weight row */
    const uint8_t *x;         /* activations, converted when the order needs it */
    size_t         x_row;
    float         *y;
    const struct mm_xsum *xs;  /* the activations' sums, for the repacked order */
    bool           w_x4;      /* w is a 4-row copy (llm/quant/repack.h) */
    const struct cpu_ops *k;
};

void ops_dot_rows(enum ops_order o, uint32_t type, uint32_t n, const void *w, size_t w_row,
                  uint32_t rows, const void *x, size_t x_row, uint32_t n_tok, float *y, size_t y_row)
{
    const struct mm_args a = { .order = o, .type = type, .n = n, .w = w, .w_row = w_row,
                               .x = x, .x_row = x_row, .n_tok = n_tok, .y = y, .y_row = y_row };
    cpu_ops()->matmul(&a, 0, rows);
}

void ops_dot_paged(enum ops_order o, uint32_t type, uint32_t n, const uint8_t *const *seg, size_t off,
                   uint32_t seg_n, uint32_t seg_rows, size_t w_row, uint32_t rows, const void *x, size_t x_row,
                   uint32_t n_tok, float *y, size_t y_row)
{
    const struct cpu_ops *k = cpu_ops();
    struct mm_args a = { .order = o, .type = type, .n = n, .w_row = w_row, .x = x, .x_row = x_row,
                         .n_tok = n_tok, .y = y, .y_row = y_row, .w_seg = seg, .w_seg_off = off,
                         .seg_n = seg_n };
    if (!seg_rows) {
        k->matmul(&a, 0, rows);
        return;
    }
    a.w_seg = NULL;   /* rows are independent: a block of whole rows at a time */
    for (uint32_t r0 = 0; r0 < rows; r0 += seg_rows, seg++) {
        a.w = *seg + off;
        a.y = y + r0;
        k->matmul(&a, 0, rows - r0 < seg_rows ? rows - r0 : seg_rows);
    }
}

float ops_dot(enum ops_order o, uint32_t type, uint32_t n, const void *w, const void *x)
{
    float y;
    ops_dot_rows(o, type, n, w, 0, 1, x, 0, 1, &y, 0);
    return y;
}

/* One parallel_for covers the rows of up to OPS_MATMUL_MAX weights, laid
 * end to end in one row space (each job starting at a multiple of the
 * alignment), cut into items (mm_plan). */
#define MM_ITEMS_MAX 128
struct mm_set {
    struct mm_job job[OPS_MATMUL_MAX];
    uint32_t      start[OPS_MATMUL_MAX + 1];   /* each job's first row in the row space */
    int           count;
    uint64_t      work;                        /* multiply-adds of the set */
    int           n_items;
    uint32_t      item[MM_ITEMS_MAX + 1];      /* item c: rows item[c] .. item[c+1] - 1 */
    struct mm_xsum *xs;                        /* the sums job 0's conversion gave, or NULL */
    /* SwiGLU sets: where each item converts its rows of the result for the
     * next matmul (NULL: not converted), in type next_xt, and their sums. */
    uint8_t      *next_x;
    enum ggml_type next_xt;
    struct mm_xsum *next_xs;
};
#define MM_SMALL (1u << 16)   /* multiply-adds below which one core does it all */

static void mm_rows(const struct mm_job *j, uint32_t r0, uint32_t r1)
{
    const struct mm_args a = {
        .order = j->order, .type = j->type, .n = j->n, .w = j->w, .w_row = j->w_row,
        .x = j->x, .x_row = j->x_row, .n_tok = j->n_tok, .y = j->y, .y_row = j->rows, .xs = j->xs,
        .w_x4 = j->w_x4,
    };
    j->k->matmul(&a, r0, r1);
}

/* Item c: its rows of every job it overlaps. */
static void mm_item(int c, void *arg)
{
    const struct mm_set *set = arg;
    const uint32_t r0 = set->item[c], r1 = set->item[c + 1];
    for (int i = 0; i < set->count; i++) {
        const uint32_t s = set->start[i], e = s + set->job[i].rows;
        if (r0 < e && r1 > s)
            mm_rows(&set->job[i], r0 > s ? r0 - s : 0, (r1 < e ? r1 : e) - s);
    }
}

/* The sums of n_tok Q8_0 activations of n go after their rows in scratch. */
static size_t xsums_offset(uint64_t n, uint32_t n_tok)
{
    return ((size_t)type_row_bytes(GGML_TYPE_Q8_0, n) * n_tok + 7) & ~(size_t)7;
}

/* Where w's kernel reads the sums of its r.n activations (converted into
 * scratch): NULL unless they are read at all (the repacked order, and
 * kernels that take them), so no conversion works them out for nothing. */
static struct mm_xsum *scratch_xsums(const struct gguf_tensor *w, void *scratch, struct ops_rows r)
{
    if (ops_order_of(w->type, w->ne[0], w->ne[1], r.seq) != OPS_REPACKED || !cpu_ops()->x_sums)
        return NULL;
    return (struct mm_xsum *)((uint8_t *)scratch + xsums_offset(w->ne[0], r.n));
}

/* Blocks of activation rows converted to xt: their sums too, when wanted. */
static void convert_rows(enum ggml_type xt, const float *x, uint8_t *dst, struct mm_xsum *xs, uint32_t n)
{
    cpu_ops()->quantize(xt, x, dst, n);
    if (xs)
        cpu_ops()->x_sums(dst, n / QK, xs);
}

/* SwiGLU on elements r0..r1-1 of n_tok rows of gate/up (rows elements
 * each), then (next_x not NULL) their conversion to next_xt for the next
 * matmul, with their sums (next_xs not NULL): r0 is a multiple of its
 * block, and blocks convert independently. */
static void swiglu_rows(float *gate, const float *up, uint32_t rows, uint32_t r0, uint32_t r1,
                        uint32_t n_tok, enum ggml_type next_xt, uint8_t *next_x, struct mm_xsum *next_xs)
{
    const size_t next_row = next_x ? (size_t)type_row_bytes(next_xt, rows) : 0;
    const size_t next_off = next_x ? (size_t)type_row_bytes(next_xt, r0) : 0;
    for (uint32_t t = 0; t < n_tok; t++) {
        float *h = gate + (size_t)t * rows + r0;
        ops_swiglu(h, up + (size_t)t * rows + r0, r1 - r0);
        if (next_x)
            convert_rows(next_xt, h, next_x + t * next_row + next_off,
                         next_xs ? next_xs + (t * rows + r0) / QK : NULL, r1 - r0);
    }
}

/* Item c of a gate/up set (both jobs over one row space), then SwiGLU (and
 * the conversion) on those rows. */
static void mm_swiglu_item(int c, void *arg)
{
    const struct mm_set *set = arg;
    const struct mm_job *g = &set->job[0], *u = &set->job[1];
    const uint32_t r0 = set->item[c], r1 = set->item[c + 1] < g->rows ? set->item[c + 1] : g->rows;
    mm_rows(g, r0, r1);
    mm_rows(u, r0, r1);
    swiglu_rows(g->y, u->y, g->rows, r0, r1, g->n_tok, set->next_xt, set->next_x, set->next_xs);
}

size_t ops_matmul_scratch(uint32_t type, uint64_t n, uint32_t n_tok)
{
    const struct type_traits *tt = type_traits(type);
    if (!tt || tt->vec_dot_type == GGML_TYPE_F32)
        return 0;
    if (tt->vec_dot_type != GGML_TYPE_Q8_0)
        return (size_t)type_row_bytes(tt->vec_dot_type, n) * n_tok;
    return xsums_offset(n, n_tok) + (size_t)(n / QK) * n_tok * sizeof(struct mm_xsum);
}

/* Converting a prompt batch's activations, a row per item. */
struct mm_convert {
    enum ggml_type  xt;
    const float    *x;
    uint8_t        *dst;
    struct mm_xsum *xs;
    uint32_t        n;
    size_t          dst_row;
};

static void mm_convert_row(int t, void *arg)
{
    const struct mm_convert *cv = arg;
    convert_rows(cv->xt, cv->x + (size_t)t * cv->n, cv->dst + (size_t)t * cv->dst_row,
                 cv->xs ? cv->xs + (size_t)t * (cv->n / QK) : NULL, cv->n);
}

/* Job i of the set for weight w. Its activations: x as f32, or converted
 * into scratch by job 0 (the others of a set want the same type and share
 * it, and the sums when job 0 wanted them too), or, when x is NULL, already
 * in scratch (converted or f32, with the sums its kernel reads). */
static void mm_job_init(struct mm_set *set, int i, const struct gguf_tensor *w, const float *x,
                        struct ops_rows r, float *y, void *scratch)
{
    struct mm_job *j = &set->job[i];
    *j = (struct mm_job){
        .type = w->type, .n = (uint32_t)w->ne[0], .rows = (uint32_t)w->ne[1], .n_tok = r.n,
        .w = w->data, .w_row = (size_t)type_row_bytes(w->type, w->ne[0]), .y = y, .k = cpu_ops(),
    };
    j->order = ops_order_of(w->type, j->n, j->rows, r.seq);
    if (w->packed && j->order == OPS_REPACKED && j->k->q4_0x4) {   /* model_repack's copy */
        j->w = w->packed;
        j->w_x4 = true;
    }
    const enum ggml_type xt = ops_x_type(j->order, w->type);
    j->x = x ? (const uint8_t *)x : scratch;
    j->x_row = (size_t)j->n * sizeof(float);
    if (xt != GGML_TYPE_F32) {
        struct mm_convert cv = { .xt = xt, .x = x, .dst = scratch, .n = j->n,
                                 .xs = scratch_xsums(w, scratch, r),
                                 .dst_row = (size_t)type_row_bytes(xt, j->n) };
        j->x = scratch;
        j->x_row = cv.dst_row;
        if (i == 0 && x) {   /* a prompt's rows in parallel; one token's on this core */
            llm_parallel_for((int)r.n, mm_convert_row, &cv);
            set->xs = cv.xs;
        }
        /* Later jobs of a set read job 0's sums only if it made them; NULL:
         * the kernel works them out itself. */
        j->xs = x && cv.xs ? set->xs : cv.xs;
    }
    set->work += (uint64_t)j->rows * j->n * r.n;
}

/* An empty set converting nothing for a next matmul. Field by field: an
 * initializer would also zero the item table, a memset per matmul. */
static void mm_set_init(struct mm_set *set)
{
    set->count = 0;
    set->work = 0;
    set->start[0] = 0;
    set->xs = NULL;
    set->next_x = NULL;
    set->next_xt = GGML_TYPE_F32;
    set->next_xs = NULL;
}

static uint32_t align_up(uint32_t v, uint32_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/* Lay the jobs' rows end to end (each from a multiple of align, a power of
 * two >= 4: the NEON kernels read 4 rows per pass) and cut them into items
 * of whole aligned groups. Items are claimed dynamically, so the threads
 * finish at most an item apart, and each item costs a claim and a kernel
 * call: "factoring" keeps both small. Batches of one item per thread each
 * take half of the rows left, down to items of about MM_ITEM_MIN
 * multiply-adds, so the first items are large and the last ones, which
 * decide the wait, small. A small set, or one thread, is one item. */
#define MM_ITEM_MIN (1u << 12)
static void mm_plan(struct mm_set *set, uint32_t align)
{
    for (int i = 0; i < set->count; i++)
        set->start[i + 1] = align_up(set->start[i] + set->job[i].rows, align);
    const uint32_t total = set->start[set->count], threads = (uint32_t)llm_cpu_count();
    const uint64_t per_row = set->work / total + 1;
    const uint32_t min_rows = align_up((uint32_t)(MM_ITEM_MIN / per_row) + 1, align);
    uint32_t r = 0;
    int c = 0;
    set->item[0] = 0;
    while (r < total) {
        uint32_t size = align_up((total - r + 2 * threads - 1) / (2 * threads), align);
        if (size < min_rows)
            size = min_rows;
        if (set->work < MM_SMALL || threads == 1 || c + (int)threads >= MM_ITEMS_MAX)
            size = total - r;   /* one item, or the table's last */
        for (uint32_t t = 0; t < threads && r < total; t++) {
            r = total - r > size ? r + size : total;
            set->item[++c] = r;
        }
    }
    set->n_items = c;
}

enum ggml_type ops_matmul_x_type(const struct gguf_tensor *w, struct ops_rows r)
{
    return ops_x_type(ops_order_of(w->type, w->ne[0], w->ne[1], r.seq), w->type);
}

static void mm_run(struct mm_set *set, void (*fn)(int c, void *arg), uint32_t align)
{
    mm_plan(set, align);
    if (set->n_items == 1)
        fn(0, set);
    else
        llm_parallel_for(set->n_items, fn, set);
}

void ops_matmul_n(const struct gguf_tensor *const w[], float *const y[], int count, const float *x,
                  struct ops_rows r, void *scratch)
{
    struct mm_set set;
    int i = 0;
    while (i < count) {
        /* Weights that share the input and its converted type share one
         * conversion and one parallel_for; any other runs on its own. */
        const enum ggml_type xt = ops_matmul_x_type(w[i], r);
        mm_set_init(&set);
        do {
            mm_job_init(&set, set.count, w[i], x, r, y[i], scratch);
            set.count++;
            i++;
        } while (i < count && set.count < OPS_MATMUL_MAX && w[i]->ne[0] == w[i - 1]->ne[0] &&
                 ops_matmul_x_type(w[i], r) == xt);
        mm_run(&set, mm_item, 4);
    }
}

void ops_matmul_swiglu(const struct gguf_tensor *w_gate, const struct gguf_tensor *w_up, const float *x,
                       struct ops_rows r, float *gate, float *up, void *scratch, const struct gguf_tensor *next_w,
                       void *next_x)
{
    const uint32_t rows = (uint32_t)w_gate->ne[1];
    const enum ggml_type next_xt = ops_matmul_x_type(next_w, r);
    const bool convert = next_xt != GGML_TYPE_F32;
    uint8_t *const cx = convert ? next_x : NULL;
    struct mm_xsum *const cxs = convert ? scratch_xsums(next_w, next_x, r) : NULL;
    if (w_gate->type != w_up->type || w_gate->ne[0] != w_up->ne[0] || w_up->ne[1] != rows) {
        const struct gguf_tensor *w[] = { w_gate, w_up };
        float *const y[] = { gate, up };
        ops_matmul_n(w, y, 2, x, r, scratch);
        swiglu_rows(gate, up, rows, 0, rows, r.n, next_xt, cx, cxs);
        return;
    }
    const uint32_t blck = convert ? (uint32_t)type_traits(next_xt)->blck : 1;
    struct mm_set set;
    mm_set_init(&set);
    set.next_x = cx, set.next_xt = next_xt, set.next_xs = cxs;
    mm_job_init(&set, 0, w_gate, x, r, gate, scratch);
    mm_job_init(&set, 1, w_up, x, r, up, scratch);
    set.count = 1;   /* one row space: each item takes its rows of both */
    mm_run(&set, mm_swiglu_item, blck > 4 ? blck : 4);
}

void ops_matmul_converted(const struct gguf_tensor *w, struct ops_rows r, float *y, const void *x)
{
    struct mm_set set;
    mm_set_init(&set);
    set.count = 1;
    mm_job_init(&set, 0, w, NULL, r, y, (void *)x);
    mm_run(&set, mm_item, 4);
}

void ops_matmul(const struct gguf_tensor *w, const float *x, struct ops_rows r, float *y, void *scratch)
{
    ops_matmul_n(&w, &y, 1, x, r, scratch);
}
