/* tests/host/test_gguf_files.c: the GGUF reader on real files and on files made
 * by gen_gguf. Every .gguf under ../shared/models must parse, with known
 * hyperparameters and tensor types checked for the model families there, and
 * the weights cross-checked against the llama2.c checkpoint they came from.
 * Then gen_gguf (found beside this program) writes a model of every type,
 * a mixed one and every broken kind: good ones must parse, decode to the same
 * weights as the F32 one and be reproducible; broken ones must be refused with
 * the message gen_gguf --list-broken announces (or, for model-level defects,
 * parse and show the defect). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"
#include "tests/host/testutil_gguf.h"

#define MODELS "../shared/models"

static uint32_t key_u32(const struct gguf_file *f, const char *key)
{
    uint32_t v = 0;
    struct llm_err e;
    return gguf_get_u32(f, key, &v, &e) ? 0xdeadbeef : v;
}

static uint64_t arr_count(const struct gguf_file *f, const char *key)
{
    const struct gguf_kv *kv = gguf_find_key(f, key);
    return kv && kv->type == GGUF_TYPE_ARRAY ? kv->v.arr.count : 0;
}

static int tensor_type(const struct gguf_file *f, const char *name)
{
    const struct gguf_tensor *t = gguf_find_tensor(f, name);
    return t ? (int)t->type : -1;
}

/* Largest |a - b| over a tensor decoded to floats, relative to b's largest |value|. */
static float tensor_diff(const struct gguf_tensor *a, const struct gguf_tensor *b)
{
    uint64_t n = a->ne[0] * a->ne[1] * a->ne[2] * a->ne[3];
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), diff = 0, amax = 0;
    dequantize_row((enum ggml_type)a->type, a->data, x, (int64_t)n);
    dequantize_row((enum ggml_type)b->type, b->data, y, (int64_t)n);
    for (uint64_t i = 0; i < n; i++) {
        float d = x[i] > y[i] ? x[i] - y[i] : y[i] - x[i], m = y[i] < 0 ? -y[i] : y[i];
        diff = d > diff ? d : diff;
        amax = m > amax ? m : amax;
    }
    free(x);
    free(y);
    return amax > 0 ? diff / amax : diff;
}

/* ------------------------------------------------------------- ../shared files */

struct family {
    const char *prefix, *arch;
    uint32_t    dim, layers, heads, kv_heads, ffn;
    uint64_t    n_tensors, vocab;
};

static const struct family families[] = {
    { "stories260K/", "llama", 64, 5, 8, 4, 172, 48, 512 },
    { "stories260K-pad256/", "llama", 256, 5, 32, 16, 256, 48, 512 },
    { "synth/synth15M", "llama", 288, 6, 6, 6, 768, 57, 32000 },
    { "synth/gpt2-tiny", "gpt2", 64, 2, 4, 0, 256, 29, 50257 },
};

/* Hyperparameters of a known family, then the tensor types stated in
 * ../shared/models/README.md for the stories260K files. */
static void check_family(const char *rel, const struct gguf_file *f)
{
    char name[320], key[96];
    for (unsigned i = 0; i < sizeof families / sizeof families[0]; i++) {
        const struct family *m = &families[i];
        if (strncmp(rel, m->prefix, strlen(m->prefix)) != 0)
            continue;
        snprintf(name, sizeof name, "gguf_files/%s/hparams", rel);
#define K(suffix) (snprintf(key, sizeof key, "%s." suffix, m->arch), key_u32(f, key))
        bool ok = K("embedding_length") == m->dim && K("block_count") == m->layers &&
                  K("attention.head_count") == m->heads && K("feed_forward_length") == m->ffn &&
                  (!m->kv_heads || K("attention.head_count_kv") == m->kv_heads) &&
                  f->n_tensors == m->n_tensors && arr_count(f, "tokenizer.ggml.tokens") == m->vocab;
        tu_check(ok, name, "dim %u layers %u heads %u ffn %u tensors %llu vocab %llu",
                 K("embedding_length"), K("block_count"), K("attention.head_count"),
                 K("feed_forward_length"), (unsigned long long)f->n_tensors,
                 (unsigned long long)arr_count(f, "tokenizer.ggml.tokens"));
#undef K
    }
    static const struct { const char *file; int embd, q, down, out; } types[] = {
        { "stories260K/stories260K-f32.gguf", 0, 0, 0, 0 },
        { "stories260K/stories260K-f16.gguf", 1, 1, 1, 1 },
        { "stories260K/stories260K-q8_0.gguf", 8, 8, 1, 8 },
        { "stories260K/stories260K-q4_0.gguf", 2, 2, 1, 8 },
        { "stories260K/stories260K-q4_1.gguf", 3, 3, 1, 8 },
        { "stories260K/stories260K-q5_0.gguf", 6, 6, 1, 8 },
        { "stories260K/stories260K-q5_1.gguf", 7, 7, 1, 8 },
    };
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(rel, types[i].file) != 0)
            continue;
        int e = tensor_type(f, "token_embd.weight"), q = tensor_type(f, "blk.4.attn_q.weight"),
            d = tensor_type(f, "blk.2.ffn_down.weight"), o = tensor_type(f, "output.weight"),
            n = tensor_type(f, "blk.0.attn_norm.weight");
        snprintf(name, sizeof name, "gguf_files/%s/tensor_types", rel);
        tu_check(e == types[i].embd && q == types[i].q && d == types[i].down && o == types[i].out && n == 0,
                 name, "token_embd %d attn_q %d ffn_down %d output %d norm %d", e, q, d, o, n);
    }
}

