/* llm/gguf/gguf.c: strict GGUF v2/v3 reader over a memory buffer (see llm/gguf/gguf.h).
 * Format: "GGUF", u32 version, u64 n_tensors, u64 n_kv, the key/value pairs,
 * the tensor infos, padding to the alignment, then the tensor data. All
 * integers are little-endian. The rules follow ggml's gguf.cpp: tensors lie
 * back to back in the data section, each padded to the alignment. Unlike
 * ggml, arrays of arrays are accepted (the format allows them) up to a depth. */
#include <stdarg.h>
#include "llm/gguf/gguf.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "lib/printf.h"
#include "lib/string.h"

#define GGUF_MAGIC        0x46554747u   /* "GGUF" read as a little-endian u32 */
#define GGUF_MAX_NAME     64            /* ggml's GGML_MAX_NAME, NUL included */
#define GGUF_MAX_NESTING  3             /* arrays inside arrays inside arrays */
#define GGUF_MAX_ENTRIES  (1u << 30)    /* keys or tensors: far above any model */

/* A cursor over the file; what/name say what is being read, for messages. */
struct rd {
    const uint8_t  *buf;
    uint64_t        size, pos;
    struct llm_err *err;
    const char     *what;       /* "header", "key", "tensor" */
    struct gguf_str name;
    uint64_t        start;      /* where the current key/tensor began */
};

