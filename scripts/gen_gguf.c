/* scripts/gen_gguf.c: writes small llama GGUF models with deterministic
 * pseudo-random weights, in any supported tensor type, and deliberately broken
 * variants of them, so tests exercise the whole load path without ../shared.
 * The layout mirrors stories260K-f32.gguf (same keys, tensor names and order)
 * at dim 64, 2 layers, 4 heads / 2 kv heads, ffn 96, ctx 128 and a 302-token
 * SentencePiece-style vocab. --arch gpt2 writes a GPT-2 model instead (as
 * llama.cpp's gpt2 loader wants it: position_embd, fused attn_qkv, LayerNorm
 * weights near 1 and every bias non-zero, so a forward pass that drops one
 * of them is caught), with 4 heads (no GQA) and the same vocab. --tied leaves
 * output.weight out (the output projection is then token_embd). --wide
 * (implied by the K-quant types, whose rows are super-blocks of 256) makes
 * dim and ffn 256. --mixed cycles the layer matrices through the legacy
 * types, or with a K-quant type through a mix like llama-quantize's Q4_K_M
 * (K-quants, Q8_0, Q4_0, F16) with a Q6_K output. --dim N (a multiple of
 * 256) makes dim and ffn N: longer rows for scripts/bench.sh's per-weight rows.
 *
 *   gen_gguf --type q4_0 -o out.gguf [--seed N] [--mixed] [--wide] [--dim N] [--arch gpt2] [--tied]
 *   gen_gguf --broken KIND -o out.gguf [--type T] [--seed N]
 *   gen_gguf --list-broken      one line per kind: KIND, layer, expected text, what
 *   gen_gguf --shape 1b ...     a TinyLlama-1.1B-shaped model (scripts/gen_1b.c)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/rand.h"
#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"
#include "llm/quant/quant.h"
#include "scripts/gen_1b.h"

struct hparams {
    uint32_t dim, n_layers, n_heads, n_kv_heads, ffn, ctx;
};

/* The broken variants. layer "gguf": gguf_open must fail with a message
 * containing expect; layer "model": the file is valid GGUF and the model
 * loader must refuse it, naming expect. */
enum broken {
    BR_OK, BR_TRUNCATED, BR_TRUNCATED_HEADER, BR_BAD_MAGIC, BR_BAD_VERSION, BR_VERSION1,
    BR_BIG_ENDIAN, BR_HUGE_COUNT, BR_BAD_ALIGNMENT, BR_MISALIGNED, BR_TENSOR_OOB, BR_BAD_TYPE,
    BR_DUP_KEY, BR_DUP_TENSOR, BR_STRING_OOB, BR_SHAPE_MISMATCH, BR_VOCAB_MISMATCH,
    BR_MISSING_TENSOR, BR_MISSING_KEY, BR_UNSUPPORTED_TYPE, BR_K_ROW, BR_N_BROKEN
};

