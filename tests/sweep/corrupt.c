/* tests/sweep/corrupt.c: the corruption sweep. For each GGUF model named on
 * the command line it tries thousands of damaged copies and demands that every
 * one either loads and generates two tokens or is refused with a message --
 * never a crash, hang or sanitizer report (this program is only built with
 * ASan + UBSan, and each variant lives in an exact-size heap block, so one
 * byte read past the end of the file is a report).
 *
 * Variants: every truncation length through the header and metadata, a
 * sample of lengths through the tensor data, and seeded mutations aimed at
 * the fields a parser trusts (counts, lengths, types, dims, offsets, the
 * alignment, hyperparameter values), found by walking the good file here.
 * Then a NaN or Inf weight must stop generation with "non-finite logits"
 * before any token is produced, and norms of extreme finite values must not
 * upset the quantized matmuls.
 *
 *   sweep_corrupt [--mutations N] [--seed S] [--crash-dir D] model.gguf...
 * Prints "PASS/FAIL sweep|nonfinite|extreme <file>: ..." lines. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>
#include "lib/rand.h"
#include "llm/llm.h"
#include "llm/platform.h"
#include "tests/host/testutil.h"

#define PROMPT      "Once"
#define N_CTX       16
#define N_PREDICT   2
#define HANG_SECS   20
#define DATA_SAMPLES 64

/* ------------------------------------------------------------- outcomes */

enum outcome { O_GGUF, O_MODEL, O_TOKENIZER, O_SESSION, O_GENERATE, O_LOADED, O_NONFINITE, O_N };
static const char *const outcome_names[O_N] = {
    "gguf", "model", "tokenizer", "session", "generate", "loaded", "nonfinite",
};

struct result {
    enum outcome   o;
    uint32_t       n_tokens;     /* tokens streamed */
    struct llm_err err;
};

static bool on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    (void)id, (void)text, (void)len;
    ((struct result *)ctx)->n_tokens++;
    return true;
}

static void run_session(struct llm_model *m, struct result *res)
{
    const struct llm_session_opts so = { .n_ctx = N_CTX, .kv_type = LLM_KV_F16 };
    struct llm_session *s;
    res->o = O_SESSION;
    if (llm_open_session(&s, m, &so, &res->err))
        return;
    struct llm_request r = { .prompt = PROMPT, .prompt_len = sizeof PROMPT - 1,
                             .n_predict = N_PREDICT, .ignore_eos = true };
    llm_default_sampling(&r.sp);
    r.sp.temp = 0.0f;
    struct llm_callbacks cb = { .ctx = res, .on_token = on_token };
    struct llm_stats st;
    res->o = O_GENERATE;
    if (llm_generate(s, &r, &cb, &st, &res->err) == 0)
        res->o = st.stop == LLM_STOP_NONFINITE ? O_NONFINITE : O_LOADED;
    llm_close_session(s);
}

/* The whole load path on buf[0..len): as far as it goes. */
static void run_variant(const uint8_t *buf, size_t len, struct result *res)
{
    struct llm_model *m;
    memset(res, 0, sizeof *res);
    switch (llm_open_model(&m, buf, len, NULL, &res->err)) {
    case 0:
        run_session(m, res);
        llm_close_model(m);
        return;
    case LLM_OPEN_GGUF:      res->o = O_GGUF; return;
    case LLM_OPEN_MODEL:     res->o = O_MODEL; return;
    default:                 res->o = O_TOKENIZER; return;
    }
}

/* ------------------------------------------------------------- crash reports */

static const uint8_t *cur_buf;
static size_t         cur_len;
static char           cur_what[256];
static const char    *crash_dir = "build/sweep";

static void save_current(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/crash.gguf", crash_dir);
    FILE *fp = fopen(path, "wb");
    if (fp && cur_buf)
        fwrite(cur_buf, 1, cur_len, fp);
    if (fp)
        fclose(fp);
    fprintf(stdout, "FAIL sweep: %s (variant saved to %s)\n", cur_what, path);
    fflush(stdout);
}

