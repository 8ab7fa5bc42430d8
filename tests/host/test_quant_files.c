/* tests/host/test_quant_files.c: the reference quantizers against llama-quantize.
 * Every quantized or F16 matrix in the stories260K and stories260K-pad256 (K-quant)
 * files under ../shared/models
 * must come out byte for byte the same when the F32 file's tensor of the same
 * name is quantized with quantize_row_ref(), row by row. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"
#include "tests/host/testutil_gguf.h"

#define MODELS "../shared/models"

static int n_fail;

static void report(const char *verdict, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const char *verdict, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %s: ", verdict, name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (strcmp(verdict, "FAIL") == 0)
        n_fail++;
}

/* Re-quantize each non-F32 tensor of `q` from its F32 twin in `ref`. */
static void check_file(const char *name, const struct gguf_file *ref, const struct gguf_file *q)
{
    uint64_t tensors = 0, rows = 0;
    for (uint64_t i = 0; i < q->n_tensors; i++) {
        const struct gguf_tensor *t = &q->tensors[i];
        const struct type_traits *tt = type_traits(t->type);
        if (t->type == GGML_TYPE_F32)
            continue;
        if (tt == NULL || !tt->supported) {
            report("FAIL", name, "%.*s: unexpected type %u", (int)t->name.len, t->name.ptr, t->type);
            return;
        }
        const struct gguf_tensor *src = NULL;
        for (uint64_t j = 0; j < ref->n_tensors && !src; j++)
            if (ref->tensors[j].name.len == t->name.len &&
                memcmp(ref->tensors[j].name.ptr, t->name.ptr, t->name.len) == 0)
                src = &ref->tensors[j];
        if (!src || src->type != GGML_TYPE_F32 || memcmp(src->ne, t->ne, sizeof t->ne) != 0) {
            report("FAIL", name, "%.*s: no F32 twin of the same shape", (int)t->name.len, t->name.ptr);
            return;
        }
        uint64_t ne0 = t->ne[0], nrows = t->ne[1] * t->ne[2] * t->ne[3];
        uint64_t rb = type_row_bytes(t->type, ne0);
        if (rb == 0 || rb * nrows != t->nbytes || ne0 * 4 * nrows != src->nbytes) {
            report("FAIL", name, "%.*s: sizes disagree", (int)t->name.len, t->name.ptr);
            return;
        }
        uint8_t *row = malloc(rb);
        for (uint64_t r = 0; r < nrows; r++) {
            quantize_row_ref(t->type, (const float *)src->data + r * ne0, row, (int64_t)ne0);
            if (memcmp(row, (const uint8_t *)t->data + r * rb, rb) != 0) {
                uint64_t b = 0;
                while (memcmp(row + b * tt->size, (const uint8_t *)t->data + r * rb + b * tt->size,
                              tt->size) == 0)
                    b++;
                report("FAIL", name, "%.*s (%s) row %llu block %llu differs", (int)t->name.len,
                       t->name.ptr, tt->name, (unsigned long long)r, (unsigned long long)b);
                free(row);
                return;
            }
        }
        free(row);
        tensors++;
        rows += nrows;
    }
    if (tensors == 0)
        report("FAIL", name, "no quantized tensors found");
    else
        report("PASS", name, "%llu tensors, %llu rows identical", (unsigned long long)tensors,
               (unsigned long long)rows);
}

int main(void)
{
    static const char *const files[][2] = {
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-f16.gguf" },
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-q4_0.gguf" },
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-q4_1.gguf" },
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-q5_0.gguf" },
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-q5_1.gguf" },
        { "stories260K/stories260K-f32.gguf", "stories260K/stories260K-q8_0.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q8_0.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q6_k.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q5_k_m.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q4_k_m.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q4_0.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q3_k_m.gguf" },
        { "stories260K-pad256/stories260K-pad256-f32.gguf", "stories260K-pad256/stories260K-pad256-q2_k.gguf" },
    };
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
        char name[128], path[256];
        const char *base = strrchr(files[i][1], '/') + 1;
        snprintf(name, sizeof name, "requant_%.*s", (int)(strlen(base) - 5), base);
        struct tu_gguf ref, q;
        /* an absent file is a SKIP; one that is there but does not load, a FAIL */
        snprintf(path, sizeof path, MODELS "/%s", files[i][0]);
        if (!tu_gguf_load(&ref, path)) {
            report(access(path, F_OK) ? "SKIP" : "FAIL", name, "%s", ref.err.msg);
            tu_gguf_free(&ref);
            continue;
        }
        snprintf(path, sizeof path, MODELS "/%s", files[i][1]);
        if (!tu_gguf_load(&q, path)) {
            report(access(path, F_OK) ? "SKIP" : "FAIL", name, "%s", q.err.msg);
            tu_gguf_free(&q);
            tu_gguf_free(&ref);
            continue;
        }
        check_file(name, &ref.f, &q.f);
        tu_gguf_free(&q);
        tu_gguf_free(&ref);
    }
    return n_fail ? 1 : 0;
}
