/* tests/fuzz/fuzz_gguf.c: libFuzzer target for the GGUF reader. Any input must
 * either be refused with a message or parse into a table whose every string,
 * array and tensor lies inside the input (checked here, and by ASan: libFuzzer
 * hands over an exact-size heap copy, so one byte too far is a report). A file
 * that parses is also opened vocab_only through llm/llm.h (the seeds hold SPM,
 * BPE and WordPiece vocabularies): refused with a message, or it tokenizes a
 * text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "llm/gguf/gguf.h"
#include "llm/llm.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const uint8_t *lo, *hi;

static void check_span(const void *p, uint64_t n)
{
    CHECK((const uint8_t *)p >= lo && (const uint8_t *)p <= hi && n <= (uint64_t)(hi - (const uint8_t *)p));
}

static void check_kv(const struct gguf_file *f, const struct gguf_kv *kv)
{
    check_span(kv->key.ptr, kv->key.len);
    if (kv->type == GGUF_TYPE_STRING)
        check_span(kv->v.str.ptr, kv->v.str.len);
    if (kv->type == GGUF_TYPE_ARRAY) {
        check_span(kv->v.arr.data, kv->v.arr.nbytes);
        if (kv->v.arr.elem_type == GGUF_TYPE_STRING) {
            const uint8_t *pos = kv->v.arr.data;
            for (uint64_t i = 0; i < kv->v.arr.count; i++) {
                struct gguf_str s = gguf_arr_next_str(&pos);
                check_span(s.ptr, s.len);
            }
            CHECK(pos == kv->v.arr.data + kv->v.arr.nbytes);
        }
    }
    /* Lookups by a key taken from the file (NUL-free, short) find this key or an equal one. */
    char key[128];
    if (kv->key.len < sizeof key && !memchr(kv->key.ptr, 0, kv->key.len)) {
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        const struct gguf_kv *found = gguf_find_key(f, key);
        CHECK(found && gguf_str_eq(found->key, key));
        struct llm_err err;
        uint32_t u;
        float x;
        struct gguf_str s;
        struct gguf_arr a;
        gguf_get_u32(f, key, &u, &err);
        gguf_get_f32(f, key, &x, &err);
        gguf_get_str(f, key, &s, &err);
        if (gguf_get_arr(f, key, GGUF_TYPE_STRING, &a, &err) == 0)
            check_span(a.data, a.nbytes);
    }
}

/* The vocabulary through llm/llm.h, as a front end opens one (vocab_only). */
static void check_tokenizer(const uint8_t *data, size_t size)
{
    static const char text[] = "Hello world's <s> caf\xc3\xa9 \xe4\xb8\xad 12345 \xff\n\tx";
    const struct llm_model_opts vo = { .vocab_only = true };
    struct llm_model *m;
    struct llm_model_info mi;
    struct llm_err err;
    if (llm_open_model(&m, data, size, &vo, &err)) {
        CHECK(m == NULL && err.msg[0] != '\0' && memchr(err.msg, 0, sizeof err.msg));
        return;
    }
    llm_get_model_info(m, &mi);
    int32_t ids[3 * sizeof text + 8];
    int n = llm_tokenize(m, text, sizeof text - 1, true, false, ids, (int)(sizeof ids / sizeof *ids));
    CHECK(n >= 0);
    char piece[64];
    for (int i = 0; i < n; i++) {
        CHECK(ids[i] >= 0 && (uint32_t)ids[i] < mi.n_vocab);
        int k = llm_detokenize(m, i ? ids[i - 1] : -1, ids[i], piece, (int)sizeof piece);
        CHECK(k >= 0 && k <= (int)sizeof piece);
    }
    llm_close_model(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf_file f;
    struct llm_err err;
    lo = data, hi = data + size;
    if (gguf_open(&f, data, size, &err)) {
        CHECK(err.msg[0] != '\0' && memchr(err.msg, 0, sizeof err.msg));
        return 0;
    }
    CHECK(f.data_offset <= size && f.alignment && !(f.alignment & (f.alignment - 1)));
    for (uint64_t i = 0; i < f.n_kv; i++)
        check_kv(&f, &f.kv[i]);
    for (uint64_t i = 0; i < f.n_tensors; i++) {
        const struct gguf_tensor *t = &f.tensors[i];
        check_span(t->name.ptr, t->name.len);
        check_span(t->data, t->nbytes);
        CHECK(t->n_dims <= GGUF_MAX_DIMS);   /* 0: a scalar, as ggml allows */
        CHECK((const uint8_t *)t->data - data == (ptrdiff_t)(f.data_offset + t->offset));
    }
    gguf_close(&f);
    check_tokenizer(data, size);
    return 0;
}
