/* llm/kv_cache.c: per-layer K and V storage (see llm/kv_cache.h). Values are
 * rounded to F16 on the way in, as ggml_cpy does into llama.cpp's cache. */
#include "llm/kv_cache.h"
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

static void put(const struct kv_cache *c, uint8_t *p, float x)
{
    if (c->type == GGML_TYPE_F16) {
        uint16_t h = fp32_to_fp16(x);
        memcpy(p, &h, 2);
    } else {
        memcpy(p, &x, 4);
    }
}

void kv_cache_store(struct kv_cache *c, uint32_t il, uint32_t pos, const float *k, const float *v)
{
    size_t layer = (size_t)c->n_cells * c->kv_dim * c->elt;
    uint8_t *kp = c->k + il * layer + (size_t)pos * c->kv_dim * c->elt;
    uint8_t *vp = c->v + il * layer + (size_t)pos * c->elt;
    for (uint32_t d = 0; d < c->kv_dim; d++) {
        put(c, kp + d * c->elt, k[d]);
        put(c, vp + (size_t)d * c->n_cells * c->elt, v[d]);
    }
    if (pos + 1 > c->n_used)
        c->n_used = pos + 1;
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
