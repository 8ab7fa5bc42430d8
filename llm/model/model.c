/* llm/model/model.c: load a model from a parsed GGUF file: pick its
 * architecture (llm/model/arch.h), which reads the hyperparameters and finds
 * the tensors with the helpers here. Every hyperparameter is range-checked
 * and every tensor's shape and type is checked against them, so the forward
 * pass can trust what it indexes. */
#include <stdarg.h>
#include "llm/model/arch.h"
#include "llm/model/model.h"
#include "llm/platform.h"
#include "llm/quant/quant.h"
#include "llm/quant/repack.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/math.h"

static const struct arch_ops *const arch_list[] = { &arch_llama, &arch_gpt2 };

/* An optional u32 key: default when absent, error when present but wrong. */
int model_get_u32_opt(const struct gguf_file *f, const char *key, uint32_t def, uint32_t *out,
                      struct llm_err *err)
{
    if (!gguf_find_key(f, key)) {
        *out = def;
        return 0;
    }
    return gguf_get_u32(f, key, out, err);
}

int model_get_f32_opt(const struct gguf_file *f, const char *key, float def, float *out,
                      struct llm_err *err)
{
    if (!gguf_find_key(f, key)) {
        *out = def;
        return 0;
    }
    return gguf_get_f32(f, key, out, err);
}

int model_check_range(const char *key, uint32_t v, uint32_t lo, uint32_t hi, struct llm_err *err)
{
    if (v < lo || v > hi)
        return llm_errf(err, "%s = %u is out of range [%u, %u]", key, v, lo, hi);
    return 0;
}

const char *model_key(char key[MODEL_KEY_MAX], const char *arch, const char *name)
{
    snprintf(key, MODEL_KEY_MAX, "%s.%s", arch, name);
    return key;
}

int model_read_dims(struct model_hparams *hp, const struct gguf_file *f, const char *arch,
                    struct llm_err *err)
{
    char k[6][MODEL_KEY_MAX];
    if (gguf_get_u32(f, model_key(k[0], arch, "context_length"), &hp->n_ctx_train, err) ||
        gguf_get_u32(f, model_key(k[1], arch, "embedding_length"), &hp->n_embd, err) ||
        gguf_get_u32(f, model_key(k[2], arch, "block_count"), &hp->n_layer, err) ||
        gguf_get_u32(f, model_key(k[3], arch, "feed_forward_length"), &hp->n_ff, err) ||
        gguf_get_u32(f, model_key(k[4], arch, "attention.head_count"), &hp->n_head, err) ||
        model_get_u32_opt(f, model_key(k[5], arch, "attention.head_count_kv"), hp->n_head, &hp->n_head_kv, err))
        return -1;
    if (model_check_range(k[0], hp->n_ctx_train, 1, MODEL_MAX_CTX, err) ||
        model_check_range(k[1], hp->n_embd, 1, MODEL_MAX_EMBD, err) ||
        model_check_range(k[2], hp->n_layer, 1, MODEL_MAX_LAYERS, err) ||
        model_check_range(k[3], hp->n_ff, 1, MODEL_MAX_FF, err) ||
        model_check_range(k[4], hp->n_head, 1, MODEL_MAX_HEADS, err) ||
        model_check_range(k[5], hp->n_head_kv, 1, hp->n_head, err))
        return -1;
    if (hp->n_embd % hp->n_head)
        return llm_errf(err, "embedding_length %u is not a multiple of head_count %u",
                        hp->n_embd, hp->n_head);
    if (hp->n_head % hp->n_head_kv)
        return llm_errf(err, "head_count %u is not a multiple of head_count_kv %u",
                        hp->n_head, hp->n_head_kv);
    hp->head_dim = hp->n_embd / hp->n_head;
    return 0;
}

/* Find a tensor and check shape [ne0] (ne1 == 0) or [ne0, ne1] and type.
 * Vectors (norm weights) must be F32; matrices any supported type whose rows
 * also split into blocks of the type the activations are converted to. */