static int rd_errf(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int rd_errf(struct rd *r, const char *fmt, ...)
{
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (r->name.len)
        return llm_errf(r->err, "gguf: %s '%.*s' (at byte %llu): %s", r->what,
                        (int)(r->name.len > 80 ? 80 : r->name.len), r->name.ptr,
                        (unsigned long long)r->start, detail);
    return llm_errf(r->err, "gguf: %s (at byte %llu): %s", r->what,
                    (unsigned long long)r->start, detail);
}

static int rd_need(struct rd *r, uint64_t n, const char *field)
{
    if (n > r->size - r->pos)
        return rd_errf(r, "truncated: %s needs %llu bytes at byte %llu, file has %llu left",
                       field, (unsigned long long)n, (unsigned long long)r->pos,
                       (unsigned long long)(r->size - r->pos));
    return 0;
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

static int rd_uint(struct rd *r, unsigned n, uint64_t *out, const char *field)
{
    if (rd_need(r, n, field))
        return -1;
    *out = load_le(r->buf + r->pos, n);
    r->pos += n;
    return 0;
}

static int rd_str(struct rd *r, struct gguf_str *s, const char *field)
{
    uint64_t len;
    if (rd_uint(r, 8, &len, field) || rd_need(r, len, field))
        return -1;
    s->ptr = (const char *)r->buf + r->pos;
    s->len = len;
    r->pos += len;
    return 0;
}

/* Bytes of one scalar of type t; 0 for STRING and ARRAY (variable), -1 for invalid. */
static int type_size(uint64_t t)
{
    static const signed char sizes[GGUF_TYPE_COUNT] = {
        [GGUF_TYPE_UINT8] = 1, [GGUF_TYPE_INT8] = 1, [GGUF_TYPE_UINT16] = 2,
        [GGUF_TYPE_INT16] = 2, [GGUF_TYPE_UINT32] = 4, [GGUF_TYPE_INT32] = 4,
        [GGUF_TYPE_FLOAT32] = 4, [GGUF_TYPE_BOOL] = 1, [GGUF_TYPE_STRING] = 0,
        [GGUF_TYPE_ARRAY] = 0, [GGUF_TYPE_UINT64] = 8, [GGUF_TYPE_INT64] = 8,
        [GGUF_TYPE_FLOAT64] = 8,
    };
    return t < GGUF_TYPE_COUNT ? sizes[t] : -1;
}

const char *gguf_type_name(enum gguf_type t)
{
    static const char *const names[GGUF_TYPE_COUNT] = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64",
    };
    return (unsigned)t < GGUF_TYPE_COUNT ? names[t] : "invalid";
}

static int rd_array(struct rd *r, struct gguf_arr *a, int depth);

/* Skip over count elements of type t (already checked valid), checking each. */
static int rd_elems(struct rd *r, uint32_t t, uint64_t count, int depth)
{
    int sz = type_size(t);
    if (sz > 0) {
        if (count > (r->size - r->pos) / (uint64_t)sz)
            return rd_errf(r, "array of %llu %s needs more than the %llu bytes left at byte %llu",
                           (unsigned long long)count, gguf_type_name(t),
                           (unsigned long long)(r->size - r->pos), (unsigned long long)r->pos);
        if (t == GGUF_TYPE_BOOL)
            for (uint64_t i = 0; i < count; i++)
                if (r->buf[r->pos + i] > 1)
                    return rd_errf(r, "bool value %u at byte %llu is not 0 or 1",
                                   r->buf[r->pos + i], (unsigned long long)(r->pos + i));
        r->pos += count * (uint64_t)sz;
        return 0;
    }
    for (uint64_t i = 0; i < count; i++) {
        struct gguf_str s;
        struct gguf_arr inner;
        if (t == GGUF_TYPE_STRING ? rd_str(r, &s, "string element") : rd_array(r, &inner, depth + 1))
            return -1;
    }
    return 0;
}

static int rd_array(struct rd *r, struct gguf_arr *a, int depth)
{
    uint64_t t, count;
    if (depth > GGUF_MAX_NESTING)
        return rd_errf(r, "arrays nested deeper than %d at byte %llu", GGUF_MAX_NESTING,
                       (unsigned long long)r->pos);
    if (rd_uint(r, 4, &t, "array element type"))
        return -1;
    if (type_size(t) < 0)
        return rd_errf(r, "invalid array element type %llu at byte %llu",
                       (unsigned long long)t, (unsigned long long)(r->pos - 4));
    if (rd_uint(r, 8, &count, "array length"))
        return -1;
    a->elem_type = (enum gguf_type)t;
    a->count = count;
    a->data = r->buf + r->pos;
    uint64_t begin = r->pos;
    if (rd_elems(r, (uint32_t)t, count, depth))
        return -1;
    a->nbytes = r->pos - begin;
    return 0;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return (int64_t)(v << shift) >> shift;
}

static int rd_value(struct rd *r, struct gguf_kv *kv)
{
    uint64_t t, bits;
    if (rd_uint(r, 4, &t, "value type"))
        return -1;
    int sz = type_size(t);
    if (sz < 0)
        return rd_errf(r, "invalid value type %llu", (unsigned long long)t);
    kv->type = (enum gguf_type)t;
    switch (kv->type) {
    case GGUF_TYPE_STRING:
        return rd_str(r, &kv->v.str, "string value");
    case GGUF_TYPE_ARRAY:
        return rd_array(r, &kv->v.arr, 1);
    default:
        break;
    }
    if (rd_uint(r, (unsigned)sz, &bits, "value"))
        return -1;
    switch (kv->type) {
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
        kv->v.i64 = sign_extend(bits, (unsigned)sz);
        break;
    case GGUF_TYPE_FLOAT32: {
        union { uint32_t u; float f; } c = { .u = (uint32_t)bits };
        kv->v.f64 = c.f;
        break;
    }
    case GGUF_TYPE_FLOAT64: {
        union { uint64_t u; double f; } c = { .u = bits };
        kv->v.f64 = c.f;
        break;
    }
    case GGUF_TYPE_BOOL:
        if (bits > 1)
            return rd_errf(r, "bool value %llu is not 0 or 1", (unsigned long long)bits);
        /* fall through */
    default:
        kv->v.u64 = bits;
        break;
    }
    return 0;
}

/* ------------------------------------------------------------- duplicate names */

/* Open-addressing set of names (indices into the kv or tensor array), sized at
 * twice the entry count so the probe sequences stay short. */
struct name_set {
    uint32_t *slot;     /* index + 1; 0 = empty */
    uint64_t  mask;
    size_t    bytes;
};

static uint64_t name_hash(struct gguf_str s)
{
    uint64_t h = 1469598103934665603ull;    /* FNV-1a */
    for (uint64_t i = 0; i < s.len; i++)
        h = (h ^ (uint8_t)s.ptr[i]) * 1099511628211ull;
    return h;
}

static bool str_same(struct gguf_str a, struct gguf_str b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int set_init(struct name_set *s, uint64_t n)
{
    uint64_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    s->bytes = cap * sizeof(uint32_t);
    s->slot = llm_alloc(s->bytes, 8);
    s->mask = cap - 1;
    return s->slot ? 0 : -1;
}

/* Insert names(i); returns the index of an earlier equal name, or -1. */
static int64_t set_insert(struct name_set *s, struct gguf_str name, uint32_t i,
                          struct gguf_str (*name_of)(const void *base, uint32_t i), const void *base)
{
    for (uint64_t h = name_hash(name) & s->mask;; h = (h + 1) & s->mask) {
        if (s->slot[h] == 0) {
            s->slot[h] = i + 1;
            return -1;
        }
        if (str_same(name_of(base, s->slot[h] - 1), name))
            return s->slot[h] - 1;
    }
}

static struct gguf_str kv_name(const void *base, uint32_t i)
{
    return ((const struct gguf_kv *)base)[i].key;
}

static struct gguf_str tensor_name(const void *base, uint32_t i)
{
    return ((const struct gguf_tensor *)base)[i].name;
}

/* ------------------------------------------------------------- sections */

static int rd_header(struct gguf_file *f, struct rd *r)
{
    uint64_t magic, version;
    if (rd_uint(r, 4, &magic, "magic"))
        return -1;
    if (magic != GGUF_MAGIC)
        return rd_errf(r, "bad magic %02x %02x %02x %02x (expected \"GGUF\")",
                       r->buf[0], r->buf[1], r->buf[2], r->buf[3]);
    if (rd_uint(r, 4, &version, "version"))
        return -1;
    if ((version & 0xffff) == 0 && version != 0)
        return rd_errf(r, "version 0x%08llx: a big-endian GGUF file (byte-swapped version %llu); "
                       "only little-endian files are supported", (unsigned long long)version,
                       (unsigned long long)(((version >> 24) & 0xff) | ((version >> 8) & 0xff00)));
    if (version == 1)
        return rd_errf(r, "GGUF version 1 is not supported (only versions 2 and 3)");
    if (version < 2 || version > 3)
        return rd_errf(r, "GGUF version %llu is not supported (only versions 2 and 3)",
                       (unsigned long long)version);
    f->version = (uint32_t)version;
    if (rd_uint(r, 8, &f->n_tensors, "tensor count") || rd_uint(r, 8, &f->n_kv, "key count"))
        return -1;
    /* The smallest key is 13 bytes (length, type, a u8) and the smallest tensor
     * info 24 (length, n_dims, type, offset): counts beyond that cannot be real. */
    uint64_t left = r->size - r->pos;
    if (f->n_kv > left / 13 || f->n_kv > GGUF_MAX_ENTRIES)
        return rd_errf(r, "key count %llu is impossible with %llu bytes left",
                       (unsigned long long)f->n_kv, (unsigned long long)left);
    if (f->n_tensors > left / 24 || f->n_tensors > GGUF_MAX_ENTRIES ||
        f->n_kv * 13 + f->n_tensors * 24 > left)
        return rd_errf(r, "tensor count %llu is impossible with %llu bytes left",
                       (unsigned long long)f->n_tensors, (unsigned long long)left);
    return 0;
}

static int rd_kvs(struct gguf_file *f, struct rd *r, struct name_set *seen)
{
    for (uint64_t i = 0; i < f->n_kv; i++) {
        struct gguf_kv *kv = &f->kv[i];
        r->what = "key";
        r->name.len = 0;
        r->start = kv->offset = r->pos;
        if (rd_str(r, &kv->key, "key name"))
            return -1;
        r->name = kv->key;
        if (kv->key.len == 0)
            return rd_errf(r, "key %llu has an empty name", (unsigned long long)i);
        int64_t dup = set_insert(seen, kv->key, (uint32_t)i, kv_name, f->kv);
        if (dup >= 0)
            return rd_errf(r, "duplicate key (first at byte %llu)",
                           (unsigned long long)f->kv[dup].offset);
        if (rd_value(r, kv))
            return -1;
    }
    const struct gguf_kv *al = gguf_find_key(f, "general.alignment");
    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    if (al) {
        r->name = al->key;
        r->start = al->offset;
        if (al->type != GGUF_TYPE_UINT32)
            return rd_errf(r, "must be u32, is %s", gguf_type_name(al->type));
        if (al->v.u64 == 0 || (al->v.u64 & (al->v.u64 - 1)))
            return rd_errf(r, "alignment %llu is not a power of two", (unsigned long long)al->v.u64);
        f->alignment = al->v.u64;
    }
    return 0;
}

/* Read one tensor info; its size comes from the type table in llm/quant/quant.h. */
static int rd_tensor(struct rd *r, struct gguf_tensor *t)
{
    uint64_t n_dims, type, nel = 1;
    r->what = "tensor";
    r->name.len = 0;
    r->start = r->pos;
    if (rd_str(r, &t->name, "tensor name"))
        return -1;
    r->name = t->name;
    if (t->name.len >= GGUF_MAX_NAME)
        return rd_errf(r, "name is %llu bytes, the limit is %d",
                       (unsigned long long)t->name.len, GGUF_MAX_NAME - 1);
    if (rd_uint(r, 4, &n_dims, "dimension count"))
        return -1;
    if (n_dims > GGUF_MAX_DIMS)
        return rd_errf(r, "%llu dimensions, at most %d allowed", (unsigned long long)n_dims, GGUF_MAX_DIMS);
    t->n_dims = (uint32_t)n_dims;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = 1;
        if (d < n_dims && rd_uint(r, 8, &t->ne[d], "dimension"))
            return -1;
        if (t->ne[d] > (uint64_t)INT64_MAX)
            return rd_errf(r, "dimension %u is negative (%lld)", d, (long long)t->ne[d]);
    }
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        if (t->ne[d] && nel > (uint64_t)INT64_MAX / t->ne[d])
            return rd_errf(r, "shape %llu x %llu x %llu x %llu overflows the element count",
                           (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                           (unsigned long long)t->ne[2], (unsigned long long)t->ne[3]);
        nel *= t->ne[d];
    }
    if (rd_uint(r, 4, &type, "type"))
        return -1;
    const struct type_traits *tt = type_traits((uint32_t)type);
    if (!tt)
        return rd_errf(r, "invalid ggml type %llu", (unsigned long long)type);
    t->type = (uint32_t)type;
    if (t->ne[0] % tt->blck)
        return rd_errf(r, "row of %llu elements is not a multiple of the %s block size %u",
                       (unsigned long long)t->ne[0], tt->name, tt->blck);
    /* nel / blck is exact because ne[0] is a multiple of blck. */
    if (nel / tt->blck > UINT64_MAX / tt->size)
        return rd_errf(r, "size in bytes overflows");
    t->nbytes = nel / tt->blck * tt->size;
    return rd_uint(r, 8, &t->offset, "data offset");
}

static uint64_t pad_to(uint64_t x, uint64_t align)
{
    return (x + align - 1) & ~(align - 1);
}

/* Tensors lie back to back from the start of the data section, each padded to
 * the alignment (the rule ggml enforces); each must end inside the file. */
static int place_tensors(struct gguf_file *f, struct rd *r)
{
    uint64_t expect = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        struct gguf_tensor *t = &f->tensors[i];
        r->name = t->name;
        r->start = f->data_offset + t->offset;
        if (t->offset != expect)
            return rd_errf(r, "data offset %llu, expected %llu (tensors must be consecutive and "
                           "%llu-byte aligned)", (unsigned long long)t->offset,
                           (unsigned long long)expect, (unsigned long long)f->alignment);
        uint64_t room = f->size - f->data_offset;
        if (t->offset > room || t->nbytes > room - t->offset)
            return rd_errf(r, "data [%llu, +%llu) lies past the end of the file (%llu bytes)",
                           (unsigned long long)(f->data_offset + t->offset),
                           (unsigned long long)t->nbytes, (unsigned long long)f->size);
        t->data = f->buf + f->data_offset + t->offset;
        expect = pad_to(t->offset + t->nbytes, f->alignment);
    }
    return 0;
}

