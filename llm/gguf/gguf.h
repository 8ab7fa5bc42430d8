/* llm/gguf/gguf.h: a strict reader of GGUF v2/v3 over a memory buffer.
 * Nothing is copied: strings, arrays and tensor data point into the buffer.
 * Every count, size and offset is checked before use (the file is untrusted). */
#ifndef LLM_GGUF_H
#define LLM_GGUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"

enum gguf_type {
    GGUF_TYPE_UINT8 = 0, GGUF_TYPE_INT8 = 1, GGUF_TYPE_UINT16 = 2, GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4, GGUF_TYPE_INT32 = 5, GGUF_TYPE_FLOAT32 = 6, GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8, GGUF_TYPE_ARRAY = 9, GGUF_TYPE_UINT64 = 10, GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT
};

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

/* A string inside the file: not NUL-terminated. */
struct gguf_str {
    const char *ptr;
    uint64_t    len;
};

/* An array value: elements of elem_type stored back to back at data (in the file).
 * For GGUF_TYPE_STRING elements walk with gguf_arr_next_str(). */
struct gguf_arr {
    enum gguf_type elem_type;
    uint64_t       count;
    const uint8_t *data;     /* first element */
    uint64_t       nbytes;   /* bytes spanned by all elements */
};

struct gguf_kv {
    struct gguf_str key;
    enum gguf_type  type;
    uint64_t        offset;  /* byte offset of the key in the file, for messages */
    union {
        uint64_t        u64; /* UINT8..UINT64, BOOL (zero-extended) */
        int64_t         i64; /* INT8..INT64 (sign-extended) */
        double          f64; /* FLOAT32, FLOAT64 */
        struct gguf_str str;
        struct gguf_arr arr;
    } v;
};

struct gguf_tensor {
    struct gguf_str name;
    uint32_t        n_dims;
    uint64_t        ne[GGUF_MAX_DIMS];   /* ne[0] = row length; unused dims are 1 */
    uint32_t        type;                /* enum ggml_type (llm/quant/quant.h) */
    uint64_t        offset;              /* relative to the data section, as in the file */
    uint64_t        nbytes;
    const void     *data;                /* points into the buffer */
    const void     *packed;              /* NULL, or a copy in a kernel layout (llm/quant/repack.h) */
};

struct gguf_file {
    const uint8_t      *buf;
    size_t              size;
    uint32_t            version;
    uint64_t            n_kv;
    uint64_t            n_tensors;
    struct gguf_kv     *kv;              /* llm_alloc'd, n_kv entries */
    struct gguf_tensor *tensors;         /* llm_alloc'd, n_tensors entries */
    uint64_t            alignment;
    uint64_t            data_offset;     /* start of the tensor data section */
    size_t              alloc_bytes;     /* what gguf_close gives back */
};

/* Parse and validate buf[0..size). On failure returns -1 with a message naming
 * what was wrong and where; nothing stays allocated. */
int  gguf_open(struct gguf_file *f, const void *buf, size_t size, struct llm_err *err);
void gguf_close(struct gguf_file *f);

const struct gguf_kv     *gguf_find_key(const struct gguf_file *f, const char *key);
const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f, const char *name);
const char               *gguf_type_name(enum gguf_type t);

/* Typed getters: 0 on success, -1 (with message) when the key is missing or
 * has another type. get_u32/get_i32 accept any integer type whose value fits. */
int gguf_get_u32(const struct gguf_file *f, const char *key, uint32_t *out, struct llm_err *err);
int gguf_get_f32(const struct gguf_file *f, const char *key, float *out, struct llm_err *err);
int gguf_get_str(const struct gguf_file *f, const char *key, struct gguf_str *out, struct llm_err *err);
int gguf_get_arr(const struct gguf_file *f, const char *key, enum gguf_type elem_type,
                 struct gguf_arr *out, struct llm_err *err);

/* Walk a validated STRING array: start with pos = a->data, call count times. */
struct gguf_str gguf_arr_next_str(const uint8_t **pos);
bool            gguf_str_eq(struct gguf_str s, const char *cstr);

#endif
