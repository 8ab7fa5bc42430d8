/* llm/gguf/gguf_test.c: selftests of the GGUF reader on small images built in memory
 * with llm/gguf/gguf_write.h: a good file read back field by field, then one
 * malformation at a time, each checked for the message that names it. */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"
#include "llm/quant/quant.h"

static const float tg_rows[16] = { 1.5f, -2.0f, 0.25f, 3.0f, -0.5f, 7.0f, 0.0f, -1.0f,
                                   2.5f, -3.5f, 4.0f, 0.125f, -8.0f, 6.0f, 1.0f, -0.75f };

/* Keys of every scalar type, a string array and an array of arrays; three
 * tensors (F32 [8,2], Q8_0 [32,1], F32 [8]); the last tensor's 32 bytes end
 * the file exactly, so every shorter prefix must be rejected. */
static void tg_good(struct gguf_writer *w)
{
    static const char *const toks[] = { "<unk>", "\xe2\x96\x81hi", "" };
    static const int32_t ints[] = { -1, 2, 300000 };
    gw_init(w);
    gw_kv_str(w, "general.architecture", "llama");
    gw_kv_u32(w, "llama.block_count", 2);
    gw_kv_f32(w, "llama.rope.freq_base", 10000.0f);
    gw_kv_i32(w, "neg", -5);
    gw_key(w, "flag", GGUF_TYPE_BOOL);
    gw_bytes(&w->meta, "\x01", 1);
    gw_key(w, "small", GGUF_TYPE_INT8);
    gw_bytes(&w->meta, "\xfe", 1);
    gw_key(w, "big", GGUF_TYPE_UINT64);
    gw_u64(&w->meta, 1ull << 40);
    gw_key(w, "dbl", GGUF_TYPE_FLOAT64);
    gw_u64(&w->meta, 0x3ff8000000000000ull);   /* 1.5 */
    gw_kv_arr_str(w, "tokenizer.ggml.tokens", toks, 3);
    gw_kv_arr(w, "ints", GGUF_TYPE_INT32, ints, 3, 4);
    gw_key(w, "nested", GGUF_TYPE_ARRAY);      /* [[1,2],[3]] of u16 */
    gw_u32(&w->meta, GGUF_TYPE_ARRAY);
    gw_u64(&w->meta, 2);
    gw_u32(&w->meta, GGUF_TYPE_UINT16);
    gw_u64(&w->meta, 2);
    gw_bytes(&w->meta, "\x01\x00\x02\x00", 4);
    gw_u32(&w->meta, GGUF_TYPE_UINT16);
    gw_u64(&w->meta, 1);
    gw_bytes(&w->meta, "\x03\x00", 2);

    uint8_t q8[34] = { 0x00, 0x3c };           /* scale 1.0 (f16), then 32 int8 */
    for (int i = 0; i < 32; i++)
        q8[2 + i] = (uint8_t)(i * 7 - 100);
    uint64_t ne_a[2] = { 8, 2 }, ne_b[2] = { 32, 1 }, ne_c[1] = { 8 };
    gw_tensor(w, "a.weight", 2, ne_a, GGML_TYPE_F32, tg_rows, sizeof tg_rows);
    gw_tensor(w, "b.weight", 2, ne_b, GGML_TYPE_Q8_0, q8, sizeof q8);
    gw_tensor(w, "c.norm", 1, ne_c, GGML_TYPE_F32, tg_rows, 32);
}

/* Open w's image (w is freed); ok says whether it parsed. */
static bool tg_open(struct gguf_writer *w, struct gw_buf *img, struct gguf_file *f, struct llm_err *e)
{
    int rc = gw_finish(w, img);
    gw_free(w);
    if (rc)
        return false;
    e->msg[0] = 0;
    return gguf_open(f, img->p, img->len, e) == 0;
}

/* The image must be rejected with a message containing want1 and want2. */
static void tg_reject(struct selftest_ctx *t, struct gguf_writer *w, const char *want1, const char *want2)
{
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    bool ok = tg_open(w, &img, &f, &e);
    if (ok)
        gguf_close(&f);
    gw_buf_free(&img);
    ST_CHECK(!ok, "accepted; expected an error mentioning '%s'", want1);
    ST_CHECK(strstr(e.msg, want1) && strstr(e.msg, want2), "message '%s' lacks '%s'/'%s'",
             e.msg, want1, want2);
}

