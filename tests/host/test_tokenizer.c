/* tests/host/test_tokenizer.c: the SPM tokenizer against llama.cpp's own outputs
 * in ../shared/models: the vocab test vectors (.inp/.out), the stories260K tok512
 * run of the same inputs, prompt-tokenization.tsv, perplexity text length, and
 * every reference .jsonl (prompt ids with the vocab's BOS, if any, prompt/gen
 * pieces, gen_text: SPM models and gpt2-tiny's GPT-2 BPE vocab);
 * and every vocab file (SPM, BPE, WordPiece) loads and passes its vectors. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llm/gguf/gguf.h"
#include "llm/text/tokenizer.h"
#include "tests/host/testutil_gguf.h"

#define MODELS "../shared/models"
#define MAX_IDS 8192

static int n_fail;

static void fail(const char *name, const char *fmt, const char *detail)
{
    printf("FAIL %s: ", name);
    printf(fmt, detail);
    printf("\n");
    n_fail++;
}

struct vocab {
    struct tu_gguf   g;
    struct tokenizer t;
};

/* 0 on success; else the llm_err message is in err. */
static int vocab_load(struct vocab *v, const char *path, struct llm_err *err)
{
    if (!tu_gguf_load(&v->g, path)) {
        *err = v->g.err;
        tu_gguf_free(&v->g);
        return -1;
    }
    if (tokenizer_init(&v->t, &v->g.f, err)) {
        tu_gguf_free(&v->g);
        return -1;
    }
    return 0;
}

static void vocab_free(struct vocab *v)
{
    tokenizer_free(&v->t);
    tu_gguf_free(&v->g);
}

/* Parse " 1 2 3" (or "1 2 3") into ids; returns the count. */
static int parse_ids(const char *s, const char *end, int32_t *ids)
{
    int n = 0;
    while (s < end && n < MAX_IDS) {
        char *next;
        long v = strtol(s, &next, 10);
        if (next == s || next > end)
            break;
        ids[n++] = (int32_t)v;
        s = next;
    }
    return n;
}

static void describe_diff(char *out, size_t cap, const int32_t *got, int n_got,
                          const int32_t *want, int n_want)
{
    int i = 0;
    while (i < n_got && i < n_want && got[i] == want[i])
        i++;
    snprintf(out, cap, "%d ids, want %d; first difference at %d (got %d, want %d)", n_got, n_want, i,
             i < n_got ? got[i] : -1, i < n_want ? want[i] : -1);
}

/* Each case of inp (split on the separator) tokenized without BOS must give
 * the matching line of out. */
static void check_vectors(const char *name, const char *gguf, const char *inp_path,
                          const char *out_path)
{
    struct vocab v;
    struct llm_err err;
    size_t n_inp, n_out;
    char *inp = (char *)tu_read_file(inp_path, &n_inp), *out = (char *)tu_read_file(out_path, &n_out);
    if (!inp || !out || vocab_load(&v, gguf, &err)) {
        fail(name, "%s", inp && out ? err.msg : "missing .inp/.out");
        free(inp), free(out);
        return;
    }
    static const char sep[] = "\n__ggml_vocab_test__\n";
    static int32_t got[MAX_IDS], want[MAX_IDS];
    int n_cases = 0, n_ok = 0;
    char detail[256] = "";
    char *c = inp, *line = out;
    for (char *s; (s = strstr(c, sep)) != NULL; c = s + strlen(sep)) {
        char *eol = strchr(line, '\n');
        if (!eol) {
            snprintf(detail, sizeof detail, ".out has fewer lines than .inp has cases");
            break;
        }
        int n_want = parse_ids(line, eol, want);
        int n_got = tokenizer_encode(&v.t, c, (size_t)(s - c), false, got, MAX_IDS);
        n_cases++;
        if (n_got == n_want && memcmp(got, want, sizeof *got * (size_t)n_got) == 0)
            n_ok++;
        else if (!detail[0]) {
            char d[160];
            describe_diff(d, sizeof d, got, n_got, want, n_want);
            snprintf(detail, sizeof detail, "case %d: %s", n_cases - 1, d);
        }
        line = eol + 1;
    }
    if (n_ok == n_cases && n_cases > 0 && !detail[0])
        printf("PASS %s: %d/%d cases\n", name, n_ok, n_cases);
    else {
        char msg[400];
        snprintf(msg, sizeof msg, "%d/%d cases; %s", n_ok, n_cases, detail);
        fail(name, "%s", msg);
    }
    vocab_free(&v);
    free(inp), free(out);
}