#define GGUF_ERR(kind, expect, what)  { kind, "gguf", expect, what }
#define MODEL_ERR(kind, expect, what) { kind, "model", expect, what }
static const struct {
    const char *name, *layer, *expect, *what;
} broken_kinds[BR_N_BROKEN] = {
    [BR_TRUNCATED]        = GGUF_ERR("truncated", "past the end", "file cut in half (in the tensor data)"),
    [BR_TRUNCATED_HEADER] = GGUF_ERR("truncated-header", "truncated", "file cut at byte 3000 (in the tokens)"),
    [BR_BAD_MAGIC]        = GGUF_ERR("bad-magic", "bad magic", "first byte changed"),
    [BR_BAD_VERSION]      = GGUF_ERR("bad-version", "version 4", "version 4"),
    [BR_VERSION1]         = GGUF_ERR("version1", "version 1", "version 1"),
    [BR_BIG_ENDIAN]       = GGUF_ERR("big-endian", "big-endian", "version stored big-endian"),
    [BR_HUGE_COUNT]       = GGUF_ERR("huge-count", "tensor count", "tensor count 2^60"),
    [BR_BAD_ALIGNMENT]    = GGUF_ERR("bad-alignment", "general.alignment", "general.alignment = 48"),
    [BR_MISALIGNED]       = GGUF_ERR("misaligned", "blk.0.attn_norm.weight", "data offset moved by 16 bytes"),
    [BR_TENSOR_OOB]       = GGUF_ERR("tensor-oob", "blk.1.ffn_norm.weight", "last tensor's data missing"),
    [BR_BAD_TYPE]         = GGUF_ERR("bad-type", "invalid ggml type 99", "blk.0.attn_norm.weight has type 99"),
    [BR_DUP_KEY]          = GGUF_ERR("duplicate-key", "llama.block_count", "llama.block_count twice"),
    [BR_DUP_TENSOR]       = GGUF_ERR("duplicate-tensor", "duplicate tensor", "blk.0.attn_q.weight twice"),
    [BR_STRING_OOB]       = GGUF_ERR("string-oob", "general.description", "string length 2^40"),
    [BR_SHAPE_MISMATCH]   = MODEL_ERR("shape-mismatch", "blk.1.attn_k.weight", "attn_k has 48 rows, not 32"),
    [BR_VOCAB_MISMATCH]   = MODEL_ERR("vocab-mismatch", "token_embd.weight", "token_embd: vocab + 2 rows"),
    [BR_MISSING_TENSOR]   = MODEL_ERR("missing-tensor", "blk.1.ffn_up.weight", "blk.1.ffn_up.weight left out"),
    [BR_MISSING_KEY]      = MODEL_ERR("missing-key", "llama.embedding_length", "embedding_length left out"),
    [BR_UNSUPPORTED_TYPE] = MODEL_ERR("unsupported-type", "blk.0.ffn_down.weight",
                                      "every ffn_down IQ4_NL (id 20, right size)"),
    [BR_K_ROW]            = GGUF_ERR("k-row", "q4_K block size 256",
                                     "blk.0.ffn_down.weight declared Q4_K with rows of 96"),
};

/* ------------------------------------------------------------- weights */

static uint64_t rng_state;

static uint64_t rng_next(void) { return rand_u64(&rng_state); }
static float rng_unit(void) { return rand_float(&rng_state, -1.0f, 1.0f); }

/* Skewed values (mean about 0, longer positive tail) so block minima and
 * maxima differ in magnitude, as Q4_1/Q5_1 and the absmax rules need. */
static void fill_weights(float *x, uint64_t n, float scale, float center)
{
    for (uint64_t i = 0; i < n; i++) {
        float u = rng_unit(), v = rng_unit();
        x[i] = center + scale * (u + 0.3f * v * v - 0.1f);
    }
}

/* Convert n floats (rows of a multiple of the block size) into type. */
static void encode(uint32_t type, const float *x, uint64_t n, uint8_t *out)
{
    for (uint64_t i = 0; i < n && (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16); i++) {
        uint16_t h = type == GGML_TYPE_F16 ? fp32_to_fp16(x[i]) : fp32_to_bf16(x[i]);
        memcpy(out + 2 * i, &h, 2);
    }
    if (type == GGML_TYPE_F32)
        memcpy(out, x, n * sizeof *x);
    else if (type == GGML_TYPE_IQ4_NL)      /* no quantizer: any bytes of the right size */
        for (uint64_t i = 0; i < type_row_bytes(type, n); i++)
            out[i] = (uint8_t)rng_next();
    else if (type != GGML_TYPE_F16 && type != GGML_TYPE_BF16)
        quantize_row((enum ggml_type)type, x, out, (int64_t)n);
}

/* ------------------------------------------------------------- vocab */