/* stories260K-f32.gguf's token_embd must be the checkpoint's embedding table
 * (llama2.c .bin: 7 int32 header words, then vocab x dim floats), and every
 * quantized stories260K file's token_embd must decode close to it. */
static void check_stories_weights(void)
{
    size_t bin_size;
    uint8_t *bin = tu_read_file(MODELS "/stories260K/stories260K.bin", &bin_size);
    struct tu_gguf f32;
    if (!bin || !tu_gguf_load(&f32, MODELS "/stories260K/stories260K-f32.gguf")) {
        /* absent: SKIP; there but unreadable or not loading: FAIL */
        bool absent = access(MODELS "/stories260K/stories260K.bin", F_OK) != 0 ||
                      access(MODELS "/stories260K/stories260K-f32.gguf", F_OK) != 0;
        if (absent)
            printf("SKIP gguf_files/stories260K/weights: stories260K.bin or f32 GGUF missing\n");
        else
            tu_check(false, "gguf_files/stories260K/weights", "%s",
                     bin ? f32.err.msg : "cannot read stories260K.bin");
        free(bin);
        if (bin)
            tu_gguf_free(&f32);
        return;
    }
    const struct gguf_tensor *t = gguf_find_tensor(&f32.f, "token_embd.weight");
    tu_check(t && bin_size >= 28 + t->nbytes && memcmp(bin + 28, t->data, t->nbytes) == 0,
             "gguf_files/stories260K/f32_matches_bin", "token_embd differs from stories260K.bin");
    static const struct { const char *type; float tol; } q[] = {
        { "f16", 1e-3f }, { "q8_0", 0.02f }, { "q5_1", 0.07f }, { "q5_0", 0.07f },
        { "q4_1", 0.14f }, { "q4_0", 0.14f },
    };
    for (unsigned i = 0; i < sizeof q / sizeof q[0]; i++) {
        char path[256], name[128];
        struct tu_gguf l;
        snprintf(path, sizeof path, MODELS "/stories260K/stories260K-%s.gguf", q[i].type);
        snprintf(name, sizeof name, "gguf_files/stories260K/%s_decodes_near_f32", q[i].type);
        if (!tu_gguf_load(&l, path)) {
            tu_check(false, name, "%s", l.err.msg);
            tu_gguf_free(&l);
            continue;
        }
        const struct gguf_tensor *e = gguf_find_tensor(&l.f, "token_embd.weight");
        float d = e && t ? tensor_diff(e, t) : 1e9f;
        tu_check(d <= q[i].tol, name, "token_embd max relative error %g > %g", d, q[i].tol);
        tu_gguf_free(&l);
    }
    tu_gguf_free(&f32);
    free(bin);
}

static int walk_models(const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        char path[512], sub[256];
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(sub, sizeof sub, "%s%s", rel, de->d_name);
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".gguf") == 0) {
            struct tu_gguf l;
            char name[300];
            snprintf(name, sizeof name, "gguf_files/%s/parse", sub);
            bool ok = tu_gguf_load(&l, path);
            tu_check(ok, name, "%s", l.err.msg);
            if (ok)
                check_family(sub, &l.f);
            tu_gguf_free(&l);
            n++;
        } else if (de->d_type == DT_DIR) {
            strncat(sub, "/", sizeof sub - strlen(sub) - 1);
            n += walk_models(path, sub);
        }
    }
    closedir(d);
    return n;
}

/* ------------------------------------------------------------- generated files */