/* prompt-tokenization.tsv: prompt, tok512 ids, llama spm ids (no BOS). */
static void check_prompt_tsv(void)
{
    struct vocab tok512, spm;
    struct llm_err err;
    size_t n;
    char *tsv = (char *)tu_read_file(MODELS "/reference/prompt-tokenization.tsv", &n);
    if (!tsv || vocab_load(&tok512, MODELS "/stories260K/stories260K-f32.gguf", &err)) {
        fail("prompt-tokenization.tsv", "%s", tsv ? err.msg : "missing");
        free(tsv);
        return;
    }
    if (vocab_load(&spm, MODELS "/vocab/ggml-vocab-llama-spm.gguf", &err)) {
        fail("prompt-tokenization.tsv", "%s", err.msg);
        vocab_free(&tok512);
        free(tsv);
        return;
    }
    static int32_t got[MAX_IDS], want[MAX_IDS];
    int n_rows = 0, n_ok = 0;
    char *line = strchr(tsv, '\n') + 1;          /* skip the header */
    for (char *eol; (eol = strchr(line, '\n')) != NULL; line = eol + 1) {
        char *t1 = memchr(line, '\t', (size_t)(eol - line));
        char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(eol - t1 - 1)) : NULL;
        if (!t2)
            continue;
        const struct tokenizer *toks[2] = { &tok512.t, &spm.t };
        const char *cols[2][2] = { { t1 + 1, t2 }, { t2 + 1, eol } };
        for (int k = 0; k < 2; k++) {
            int n_want = parse_ids(cols[k][0], cols[k][1], want);
            int n_got = tokenizer_encode(toks[k], line, (size_t)(t1 - line), false, got, MAX_IDS);
            n_rows++;
            n_ok += n_got == n_want && memcmp(got, want, sizeof *got * (size_t)n_got) == 0;
        }
    }
    if (n_rows == 6 && n_ok == n_rows)
        printf("PASS prompt-tokenization.tsv: %d/%d (tok512 and llama-spm)\n", n_ok, n_rows);
    else {
        char msg[64];
        snprintf(msg, sizeof msg, "%d/%d rows match", n_ok, n_rows);
        fail("prompt-tokenization.tsv", "%s", msg);
    }
    vocab_free(&tok512);
    vocab_free(&spm);
    free(tsv);
}

/* 1521 tokens with BOS, as llama-perplexity counted them. */
static void check_ppl_text(void)
{
    struct vocab v;
    struct llm_err err;
    size_t n;
    char *text = (char *)tu_read_file(MODELS "/reference/ppl-text.txt", &n);
    if (!text || vocab_load(&v, MODELS "/stories260K/stories260K-f32.gguf", &err)) {
        fail("ppl-text token count", "%s", text ? err.msg : "missing");
        free(text);
        return;
    }
    static int32_t ids[MAX_IDS];
    int got = tokenizer_encode(&v.t, text, n, true, ids, MAX_IDS);
    char msg[64];
    snprintf(msg, sizeof msg, "%d tokens, want 1521", got);
    if (got == 1521 && ids[0] == 1)
        printf("PASS ppl-text token count: 1521\n");
    else
        fail("ppl-text token count", "%s", msg);
    vocab_free(&v);
    free(text);
}

/* Phi-3 marks "</s>" USER_DEFINED: llama.cpp cuts it out of the text even with
 * parse_special = false and (for a model named phi3) drops the spaces after it;
 * the text after it gets its own space prefix. Llama's "</s>" is CONTROL: plain text. */