SELFTEST(gguf_good_file)
{
    struct gguf_writer w;
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    tg_good(&w);
    ST_CHECK(tg_open(&w, &img, &f, &e), "good file rejected: %s", e.msg);
    bool ok = false;
    uint32_t u;
    float x;
    struct gguf_str s;
    struct gguf_arr a;
    const struct gguf_tensor *ta = gguf_find_tensor(&f, "a.weight");
    const struct gguf_tensor *tb = gguf_find_tensor(&f, "b.weight");
    const struct gguf_tensor *tc = gguf_find_tensor(&f, "c.norm");
    const struct gguf_kv *kv;
    do {
        if (f.version != 3 || f.n_kv != 11 || f.n_tensors != 3 || f.alignment != 32) break;
        if (gguf_get_u32(&f, "llama.block_count", &u, &e) || u != 2) break;
        if (gguf_get_f32(&f, "llama.rope.freq_base", &x, &e) || x != 10000.0f) break;
        if (gguf_get_f32(&f, "dbl", &x, &e) || x != 1.5f) break;
        if (gguf_get_str(&f, "general.architecture", &s, &e) || !gguf_str_eq(s, "llama")) break;
        if (!(kv = gguf_find_key(&f, "neg")) || kv->v.i64 != -5) break;
        if (!(kv = gguf_find_key(&f, "small")) || kv->v.i64 != -2) break;
        if (!(kv = gguf_find_key(&f, "flag")) || kv->type != GGUF_TYPE_BOOL || kv->v.u64 != 1) break;
        if (!(kv = gguf_find_key(&f, "big")) || kv->v.u64 != 1ull << 40) break;
        if (gguf_get_arr(&f, "ints", GGUF_TYPE_INT32, &a, &e) || a.count != 3 || a.nbytes != 12) break;
        if (gguf_get_arr(&f, "nested", GGUF_TYPE_ARRAY, &a, &e) || a.count != 2 || a.nbytes != 30) break;
        if (gguf_get_arr(&f, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &a, &e) || a.count != 3) break;
        const uint8_t *pos = a.data;
        struct gguf_str s0 = gguf_arr_next_str(&pos), s1 = gguf_arr_next_str(&pos),
                        s2 = gguf_arr_next_str(&pos);
        if (!gguf_str_eq(s0, "<unk>") || !gguf_str_eq(s1, "\xe2\x96\x81hi") || s2.len != 0) break;
        if (pos != a.data + a.nbytes) break;
        if (!ta || !tb || !tc || gguf_find_tensor(&f, "a.weigh") || gguf_find_key(&f, "fla")) break;
        if (ta->n_dims != 2 || ta->ne[0] != 8 || ta->ne[1] != 2 || ta->ne[2] != 1 || ta->nbytes != 64) break;
        if (tb->type != GGML_TYPE_Q8_0 || tb->nbytes != 34 || tb->offset != 64) break;
        if (tc->offset != 128 || tc->nbytes != 32 || f.data_offset % 32) break;
        if ((const uint8_t *)tc->data + 32 != img.p + img.len) break;
        if (memcmp(ta->data, tg_rows, sizeof tg_rows) || ((const uint8_t *)tb->data)[2] != 156) break;
        ok = true;
    } while (0);
    gguf_close(&f);
    gw_buf_free(&img);
    ST_CHECK(ok, "good file read back wrong (last message: %s)", e.msg);
    ST_CHECK(f.kv == NULL && f.tensors == NULL && f.alloc_bytes == 0, "close left state");
}

SELFTEST(gguf_getter_errors)
{
    struct gguf_writer w;
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    tg_good(&w);
    gw_key(&w, "toolarge", GGUF_TYPE_UINT64);
    gw_u64(&w.meta, 1ull << 32);
    ST_CHECK(tg_open(&w, &img, &f, &e), "rejected: %s", e.msg);
    uint32_t u;
    float x;
    struct gguf_arr a;
    struct gguf_str s;
    int r1 = gguf_get_u32(&f, "missing.key", &u, &e);
    bool m1 = strstr(e.msg, "missing.key") != NULL;
    int r2 = gguf_get_u32(&f, "neg", &u, &e);
    bool m2 = strstr(e.msg, "neg") != NULL;
    int r3 = gguf_get_u32(&f, "toolarge", &u, &e);
    int r4 = gguf_get_str(&f, "llama.block_count", &s, &e);
    bool m4 = strstr(e.msg, "llama.block_count") && strstr(e.msg, "u32");
    int r5 = gguf_get_arr(&f, "ints", GGUF_TYPE_UINT32, &a, &e);
    bool m5 = strstr(e.msg, "i32") != NULL;
    int r6 = gguf_get_f32(&f, "general.architecture", &x, &e);
    int r7 = gguf_get_u32(&f, "small", &u, &e);
    gguf_close(&f);
    gw_buf_free(&img);
    ST_CHECK(r1 == -1 && m1, "missing key: %d", r1);
    ST_CHECK(r2 == -1 && m2, "negative value accepted as u32");
    ST_CHECK(r3 == -1, "2^32 accepted as u32");
    ST_CHECK(r4 == -1 && m4, "u32 read as string");
    ST_CHECK(r5 == -1 && m5, "i32 array read as u32 array");
    ST_CHECK(r6 == -1 && r7 == -1, "string read as float / -2 read as u32");
}