static void on_alarm(int sig)
{
    (void)sig;
    snprintf(cur_what + strlen(cur_what), sizeof cur_what - strlen(cur_what), ": hang > %d s", HANG_SECS);
    save_current();
    _exit(1);
}

/* Runs one variant in an exact-size copy; the description names it if it crashes. */
static void try_variant(const uint8_t *src, size_t len, void (*mutate)(uint8_t *, size_t, void *),
                        void *arg, struct result *res)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        fprintf(stdout, "FAIL sweep: out of memory\n");
        exit(1);
    }
    alarm(HANG_SECS);
    memcpy(buf, src, len);
    if (mutate)
        mutate(buf, len, arg);
    cur_buf = buf, cur_len = len;
    run_variant(buf, len, res);
    alarm(0);
    cur_buf = NULL;
    free(buf);
}

/* ------------------------------------------------------------- the fields */

enum kind { K_COUNT, K_LEN, K_TYPE, K_DIM, K_OFFSET, K_ALIGN, K_VALUE, K_N };
static const char *const kind_names[K_N] = { "count", "len", "type", "dim", "offset", "align", "value" };

struct field {
    uint32_t off;
    uint8_t  width, kind;
};

struct fields {
    struct field *v;
    uint32_t      n, cap;
    uint32_t      n_kind[K_N];
};

static void add_field(struct fields *fs, uint64_t off, unsigned width, enum kind k)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 1024;
        fs->v = realloc(fs->v, fs->cap * sizeof *fs->v);
        if (!fs->v)
            exit(1);
    }
    fs->v[fs->n++] = (struct field){ (uint32_t)off, (uint8_t)width, (uint8_t)k };
    fs->n_kind[k]++;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

static int scalar_size(uint64_t t)
{
    static const int8_t sz[13] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return t < 13 ? sz[t] : -1;
}

/* A reader over the good file, independent of llm/gguf/gguf.c; pos = UINT64_MAX once lost. */
enum { GGUF_STRING = 8, GGUF_ARRAY = 9 };   /* the value types it steps into */
struct walk {
    const uint8_t *b;
    uint64_t       n, pos;
};

static uint64_t take(struct walk *w, unsigned width)
{
    if (w->pos > w->n || width > w->n - w->pos) {
        w->pos = UINT64_MAX;
        return 0;
    }
    uint64_t v = le(w->b + w->pos, width);
    w->pos += width;
    return v;
}

static void skip(struct walk *w, uint64_t n)
{
    w->pos = w->pos <= w->n && n <= w->n - w->pos ? w->pos + n : UINT64_MAX;
}

static void walk_value(struct walk *w, struct fields *fs, uint64_t type, enum kind scalar_kind, int depth)
{
    int sz = scalar_size(type);
    if (sz > 0) {
        add_field(fs, w->pos, (unsigned)sz, scalar_kind);
        skip(w, (uint64_t)sz);
    } else if (type == GGUF_STRING) {
        add_field(fs, w->pos, 8, K_LEN);
        skip(w, take(w, 8));
    } else if (type == GGUF_ARRAY && depth < 4) {
        add_field(fs, w->pos, 4, K_TYPE);
        uint64_t et = take(w, 4);
        add_field(fs, w->pos, 8, K_COUNT);
        uint64_t count = take(w, 8);
        int esz = scalar_size(et);
        if (esz > 0) {          /* a sample of elements: scores, token types */
            uint64_t stride = count / 16 + 1;
            for (uint64_t i = 0; i < count && w->pos != UINT64_MAX; i += stride)
                add_field(fs, w->pos + i * (uint64_t)esz, (unsigned)esz, K_VALUE);
            skip(w, count * (uint64_t)esz);
        } else {
            for (uint64_t i = 0; i < count && w->pos != UINT64_MAX; i++)
                walk_value(w, fs, et, K_VALUE, depth + 1);
        }
    } else {
        w->pos = UINT64_MAX;
    }
}