static int rd_tensors(struct gguf_file *f, struct rd *r, struct name_set *seen)
{
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        if (rd_tensor(r, &f->tensors[i]))
            return -1;
        int64_t dup = set_insert(seen, f->tensors[i].name, (uint32_t)i, tensor_name, f->tensors);
        if (dup >= 0)
            return rd_errf(r, "duplicate tensor name (tensors %lld and %llu)",
                           (long long)dup, (unsigned long long)i);
    }
    f->data_offset = r->pos;
    if (f->n_tensors == 0)
        return 0;
    f->data_offset = pad_to(r->pos, f->alignment);
    r->what = "data section";
    r->name.len = 0;
    r->start = r->pos;
    if (f->data_offset > f->size)
        return rd_errf(r, "starts at byte %llu, past the end of the file (%llu bytes)",
                       (unsigned long long)f->data_offset, (unsigned long long)f->size);
    r->what = "tensor";
    return place_tensors(f, r);
}

/* ------------------------------------------------------------- API */

int gguf_open(struct gguf_file *f, const void *buf, size_t size, struct llm_err *err)
{
    struct rd r = { .buf = buf, .size = size, .err = err, .what = "header" };
    struct name_set seen = { 0 };
    memset(f, 0, sizeof *f);
    f->buf = buf;
    f->size = size;
    if (rd_header(f, &r))
        return -1;
    size_t kv_bytes = (size_t)f->n_kv * sizeof(struct gguf_kv);
    size_t t_bytes = (size_t)f->n_tensors * sizeof(struct gguf_tensor);
    f->kv = f->n_kv ? llm_alloc(kv_bytes, 16) : NULL;
    f->tensors = f->n_tensors ? llm_alloc(t_bytes, 16) : NULL;
    f->alloc_bytes = kv_bytes + t_bytes;
    int rc = -1;
    if ((f->n_kv && !f->kv) || (f->n_tensors && !f->tensors) ||
        set_init(&seen, f->n_kv > f->n_tensors ? f->n_kv : f->n_tensors)) {
        llm_errf(err, "gguf: out of memory for %llu keys and %llu tensors",
                 (unsigned long long)f->n_kv, (unsigned long long)f->n_tensors);
        goto out;
    }
    if (rd_kvs(f, &r, &seen))
        goto out;
    memset(seen.slot, 0, seen.bytes);
    rc = rd_tensors(f, &r, &seen);
out:
    if (seen.slot)
        llm_free(seen.slot, seen.bytes);
    if (rc)
        gguf_close(f);
    return rc;
}

