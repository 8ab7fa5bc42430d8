/* llm/quant/repack.c: Q4_0 weights in the 4-row layout, in place or in a copy
 * (see llm/quant/repack.h). ops.c hands a weight's `packed` bytes to the
 * kernels when the table in use reads that layout. Loads and stores are
 * __builtin_memcpy of constant sizes: single instructions even where the
 * build says -fno-builtin (the kernel), where memcpy is a call. */
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

/* One group: 4 rows of nb blocks at w into nb blocks of the layout at o. */
static void pack_group(const uint8_t *w, uint64_t nb, uint8_t *o)
{
    const size_t row = (size_t)nb * sizeof(struct block_q4_0);
    for (uint64_t i = 0; i < nb; i++, o += REPACK_Q4_0X4_BLOCK)
        for (int k = 0; k < 4; k++) {
            const uint8_t *b = w + (size_t)k * row + (size_t)i * sizeof(struct block_q4_0);
            __builtin_memcpy(o + 2 * k, b, 2);
            for (int g = 0; g < 4; g++)
                __builtin_memcpy(o + REPACK_Q4_0X4_QS + 16 * g + 4 * k, b + 2 + 4 * g, 4);
        }
}

static void unpack_group(const uint8_t *o, uint64_t nb, uint8_t *w)
{
    const size_t row = (size_t)nb * sizeof(struct block_q4_0);
    for (uint64_t i = 0; i < nb; i++, o += REPACK_Q4_0X4_BLOCK)
        for (int k = 0; k < 4; k++) {
            uint8_t *b = w + (size_t)k * row + (size_t)i * sizeof(struct block_q4_0);
            __builtin_memcpy(b, o + 2 * k, 2);
            for (int g = 0; g < 4; g++)
                __builtin_memcpy(b + 2 + 4 * g, o + REPACK_Q4_0X4_QS + 16 * g + 4 * k, 4);
        }
}

void repack_q4_0x4(const void *w, uint64_t n, uint64_t rows, void *dst)
{
    const uint64_t nb = n / QK;
    const size_t group = (size_t)nb * REPACK_Q4_0X4_BLOCK;
    for (uint64_t r = 0; r + 4 <= rows; r += 4)
        pack_group((const uint8_t *)w + (size_t)(r / 4) * group, nb, (uint8_t *)dst + (size_t)(r / 4) * group);
}

void unrepack_q4_0x4(const void *src, uint64_t n, uint64_t rows, void *w)
{
    const uint64_t nb = n / QK;
    const size_t group = (size_t)nb * REPACK_Q4_0X4_BLOCK;
    for (uint64_t r = 0; r + 4 <= rows; r += 4)
        unpack_group((const uint8_t *)src + (size_t)(r / 4) * group, nb, (uint8_t *)w + (size_t)(r / 4) * group);
}

/* In place, a group at a time through scratch (one group's bytes): the
 * layout of a group fills exactly the bytes its rows held. */
static void repack_in_place(uint8_t *w, uint64_t n, uint64_t rows, uint8_t *scratch, bool undo)
{
    const uint64_t nb = n / QK;
    const size_t group = (size_t)nb * REPACK_Q4_0X4_BLOCK;
    for (uint64_t r = 0; r + 4 <= rows; r += 4, w += group) {
        memcpy(scratch, w, group);
        if (undo)
            unpack_group(scratch, nb, w);
        else
            pack_group(scratch, nb, w);
    }
}

/* The model's matmul weights in one order: k = 0 the output, then each
 * layer's MODEL_LAYER_MATMULS (each tensor once: the file's names are
 * unique). Undoing in the reverse order restores bytes that two tensors of a
 * (hostile) file share. */
static size_t n_matmuls(const struct model *m)
{
    return 1 + (size_t)m->hp.n_layer * MODEL_LAYER_MATMULS;
}

static const struct gguf_tensor *matmul_of(const struct model *m, size_t k)
{
    if (k == 0)
        return m->output;
    const struct gguf_tensor *w[MODEL_LAYER_MATMULS];
    const int n = model_layer_matmuls(&m->layers[(k - 1) / MODEL_LAYER_MATMULS], w);
    const int i = (int)((k - 1) % MODEL_LAYER_MATMULS);
    return i < n ? w[i] : NULL;   /* an architecture uses fewer than all slots */
}

