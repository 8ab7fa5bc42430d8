/* tests/host/test_k23_files.c: quantize_q2_K_ref / quantize_q3_K_ref against
 * llama-quantize. Every Q2_K and Q3_K matrix of the stories260K-pad256 Q2_K and
 * Q3_K_M files under ../shared/models must come out byte for byte the same
 * when its F32 twin is quantized, and dequantize to finite values close to
 * that twin. (test_quant_files.c requantizes these files too, through
 * quant.c's quantize_row_ref; this adds the dequantization's error bound.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/math.h"
#include "llm/gguf/gguf.h"
#include "llm/quant/quant_impl.h"
#include "tests/host/testutil_gguf.h"

#define PAD256 "../shared/models/stories260K-pad256/stories260K-pad256-"

static const struct gguf_tensor *twin(const struct gguf_file *ref, const struct gguf_tensor *t)
{
    const struct gguf_tensor *s = NULL;
    for (uint64_t j = 0; j < ref->n_tensors; j++)
        if (ref->tensors[j].name.len == t->name.len &&
            memcmp(ref->tensors[j].name.ptr, t->name.ptr, t->name.len) == 0)
            s = &ref->tensors[j];
    return s && s->type == GGML_TYPE_F32 && memcmp(s->ne, t->ne, sizeof t->ne) == 0 ? s : NULL;
}

/* One tensor: requantized bytes identical, dequantized values finite and within
 * rel_rms of the F32 twin. Returns false with why[] filled. */
static bool check_tensor(const struct gguf_tensor *t, const struct gguf_tensor *src, double rel_rms,
                         char *why, size_t cap)
{
    const size_t bs = t->type == GGML_TYPE_Q2_K ? sizeof(struct block_q2_K) : sizeof(struct block_q3_K);
    const uint64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    if (t->ne[0] % QK_K != 0 || n / QK_K * bs != t->nbytes || n * 4 != src->nbytes) {
        snprintf(why, cap, "sizes disagree");
        return false;
    }
    uint8_t *q = malloc(t->nbytes);
    float *y = malloc(n * sizeof(float));
    const float *x = src->data;
    bool ok = true;
    if (t->type == GGML_TYPE_Q2_K) {
        quantize_q2_K_ref(x, (struct block_q2_K *)q, (int64_t)n);
        dequantize_q2_K(t->data, y, (int64_t)n);
    } else {
        quantize_q3_K_ref(x, (struct block_q3_K *)q, (int64_t)n);
        dequantize_q3_K(t->data, y, (int64_t)n);
    }
    for (uint64_t b = 0; ok && b < n / QK_K; b++)
        if (memcmp(q + b * bs, (const uint8_t *)t->data + b * bs, bs) != 0) {
            snprintf(why, cap, "super-block %llu requantizes differently", (unsigned long long)b);
            ok = false;
        }
    double e2 = 0, x2 = 0;
    for (uint64_t i = 0; ok && i < n; i++) {
        if (!isfinite(y[i])) {
            snprintf(why, cap, "element %llu dequantizes to %g", (unsigned long long)i, (double)y[i]);
            ok = false;
        }
        e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
        x2 += (double)x[i] * x[i];
    }
    if (ok && e2 > rel_rms * rel_rms * x2) {
        snprintf(why, cap, "dequantized rel rms error %.3f > %.2f", sqrt(e2 / x2), rel_rms);
        ok = false;
    }
    free(q);
    free(y);
    return ok;
}

int main(void)
{
    static const char *const files[] = { "q2_k", "q3_k_m" };
    struct tu_gguf ref;
    if (!tu_gguf_load(&ref, PAD256 "f32.gguf")) {
        printf("SKIP k23_files: %s\n", ref.err.msg);
        tu_gguf_free(&ref);
        return 0;
    }
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256], name[64], why[128] = "";
        snprintf(path, sizeof path, PAD256 "%s.gguf", files[i]);
        snprintf(name, sizeof name, "k23_requant_%s", files[i]);
        struct tu_gguf q;
        if (!tu_gguf_load(&q, path)) {
            printf("SKIP %s: %s\n", name, q.err.msg);
            tu_gguf_free(&q);
            continue;
        }
        unsigned n_k23 = 0;
        bool ok = true;
        for (uint64_t j = 0; ok && j < q.f.n_tensors; j++) {
            const struct gguf_tensor *t = &q.f.tensors[j];
            if (t->type != GGML_TYPE_Q2_K && t->type != GGML_TYPE_Q3_K)
                continue;
            const struct gguf_tensor *src = twin(&ref.f, t);
            /* measured on these files: Q2_K 0.24..0.34, Q3_K 0.13..0.17 */
            ok = src ? check_tensor(t, src, t->type == GGML_TYPE_Q2_K ? 0.4 : 0.2, why, sizeof why) : false;
            if (!ok)
                printf("  %.*s: %s\n", (int)t->name.len, t->name.ptr, src ? why : "no F32 twin");
            n_k23++;
        }
        tu_check(ok && n_k23 > 0, name, "%s", n_k23 == 0 ? "no Q2_K/Q3_K tensors" : "a tensor differs (above)");
        if (ok)
            printf("  %u Q2_K/Q3_K tensors requantize identically\n", n_k23);
        tu_gguf_free(&q);
    }
    tu_gguf_free(&ref);
    return tu_n_fail ? 1 : 0;
}
