/* scripts/gen_1b.c: gen_gguf --shape 1b, a TinyLlama-1.1B-shaped llama GGUF
 * (dim 2048, 22 layers, 32 heads / 4 kv heads, ffn 5632, ctx 2048, vocab
 * 32000) with deterministic random weights, for tests and benches at the size
 * people run. Weights are normal-like (a sum of four uniforms, std 0.02),
 * norms exactly 1. The vocab is the Llama SentencePiece one, its tokenizer.*
 * keys copied from ../shared/models/vocab/ggml-vocab-llama-spm.gguf (or
 * --vocab FILE) when present, else a generated 32000-token one.
 *
 * Types are mixed as llama-quantize (src/llama-quant.cpp) mixes a model of
 * this shape without an imatrix: 1-D tensors stay F32, token_embd takes the
 * base type, output.weight is Q6_K unless the base is Q8_0 or F16, and
 * Q4_K_M (base Q4_K) makes attn_v and ffn_down Q6_K in the layers
 * use_more_bits picks.
 *
 * The file is ~650 MB at Q4_0, so it is streamed: the header and tensor infos
 * are laid out first (every offset is known from the types), then each tensor
 * is generated, quantized across all cores (llm_parallel_for) and written.
 * Each chunk of rows has its own seed, so the bytes do not depend on the
 * thread count.
 *
 *   gen_gguf --shape 1b --type q4_0|q4_k_m|q8_0|f16 -o FILE [--seed N] [--layers N] [--vocab FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/rand.h"
#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "scripts/gen_1b.h"

#define DIM      2048
#define N_HEADS  32
#define N_KV     4
#define FFN      5632
#define VOCAB    32000
#define CTX      2048
#define ROWS_PER_CHUNK 16
#define DEFAULT_VOCAB "../shared/models/vocab/ggml-vocab-llama-spm.gguf"

enum base { B_Q4_0, B_Q4_K_M, B_Q8_0, B_F16 };

static const struct {
    const char *name;
    uint32_t    type, ftype;    /* base tensor type, general.file_type (llama_ftype) */
} bases[] = {
    [B_Q4_0]   = { "q4_0",   GGML_TYPE_Q4_0, 2 },
    [B_Q4_K_M] = { "q4_k_m", GGML_TYPE_Q4_K, 15 },
    [B_Q8_0]   = { "q8_0",   GGML_TYPE_Q8_0, 7 },
    [B_F16]    = { "f16",    GGML_TYPE_F16,  1 },
};

struct tensor {
    char     name[48];
    uint64_t ne0, ne1;
    uint32_t type;
    uint64_t offset, nbytes;
};

struct plan {
    enum base      base;
    uint32_t       n_layers;
    uint64_t       seed;
    struct tensor *t;
    uint32_t       n;
};

/* llama-quant.cpp's use_more_bits: the first and last eighth of the layers
 * and every third one between get more bits. */