static char gen[512], tmpdir[64];

static bool run_gen(const char *args, const char *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s -o %s/%s", gen, args, tmpdir, out);
    return system(cmd) == 0;
}

static bool load_gen(struct tu_gguf *l, const char *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, out);
    return tu_gguf_load(l, path);
}

/* Keys and tensor shapes every generated model has (dim 64, 2 layers, 4/2 heads, ffn 96). */
static bool gen_shape_ok(const struct gguf_file *f, char *why, size_t cap)
{
    static const char *const suffix[] = { "attn_q", "attn_k", "attn_v", "attn_output", "attn_norm",
                                          "ffn_gate", "ffn_down", "ffn_up", "ffn_norm" };
    static const uint64_t rows[] = { 64, 32, 32, 64, 1, 96, 64, 96, 1 };
    struct gguf_str s;
    struct gguf_arr toks;
    struct llm_err e;
    if (key_u32(f, "llama.embedding_length") != 64 || key_u32(f, "llama.block_count") != 2 ||
        key_u32(f, "llama.attention.head_count") != 4 || key_u32(f, "llama.attention.head_count_kv") != 2 ||
        key_u32(f, "llama.feed_forward_length") != 96 || key_u32(f, "llama.context_length") != 128 ||
        key_u32(f, "llama.rope.dimension_count") != 16 || key_u32(f, "tokenizer.ggml.bos_token_id") != 1 ||
        key_u32(f, "tokenizer.ggml.eos_token_id") != 2 ||
        gguf_get_str(f, "tokenizer.ggml.model", &s, &e) || !gguf_str_eq(s, "llama"))
        return snprintf(why, cap, "a llama key is wrong"), false;
    if (gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &toks, &e) || toks.count != 302 ||
        arr_count(f, "tokenizer.ggml.scores") != 302 || arr_count(f, "tokenizer.ggml.token_type") != 302)
        return snprintf(why, cap, "vocab arrays wrong"), false;
    const uint8_t *pos = toks.data;
    struct gguf_str t0 = gguf_arr_next_str(&pos);
    for (int i = 1; i < 3 + 0x41; i++)
        s = gguf_arr_next_str(&pos);
    if (!gguf_str_eq(t0, "<unk>") || !gguf_str_eq(s, "<0x40>"))
        return snprintf(why, cap, "token 0 or 67 wrong"), false;
    if (f->n_tensors != 21)
        return snprintf(why, cap, "%llu tensors", (unsigned long long)f->n_tensors), false;
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 9; i++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, suffix[i]);
            const struct gguf_tensor *t = gguf_find_tensor(f, name);
            uint64_t ne0 = i == 6 ? 96 : 64;
            if (!t || t->ne[0] != ne0 || t->ne[1] != rows[i] || (rows[i] == 1) != (t->n_dims == 1))
                return snprintf(why, cap, "%s missing or misshapen", name), false;
        }
    const struct gguf_tensor *emb = gguf_find_tensor(f, "token_embd.weight");
    if (!emb || emb->ne[1] != 302 || !gguf_find_tensor(f, "output.weight"))
        return snprintf(why, cap, "token_embd/output wrong"), false;
    return true;
}