#define N_SPECIAL 3
#define N_BYTES   256
static const char *const pieces[] = {   /* NORMAL tokens; each longer one is two shorter */
    "\xe2\x96\x81", "e", "t", "a", "o", "n", "h", "s", "d", "i", "l", "y", "u", "p", "m",
    "T", "O", "c", ".", ",",
    "he", "\xe2\x96\x81t", "\xe2\x96\x81the", "\xe2\x96\x81" "a", "nd", "\xe2\x96\x81" "and",
    "ce", "nce", "\xe2\x96\x81O", "\xe2\x96\x81Once", "up", "\xe2\x96\x81up", "on",
    "\xe2\x96\x81on", "im", "\xe2\x96\x81tim", "\xe2\x96\x81time", "ay", "\xe2\x96\x81" "d",
    "\xe2\x96\x81" "day", "is", "\xe2\x96\x81is", "\xe2\x96\x81T",
};
#define N_PIECES (sizeof pieces / sizeof pieces[0])
#define N_VOCAB  (N_SPECIAL + N_BYTES + N_PIECES)

static void write_vocab(struct gguf_writer *w)
{
    static char byte_names[N_BYTES][7];
    const char *toks[N_VOCAB];
    float scores[N_VOCAB];
    int32_t types[N_VOCAB];
    toks[0] = "<unk>", toks[1] = "<s>", toks[2] = "</s>";
    types[0] = 2, types[1] = 3, types[2] = 3;           /* UNKNOWN, CONTROL */
    for (int b = 0; b < N_BYTES; b++) {
        snprintf(byte_names[b], sizeof byte_names[b], "<0x%02X>", b);
        toks[N_SPECIAL + b] = byte_names[b];
        types[N_SPECIAL + b] = 6;                       /* BYTE */
    }
    for (unsigned i = 0; i < N_PIECES; i++) {
        toks[N_SPECIAL + N_BYTES + i] = pieces[i];
        types[N_SPECIAL + N_BYTES + i] = 1;             /* NORMAL */
    }
    for (unsigned i = 0; i < N_VOCAB; i++)
        scores[i] = i < N_SPECIAL + N_BYTES ? 0.0f : -(float)(i - N_SPECIAL - N_BYTES);
    gw_kv_arr_str(w, "tokenizer.ggml.tokens", toks, N_VOCAB);
    gw_kv_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, N_VOCAB, 4);
    gw_kv_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, N_VOCAB, 4);
    gw_kv_str(w, "tokenizer.ggml.model", "llama");
}

/* ------------------------------------------------------------- model */

struct gen {
    struct gguf_writer w;
    struct hparams     hp;
    uint32_t           type;       /* matrices (and token_embd) */
    int                mixed;      /* cycle layer matrices through every type */
    int                wide;       /* dim and ffn 256 */
    uint32_t           dim;        /* --dim: dim and ffn this (0: 64 / 96, or 256 with --wide) */
    enum broken        broken;
    unsigned           n_matrix;   /* layer matrices written so far, for --mixed */
    int                gpt2;       /* --arch gpt2 */
    int                tied;       /* --tied: no output.weight */
};

static const uint32_t mix_cycle[] = {
    GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1,
    GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0, GGML_TYPE_F32,
};
/* With a K-quant --type: Q/K/V, gate/up and down of one layer differ in type,
 * so every matmul set mixes activation types (Q8_K, Q8_0, F16). Slot 0 takes
 * the --type itself (Q4_K: Q4_K_M-like; Q3_K, Q2_K: Q3_K_M/Q2_K-like). */
static const uint32_t kmix_cycle[] = {
    GGML_TYPE_COUNT, GGML_TYPE_Q6_K, GGML_TYPE_Q5_K, GGML_TYPE_Q8_0,
    GGML_TYPE_Q4_K, GGML_TYPE_Q4_0, GGML_TYPE_F16,
};

static int is_k(uint32_t type)
{
    return type_traits(type)->blck == 256;
}