static int use_more_bits(uint32_t i, uint32_t n)
{
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

static uint32_t matrix_type(const struct plan *p, const char *suffix, uint32_t layer)
{
    if (p->base == B_Q4_K_M && (strcmp(suffix, "attn_v") == 0 || strcmp(suffix, "ffn_down") == 0) &&
        use_more_bits(layer, p->n_layers))
        return GGML_TYPE_Q6_K;
    return bases[p->base].type;
}

static void plan_add(struct plan *p, const char *name, uint64_t ne0, uint64_t ne1, uint32_t type)
{
    struct tensor *t = &p->t[p->n];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ne0 = ne0, t->ne1 = ne1, t->type = type;
    t->nbytes = type_row_bytes(type, ne0) * ne1;
    uint64_t end = p->n ? p->t[p->n - 1].offset + p->t[p->n - 1].nbytes : 0;
    t->offset = (end + GGUF_DEFAULT_ALIGNMENT - 1) / GGUF_DEFAULT_ALIGNMENT * GGUF_DEFAULT_ALIGNMENT;
    p->n++;
}

/* Tensors in convert_hf_to_gguf's order for a llama model. */
static void plan_tensors(struct plan *p)
{
    static const struct { const char *suffix; int in_ffn, out_ffn, kv; } mats[] = {
        { "attn_q", 0, 0, 0 }, { "attn_k", 0, 0, 1 }, { "attn_v", 0, 0, 1 },
        { "attn_output", 0, 0, 0 }, { "ffn_gate", 0, 1, 0 }, { "ffn_down", 1, 0, 0 },
        { "ffn_up", 0, 1, 0 },
    };
    uint32_t base = bases[p->base].type;
    uint32_t out = base == GGML_TYPE_Q8_0 || base == GGML_TYPE_F16 ? base : GGML_TYPE_Q6_K;
    char name[48];
    plan_add(p, "token_embd.weight", DIM, VOCAB, base);
    plan_add(p, "output_norm.weight", DIM, 1, GGML_TYPE_F32);
    plan_add(p, "output.weight", DIM, VOCAB, out);
    for (uint32_t l = 0; l < p->n_layers; l++) {
        for (unsigned m = 0; m < sizeof mats / sizeof mats[0]; m++) {
            snprintf(name, sizeof name, "blk.%u.%s.weight", l, mats[m].suffix);
            plan_add(p, name, mats[m].in_ffn ? FFN : DIM,
                     mats[m].out_ffn ? FFN : mats[m].kv ? DIM / N_HEADS * N_KV : DIM,
                     matrix_type(p, mats[m].suffix, l));
            if (m == 3) {
                snprintf(name, sizeof name, "blk.%u.attn_norm.weight", l);
                plan_add(p, name, DIM, 1, GGML_TYPE_F32);
            }
        }
        snprintf(name, sizeof name, "blk.%u.ffn_norm.weight", l);
        plan_add(p, name, DIM, 1, GGML_TYPE_F32);
    }
}

/* ------------------------------------------------------------- vocab */

/* Bytes of kv's value in the file (gguf_open checked that they are there). */
static uint64_t kv_value_bytes(const struct gguf_kv *kv)
{
    static const uint8_t size[GGUF_TYPE_COUNT] = {
        [GGUF_TYPE_UINT8] = 1, [GGUF_TYPE_INT8] = 1, [GGUF_TYPE_UINT16] = 2, [GGUF_TYPE_INT16] = 2,
        [GGUF_TYPE_UINT32] = 4, [GGUF_TYPE_INT32] = 4, [GGUF_TYPE_FLOAT32] = 4, [GGUF_TYPE_BOOL] = 1,
        [GGUF_TYPE_UINT64] = 8, [GGUF_TYPE_INT64] = 8, [GGUF_TYPE_FLOAT64] = 8,
    };
    if (kv->type == GGUF_TYPE_STRING)
        return 8 + kv->v.str.len;
    if (kv->type == GGUF_TYPE_ARRAY)
        return 4 + 8 + kv->v.arr.nbytes;
    return size[kv->type];
}

/* Copy every tokenizer.* key of the vocab file, byte for byte. Returns 0, or
 * -1 when the file is absent or not a GGUF with a 32000-token vocab. */
static int vocab_copy(struct gguf_writer *w, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && (buf = malloc((size_t)size)) && fseek(f, 0, SEEK_SET) == 0 &&
        fread(buf, 1, (size_t)size, f) != (size_t)size)
        size = -1;
    fclose(f);
    struct gguf_file g;
    struct llm_err err;
    const struct gguf_kv *tok;
    if (size <= 0 || !buf || gguf_open(&g, buf, (size_t)size, &err) != 0) {
        fprintf(stderr, "gen_gguf: %s: not a readable GGUF\n", path);
        free(buf);
        return -1;
    }
    int ok = (tok = gguf_find_key(&g, "tokenizer.ggml.tokens")) && tok->type == GGUF_TYPE_ARRAY &&
             tok->v.arr.count == VOCAB;
    for (uint64_t i = 0; ok && i < g.n_kv; i++) {
        const struct gguf_kv *kv = &g.kv[i];
        if (kv->key.len < 10 || memcmp(kv->key.ptr, "tokenizer.", 10) != 0)
            continue;
        gw_bytes(&w->meta, buf + kv->offset, 8 + kv->key.len + 4 + kv_value_bytes(kv));
        w->n_kv++;
    }
    if (!ok)
        fprintf(stderr, "gen_gguf: %s: no %u-token vocab\n", path, VOCAB);
    gguf_close(&g);
    free(buf);
    return ok ? 0 : -1;
}