static void check_user_defined(void)
{
    struct vocab phi, spm;
    struct llm_err err;
    if (vocab_load(&phi, MODELS "/vocab/ggml-vocab-phi-3.gguf", &err)) {
        fail("user-defined </s>", "%s", err.msg);
        return;
    }
    if (vocab_load(&spm, MODELS "/vocab/ggml-vocab-llama-spm.gguf", &err)) {
        fail("user-defined </s>", "%s", err.msg);
        vocab_free(&phi);
        return;
    }
    int32_t got[64], want[64], plain[64];
    int n = tokenizer_encode(&phi.t, "a</s>  b", 8, false, got, 64);
    int k = tokenizer_encode(&phi.t, "a", 1, false, want, 64);
    want[k++] = 2;
    k += tokenizer_encode(&phi.t, "b", 1, false, want + k, 64 - k);
    int m = tokenizer_encode(&spm.t, "a</s>", 5, false, plain, 64);
    bool spm_plain = m > 2;
    for (int i = 0; i < m; i++)
        spm_plain = spm_plain && plain[i] != 2;
    if (phi.t.rstrip_user && n == k && memcmp(got, want, sizeof *got * (size_t)n) == 0 && spm_plain)
        printf("PASS user-defined </s>: split (phi-3, rstrip) and plain text (llama-spm)\n");
    else
        fail("user-defined </s>", "%s", "phi-3 split or llama-spm plain text differs");
    vocab_free(&phi);
    vocab_free(&spm);
}

/* ids = parts[0] ++ ... (each: a special id, or text encoded alone without
 * special tokens parsed: a fragment after a special token gets its own
 * space prefix, as the text's start does). */
struct part {
    int32_t     id;     /* -1: text */
    const char *text;
};

static int join_parts(const struct tokenizer *t, const struct part *p, int n, int32_t *ids, int cap)
{
    int k = 0;
    for (int i = 0; i < n && k >= 0; i++) {
        int m = p[i].id >= 0 ? (ids[k] = p[i].id, 1) : tokenizer_encode(t, p[i].text, strlen(p[i].text), false,
                                                                           ids + k, cap - k);
        k = m < 0 ? -1 : k + m;
    }
    return k;
}

/* parse_special (llama-cli's chat): llama-spm's <s>, </s> (CONTROL) and <unk>
 * (UNKNOWN) in the text become those tokens, the text between them encoded as
 * separate fragments; without it they stay text. Phi-3 drops the whitespace
 * after its special tokens but <s> (llama.cpp clears RSTRIP for <unk>, <s>,
 * <|endoftext|>). */
static void check_parse_special(void)
{
    static const char *const text[2] = { "<s>hi</s><unk> x", "<s>  a</s>  b" };
    static const struct part want_spm[] = { { 1, 0 }, { -1, "hi" }, { 2, 0 }, { 0, 0 }, { -1, " x" } };
    static const struct part want_phi[] = { { 1, 0 }, { -1, "  a" }, { 2, 0 }, { -1, "b" } };
    const char *path[2] = { MODELS "/vocab/ggml-vocab-llama-spm.gguf", MODELS "/vocab/ggml-vocab-phi-3.gguf" };
    const struct part *want[2] = { want_spm, want_phi };
    const int n_want[2] = { 5, 4 };
    for (int v = 0; v < 2; v++) {
        struct vocab voc;
        struct llm_err err;
        char name[64];
        snprintf(name, sizeof name, "parse_special %s", v ? "phi-3" : "llama-spm");
        if (vocab_load(&voc, path[v], &err)) {
            fail(name, "%s", err.msg);
            continue;
        }
        int32_t got[64], exp[64], plain[64];
        const size_t len = strlen(text[v]);
        int n = tokenizer_encode_special(&voc.t, text[v], len, false, true, got, 64);
        int k = join_parts(&voc.t, want[v], n_want[v], exp, 64);
        int m = tokenizer_encode_special(&voc.t, text[v], len, false, false, plain, 64);
        bool as_text = m > 0 && plain[0] != 1;
        if (n > 0 && n == k && memcmp(got, exp, sizeof *got * (size_t)n) == 0 && as_text)
            printf("PASS %s: %d ids, the special tokens split out (as text without it)\n", name, n);
        else
            fail(name, "%s", "the ids differ from the special tokens and the fragments encoded alone");
        vocab_free(&voc);
    }
}

/* --------------------------------------------------------------- JSON lines */

/* Decode the JSON string starting at the quote *p into out; returns its length
 * and moves *p past the closing quote. */