/* Record the fields of a valid file; returns the end of the tensor infos, 0 if lost. */
static uint64_t walk_file(const uint8_t *b, size_t n, struct fields *fs)
{
    struct walk w = { b, n, 4 };
    add_field(fs, 4, 4, K_TYPE);            /* version */
    take(&w, 4);
    add_field(fs, 8, 8, K_COUNT);
    uint64_t n_tensors = take(&w, 8);
    add_field(fs, 16, 8, K_COUNT);
    uint64_t n_kv = take(&w, 8);
    for (uint64_t i = 0; i < n_kv && w.pos != UINT64_MAX; i++) {
        add_field(fs, w.pos, 8, K_LEN);
        uint64_t klen = take(&w, 8);
        bool is_align = w.pos != UINT64_MAX && klen == 17 && klen <= n - w.pos &&
                        memcmp(b + w.pos, "general.alignment", 17) == 0;
        skip(&w, klen);
        add_field(fs, w.pos, 4, K_TYPE);
        uint64_t type = take(&w, 4);
        walk_value(&w, fs, type, is_align ? K_ALIGN : K_VALUE, 0);
    }
    for (uint64_t i = 0; i < n_tensors && w.pos != UINT64_MAX; i++) {
        add_field(fs, w.pos, 8, K_LEN);
        skip(&w, take(&w, 8));
        add_field(fs, w.pos, 4, K_DIM);
        uint64_t n_dims = take(&w, 4);
        for (uint64_t d = 0; d < n_dims && d < 8; d++) {
            add_field(fs, w.pos, 8, K_DIM);
            take(&w, 8);
        }
        add_field(fs, w.pos, 4, K_TYPE);
        take(&w, 4);
        add_field(fs, w.pos, 8, K_OFFSET);
        take(&w, 8);
    }
    return w.pos == UINT64_MAX ? 0 : w.pos;
}

/* ------------------------------------------------------------- mutations */

static uint64_t rng;

static uint64_t rnd(void) { return rand_u64(&rng); }

struct mutation {
    uint64_t off, value;
    unsigned width;            /* bytes of value written at off */
    uint64_t repeat;           /* times written back to back (0: once) */
    char     what[96];
};

static void apply_mutation(uint8_t *buf, size_t len, void *arg)
{
    const struct mutation *m = arg;
    for (uint64_t r = 0; r < m->repeat || r == 0; r++)
        for (unsigned i = 0; i < m->width && m->off + r * m->width + i < len; i++)
            buf[m->off + r * m->width + i] = (uint8_t)(m->value >> (8 * i));
}

/* A new value for a field: a bit flip, a boundary value, a near miss, or noise. */
static uint64_t mutate_value(uint64_t v, unsigned width, uint64_t file_size, const char **how)
{
    uint64_t mask = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
    static const uint64_t special[] = {
        0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 255, 256, 4096, 65535, 65536,
        0x7fffffffu, 0x80000000u, 0xffffffffu, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, ~0ull,
    };
    switch (rnd() % 6) {
    case 0: case 1:
        *how = "bit flip";
        return v ^ (1ull << (rnd() % (8 * width)));
    case 2:
        *how = "boundary";
        return special[rnd() % (sizeof special / sizeof special[0])] & mask;
    case 3:
        *how = "near miss";
        return (v + (rnd() % 2 ? 1 : mask) * (1 + rnd() % 4)) & mask;
    case 4:
        *how = "file size";
        return (file_size - rnd() % 64 + rnd() % 64) & mask;
    default:
        *how = "random";
        return rnd() & mask;
    }
}

