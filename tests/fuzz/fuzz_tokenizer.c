/* tests/fuzz/fuzz_tokenizer.c: libFuzzer target for tokenize and detokenize of
 * arbitrary bytes, SentencePiece, byte-level BPE and WordPiece alike. The
 * vocabularies come from the GGUF files named in FUZZ_VOCABS (colon-separated;
 * tests/fuzz/fuzz.sh passes a generated model and ../shared's llama-spm,
 * phi-3, gpt-2, deepseek-llm and bert-bge vocabs when present), opened
 * vocab_only through llm/llm.h. Input: one byte picking the vocab,
 * add_special and parse_special, then the text. Checked: ids in range,
 * decode within its buffer, and detokenize(tokenize(x)) == x for text of
 * valid UTF-8 on a vocab without user-defined tokens that can spell every
 * byte: SPM (no NUL, no U+2581, which reads back as a space) with all 256
 * <0xXX> pieces, BPE with all 256 of GPT-2's byte stand-ins. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llm/llm.h"
#include "llm/platform.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_VOCABS 8
#define MAX_TEXT 2048

struct vocab {
    struct llm_model     *m;
    struct llm_model_info info;
};
static struct vocab vocabs[MAX_VOCABS];
static int n_vocabs;

static void load_vocab(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "fuzz_tokenizer: cannot open %s\n", path);
        exit(1);
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);      /* kept: pieces point into it */
    const struct llm_model_opts vo = { .vocab_only = true };
    struct vocab *v = &vocabs[n_vocabs];
    struct llm_err err = { "read failed" };
    if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n ||
        llm_open_model(&v->m, buf, (size_t)n, &vo, &err)) {
        fprintf(stderr, "fuzz_tokenizer: %s: %s\n", path, err.msg);
        exit(1);
    }
    llm_get_model_info(v->m, &v->info);
    fclose(fp);
    n_vocabs++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *list = getenv("FUZZ_VOCABS");
    if (!list || !*list) {
        fprintf(stderr, "fuzz_tokenizer: set FUZZ_VOCABS=a.gguf[:b.gguf]\n");
        exit(1);
    }
    char paths[4096];
    snprintf(paths, sizeof paths, "%s", list);
    for (char *p = strtok(paths, ":"); p && n_vocabs < MAX_VOCABS; p = strtok(NULL, ":"))
        load_vocab(p);
    return 0;
}

/* Shortest-form UTF-8 up to U+10FFFF (NUL allowed: callers decide). */
static int utf8_valid(const uint8_t *s, size_t n)
{
    static const uint32_t min_cpt[4] = { 0, 0x80, 0x800, 0x10000 };
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (k == 9 || i + k >= n)
            return 0;
        uint32_t cpt = k ? c & (0x7fu >> (k + 1)) : c;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cpt = cpt << 6 | (s[i + j] & 0x3fu);
        }
        if (cpt < min_cpt[k] || cpt > 0x10ffff)
            return 0;
        i += k + 1;
    }
    return 1;
}

/* U+2581 is how SentencePiece stores a space: it decodes as ' '. */
static bool has_space_mark(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == '\xe2' && s[i + 1] == '\x96' && s[i + 2] == '\x81')
            return true;
    return false;
}

/* all_byte_pieces: SPM's <0xXX> pieces or BPE's GPT-2 stand-ins (never WPM,
 * which lower-cases). SPM reads NUL and U+2581 back as other text. */
static bool round_trips(const struct llm_model_info *mi, const char *text, size_t len)
{
    if (mi->n_user_tokens || !mi->all_byte_pieces || !utf8_valid((const uint8_t *)text, len))
        return false;
    return mi->tokenizer == LLM_TOKENIZER_BPE || (!memchr(text, 0, len) && !has_space_mark(text, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Worst case: a space becomes U+2581 (3 bytes), each byte falls back to
     * its own <0xXX> piece (BPE: a bad byte becomes U+FFFD's 3); plus the
     * dummy prefix and the special tokens. */
    static int32_t ids[3 * MAX_TEXT + 8];
    static char out[8 * MAX_TEXT + 64];
    if (size < 1 || size - 1 > MAX_TEXT)
        return 0;
    const struct vocab *v = &vocabs[data[0] % n_vocabs];
    bool add_special = (data[0] >> 4) & 1, parse_special = (data[0] >> 5) & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int n = llm_tokenize(v->m, text, len, add_special, parse_special, ids, (int)(sizeof ids / sizeof ids[0]));
    CHECK(n >= 0);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        CHECK(ids[i] >= 0 && (uint32_t)ids[i] < v->info.n_vocab);
        char piece[1024];
        int cap = (int)(v->info.max_piece < sizeof piece ? v->info.max_piece : sizeof piece);
        int k = llm_detokenize(v->m, i ? ids[i - 1] : -1, ids[i], piece, cap);
        CHECK(k >= 0 && k <= cap);
        if (o + (size_t)k <= sizeof out)
            memcpy(out + o, piece, (size_t)k);
        o += (size_t)k;
    }
    /* Smaller buffers truncate, never overrun. */
    for (int i = 0; i < n && i < 8; i++) {
        char small[3];
        int k = llm_detokenize(v->m, -1, ids[i], small, (int)sizeof small);
        CHECK(k >= 0 && k <= (int)sizeof small);
    }
    if (!add_special && !parse_special && round_trips(&v->info, text, len))
        CHECK(o == len && memcmp(out, text, len) == 0);
    return 0;
}