static size_t json_string(const char **p, char *out, size_t cap)
{
    const char *s = *p + 1;
    size_t n = 0;
    while (*s && *s != '"' && n + 4 < cap) {
        if (*s != '\\') {
            out[n++] = *s++;
            continue;
        }
        s++;
        char c = *s++;
        if (c == 'u') {
            unsigned cp = (unsigned)strtoul((char[5]){ s[0], s[1], s[2], s[3], 0 }, NULL, 16);
            s += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && s[0] == '\\' && s[1] == 'u') {
                unsigned lo = (unsigned)strtoul((char[5]){ s[2], s[3], s[4], s[5], 0 }, NULL, 16);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                s += 6;
            }
            if (cp < 0x80) out[n++] = (char)cp;
            else if (cp < 0x800) out[n++] = (char)(0xc0 | cp >> 6), out[n++] = (char)(0x80 | (cp & 63));
            else if (cp < 0x10000) out[n++] = (char)(0xe0 | cp >> 12), out[n++] = (char)(0x80 | (cp >> 6 & 63)),
                                   out[n++] = (char)(0x80 | (cp & 63));
            else out[n++] = (char)(0xf0 | cp >> 18), out[n++] = (char)(0x80 | (cp >> 12 & 63)),
                 out[n++] = (char)(0x80 | (cp >> 6 & 63)), out[n++] = (char)(0x80 | (cp & 63));
        } else {
            out[n++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b'
                     : c == 'f' ? '\f' : c;
        }
    }
    *p = *s ? s + 1 : s;
    return n;
}

static const char *json_field(const char *obj, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(obj, pat);
    return p ? p + strlen(pat) : NULL;
}

static int json_ids(const char *obj, const char *key, int32_t *ids)
{
    const char *p = json_field(obj, key);
    const char *end = p ? strchr(p, ']') : NULL;
    if (!p || *p != '[' || !end)
        return -1;
    int n = 0;
    for (p++; p < end && n < MAX_IDS;) {
        char *next;
        ids[n++] = (int32_t)strtol(p, &next, 10);
        p = next + (*next == ',');
    }
    return n;
}

/* Every piece of key (an array of strings) equals decode(prev, id). */
static int check_pieces(const struct tokenizer *t, const char *obj, const char *key,
                        const int32_t *ids, int n, int32_t prev)
{
    const char *p = json_field(obj, key);
    if (!p || *p != '[')
        return 0;
    p++;
    for (int i = 0; i < n; i++, prev = ids[i - 1]) {
        while (*p == ' ' || *p == ',')
            p++;
        char want[256], got[256];
        size_t n_want = json_string(&p, want, sizeof want);
        int n_got = tokenizer_decode(t, prev, ids[i], got, sizeof got);
        if ((size_t)n_got != n_want || memcmp(got, want, n_want) != 0)
            return 0;
    }
    return 1;
}

static void check_jsonl(const char *file)
{
    char path[512], name[300];
    snprintf(path, sizeof path, MODELS "/reference/%s", file);
    snprintf(name, sizeof name, "reference %s", file);
    size_t n;
    char *text = (char *)tu_read_file(path, &n);
    const char *model = text ? json_field(text, "model") : NULL;
    if (!model) {
        fail(name, "%s", "unreadable");
        free(text);
        return;
    }
    char model_file[128], gguf[512];
    model_file[json_string(&model, model_file, sizeof model_file)] = 0;
    const char *dir = strncmp(model_file, "stories260K-pad256", 18) == 0 ? "stories260K-pad256"
                    : strncmp(model_file, "stories260K", 11) == 0 ? "stories260K" : "synth";
    snprintf(gguf, sizeof gguf, MODELS "/%s/%s", dir, model_file);
    struct vocab v;
    struct llm_err err;
    if (vocab_load(&v, gguf, &err)) {
        fail(name, "%s", err.msg);
        free(text);
        return;
    }
    static int32_t got[MAX_IDS], want[MAX_IDS], gen[MAX_IDS];
    static char out[1 << 16], gen_text[1 << 16];
    int n_prompts = 0, n_ok = 0;
    char detail[128] = "";
    for (char *obj = text, *eol; (eol = strchr(obj, '\n')) != NULL; obj = eol + 1) {
        *eol = 0;
        const char *p = json_field(obj, "prompt");
        if (!p)
            continue;
        char prompt[1024];
        size_t n_prompt = json_string(&p, prompt, sizeof prompt);
        int n_want = json_ids(obj, "prompt_ids", want);
        int n_gen = json_ids(obj, "gen_ids", gen);
        const char *gt = json_field(obj, "gen_text");
        n_prompts++;
        if (n_want < 1 || n_gen < 0 || !gt) {
            snprintf(detail, sizeof detail, "line %d: fields missing", n_prompts);
            continue;
        }
        size_t n_gen_text = json_string(&gt, gen_text, sizeof gen_text);
        int n_got = tokenizer_encode(&v.t, prompt, n_prompt, true, got, MAX_IDS);
        bool ids_ok = n_got == n_want && memcmp(got, want, sizeof *got * (size_t)n_got) == 0;
        size_t n_out = 0;
        for (int i = 0; i < n_gen; i++)
            n_out += (size_t)tokenizer_decode(&v.t, i ? gen[i - 1] : want[n_want - 1], gen[i],
                                              out + n_out, (int)(sizeof out - n_out));
        bool text_ok = n_out == n_gen_text && memcmp(out, gen_text, n_out) == 0;
        bool pieces_ok = check_pieces(&v.t, obj, "prompt_pieces", want, n_want, -1) &&
                         check_pieces(&v.t, obj, "gen_pieces", gen, n_gen, want[n_want - 1]);
        if (ids_ok && text_ok && pieces_ok)
            n_ok++;
        else if (!detail[0])
            snprintf(detail, sizeof detail, "prompt \"%.40s\": ids %s, gen_text %s, pieces %s", prompt,
                     ids_ok ? "ok" : "differ", text_ok ? "ok" : "differs", pieces_ok ? "ok" : "differ");
    }
    if (n_prompts > 0 && n_ok == n_prompts)
        printf("PASS %s: %d/%d prompts (prompt_ids, pieces, gen_text)\n", name, n_ok, n_prompts);
    else
        fail(name, "%s", detail[0] ? detail : "no prompts");
    vocab_free(&v);
    free(text);
}