static void pick_mutation(const struct fields *fs, const uint8_t *good, size_t len, uint64_t meta_end,
                          struct mutation *m)
{
    const char *how = "byte";
    unsigned r = (unsigned)(rnd() % 10);
    memset(m, 0, sizeof *m);
    if (r == 0) {                   /* any byte of the header and metadata */
        m->off = rnd() % meta_end, m->width = 1, m->value = rnd() & 0xff;
        snprintf(m->what, sizeof m->what, "byte %llu := 0x%02llx", (unsigned long long)m->off,
                 (unsigned long long)m->value);
        return;
    }
    if (r == 1 && len > meta_end) { /* a tensor data byte */
        m->off = meta_end + rnd() % (len - meta_end), m->width = 1, m->value = rnd() & 0xff;
        snprintf(m->what, sizeof m->what, "data byte %llu := 0x%02llx", (unsigned long long)m->off,
                 (unsigned long long)m->value);
        return;
    }
    enum kind k;                    /* a field: its kind first, so the many lengths don't crowd out the rest */
    do
        k = (enum kind)(rnd() % K_N);
    while (fs->n_kind[k] == 0);
    uint32_t nth = (uint32_t)(rnd() % fs->n_kind[k]), i = 0;
    for (;; i++)
        if (fs->v[i].kind == k && nth-- == 0)
            break;
    const struct field *f = &fs->v[i];
    uint64_t old = le(good + f->off, f->width);
    m->off = f->off, m->width = f->width;
    m->value = mutate_value(old, f->width, len, &how);
    snprintf(m->what, sizeof m->what, "%s field at %u: %llu -> %llu (%s)", kind_names[k], f->off,
             (unsigned long long)old, (unsigned long long)m->value, how);
}

/* ------------------------------------------------------------- the sweep */

static int n_fail;

struct tally {
    uint32_t tried, by[O_N];
};

/* Count one result; a refusal without a message, or a run that loaded but
 * did not produce the tokens asked for, is a failure. */
static void count(struct tally *t, const struct result *r, const char *name)
{
    t->tried++;
    t->by[r->o]++;
    if (r->o < O_LOADED && (r->err.msg[0] == '\0' || !memchr(r->err.msg, 0, sizeof r->err.msg))) {
        printf("FAIL sweep %s: %s refused with no message\n", name, cur_what);
        n_fail++;
    }
    if (r->o == O_LOADED && r->n_tokens != N_PREDICT) {
        printf("FAIL sweep %s: %s loaded but gave %u tokens\n", name, cur_what, r->n_tokens);
        n_fail++;
    }
}

static void print_tally(const char *name, const char *label, const struct tally *t)
{
    printf("PASS sweep %s: %s: %u tried, %u loaded, %u nonfinite, rejected by gguf %u / model %u / "
           "tokenizer %u / session %u / generate %u, 0 crashed\n", name, label, t->tried,
           t->by[O_LOADED], t->by[O_NONFINITE], t->by[O_GGUF], t->by[O_MODEL], t->by[O_TOKENIZER],
           t->by[O_SESSION], t->by[O_GENERATE]);
}

/* Every length through the tensor infos (and a little past), then a sample. */
static void truncate_sweep(const char *name, const uint8_t *good, size_t len, uint64_t meta_end,
                           struct tally *t)
{
    uint64_t step = (len - meta_end) / DATA_SAMPLES + 1;
    for (uint64_t n = 0; n < len; n += n < meta_end + 64 ? 1 : step) {
        struct result r;
        snprintf(cur_what, sizeof cur_what, "%s truncated to %llu bytes", name, (unsigned long long)n);
        try_variant(good, (size_t)n, NULL, NULL, &r);
        count(t, &r, name);
    }
}

static void mutation_sweep(const char *name, const uint8_t *good, size_t len, uint64_t meta_end,
                           const struct fields *fs, uint32_t n_mut, struct tally *t)
{
    for (uint32_t i = 0; i < n_mut; i++) {
        struct mutation m;
        struct result r;
        pick_mutation(fs, good, len, meta_end, &m);
        snprintf(cur_what, sizeof cur_what, "%s mutation %u: %s", name, i, m.what);
        try_variant(good, len, apply_mutation, &m, &r);
        count(t, &r, name);
    }
}