void gguf_close(struct gguf_file *f)
{
    if (f->kv)
        llm_free(f->kv, (size_t)f->n_kv * sizeof(struct gguf_kv));
    if (f->tensors)
        llm_free(f->tensors, (size_t)f->n_tensors * sizeof(struct gguf_tensor));
    f->kv = NULL;
    f->tensors = NULL;
    f->alloc_bytes = 0;
}

bool gguf_str_eq(struct gguf_str s, const char *cstr)
{
    size_t n = strlen(cstr);
    return s.len == n && memcmp(s.ptr, cstr, n) == 0;
}

const struct gguf_kv *gguf_find_key(const struct gguf_file *f, const char *key)
{
    for (uint64_t i = 0; i < f->n_kv; i++)
        if (gguf_str_eq(f->kv[i].key, key))
            return &f->kv[i];
    return NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f, const char *name)
{
    for (uint64_t i = 0; i < f->n_tensors; i++)
        if (gguf_str_eq(f->tensors[i].name, name))
            return &f->tensors[i];
    return NULL;
}

static const struct gguf_kv *find_typed(const struct gguf_file *f, const char *key,
                                        enum gguf_type want, struct llm_err *err)
{
    const struct gguf_kv *kv = gguf_find_key(f, key);
    if (!kv)
        llm_errf(err, "gguf: key '%s' is missing", key);
    else if (kv->type != want)
        llm_errf(err, "gguf: key '%s' (at byte %llu) is %s, expected %s", key,
                 (unsigned long long)kv->offset, gguf_type_name(kv->type), gguf_type_name(want));
    else
        return kv;
    return NULL;
}