/* The file's own (writable) entry of weight k; model_repack checked it is one. */
static struct gguf_tensor *matmul_at(struct model *m, size_t k)
{
    const struct gguf_tensor *t = matmul_of(m, k);
    return t ? &m->packed_file->tensors[t - m->packed_file->tensors] : NULL;
}

static bool repackable(const struct model *m, const struct gguf_tensor *t, bool in_place)
{
    return t && ops_order_of(t->type, t->ne[0], t->ne[1], 1) == OPS_REPACKED && !t->packed &&
           !(in_place && t == m->tok_embd);
}

/* Copy t's rows into a fresh allocation. */
static int repack_copy(struct model *m, struct gguf_tensor *t, struct llm_err *err)
{
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

/* The largest group of the weights to repack in place; 0 when none. */
static size_t largest_group(struct model *m)
{
    size_t most = 0;
    for (size_t k = 0; k < n_matmuls(m); k++) {
        const struct gguf_tensor *t = matmul_at(m, k);
        if (repackable(m, t, true) && repack_q4_0x4_bytes(t->ne[0], 4) > most)
            most = repack_q4_0x4_bytes(t->ne[0], 4);
    }
    return most;
}

static uint64_t repackable_bytes(const struct model *m, bool in_place)
{
    uint64_t bytes = 0;
    for (size_t k = 0; cpu_ops()->q4_0x4 && k < n_matmuls(m); k++) {
        const struct gguf_tensor *t = matmul_of(m, k);
        if (repackable(m, t, in_place))
            bytes += repack_q4_0x4_bytes(t->ne[0], t->ne[1]);
    }
    return bytes;
}

uint64_t model_repackable_bytes(const struct model *m)
{
    return repackable_bytes(m, false);
}

int64_t model_repack(struct model *m, struct gguf_file *f, bool in_place, const struct repack_progress *p,
                     struct llm_err *err)
{
    if (!cpu_ops()->q4_0x4 || m->packed_file)
        return (int64_t)(m->packed_bytes + m->packed_in_place);
    for (size_t k = 0; k < n_matmuls(m); k++) {   /* every weight must be one of f's tensors */
        const struct gguf_tensor *t = matmul_of(m, k);
        if (t && (t < f->tensors || t >= f->tensors + f->n_tensors))
            return llm_errf(err, "internal: %.*s is not a tensor of the model's file", (int)t->name.len, t->name.ptr);
    }
    m->packed_file = f;
    if (in_place) {
        const size_t group = largest_group(m);
        if (group && !(m->repack_scratch = llm_alloc(group, 64))) {
            m->packed_file = NULL;
            llm_errf(err, "out of memory for %zu bytes of repack scratch", group);
            return -1;
        }
        m->repack_scratch_bytes = group;
    }
    const uint64_t total = repackable_bytes(m, in_place);
    for (size_t k = 0; k < n_matmuls(m); k++) {
        struct gguf_tensor *t = matmul_at(m, k);
        if (!repackable(m, t, in_place))
            continue;
        if (in_place) {
            repack_in_place((uint8_t *)(uintptr_t)t->data, t->ne[0], t->ne[1], m->repack_scratch, false);
            t->packed = t->data;
            m->packed_in_place += repack_q4_0x4_bytes(t->ne[0], t->ne[1]);
        } else if (repack_copy(m, t, err)) {
            model_repack_free(m);
            return -1;
        }
        if (p && p->fn)
            p->fn(p->ctx, m->packed_bytes + m->packed_in_place, total);
    }
    return (int64_t)(m->packed_bytes + m->packed_in_place);
}

void model_repack_free(struct model *m)
{
    if (!m->packed_file)
        return;
    for (size_t k = n_matmuls(m); k-- > 0;) {
        struct gguf_tensor *t = matmul_at(m, k);
        if (!t)
            continue;
        if (t->packed == t->data && !m->repack_discard)
            repack_in_place((uint8_t *)(uintptr_t)t->data, t->ne[0], t->ne[1], m->repack_scratch, true);
        else if (t->packed)
            llm_free((void *)t->packed, repack_q4_0x4_bytes(t->ne[0], t->ne[1]));
        t->packed = NULL;
    }
    if (m->repack_scratch)
        llm_free(m->repack_scratch, m->repack_scratch_bytes);
    m->repack_scratch = NULL;
    m->repack_scratch_bytes = 0;
    m->packed_file = NULL;
    m->packed_bytes = 0;
    m->packed_in_place = 0;
}