const struct gguf_tensor *model_find_weight(const struct gguf_file *f, const char *name,
                                            uint64_t ne0, uint64_t ne1, struct llm_err *err)
{
    const struct gguf_tensor *t = gguf_find_tensor(f, name);
    if (!t) {
        llm_errf(err, "missing tensor %s", name);
        return NULL;
    }
    uint64_t want1 = ne1 == 0 ? 1 : ne1 == MODEL_ANY_ROWS ? t->ne[1] : ne1;
    if (t->ne[0] != ne0 || t->ne[1] != want1 || t->ne[2] != 1 || t->ne[3] != 1) {
        llm_errf(err, "tensor %s has shape [%llu, %llu, %llu, %llu], expected [%llu, %llu]", name,
                 (unsigned long long)t->ne[0], (unsigned long long)t->ne[1],
                 (unsigned long long)t->ne[2], (unsigned long long)t->ne[3],
                 (unsigned long long)ne0, (unsigned long long)want1);
        return NULL;
    }
    const struct type_traits *tt = type_traits(t->type);
    if (!tt) {
        llm_errf(err, "tensor %s has unknown type %u", name, t->type);
        return NULL;
    }
    if (ne1 == 0 && t->type != GGML_TYPE_F32) {
        llm_errf(err, "tensor %s has type %s, not supported (norm weights must be f32)", name, tt->name);
        return NULL;
    }
    if (!tt->supported) {
        llm_errf(err, "tensor %s has type %s, not supported", name, tt->name);
        return NULL;
    }
    const struct type_traits *vt = type_traits(tt->vec_dot_type);
    if (ne0 % tt->blck || !vt || ne0 % vt->blck) {
        llm_errf(err, "tensor %s: row of %llu values does not split into %s blocks", name,
                 (unsigned long long)ne0, tt->name);
        return NULL;
    }
    uint64_t row = type_row_bytes(t->type, ne0);
    if (!t->data || row == 0 || t->nbytes / row < want1) {
        llm_errf(err, "tensor %s: %llu data bytes are too few for its shape", name,
                 (unsigned long long)t->nbytes);
        return NULL;
    }
    /* general.alignment may be as small as 1, but the kernels read floats and
     * fp16 block scales in place. */
    if ((uintptr_t)t->data % 4) {
        llm_errf(err, "tensor %s: data at byte %llu is not 4-byte aligned (general.alignment %llu)",
                 name, (unsigned long long)((const uint8_t *)t->data - f->buf),
                 (unsigned long long)f->alignment);
        return NULL;
    }
    return t;
}

const struct gguf_tensor *model_find_layer_weight(const struct gguf_file *f, uint32_t il,
                                                  const char *what, uint64_t ne0, uint64_t ne1,
                                                  uint64_t *bytes, struct llm_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "blk.%u.%s", il, what);
    const struct gguf_tensor *t = model_find_weight(f, name, ne0, ne1, err);
    if (t)
        *bytes += t->nbytes;
    return t;
}

uint32_t model_kv_dim(const struct model_hparams *hp)
{
    return hp->n_head_kv * hp->head_dim;
}

/* token_embd, output_norm.weight and output.weight (or tied embeddings):
 * every architecture has them. */
static int load_ends(struct model *m, const struct gguf_file *f, struct llm_err *err)
{
    /* The vocabulary size comes from the token list when there is one (as in
     * llama.cpp), else from the embedding matrix. */
    const struct gguf_kv *toks = gguf_find_key(f, "tokenizer.ggml.tokens");
    uint64_t n_vocab = toks && toks->type == GGUF_TYPE_ARRAY ? toks->v.arr.count : MODEL_ANY_ROWS;
    if (n_vocab == 0)
        return llm_errf(err, "tokenizer.ggml.tokens is empty");
    m->tok_embd = model_find_weight(f, "token_embd.weight", m->hp.n_embd, n_vocab, err);
    if (!m->tok_embd)
        return -1;
    if (m->tok_embd->ne[1] < 1 || m->tok_embd->ne[1] > MODEL_MAX_VOCAB)
        return llm_errf(err, "token_embd.weight has %llu rows, out of range [1, %u]",
                        (unsigned long long)m->tok_embd->ne[1], MODEL_MAX_VOCAB);
    m->hp.n_vocab = (uint32_t)m->tok_embd->ne[1];
    m->weight_bytes = m->tok_embd->nbytes;
    if (!(m->output_norm = model_find_weight(f, "output_norm.weight", m->hp.n_embd, 0, err)))
        return -1;
    m->weight_bytes += m->output_norm->nbytes;
    if (gguf_find_tensor(f, "output.weight")) {
        if (!(m->output = model_find_weight(f, "output.weight", m->hp.n_embd, m->hp.n_vocab, err)))
            return -1;
        m->weight_bytes += m->output->nbytes;
    } else {
        m->output = m->tok_embd;      /* tied embeddings, as llama.cpp does */
        m->output_tied = true;
    }
    return 0;
}