int gguf_get_u32(const struct gguf_file *f, const char *key, uint32_t *out, struct llm_err *err)
{
    const struct gguf_kv *kv = gguf_find_key(f, key);
    if (!kv)
        return llm_errf(err, "gguf: key '%s' is missing", key);
    bool fits;
    switch (kv->type) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
        fits = kv->v.u64 <= UINT32_MAX;
        break;
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
        fits = kv->v.i64 >= 0 && kv->v.i64 <= (int64_t)UINT32_MAX;
        break;
    default:
        return llm_errf(err, "gguf: key '%s' (at byte %llu) is %s, expected an integer", key,
                        (unsigned long long)kv->offset, gguf_type_name(kv->type));
    }
    if (!fits)
        return llm_errf(err, "gguf: key '%s' (at byte %llu): value %lld does not fit in u32", key,
                        (unsigned long long)kv->offset, (long long)kv->v.i64);
    *out = (uint32_t)kv->v.u64;
    return 0;
}

int gguf_get_f32(const struct gguf_file *f, const char *key, float *out, struct llm_err *err)
{
    const struct gguf_kv *kv = gguf_find_key(f, key);
    if (kv && kv->type == GGUF_TYPE_FLOAT64) {
        *out = (float)kv->v.f64;
        return 0;
    }
    if (!(kv = find_typed(f, key, GGUF_TYPE_FLOAT32, err)))
        return -1;
    *out = (float)kv->v.f64;
    return 0;
}

int gguf_get_str(const struct gguf_file *f, const char *key, struct gguf_str *out, struct llm_err *err)
{
    const struct gguf_kv *kv = find_typed(f, key, GGUF_TYPE_STRING, err);
    if (!kv)
        return -1;
    *out = kv->v.str;
    return 0;
}

int gguf_get_arr(const struct gguf_file *f, const char *key, enum gguf_type elem_type,
                 struct gguf_arr *out, struct llm_err *err)
{
    const struct gguf_kv *kv = find_typed(f, key, GGUF_TYPE_ARRAY, err);
    if (!kv)
        return -1;
    if (kv->v.arr.elem_type != elem_type)
        return llm_errf(err, "gguf: key '%s' (at byte %llu) is an array of %s, expected %s", key,
                        (unsigned long long)kv->offset, gguf_type_name(kv->v.arr.elem_type),
                        gguf_type_name(elem_type));
    *out = kv->v.arr;
    return 0;
}

struct gguf_str gguf_arr_next_str(const uint8_t **pos)
{
    struct gguf_str s;
    s.len = load_le(*pos, 8);
    s.ptr = (const char *)*pos + 8;
    *pos += 8 + s.len;
    return s;
}