/* Where a tensor's data lies in the good file, and its type and size. */
static bool locate_tensor(const uint8_t *good, size_t len, const char *name, struct llm_tensor_info *loc)
{
    struct llm_model *m;
    struct llm_err err;
    if (llm_open_model(&m, good, len, NULL, &err))
        return false;
    bool found = llm_find_tensor(m, name, loc) == 0;
    llm_close_model(m);
    return found;
}

static bool type_is(const struct llm_tensor_info *t, const char *name)
{
    return strcmp(t->type_name, name) == 0;
}

/* Every weight of an F32 tensor (a norm) set to one extreme but finite value:
 * zero, a tiny normal (activations whose block scale is subnormal, so 1/d is
 * Inf and the q8 conversion saturates) or a huge one. Anything but a crash or
 * sanitizer report is fine: it loads, or stops on non-finite logits. */
static void extreme_test(const char *name, const uint8_t *good, size_t len, const char *tensor,
                         uint32_t bits, const char *label)
{
    struct llm_tensor_info loc;
    struct mutation m = { .width = 4, .value = bits };
    if (locate_tensor(good, len, tensor, &loc) && type_is(&loc, "f32"))
        m.off = loc.offset, m.repeat = loc.nbytes / 4;
    if (!m.repeat) {
        printf("SKIP extreme %s %s: no F32 tensor of that name\n", name, tensor);
        return;
    }
    struct result r;
    snprintf(cur_what, sizeof cur_what, "%s with every %s weight %s", name, tensor, label);
    try_variant(good, len, apply_mutation, &m, &r);
    if (r.o != O_LOADED && r.o != O_NONFINITE) {
        printf("FAIL extreme %s: %s = %s: outcome %s \"%s\"\n", name, tensor, label,
               outcome_names[r.o], r.err.msg);
        n_fail++;
        return;
    }
    printf("PASS extreme %s: every %s weight %s: %s\n", name, tensor, label, outcome_names[r.o]);
}

/* Poison the first weight (or block scale) of a tensor with NaN or Inf. */
static void nonfinite_test(const char *name, const uint8_t *good, size_t len, const char *tensor, bool inf)
{
    struct llm_tensor_info loc;
    struct mutation m = { .width = 0 };
    if (locate_tensor(good, len, tensor, &loc)) {
        m.off = loc.offset;
        if (type_is(&loc, "f32"))
            m.width = 4, m.value = inf ? 0x7f800000u : 0x7fc00000u;
        else if (type_is(&loc, "bf16"))
            m.width = 2, m.value = inf ? 0x7f80u : 0x7fc0u;
        else if (type_is(&loc, "f16") || type_is(&loc, "q4_0") || type_is(&loc, "q4_1") ||
                 type_is(&loc, "q5_0") || type_is(&loc, "q5_1") || type_is(&loc, "q8_0") ||
                 type_is(&loc, "q4_K") || type_is(&loc, "q5_K"))
            m.width = 2, m.value = inf ? 0x7c00u : 0x7e00u;   /* F16 and these blocks start with an F16 */
        else if (type_is(&loc, "q6_K") || type_is(&loc, "q3_K") || type_is(&loc, "q2_K"))   /* d after the levels */
            m.off += type_is(&loc, "q6_K") ? 208 : type_is(&loc, "q3_K") ? 108 : 80,
            m.width = 2, m.value = inf ? 0x7c00u : 0x7e00u;
    }
    if (!m.width) {
        printf("SKIP nonfinite %s %s: no such tensor of a simple type\n", name, tensor);
        return;
    }
    struct result r;
    snprintf(cur_what, sizeof cur_what, "%s with %s in %s", name, inf ? "Inf" : "NaN", tensor);
    try_variant(good, len, apply_mutation, &m, &r);
    if (r.o != O_NONFINITE || r.n_tokens != 0 || !strstr(r.err.msg, "non-finite logits")) {
        printf("FAIL nonfinite %s: %s %s in %s: outcome %s, %u tokens, \"%s\"\n", name,
               inf ? "Inf" : "NaN", "weight", tensor, outcome_names[r.o], r.n_tokens, r.err.msg);
        n_fail++;
        return;
    }
    printf("PASS nonfinite %s: %s in %s stops with \"%s\", no token printed\n", name,
           inf ? "Inf" : "NaN", tensor, r.err.msg);
}