int model_load(struct model *m, const struct gguf_file *f, struct llm_err *err)
{
    memset(m, 0, sizeof *m);
    struct gguf_str name;
    if (gguf_get_str(f, "general.architecture", &name, err))
        return -1;
    for (size_t i = 0; i < sizeof arch_list / sizeof arch_list[0]; i++)
        if (gguf_str_eq(name, arch_list[i]->name))
            m->arch = arch_list[i];
    if (!m->arch)
        return llm_errf(err, "unsupported architecture '%.*s' (implemented: %s)",
                        (int)(name.len > 64 ? 64 : name.len), name.ptr, MODEL_ARCH_NAMES);
    if (m->arch->load_hparams(&m->hp, f, err))
        return -1;
    m->file = f;
    if (load_ends(m, f, err) || (m->arch->load_globals && m->arch->load_globals(m, f, err)))
        return -1;
    m->layers_bytes = (size_t)m->hp.n_layer * sizeof *m->layers;
    m->layers = llm_alloc(m->layers_bytes, 16);
    if (!m->layers)
        return llm_errf(err, "out of memory for %u layer descriptors", m->hp.n_layer);
    memset(m->layers, 0, m->layers_bytes);
    for (uint32_t il = 0; il < m->hp.n_layer; il++) {
        if (m->arch->load_layer(&m->layers[il], f, il, &m->hp, &m->weight_bytes, err)) {
            model_free(m);
            return -1;
        }
    }
    return 0;
}

int model_layer_matmuls(const struct layer_weights *l, const struct gguf_tensor *w[MODEL_LAYER_MATMULS])
{
    const struct gguf_tensor *all[MODEL_LAYER_MATMULS] = {
        l->wq, l->wk, l->wv, l->wqkv, l->wo, l->w_gate, l->w_up, l->w_down,
    };
    int n = 0;
    for (int i = 0; i < MODEL_LAYER_MATMULS; i++)
        if (all[i])
            w[n++] = all[i];
    return n;
}

void model_free(struct model *m)
{
    model_repack_free(m);
    if (m->layers)
        llm_free(m->layers, m->layers_bytes);
    m->layers = NULL;
    m->layers_bytes = 0;
}

/* Append to buf at *len, never past cap-1. */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

int model_summary(const struct model *m, char *buf, size_t cap)
{
    const struct model_hparams *hp = &m->hp;
    size_t len = 0;
    if (cap == 0)
        return 0;
    buf[0] = 0;
    put(buf, cap, &len, "arch %s: %u layers, dim %u, ffn %u, heads %u, kv heads %u, head dim %u",
        m->arch->name, hp->n_layer, hp->n_embd, hp->n_ff, hp->n_head, hp->n_head_kv, hp->head_dim);
    if (hp->n_rot)
        put(buf, cap, &len, ", rope dims %u\nvocab %u, train ctx %u, rope base %g, rms eps %g",
            hp->n_rot, hp->n_vocab, hp->n_ctx_train, (double)hp->rope_base, (double)hp->norm_eps);
    else
        put(buf, cap, &len, ", learned positions\nvocab %u, train ctx %u, layer norm eps %g",
            hp->n_vocab, hp->n_ctx_train, (double)hp->norm_eps);
    put(buf, cap, &len, ", output %s\n", m->output_tied ? "tied to token_embd" : "own matrix");
    uint32_t count[GGML_TYPE_COUNT] = {0};
    uint64_t bytes[GGML_TYPE_COUNT] = {0};
    for (uint64_t i = 0; i < m->file->n_tensors; i++) {
        uint32_t t = m->file->tensors[i].type;
        if (t < GGML_TYPE_COUNT) {
            count[t]++;
            bytes[t] += m->file->tensors[i].nbytes;
        }
    }
    put(buf, cap, &len, "tensors:");
    for (uint32_t t = 0; t < GGML_TYPE_COUNT; t++)
        if (count[t])
            put(buf, cap, &len, " %s x%u (%llu bytes)", type_traits(t) ? type_traits(t)->name : "?",
                count[t], (unsigned long long)bytes[t]);
    put(buf, cap, &len, "\nweights %llu bytes (%.2f MiB), file %llu bytes\n",
        (unsigned long long)m->weight_bytes, (double)m->weight_bytes / (1024.0 * 1024.0),
        (unsigned long long)m->file->size);
    if (m->packed_bytes)
        put(buf, cap, &len, "repacked: %llu bytes of Q4_0 copies in the 4-row layout\n",
            (unsigned long long)m->packed_bytes);
    if (m->packed_in_place)
        put(buf, cap, &len, "repacked in place: %llu bytes of Q4_0 in the 4-row layout (0 bytes copied)\n",
            (unsigned long long)m->packed_in_place);
    return (int)len;
}