/* The fallback: <unk> <s> </s>, the 256 byte tokens, then distinct pieces. */
static void vocab_generate(struct gguf_writer *w)
{
    static char names[VOCAB][12];
    static const char *toks[VOCAB];
    static float scores[VOCAB];
    static int32_t types[VOCAB];
    for (uint32_t i = 0; i < VOCAB; i++) {
        if (i < 3)
            snprintf(names[i], sizeof names[i], "%s", i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>");
        else if (i < 259)
            snprintf(names[i], sizeof names[i], "<0x%02X>", i - 3);
        else
            snprintf(names[i], sizeof names[i], "\xe2\x96\x81w%u", i);
        toks[i] = names[i];
        types[i] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;   /* UNKNOWN, CONTROL, BYTE, NORMAL */
        scores[i] = i < 259 ? 0.0f : -(float)(i - 259);
    }
    gw_kv_str(w, "tokenizer.ggml.model", "llama");
    gw_kv_arr_str(w, "tokenizer.ggml.tokens", toks, VOCAB);
    gw_kv_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, VOCAB, 4);
    gw_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, VOCAB, 4);
    gw_kv_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    gw_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gw_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
}

static void write_keys(struct gguf_writer *w, const struct plan *p, const char *vocab)
{
    char name[48];
    gw_kv_str(w, "general.architecture", "llama");
    snprintf(name, sizeof name, "gen-1b-%s", bases[p->base].name);
    gw_kv_str(w, "general.name", name);
    gw_kv_u32(w, "llama.context_length", CTX);
    gw_kv_u32(w, "llama.embedding_length", DIM);
    gw_kv_u32(w, "llama.feed_forward_length", FFN);
    gw_kv_u32(w, "llama.attention.head_count", N_HEADS);
    gw_kv_u32(w, "llama.attention.head_count_kv", N_KV);
    gw_kv_u32(w, "llama.block_count", p->n_layers);
    gw_kv_u32(w, "llama.rope.dimension_count", DIM / N_HEADS);
    gw_kv_f32(w, "llama.rope.freq_base", 10000.0f);
    gw_kv_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gw_kv_u32(w, "general.file_type", bases[p->base].ftype);
    if (p->base != B_F16)
        gw_kv_u32(w, "general.quantization_version", 2);
    if (vocab_copy(w, vocab) != 0) {
        fprintf(stderr, "gen_gguf: %s absent: generating a %u-token vocab\n", vocab, VOCAB);
        vocab_generate(w);
    }
}

/* ------------------------------------------------------------- weights */

struct fill_job {
    const struct tensor *t;
    uint64_t             seed;
    uint8_t             *out;
};

/* Rows [i*ROWS_PER_CHUNK, ...) of one tensor: normal-like values (Irwin-Hall
 * with four 16-bit uniforms: std 1/sqrt(3) per unit, scaled to 0.02), or 1
 * for a norm, converted to the tensor's type. */
static void fill_chunk(int i, void *arg)
{
    const struct fill_job *job = arg;
    const struct tensor *t = job->t;
    uint64_t r0 = (uint64_t)i * ROWS_PER_CHUNK;
    uint64_t rows = t->ne1 - r0 < ROWS_PER_CHUNK ? t->ne1 - r0 : ROWS_PER_CHUNK;
    uint64_t n = rows * t->ne0;
    float *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_gguf: out of memory\n");
        exit(1);
    }
    uint64_t state = job->seed ^ (0x9e3779b97f4a7c15ull * ((uint64_t)i + 1));
    /* four uniforms in [-1, 1) have std 2/sqrt(3) summed: scale to 0.02 */
    const float scale = 0.02f * 0.8660254f / 32768.0f;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t r = rand_u64(&state);
        int32_t s = 0;
        for (int b = 0; b < 4; b++)
            s += (int32_t)((r >> (16 * b)) & 0xffff) - 32768;
        x[k] = t->ne1 == 1 ? 1.0f : (float)s * scale;
    }
    uint8_t *dst = job->out + type_row_bytes(t->type, t->ne0) * r0;
    if (t->type == GGML_TYPE_F32) {
        memcpy(dst, x, n * sizeof *x);
    } else if (t->type == GGML_TYPE_F16) {
        for (uint64_t k = 0; k < n; k++) {
            uint16_t h = fp32_to_fp16(x[k]);
            memcpy(dst + 2 * k, &h, 2);
        }
    } else {
        quantize_row_ref((enum ggml_type)t->type, x, dst, (int64_t)n);
    }
    free(x);
}