static void add_tensor(struct gen *g, const char *name, uint64_t ne0, uint64_t ne1,
                       uint32_t type, float scale, float center)
{
    uint64_t ne[2] = { ne0, ne1 }, n = ne0 * ne1;
    float *x = malloc(n * sizeof *x);
    uint8_t *q = malloc(n * 4 + 64);
    if (!x || !q) {
        fprintf(stderr, "gen_gguf: out of memory\n");
        exit(1);
    }
    fill_weights(x, n, scale, center);
    encode(type, x, n, q);
    size_t nbytes = (size_t)type_row_bytes(type, n);
    uint32_t n_dims = ne1 == 1 ? 1 : 2;
    int last = g->broken == BR_TENSOR_OOB && strcmp(name, "blk.1.ffn_norm.weight") == 0;
    if (g->broken == BR_BAD_TYPE && strcmp(name, "blk.0.attn_norm.weight") == 0)
        type = 99;
    if (g->broken == BR_K_ROW && strcmp(name, "blk.0.ffn_down.weight") == 0)
        type = GGML_TYPE_Q4_K;
    if (g->broken == BR_MISALIGNED && strcmp(name, "blk.0.attn_norm.weight") == 0)
        gw_bytes(&g->w.data, q, 16);
    if (last) {
        gw_tensor_info(&g->w, name, n_dims, ne, type, g->w.data.len);
    } else {
        gw_tensor(&g->w, name, n_dims, ne, type, q, nbytes);
        if (g->broken == BR_DUP_TENSOR && strcmp(name, "blk.0.attn_q.weight") == 0)
            gw_tensor(&g->w, name, n_dims, ne, type, q, nbytes);
    }
    free(x);
    free(q);
}

static void add_matrix(struct gen *g, const char *name, uint64_t ne0, uint64_t ne1)
{
    uint32_t type = g->type;
    if (g->mixed && is_k(g->type)) {
        type = kmix_cycle[g->n_matrix++ % (sizeof kmix_cycle / sizeof kmix_cycle[0])];
        type = type == GGML_TYPE_COUNT ? g->type : type;
    } else if (g->mixed) {
        type = mix_cycle[g->n_matrix++ % (sizeof mix_cycle / sizeof mix_cycle[0])];
    }
    if (g->broken == BR_UNSUPPORTED_TYPE && strstr(name, "ffn_down"))
        type = GGML_TYPE_IQ4_NL;
    if (g->broken == BR_MISSING_TENSOR && strcmp(name, "blk.1.ffn_up.weight") == 0)
        return;
    add_tensor(g, name, ne0, ne1, type, 1.0f / sqrtf((float)ne0), 0.0f);
}

static void add_norm(struct gen *g, const char *name, uint64_t n)
{
    add_tensor(g, name, n, 1, GGML_TYPE_F32, 0.1f, 1.0f);
}

static void add_bias(struct gen *g, const char *name, uint64_t n)
{
    add_tensor(g, name, n, 1, GGML_TYPE_F32, 0.1f, 0.0f);
}

static uint32_t file_type(uint32_t t)   /* llama_ftype for a uniform file of type t */
{
    switch (t) {
    case GGML_TYPE_F16:  return 1;
    case GGML_TYPE_Q4_0: return 2;
    case GGML_TYPE_Q4_1: return 3;
    case GGML_TYPE_Q8_0: return 7;
    case GGML_TYPE_Q5_0: return 8;
    case GGML_TYPE_Q5_1: return 9;
    case GGML_TYPE_Q2_K: return 10;
    case GGML_TYPE_Q3_K: return 11;   /* Q3_K_S; mixed: 12, Q3_K_M */
    case GGML_TYPE_Q4_K: return 14;   /* Q4_K_S; mixed: 15, Q4_K_M */
    case GGML_TYPE_Q5_K: return 16;
    case GGML_TYPE_Q6_K: return 18;
    case GGML_TYPE_BF16: return 32;
    default:             return 0;
    }
}

