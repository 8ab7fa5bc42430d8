/* llm/quant/repack.c: the opt-in 4-row copy of Q4_0 matmul weights (see
 * llm/quant/repack.h). ops.c hands a weight's copy to the kernels when the table in
 * use reads that layout, and the file's own rows otherwise (--scalar after
 * loading still gives the same results). */
#include "llm/quant/repack.h"
#include "llm/quant/cpu_ops.h"
#include "llm/model/ops.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "llm/quant/quant_impl.h"
#include "lib/string.h"

size_t repack_q4_0x4_bytes(uint64_t n, uint64_t rows)
{
    return (size_t)(rows / 4) * (size_t)(n / QK) * REPACK_Q4_0X4_BLOCK;
}

void repack_q4_0x4(const void *w, uint64_t n, uint64_t rows, void *dst)
{
    const uint64_t nb = n / QK;
    const struct block_q4_0 *b = w;
    uint8_t *o = dst;
    for (uint64_t r = 0; r + 4 <= rows; r += 4)
        for (uint64_t i = 0; i < nb; i++, o += REPACK_Q4_0X4_BLOCK)
            for (uint64_t k = 0; k < 4; k++) {
                const struct block_q4_0 *src = &b[(r + k) * nb + i];
                const float d = fp16_to_fp32(src->d);
                memcpy(o + 4 * k, &d, 4);
                for (int g = 0; g < 4; g++)
                    memcpy(o + 16 + 16 * g + 4 * k, src->qs + 4 * g, 4);
            }
}

static bool repackable(const struct gguf_tensor *w)
{
    return ops_order_of(w->type, w->ne[0], w->ne[1], 1) == OPS_REPACKED && !w->packed;
}

/* Repack the file's tensor behind w (a pointer into f->tensors). */
static int repack_tensor(struct model *m, struct gguf_file *f, const struct gguf_tensor *w,
                         struct llm_err *err)
{
    if (!repackable(w))
        return 0;
    if (w < f->tensors || w >= f->tensors + f->n_tensors)
        return llm_errf(err, "internal: %.*s is not a tensor of the model's file", (int)w->name.len, w->name.ptr);
    struct gguf_tensor *t = &f->tensors[w - f->tensors];
    const size_t bytes = repack_q4_0x4_bytes(t->ne[0], t->ne[1]);
    void *p = llm_alloc(bytes, 64);
    if (!p)
        return llm_errf(err, "out of memory repacking %.*s (%zu KiB; %zu KiB already copied)", (int)t->name.len,
                        t->name.ptr, bytes / 1024, (size_t)m->packed_bytes / 1024);
    repack_q4_0x4(t->data, t->ne[0], t->ne[1], p);
    t->packed = p;
    m->packed_bytes += bytes;
    return 0;
}

int64_t model_repack(struct model *m, struct gguf_file *f, struct llm_err *err)
{
    if (!cpu_ops()->q4_0x4 || m->packed_file)
        return (int64_t)m->packed_bytes;
    m->packed_file = f;
    int rc = repack_tensor(m, f, m->output, err);
    for (uint32_t il = 0; il < m->hp.n_layer && rc == 0; il++) {
        const struct gguf_tensor *w[MODEL_LAYER_MATMULS];
        int nw = model_layer_matmuls(&m->layers[il], w);
        for (int i = 0; i < nw && rc == 0; i++)
            rc = repack_tensor(m, f, w[i], err);
    }
    if (rc) {
        model_repack_free(m);
        return -1;
    }
    return (int64_t)m->packed_bytes;
}

void model_repack_free(struct model *m)
{
    struct gguf_file *f = m->packed_file;
    for (uint64_t i = 0; f && i < f->n_tensors; i++) {
        struct gguf_tensor *t = &f->tensors[i];
        if (t->packed)
            llm_free((void *)t->packed, repack_q4_0x4_bytes(t->ne[0], t->ne[1]));
        t->packed = NULL;
    }
    m->packed_file = NULL;
    m->packed_bytes = 0;
}
