/* llm/model/kv_cache.c: per-layer K and V storage (see llm/model/kv_cache.h). Values are
 * rounded to F16 on the way in, as ggml_cpy does into llama.cpp's cache. */
#include "llm/model/kv_cache.h"
#include "llm/quant/cpu_ops.h"
#include "lib/string.h"

static size_t elt_size(enum ggml_type t)
{
    return t == GGML_TYPE_F16 ? 2 : t == GGML_TYPE_F32 ? 4 : 0;
}

static uint32_t pad32(uint32_t n)
{
    return (n + 31) & ~31u;
}

size_t kv_cache_bytes(uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim, enum ggml_type type)
{
    /* Inputs are bounded by the model limits, so this cannot overflow 64 bits. */
    return 2 * (size_t)n_layer * pad32(n_ctx) * kv_dim * elt_size(type);
}

uint32_t kv_cache_n_kv(const struct kv_cache *c)
{
    uint32_t n = pad32(c->n_used ? c->n_used : 1);
    return n < c->n_cells ? n : c->n_cells;
}

int kv_cache_init(struct kv_cache *c, uint32_t n_layer, uint32_t n_ctx, uint32_t kv_dim,
                  enum ggml_type type, struct arena *a)
{
    memset(c, 0, sizeof *c);
    c->elt = elt_size(type);
    if (c->elt == 0 || n_ctx == 0)
        return -1;
    size_t half = kv_cache_bytes(n_layer, n_ctx, kv_dim, type) / 2;
    c->k = arena_alloc(a, half, 64);
    c->v = arena_alloc(a, half, 64);
    if (!c->k || !c->v)
        return -1;
    c->type = type;
    c->n_layer = n_layer;
    c->n_ctx = n_ctx;
    c->n_cells = pad32(n_ctx);
    c->kv_dim = kv_dim;
    return 0;
}

void kv_cache_clear(struct kv_cache *c)
{
    size_t half = kv_cache_bytes(c->n_layer, c->n_ctx, c->kv_dim, c->type) / 2;
    memset(c->k, 0, half);
    memset(c->v, 0, half);
    c->n_used = 0;
}

bool kv_cache_full(const struct kv_cache *c)
{
    return c->n_used >= c->n_ctx;
}

/* K is a row per position, V a column: both rounded a chunk at a time by
 * the kernels' quantize (the same f16 rounding on every path). */
void kv_cache_store(struct kv_cache *c, uint32_t il, uint32_t pos, uint32_t d0, uint32_t nd,
                    const float *k, const float *v)
{
    size_t layer = (size_t)c->n_cells * c->kv_dim * c->elt;
    uint8_t *kp = c->k + il * layer + ((size_t)pos * c->kv_dim + d0) * c->elt;
    uint8_t *vp = c->v + il * layer + ((size_t)d0 * c->n_cells + pos) * c->elt;
    cpu_ops()->quantize(c->type, k + d0, kp, nd);
    for (uint32_t c0 = 0; c0 < nd; c0 += 64) {
        uint8_t tmp[64 * sizeof(float)];
        const uint32_t n = nd - c0 < 64 ? nd - c0 : 64;
        cpu_ops()->quantize(c->type, v + d0 + c0, tmp, n);
        for (uint32_t d = 0; d < n; d++) {   /* constant sizes: copied inline */
            uint8_t *dst = vp + (size_t)(c0 + d) * c->n_cells * c->elt;
            if (c->elt == 2)
                __builtin_memcpy(dst, tmp + d * 2, 2);
            else
                __builtin_memcpy(dst, tmp + d * 4, 4);
        }
    }
}

uint32_t kv_cache_advance(struct kv_cache *c, uint32_t n)
{
    uint32_t p0 = c->n_used;
    c->n_used += n;
    return p0;
}

const void *kv_cache_k(const struct kv_cache *c, uint32_t il, uint32_t pos, uint32_t offset)
{
    size_t layer = (size_t)c->n_cells * c->kv_dim * c->elt;
    return c->k + il * layer + ((size_t)pos * c->kv_dim + offset) * c->elt;
}

const void *kv_cache_v(const struct kv_cache *c, uint32_t il, uint32_t d)
{
    size_t layer = (size_t)c->n_cells * c->kv_dim * c->elt;
    return c->v + il * layer + (size_t)d * c->n_cells * c->elt;
}