static int write_tensor(FILE *f, const struct plan *p, uint32_t idx, uint8_t *buf)
{
    const struct tensor *t = &p->t[idx];
    uint64_t state = p->seed * 0x100000001b3ull + idx;
    struct fill_job job = { t, rand_u64(&state), buf };
    llm_parallel_for((int)((t->ne1 + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK), fill_chunk, &job);
    static const uint8_t zeros[GGUF_DEFAULT_ALIGNMENT];
    uint64_t pad = idx + 1 < p->n ? p->t[idx + 1].offset - t->offset - t->nbytes : 0;
    return fwrite(buf, 1, t->nbytes, f) == t->nbytes && fwrite(zeros, 1, pad, f) == pad ? 0 : -1;
}

/* ------------------------------------------------------------- main */

static int usage(void)
{
    fprintf(stderr, "usage: gen_gguf --shape 1b --type q4_0|q4_k_m|q8_0|f16 -o FILE [--seed N] [--layers N] [--vocab FILE]\n");
    return 2;
}

int gen_1b_main(int argc, char **argv)
{
    struct plan p = { .base = B_Q4_0, .n_layers = 22, .seed = 1 };
    const char *out = NULL, *vocab = DEFAULT_VOCAB;
    int typed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--shape") == 0 && strcmp(v, "1b") != 0) {
            fprintf(stderr, "gen_gguf: unknown shape '%s' (1b)\n", v);
            return 2;
        } else if (strcmp(a, "--type") == 0) {
            for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++)
                if (strcmp(v, bases[b].name) == 0)
                    p.base = (enum base)b, typed = 1;
            if (!typed) {
                fprintf(stderr, "gen_gguf: --shape 1b: unknown type '%s' (q4_0 q4_k_m q8_0 f16)\n", v);
                return 2;
            }
        } else if (strcmp(a, "--layers") == 0) {
            p.n_layers = (uint32_t)strtoul(v, NULL, 0);
            if (p.n_layers < 1 || p.n_layers > 64) {
                fprintf(stderr, "gen_gguf: --layers %s: want 1..64\n", v);
                return 2;
            }
        } else if (strcmp(a, "--seed") == 0) {
            p.seed = strtoull(v, NULL, 0);
        } else if (strcmp(a, "-o") == 0) {
            out = v;
        } else if (strcmp(a, "--vocab") == 0) {
            vocab = v;
        } else if (strcmp(a, "--shape") != 0) {
            return usage();
        }
    }
    if (!out)
        return usage();
    p.t = calloc(3 + 9 * (size_t)p.n_layers, sizeof *p.t);
    if (!p.t)
        return fprintf(stderr, "gen_gguf: out of memory\n"), 1;
    plan_tensors(&p);
    uint64_t max_bytes = 0;
    for (uint32_t i = 0; i < p.n; i++)
        max_bytes = p.t[i].nbytes > max_bytes ? p.t[i].nbytes : max_bytes;
    uint8_t *buf = malloc(max_bytes);
    if (!buf)
        return fprintf(stderr, "gen_gguf: out of memory\n"), 1;
    struct gguf_writer w;
    gw_init(&w);
    write_keys(&w, &p, vocab);
    for (uint32_t i = 0; i < p.n; i++) {
        uint64_t ne[2] = { p.t[i].ne0, p.t[i].ne1 };
        gw_tensor_info(&w, p.t[i].name, ne[1] == 1 ? 1 : 2, ne, p.t[i].type, p.t[i].offset);
    }
    struct gw_buf head;
    FILE *f = fopen(out, "wb");
    if (gw_finish(&w, &head) != 0 || !f) {
        fprintf(stderr, "gen_gguf: cannot write %s\n", out);
        return 1;
    }
    int rc = fwrite(head.p, 1, head.len, f) == head.len ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < p.n; i++)
        rc = write_tensor(f, &p, i, buf);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "gen_gguf: cannot write %s\n", out);
        return 1;
    }
    gw_buf_free(&head);
    gw_free(&w);
    free(buf);
    free(p.t);
    return 0;
}