static void write_keys_gpt2(struct gen *g)
{
    const struct hparams *hp = &g->hp;
    struct gguf_writer *w = &g->w;
    write_vocab(w);
    gw_kv_str(w, "general.architecture", "gpt2");
    gw_kv_str(w, "general.name", "gen-gpt2");
    gw_kv_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    gw_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gw_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
    gw_kv_u32(w, "gpt2.context_length", hp->ctx);
    gw_kv_u32(w, "gpt2.embedding_length", hp->dim);
    gw_kv_u32(w, "gpt2.feed_forward_length", hp->ffn);
    gw_kv_u32(w, "gpt2.attention.head_count", hp->n_heads);
    gw_kv_u32(w, "gpt2.block_count", hp->n_layers);
    gw_kv_f32(w, "gpt2.attention.layer_norm_epsilon", 1e-5f);
    gw_kv_u32(w, "general.file_type", file_type(g->type));
}

static void write_tensors_gpt2(struct gen *g)
{
    const struct hparams *hp = &g->hp;
    char name[64];
    add_tensor(g, "token_embd.weight", hp->dim, N_VOCAB, g->type, 1.0f, 0.0f);
    add_tensor(g, "position_embd.weight", hp->dim, hp->ctx, GGML_TYPE_F32, 0.3f, 0.0f);
    add_norm(g, "output_norm.weight", hp->dim);
    add_bias(g, "output_norm.bias", hp->dim);
    if (!g->tied)
        add_tensor(g, "output.weight", hp->dim, N_VOCAB, g->type, 1.0f / sqrtf((float)hp->dim), 0.0f);
    for (uint32_t l = 0; l < hp->n_layers; l++) {
#define T(suffix) (snprintf(name, sizeof name, "blk.%u." suffix, l), name)
        add_norm(g, T("attn_norm.weight"), hp->dim);
        add_bias(g, T("attn_norm.bias"), hp->dim);
        add_matrix(g, T("attn_qkv.weight"), hp->dim, 3 * hp->dim);
        add_bias(g, T("attn_qkv.bias"), 3 * hp->dim);
        add_matrix(g, T("attn_output.weight"), hp->dim, hp->dim);
        add_bias(g, T("attn_output.bias"), hp->dim);
        add_norm(g, T("ffn_norm.weight"), hp->dim);
        add_bias(g, T("ffn_norm.bias"), hp->dim);
        add_matrix(g, T("ffn_up.weight"), hp->dim, hp->ffn);
        add_bias(g, T("ffn_up.bias"), hp->ffn);
        add_matrix(g, T("ffn_down.weight"), hp->ffn, hp->dim);
        add_bias(g, T("ffn_down.bias"), hp->dim);
#undef T
    }
}

static void write_keys(struct gen *g)
{
    const struct hparams *hp = &g->hp;
    struct gguf_writer *w = &g->w;
    char name[64];
    write_vocab(w);
    gw_kv_str(w, "general.architecture", "llama");
    snprintf(name, sizeof name, "gen-llama-%s%s", type_traits(g->type)->name, g->mixed ? "-mixed" : "");
    gw_kv_str(w, "general.name", name);
    gw_kv_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    gw_kv_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gw_kv_u32(w, "tokenizer.ggml.eos_token_id", 2);
    gw_kv_u32(w, "llama.context_length", hp->ctx);
    if (g->broken != BR_MISSING_KEY)
        gw_kv_u32(w, "llama.embedding_length", hp->dim);
    gw_kv_u32(w, "llama.feed_forward_length", hp->ffn);
    gw_kv_u32(w, "llama.attention.head_count", hp->n_heads);
    gw_kv_u32(w, "llama.attention.head_count_kv", hp->n_kv_heads);
    gw_kv_u32(w, "llama.block_count", hp->n_layers);
    if (g->broken == BR_DUP_KEY)
        gw_kv_u32(w, "llama.block_count", hp->n_layers);
    gw_kv_u32(w, "llama.rope.dimension_count", hp->dim / hp->n_heads);
    gw_kv_f32(w, "llama.rope.freq_base", 10000.0f);
    gw_kv_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gw_kv_u32(w, "general.file_type", file_type(g->type) + (g->mixed && (g->type == GGML_TYPE_Q3_K || g->type == GGML_TYPE_Q4_K ||
                                                                        g->type == GGML_TYPE_Q5_K)));
    if (g->type != GGML_TYPE_F32 || g->mixed)
        gw_kv_u32(w, "general.quantization_version", 2);
    if (g->broken == BR_BAD_ALIGNMENT)
        gw_kv_u32(w, "general.alignment", 48);
    if (g->broken == BR_STRING_OOB) {
        gw_key(w, "general.description", GGUF_TYPE_STRING);
        gw_u64(&w->meta, 1ull << 40);
    }
}