static void check_references(void)
{
    DIR *d = opendir(MODELS "/reference");
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        bool ours = strncmp(de->d_name, "stories260K", 11) == 0 || strncmp(de->d_name, "synth15M", 8) == 0 ||
                    strncmp(de->d_name, "gpt2-tiny", 9) == 0;   /* GPT-2's BPE vocab, no BOS */
        if (ours && n > 6 && strcmp(de->d_name + n - 6, ".jsonl") == 0)
            check_jsonl(de->d_name);
    }
    if (d)
        closedir(d);
}

/* Every vocab file loads (llama, gpt2 and bert tokenizers alike), and those
 * with test vectors (.inp/.out) reproduce them. */
static void check_vocab_dir(void)
{
    DIR *d = opendir(MODELS "/vocab");
    struct dirent *de;
    int n_files = 0, n_ok = 0;
    char detail[300] = "";
    while (d && (de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".gguf") != 0)
            continue;
        char path[512], inp[520], out[520], name[300];
        snprintf(path, sizeof path, MODELS "/vocab/%s", de->d_name);
        n_files++;
        struct vocab v;
        struct llm_err err;
        if (vocab_load(&v, path, &err) == 0) {
            n_ok++;
            vocab_free(&v);
        } else {
            snprintf(detail, sizeof detail, "%s: %s", de->d_name, err.msg);
        }
        snprintf(inp, sizeof inp, "%s.inp", path);
        snprintf(out, sizeof out, "%s.out", path);
        snprintf(name, sizeof name, "vocab %.*s", (int)(n - 16), de->d_name + 11);
        FILE *fp = fopen(inp, "rb");
        if (fp) {
            fclose(fp);
            check_vectors(name, path, inp, out);
        }
    }
    if (d)
        closedir(d);
    if (n_files > 0 && n_ok == n_files && !detail[0])
        printf("PASS vocab files load: %d/%d\n", n_ok, n_files);
    else
        fail("vocab files load", "%s", detail);
}

int main(void)
{
    DIR *d = opendir(MODELS);
    if (!d) {
        printf("SKIP tokenizer: " MODELS " is absent\n");
        return 0;
    }
    closedir(d);
    check_vocab_dir();
    check_vectors("vocab llama-spm inputs with tok512", MODELS "/stories260K/stories260K-f32.gguf",
                  MODELS "/vocab/ggml-vocab-llama-spm.gguf.inp",
                  MODELS "/reference/stories260K-tok512.vocab-test.out");
    check_prompt_tsv();
    check_ppl_text();
    check_user_defined();
    check_parse_special();
    check_references();
    return n_fail ? 1 : 0;
}