SELFTEST(gguf_every_truncation)
{
    struct gguf_writer w;
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    tg_good(&w);
    ST_CHECK(tg_open(&w, &img, &f, &e), "good file rejected: %s", e.msg);
    gguf_close(&f);
    size_t bad = 0, first_bad = 0;
    for (size_t n = 0; n < img.len; n++) {
        if (gguf_open(&f, img.p, n, &e) == 0) {
            gguf_close(&f);
            if (!bad++)
                first_bad = n;
        }
    }
    gw_buf_free(&img);
    ST_CHECK(bad == 0, "%zu truncated prefixes accepted, first of %zu bytes", bad, first_bad);
}

SELFTEST(gguf_header_errors)
{
    static const struct { uint32_t version; const char *want; } cases[] = {
        { 1, "version 1" }, { 4, "version 4" }, { 0, "version 0" },
        { 0x03000000, "big-endian" }, { 0x02000000, "big-endian" },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gguf_writer w;
        tg_good(&w);
        w.version = cases[i].version;
        tg_reject(t, &w, cases[i].want, "header");
    }
    uint8_t img[24] = "GGUF\x03\0\0\0";
    struct gguf_file f;
    struct llm_err e;
    img[0] = 'X';
    ST_CHECK(gguf_open(&f, img, sizeof img, &e) && strstr(e.msg, "magic"), "bad magic: %s", e.msg);
    img[0] = 'G';
    img[8] = 100;   /* 100 tensors in 0 bytes */
    ST_CHECK(gguf_open(&f, img, sizeof img, &e) && strstr(e.msg, "tensor count 100"), "count: %s", e.msg);
    img[8] = 0;
    img[23] = 0x80; /* 2^63 keys */
    ST_CHECK(gguf_open(&f, img, sizeof img, &e) && strstr(e.msg, "key count"), "count: %s", e.msg);
    img[23] = 0;
    ST_CHECK(gguf_open(&f, img, sizeof img, &e) == 0 && f.data_offset == 24, "empty file: %s", e.msg);
    gguf_close(&f);
}

SELFTEST(gguf_key_errors)
{
    struct gguf_writer w;
    tg_good(&w);
    gw_kv_u32(&w, "llama.block_count", 3);
    tg_reject(t, &w, "duplicate key", "llama.block_count");

    tg_good(&w);
    gw_kv_u32(&w, "general.alignment", 48);
    tg_reject(t, &w, "general.alignment", "power of two");
    tg_good(&w);
    gw_kv_u32(&w, "general.alignment", 0);
    tg_reject(t, &w, "general.alignment", "power of two");
    tg_good(&w);
    gw_key(&w, "general.alignment", GGUF_TYPE_UINT64);
    gw_u64(&w.meta, 32);
    tg_reject(t, &w, "general.alignment", "must be u32");

    tg_good(&w);
    gw_key(&w, "long.string", GGUF_TYPE_STRING);
    gw_u64(&w.meta, 1ull << 40);
    tg_reject(t, &w, "long.string", "truncated");

    tg_good(&w);
    gw_key(&w, "bad.bool", GGUF_TYPE_BOOL);
    gw_bytes(&w.meta, "\x02", 1);
    tg_reject(t, &w, "bad.bool", "not 0 or 1");

    tg_good(&w);
    gw_kv_arr(&w, "bad.bools", GGUF_TYPE_BOOL, "\x01\x00\x03", 3, 1);
    tg_reject(t, &w, "bad.bools", "not 0 or 1");

    tg_good(&w);
    gw_key(&w, "bad.type", (enum gguf_type)13);
    gw_u32(&w.meta, 0);
    tg_reject(t, &w, "bad.type", "invalid value type 13");

    tg_good(&w);
    gw_key(&w, "bad.arr", GGUF_TYPE_ARRAY);
    gw_u32(&w.meta, GGUF_TYPE_UINT32);
    gw_u64(&w.meta, 1ull << 62);
    tg_reject(t, &w, "bad.arr", "array of");

    tg_good(&w);
    gw_key(&w, "", GGUF_TYPE_UINT8);
    gw_bytes(&w.meta, "\x01", 1);
    tg_reject(t, &w, "empty name", "key");
}

