/* llm/gguf/gguf_write.c: GGUF writer into memory (see llm/gguf/gguf_write.h). */
#include "llm/gguf/gguf_write.h"
#include "llm/platform.h"
#include "lib/string.h"

static bool gw_reserve(struct gw_buf *b, size_t n)
{
    if (b->oom || n > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return false;
    }
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *p = llm_alloc(cap, 64);
    if (!p) {
        b->oom = true;
        return false;
    }
    if (b->p) {
        memcpy(p, b->p, b->len);
        llm_free(b->p, b->cap);
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void gw_bytes(struct gw_buf *b, const void *src, size_t n)
{
    if (n && gw_reserve(b, n)) {
        memcpy(b->p + b->len, src, n);
        b->len += n;
    }
}

static void gw_le(struct gw_buf *b, uint64_t v, unsigned n)
{
    uint8_t tmp[8];
    for (unsigned i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    gw_bytes(b, tmp, n);
}

void gw_u32(struct gw_buf *b, uint32_t v) { gw_le(b, v, 4); }
void gw_u64(struct gw_buf *b, uint64_t v) { gw_le(b, v, 8); }

void gw_str(struct gw_buf *b, const char *s)
{
    size_t n = strlen(s);
    gw_u64(b, n);
    gw_bytes(b, s, n);
}

void gw_pad(struct gw_buf *b, size_t align)
{
    static const uint8_t zero[64];
    while (align && b->len % align && !b->oom) {
        size_t n = align - b->len % align;
        gw_bytes(b, zero, n < sizeof zero ? n : sizeof zero);
    }
}

void gw_buf_free(struct gw_buf *b)
{
    if (b->p)
        llm_free(b->p, b->cap);
    memset(b, 0, sizeof *b);
}

void gw_init(struct gguf_writer *w)
{
    memset(w, 0, sizeof *w);
    w->version = 3;
    w->alignment = GGUF_DEFAULT_ALIGNMENT;
}

void gw_free(struct gguf_writer *w)
{
    gw_buf_free(&w->meta);
    gw_buf_free(&w->info);
    gw_buf_free(&w->data);
}

void gw_key(struct gguf_writer *w, const char *key, enum gguf_type type)
{
    gw_str(&w->meta, key);
    gw_u32(&w->meta, type);
    w->n_kv++;
}

void gw_kv_u32(struct gguf_writer *w, const char *key, uint32_t v)
{
    gw_key(w, key, GGUF_TYPE_UINT32);
    gw_u32(&w->meta, v);
}

void gw_kv_i32(struct gguf_writer *w, const char *key, int32_t v)
{
    gw_key(w, key, GGUF_TYPE_INT32);
    gw_u32(&w->meta, (uint32_t)v);
}

void gw_kv_f32(struct gguf_writer *w, const char *key, float v)
{
    union { float f; uint32_t u; } c = { .f = v };
    gw_key(w, key, GGUF_TYPE_FLOAT32);
    gw_u32(&w->meta, c.u);
}

void gw_kv_str(struct gguf_writer *w, const char *key, const char *v)
{
    gw_key(w, key, GGUF_TYPE_STRING);
    gw_str(&w->meta, v);
}

void gw_kv_arr(struct gguf_writer *w, const char *key, enum gguf_type elem_type,
               const void *elems, uint64_t count, size_t elem_bytes)
{
    gw_key(w, key, GGUF_TYPE_ARRAY);
    gw_u32(&w->meta, elem_type);
    gw_u64(&w->meta, count);
    gw_bytes(&w->meta, elems, (size_t)count * elem_bytes);
}

void gw_kv_arr_str(struct gguf_writer *w, const char *key, const char *const *strs, uint64_t count)
{
    gw_key(w, key, GGUF_TYPE_ARRAY);
    gw_u32(&w->meta, GGUF_TYPE_STRING);
    gw_u64(&w->meta, count);
    for (uint64_t i = 0; i < count; i++)
        gw_str(&w->meta, strs[i]);
}

void gw_tensor_info(struct gguf_writer *w, const char *name, uint32_t n_dims,
                    const uint64_t *ne, uint32_t type, uint64_t offset)
{
    gw_str(&w->info, name);
    gw_u32(&w->info, n_dims);
    for (uint32_t d = 0; d < n_dims; d++)
        gw_u64(&w->info, ne[d]);
    gw_u32(&w->info, type);
    gw_u64(&w->info, offset);
    w->n_tensors++;
}

void gw_tensor(struct gguf_writer *w, const char *name, uint32_t n_dims, const uint64_t *ne,
               uint32_t type, const void *data, size_t nbytes)
{
    gw_tensor_info(w, name, n_dims, ne, type, w->data.len);
    gw_bytes(&w->data, data, nbytes);
    gw_pad(&w->data, w->alignment);
}

int gw_finish(struct gguf_writer *w, struct gw_buf *out)
{
    memset(out, 0, sizeof *out);
    gw_bytes(out, "GGUF", 4);
    gw_u32(out, w->version);
    gw_u64(out, w->n_tensors);
    gw_u64(out, w->n_kv);
    gw_bytes(out, w->meta.p, w->meta.len);
    gw_bytes(out, w->info.p, w->info.len);
    if (w->n_tensors)
        gw_pad(out, w->alignment);
    gw_bytes(out, w->data.p, w->data.len);
    if (out->oom || w->meta.oom || w->info.oom || w->data.oom) {
        gw_buf_free(out);
        return -1;
    }
    return 0;
}