static void write_tensors(struct gen *g)
{
    const struct hparams *hp = &g->hp;
    uint64_t kv_dim = hp->dim / hp->n_heads * hp->n_kv_heads;
    uint64_t vocab = N_VOCAB + (g->broken == BR_VOCAB_MISMATCH ? 2 : 0);
    char name[64];
    add_tensor(g, "token_embd.weight", hp->dim, vocab, g->type, 1.0f, 0.0f);
    add_norm(g, "output_norm.weight", hp->dim);
    const uint32_t out_type = !g->mixed ? g->type : is_k(g->type) ? GGML_TYPE_Q6_K : GGML_TYPE_Q8_0;
    if (!g->tied)
        add_tensor(g, "output.weight", hp->dim, N_VOCAB, out_type, 1.0f / sqrtf((float)hp->dim), 0.0f);
    for (uint32_t l = 0; l < hp->n_layers; l++) {
#define T(suffix) (snprintf(name, sizeof name, "blk.%u." suffix, l), name)
        add_matrix(g, T("attn_q.weight"), hp->dim, hp->dim);
        add_matrix(g, T("attn_k.weight"), hp->dim,
                   g->broken == BR_SHAPE_MISMATCH && l == 1 ? kv_dim + 16 : kv_dim);
        add_matrix(g, T("attn_v.weight"), hp->dim, kv_dim);
        add_matrix(g, T("attn_output.weight"), hp->dim, hp->dim);
        add_norm(g, T("attn_norm.weight"), hp->dim);
        add_matrix(g, T("ffn_gate.weight"), hp->dim, hp->ffn);
        add_matrix(g, T("ffn_down.weight"), hp->ffn, hp->dim);
        add_matrix(g, T("ffn_up.weight"), hp->dim, hp->ffn);
        add_norm(g, T("ffn_norm.weight"), hp->dim);
#undef T
    }
}

/* Byte-level damage after the file is assembled. */
static void damage(struct gw_buf *img, enum broken b)
{
    switch (b) {
    case BR_TRUNCATED:        img->len /= 2; break;
    case BR_TRUNCATED_HEADER: img->len = 3000; break;
    case BR_BAD_MAGIC:        img->p[0] = 'X'; break;
    case BR_BAD_VERSION:      img->p[4] = 4; break;
    case BR_VERSION1:         img->p[4] = 1; break;
    case BR_BIG_ENDIAN:       img->p[4] = 0; img->p[7] = 3; break;
    case BR_HUGE_COUNT:       img->p[15] = 0x10; break;   /* n_tensors |= 2^60 */
    default:               break;
    }
}