SELFTEST(gguf_nesting_limit)
{
    struct gguf_writer w;
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    for (int depth = 3; depth <= 4; depth++) {
        tg_good(&w);
        gw_key(&w, "deep", GGUF_TYPE_ARRAY);
        for (int d = 1; d < depth; d++) {
            gw_u32(&w.meta, GGUF_TYPE_ARRAY);
            gw_u64(&w.meta, 1);
        }
        gw_u32(&w.meta, GGUF_TYPE_UINT8);
        gw_u64(&w.meta, 1);
        gw_bytes(&w.meta, "\x07", 1);
        if (depth == 4) {
            tg_reject(t, &w, "deep", "nested deeper");
            continue;
        }
        ST_CHECK(tg_open(&w, &img, &f, &e), "depth %d rejected: %s", depth, e.msg);
        const struct gguf_kv *kv = gguf_find_key(&f, "deep");
        bool ok = kv && kv->v.arr.elem_type == GGUF_TYPE_ARRAY && kv->v.arr.nbytes == 12 + 12 + 1;
        gguf_close(&f);
        gw_buf_free(&img);
        ST_CHECK(ok, "depth %d array read back wrong", depth);
    }
}

SELFTEST(gguf_tensor_errors)
{
    static const float zeros[64];
    struct gguf_writer w;
    uint64_t ne[5] = { 8, 1, 1, 1, 1 };

    tg_good(&w);
    gw_tensor(&w, "a.weight", 1, ne, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "duplicate tensor", "a.weight");

    tg_good(&w);
    gw_tensor(&w, "five.dims", 5, ne, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "five.dims", "5 dimensions");

    tg_good(&w);
    gw_tensor(&w, "bad.type4", 1, ne, 4, zeros, 32);
    tg_reject(t, &w, "bad.type4", "invalid ggml type 4");
    tg_good(&w);
    gw_tensor(&w, "bad.type99", 1, ne, 99, zeros, 32);
    tg_reject(t, &w, "bad.type99", "invalid ggml type 99");

    uint64_t ne33[1] = { 33 };
    tg_good(&w);
    gw_tensor(&w, "odd.q8", 1, ne33, GGML_TYPE_Q8_0, zeros, 64);
    tg_reject(t, &w, "odd.q8", "block size 32");

    uint64_t huge[3] = { 1ull << 32, 1ull << 31, 2 };
    tg_good(&w);
    gw_tensor(&w, "huge", 3, huge, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "huge", "overflows");
    uint64_t neg[2] = { 8, (uint64_t)-1 };
    tg_good(&w);
    gw_tensor(&w, "neg.dim", 2, neg, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "neg.dim", "negative");
    uint64_t big_bytes[2] = { 1ull << 32, 1ull << 30 };    /* 2^62 elements, 2^64 bytes */
    tg_good(&w);
    gw_tensor(&w, "big.bytes", 2, big_bytes, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "big.bytes", "overflows");

    uint64_t ne16[1] = { 16 };
    tg_good(&w);
    gw_tensor(&w, "past.eof", 1, ne16, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "past.eof", "past the end");

    tg_good(&w);
    gw_tensor_info(&w, "misaligned", 1, ne, GGML_TYPE_F32, 160 + 4);
    gw_bytes(&w.data, zeros, 64);
    tg_reject(t, &w, "misaligned", "data offset 164, expected 160");

    tg_good(&w);
    gw_tensor_info(&w, "gap", 1, ne, GGML_TYPE_F32, 192);
    gw_bytes(&w.data, zeros, 96);
    tg_reject(t, &w, "gap", "expected 160");

    char name[80];
    memset(name, 'n', 64);
    name[64] = 0;
    tg_good(&w);
    gw_tensor(&w, name, 1, ne, GGML_TYPE_F32, zeros, 32);
    tg_reject(t, &w, "nnnn", "limit is 63");
}

SELFTEST(gguf_alignment_key)
{
    struct gguf_writer w;
    struct gw_buf img;
    struct gguf_file f;
    struct llm_err e;
    /* Alignment 64: the key must move the data section and the offsets. */
    gw_init(&w);
    w.alignment = 64;
    gw_kv_u32(&w, "general.alignment", 64);
    uint64_t ne[1] = { 4 };
    gw_tensor(&w, "x", 1, ne, GGML_TYPE_F32, tg_rows, 16);
    gw_tensor(&w, "y", 1, ne, GGML_TYPE_F32, tg_rows + 4, 16);
    ST_CHECK(tg_open(&w, &img, &f, &e), "alignment 64 rejected: %s", e.msg);
    const struct gguf_tensor *y = gguf_find_tensor(&f, "y");
    bool ok = f.alignment == 64 && f.data_offset % 64 == 0 && y && y->offset == 64 &&
              ((const float *)y->data)[0] == tg_rows[4];
    gguf_close(&f);
    gw_buf_free(&img);
    ST_CHECK(ok, "alignment 64 layout read back wrong");
}
