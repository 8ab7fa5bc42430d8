/* llm/gguf/gguf_write.h: a small GGUF v3 writer into memory, for the test-model
 * generator (scripts/gen_gguf.c) and the reader's selftests. Pieces are
 * written separately (keys, tensor infos, data) and joined by gw_finish, so a
 * test can also write deliberately wrong values (any offset, type or count). */
#ifndef LLM_GGUF_WRITE_H
#define LLM_GGUF_WRITE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/gguf/gguf.h"

/* A growable byte buffer (llm_alloc'd); oom sticks once an append fails. */
struct gw_buf {
    uint8_t *p;
    size_t   len, cap;
    bool     oom;
};

void gw_bytes(struct gw_buf *b, const void *src, size_t n);
void gw_u32(struct gw_buf *b, uint32_t v);
void gw_u64(struct gw_buf *b, uint64_t v);
void gw_str(struct gw_buf *b, const char *s);          /* u64 length + bytes */
void gw_pad(struct gw_buf *b, size_t align);           /* zero bytes up to a multiple */
void gw_buf_free(struct gw_buf *b);

struct gguf_writer {
    struct gw_buf meta;     /* key/value pairs */
    struct gw_buf info;     /* tensor infos */
    struct gw_buf data;     /* tensor data, each tensor padded to alignment */
    uint64_t      n_kv, n_tensors;
    uint32_t      version;  /* 3 unless a test changes it */
    uint32_t      alignment;
};

void gw_init(struct gguf_writer *w);
void gw_free(struct gguf_writer *w);

/* Start a key of the given type; the caller appends the value to w->meta. */
void gw_key(struct gguf_writer *w, const char *key, enum gguf_type type);
void gw_kv_u32(struct gguf_writer *w, const char *key, uint32_t v);
void gw_kv_i32(struct gguf_writer *w, const char *key, int32_t v);
void gw_kv_f32(struct gguf_writer *w, const char *key, float v);
void gw_kv_str(struct gguf_writer *w, const char *key, const char *v);
/* Array of count fixed-size elements (elem_bytes each, little-endian host). */
void gw_kv_arr(struct gguf_writer *w, const char *key, enum gguf_type elem_type,
               const void *elems, uint64_t count, size_t elem_bytes);
void gw_kv_arr_str(struct gguf_writer *w, const char *key, const char *const *strs, uint64_t count);

/* A tensor info with an explicit data offset (no data written). */
void gw_tensor_info(struct gguf_writer *w, const char *name, uint32_t n_dims,
                    const uint64_t *ne, uint32_t type, uint64_t offset);
/* A tensor info plus its data appended at the next aligned offset. */
void gw_tensor(struct gguf_writer *w, const char *name, uint32_t n_dims, const uint64_t *ne,
               uint32_t type, const void *data, size_t nbytes);

/* Join header, keys, infos, padding and data into out (which the caller frees
 * with gw_buf_free). Returns 0, or -1 when memory ran out. */
int gw_finish(struct gguf_writer *w, struct gw_buf *out);

#endif