static uint32_t parse_type(const char *s)
{
    static const uint32_t ok[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q4_0,
                                   GGML_TYPE_Q4_1, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1, GGML_TYPE_Q8_0,
                                   GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K,
                                   GGML_TYPE_Q6_K };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcasecmp(type_traits(ok[i])->name, s) == 0)
            return ok[i];
    fprintf(stderr, "gen_gguf: unknown type '%s' (f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k)\n", s);
    exit(2);
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_gguf --type T -o out.gguf [--seed N] [--mixed] [--wide] [--dim N] [--arch llama|gpt2] [--tied]\n"
                    "       gen_gguf --broken KIND -o out.gguf [--type T] [--seed N]\n"
                    "       gen_gguf --list-broken\n"
                    "       gen_gguf --shape 1b --type q4_0|q4_k_m|q8_0|f16 -o out.gguf [--seed N] [--layers N]\n"
                    "types: f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k (default q8_0)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct gen g = { .hp = { 64, 2, 4, 2, 96, 128 }, .type = GGML_TYPE_Q8_0 };
    const char *out = NULL;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--shape") == 0)
            return gen_1b_main(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list-broken") == 0) {
            for (int k = 1; k < BR_N_BROKEN; k++)
                printf("%s\t%s\t%s\t%s\n", broken_kinds[k].name, broken_kinds[k].layer,
                       broken_kinds[k].expect, broken_kinds[k].what);
            return 0;
        } else if (strcmp(a, "--mixed") == 0) {
            g.mixed = 1;
        } else if (strcmp(a, "--tied") == 0) {
            g.tied = 1;
        } else if (strcmp(a, "--wide") == 0) {
            g.wide = 1;
        } else if (!v) {
            usage();
        } else if (strcmp(a, "--type") == 0) {
            g.type = parse_type(v), i++;
        } else if (strcmp(a, "--arch") == 0) {
            if (strcmp(v, "gpt2") != 0 && strcmp(v, "llama") != 0)
                usage();
            g.gpt2 = strcmp(v, "gpt2") == 0, i++;
        } else if (strcmp(a, "-o") == 0) {
            out = v, i++;
        } else if (strcmp(a, "--dim") == 0) {
            g.dim = (uint32_t)strtoul(v, NULL, 0), i++;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 0), i++;
        } else if (strcmp(a, "--broken") == 0) {
            for (int k = 1; k < BR_N_BROKEN; k++)
                if (strcmp(broken_kinds[k].name, v) == 0)
                    g.broken = (enum broken)k;
            if (g.broken == BR_OK) {
                fprintf(stderr, "gen_gguf: unknown broken kind '%s' (see --list-broken)\n", v);
                return 2;
            }
            i++;
        } else {
            usage();
        }
    }
    if (!out)
        usage();
    if (g.gpt2 && g.broken != BR_OK) {
        fprintf(stderr, "gen_gguf: --broken makes llama files only\n");
        return 2;
    }
    if (g.gpt2)
        g.hp.n_kv_heads = g.hp.n_heads;
    if (g.wide || is_k(g.type))
        g.hp.dim = g.hp.ffn = 256;   /* K-quant rows are whole super-blocks */
    if (g.dim) {
        if (g.dim % 256 != 0 || g.dim > 4096) {
            fprintf(stderr, "gen_gguf: --dim %u: want a multiple of 256 up to 4096\n", g.dim);
            return 2;
        }
        g.hp.dim = g.hp.ffn = g.dim;
    }
    rng_state = seed;
    gw_init(&g.w);
    (g.gpt2 ? write_keys_gpt2 : write_keys)(&g);
    (g.gpt2 ? write_tensors_gpt2 : write_tensors)(&g);
    struct gw_buf img;
    if (gw_finish(&g.w, &img)) {
        fprintf(stderr, "gen_gguf: out of memory\n");
        return 1;
    }
    gw_free(&g.w);
    damage(&img, g.broken);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(img.p, 1, img.len, f) != img.len || fclose(f) != 0) {
        fprintf(stderr, "gen_gguf: cannot write %s\n", out);
        return 1;
    }
    gw_buf_free(&img);
    return 0;
}