static void check_generated(void)
{
    static const char *const types[] = { "f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0" };
    static const float tol[] = { 0, 1e-3f, 8e-3f, 0.15f, 0.15f, 0.08f, 0.08f, 0.02f };
    struct tu_gguf ref = { 0 };
    char name[128], why[128] = "";
    bool have_ref = run_gen("--type f32", "f32.gguf") && load_gen(&ref, "f32.gguf");
    tu_check(have_ref, "gguf_files/gen/f32_reference", "gen_gguf f32 failed: %s", ref.err.msg);
    if (!have_ref)
        return;
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        char args[64], out[32];
        struct tu_gguf l = { 0 };
        snprintf(args, sizeof args, "--type %s", types[i]);
        snprintf(out, sizeof out, "%s.gguf", types[i]);
        snprintf(name, sizeof name, "gguf_files/gen/%s", types[i]);
        if (!run_gen(args, out) || !load_gen(&l, out)) {
            tu_check(false, name, "generate or parse failed: %s", l.err.msg);
            tu_gguf_free(&l);
            continue;
        }
        bool ok = gen_shape_ok(&l.f, why, sizeof why);
        const struct type_traits *tt = type_traits((uint32_t)tensor_type(&l.f, "blk.1.ffn_down.weight"));
        if (ok && (!tt || strcmp(tt->name, types[i]) != 0 || tensor_type(&l.f, "output_norm.weight") != 0))
            ok = false, snprintf(why, sizeof why, "tensor types wrong");
        /* Same seed, so the same floats: each tensor decodes close to the F32 file's. */
        for (uint64_t k = 0; ok && k < l.f.n_tensors; k++) {
            const struct gguf_tensor *t = &l.f.tensors[k], *r = &ref.f.tensors[k];
            float d = tensor_diff(t, r);
            if (t->name.len != r->name.len || memcmp(t->name.ptr, r->name.ptr, t->name.len) || d > tol[i])
                ok = false, snprintf(why, sizeof why, "%.*s: error %g > %g", (int)t->name.len,
                                     t->name.ptr, d, tol[i]);
        }
        tu_check(ok, name, "%s", why);
        tu_gguf_free(&l);
    }
    tu_gguf_free(&ref);

    struct tu_gguf a = { 0 }, b = { 0 }, c = { 0 };
    bool ok = run_gen("--mixed --type q4_0", "mix.gguf") && load_gen(&a, "mix.gguf");
    bool seen[GGML_TYPE_COUNT] = { false };
    for (uint64_t k = 0; ok && k < a.f.n_tensors; k++)
        seen[a.f.tensors[k].type] = true;
    ok = ok && gen_shape_ok(&a.f, why, sizeof why) && seen[0] && seen[1] && seen[2] && seen[3] &&
         seen[6] && seen[7] && seen[8] && seen[30];
    tu_check(ok, "gguf_files/gen/mixed", "mixed model lacks a type or is misshapen (%s %s)", why, a.err.msg);
    tu_gguf_free(&a);
    memset(&a, 0, sizeof a);

    ok = run_gen("--type q4_1 --seed 7", "s7a.gguf") && run_gen("--type q4_1 --seed 7", "s7b.gguf") &&
         run_gen("--type q4_1 --seed 8", "s8.gguf") && load_gen(&a, "s7a.gguf") &&
         load_gen(&b, "s7b.gguf") && load_gen(&c, "s8.gguf");
    tu_check(ok && a.size == b.size && memcmp(a.buf, b.buf, a.size) == 0 && a.size == c.size &&
             memcmp(a.buf, c.buf, a.size) != 0, "gguf_files/gen/deterministic_seed",
             "same seed differs or different seed same");
    if (ok) {
        /* Every prefix of the header, and a stride through the data, must be refused. */
        size_t bad = 0, first = 0;
        struct gguf_file f;
        struct llm_err e;
        for (size_t n = 0; n < a.size; n += n < a.f.data_offset + 256 ? 1 : 61)
            if (gguf_open(&f, a.buf, n, &e) == 0) {
                gguf_close(&f);
                if (!bad++)
                    first = n;
            }
        tu_check(bad == 0, "gguf_files/gen/truncation_sweep", "%zu prefixes accepted, first %zu", bad, first);
    }
    tu_gguf_free(&a), tu_gguf_free(&b), tu_gguf_free(&c);
}

/* K-quant types: --wide models (dim and ffn 256), each tensor close to the
 * wide F32 file's (same seed, same floats); --mixed with a K type mixes
 * K-quants, Q8_0, Q4_0 and F16 with a Q6_K output, as llama-quantize's Q4_K_M. */