static void sweep_file(const char *path, uint32_t n_mut)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len;
    uint8_t *good = tu_read_file(path, &len);
    struct fields fs = { 0 };
    uint64_t meta_end = good ? walk_file(good, len, &fs) : 0;
    struct result r;
    snprintf(cur_what, sizeof cur_what, "%s as is", name);
    if (good)
        try_variant(good, len, NULL, NULL, &r);
    if (!good || !meta_end || r.o != O_LOADED || r.n_tokens != N_PREDICT) {
        printf("FAIL sweep %s: the good file does not load and generate (%s)\n", name,
               good ? r.err.msg : "unreadable");
        n_fail++;
        free(good);
        return;
    }
    struct tally tt = { 0 }, tm = { 0 };
    truncate_sweep(name, good, len, meta_end, &tt);
    print_tally(name, "truncations", &tt);
    mutation_sweep(name, good, len, meta_end, &fs, n_mut, &tm);
    print_tally(name, "mutations", &tm);
    printf("     fields walked: %u (count %u, len %u, type %u, dim %u, offset %u, align %u, value %u)\n",
           fs.n, fs.n_kind[K_COUNT], fs.n_kind[K_LEN], fs.n_kind[K_TYPE], fs.n_kind[K_DIM],
           fs.n_kind[K_OFFSET], fs.n_kind[K_ALIGN], fs.n_kind[K_VALUE]);
    nonfinite_test(name, good, len, "output_norm.weight", false);
    nonfinite_test(name, good, len, "output_norm.weight", true);
    /* row 0 of the output matrix: the logit of token 0 (token_embd when tied) */
    struct llm_tensor_info out;
    nonfinite_test(name, good, len, locate_tensor(good, len, "blk.0.attn_q.weight", &out) ? "blk.0.attn_q.weight"
                                                                                         : "blk.0.attn_qkv.weight", false);
    nonfinite_test(name, good, len, locate_tensor(good, len, "output.weight", &out) ? "output.weight"
                                                                                   : "token_embd.weight", false);
    static const struct { uint32_t bits; const char *label; } extremes[] = {
        { 0x00000000u, "0" }, { 0x00800000u, "1.2e-38 (tiny)" }, { 0x7f7fffffu, "3.4e38 (huge)" },
    };
    for (unsigned e = 0; e < sizeof extremes / sizeof extremes[0]; e++) {
        extreme_test(name, good, len, "blk.0.attn_norm.weight", extremes[e].bits, extremes[e].label);
        extreme_test(name, good, len, "blk.0.ffn_norm.weight", extremes[e].bits, extremes[e].label);
    }
    free(fs.v);
    free(good);
}

static void on_death(void)
{
    save_current();
}

int main(int argc, char **argv)
{
    uint32_t n_mut = 5000;
    int i = 1;
    rng = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--mutations") == 0)
            n_mut = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--seed") == 0)
            rng = strtoull(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--crash-dir") == 0)
            crash_dir = argv[i + 1];
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: sweep_corrupt [--mutations N] [--seed S] [--crash-dir D] model.gguf...\n");
        return 2;
    }
    llm_set_threads(1);
    signal(SIGALRM, on_alarm);
    __sanitizer_set_death_callback(on_death);
    for (; i < argc; i++)
        sweep_file(argv[i], n_mut);
    return n_fail ? 1 : 0;
}