static void check_generated_k(void)
{
    static const char *const types[] = { "q4_K", "q5_K", "q6_K", "q4_K" };
    static const float tol[] = { 0.15f, 0.08f, 0.04f, 0.15f };
    struct tu_gguf ref = { 0 };
    bool have_ref = run_gen("--type f32 --wide", "f32w.gguf") && load_gen(&ref, "f32w.gguf");
    tu_check(have_ref && key_u32(&ref.f, "llama.embedding_length") == 256 &&
             key_u32(&ref.f, "llama.feed_forward_length") == 256, "gguf_files/gen/f32_wide",
             "gen_gguf --wide failed or not 256 wide: %s", ref.err.msg);
    if (!have_ref)
        return;
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        const bool mixed = i == 3;
        char args[64], out[32], name[128], why[128] = "";
        bool seen[GGML_TYPE_COUNT] = { false };
        struct tu_gguf l = { 0 };
        snprintf(args, sizeof args, "--type %s%s", types[i], mixed ? " --mixed" : "");
        snprintf(out, sizeof out, "k%u.gguf", i);
        snprintf(name, sizeof name, "gguf_files/gen/%s%s", types[i], mixed ? "_mixed" : "");
        bool ok = run_gen(args, out) && load_gen(&l, out) && l.f.n_tensors == ref.f.n_tensors;
        for (uint64_t k = 0; ok && k < l.f.n_tensors; k++) {
            const struct gguf_tensor *t = &l.f.tensors[k], *r = &ref.f.tensors[k];
            const float d = tensor_diff(t, r);
            seen[t->type] = true;
            if (t->name.len != r->name.len || memcmp(t->name.ptr, r->name.ptr, t->name.len) || d > tol[i])
                ok = false, snprintf(why, sizeof why, "%.*s: error %g > %g", (int)t->name.len, t->name.ptr,
                                     d, tol[i]);
        }
        const bool types_ok = mixed ? seen[GGML_TYPE_Q4_K] && seen[GGML_TYPE_Q5_K] && seen[GGML_TYPE_Q6_K] &&
                                          seen[GGML_TYPE_Q8_0] && seen[GGML_TYPE_Q4_0] && seen[GGML_TYPE_F16] &&
                                          tensor_type(&l.f, "output.weight") == GGML_TYPE_Q6_K
                                    : tensor_type(&l.f, "blk.1.ffn_down.weight") == GGML_TYPE_Q4_K + (int)i;
        if (ok && !types_ok)
            ok = false, snprintf(why, sizeof why, "tensor types wrong");
        tu_check(ok, name, "%s %s", why, l.err.msg);
        tu_gguf_free(&l);
    }
    tu_gguf_free(&ref);
}

/* The defect a model-level broken file must still show after parsing. */
static bool model_defect_present(const char *kind, const struct gguf_file *f)
{
    const struct gguf_tensor *t;
    if (!strcmp(kind, "shape-mismatch"))
        return (t = gguf_find_tensor(f, "blk.1.attn_k.weight")) && t->ne[1] == 48;
    if (!strcmp(kind, "vocab-mismatch"))
        return (t = gguf_find_tensor(f, "token_embd.weight")) &&
               t->ne[1] == arr_count(f, "tokenizer.ggml.tokens") + 2;
    if (!strcmp(kind, "missing-tensor"))
        return !gguf_find_tensor(f, "blk.1.ffn_up.weight") && gguf_find_tensor(f, "blk.0.ffn_up.weight");
    if (!strcmp(kind, "missing-key"))
        return !gguf_find_key(f, "llama.embedding_length") && gguf_find_key(f, "llama.block_count");
    if (!strcmp(kind, "unsupported-type"))
        return tensor_type(f, "blk.0.ffn_down.weight") == GGML_TYPE_IQ4_NL &&
               !type_traits(GGML_TYPE_IQ4_NL)->supported;
    return false;
}

static void check_one_broken(void *ctx, const char *kind, const char *layer, const char *expect)
{
    char args[128], out[96], name[160];
    struct tu_gguf l = { 0 };
    (void)ctx;
    snprintf(args, sizeof args, "--broken %s", kind);
    snprintf(out, sizeof out, "broken-%s.gguf", kind);
    snprintf(name, sizeof name, "gguf_files/broken/%s", kind);
    if (!run_gen(args, out)) {
        tu_check(false, name, "gen_gguf failed");
        return;
    }
    bool ok = load_gen(&l, out);
    if (!strcmp(layer, "gguf"))
        tu_check(!ok && strstr(l.err.msg, expect), name, "%s (wanted an error naming '%s')",
                 ok ? "accepted" : l.err.msg, expect);
    else
        tu_check(ok && model_defect_present(kind, &l.f), name, "%s",
                 ok ? "defect not found in the parsed file" : l.err.msg);
    tu_gguf_free(&l);
}

static void check_broken(void)
{
    int kinds = tu_each_broken(gen, check_one_broken, NULL);
    tu_check(kinds >= 19, "gguf_files/broken/list", "gen_gguf --list-broken gave %d kinds", kinds);
}

int main(int argc, char **argv)
{
    (void)argc;
    tu_gen_path(gen, sizeof gen, argv[0]);

    if (walk_models(MODELS, "") == 0)
        printf("SKIP gguf_files/shared: no .gguf under %s\n", MODELS);
    else
        check_stories_weights();

    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_gguf_XXXXXX");
    if (access(gen, X_OK) != 0 || !mkdtemp(tmpdir)) {
        printf("FAIL gguf_files/gen: %s not built (make host)\n", gen);
        return 1;
    }
    check_generated();
    check_generated_k();
    check_broken();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", tmpdir);
    return tu_n_fail ? 1 : 0;
}
