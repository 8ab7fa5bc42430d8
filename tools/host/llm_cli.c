/* tools/host/llm_cli.c: build/host/llm, the engine on Linux with llama.cpp's
 * flag names. The model file is mapped read-only and used in place. Text goes
 * to stdout as it is generated, statistics and errors to stderr. --json prints
 * one object in the schema of the llama.cpp reference files
 * (../shared/models/reference, one per line) instead; with --all-logits it
 * also holds the logits at every prompt position. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/parse.h"
#include "llm/llm.h"
#include "llm/platform.h"
#include "tools/host/host.h"

#define TOP_N 10

struct options {
    const char         *model, *prompt, *ppl_file, *system, *chat_tmpl;
    int                 threads;
    bool                json, all_logits, tokenize, info, scalar, repack, chat;
    struct llm_gen_opts g;   /* -n -c -b --kv-type --ignore-eos --keep
                                --no-context-shift and the sampler's */
};

static void usage(FILE *out)
{
    fprintf(out,
        "usage: llm -m MODEL.gguf [options]\n"
        "       llm bench -m MODEL.gguf [--scalar] [--repack] [-p 64] [-n 64] [-r 3] [-t N[,N]] [-npl N[,N]]\n"
        "  -p, --prompt TEXT       prompt (default \"\"); a special token's text (<s>, </s>) is\n"
        "                          that token, as in llama-cli\n"
        "  -n, --n-predict N       tokens to generate (default -1: until EOS)\n"
        "  -c, --ctx-size N        context size (default: the model's)\n"
        "  -b, --batch-size N      prompt tokens per forward pass (default min(ctx, 512))\n"
        "  -t, --threads N         threads (default: all CPUs)\n"
        "  --temp T                temperature, 0 = greedy (default 0.8)\n"
        "  --top-k K  --top-p P  --min-p P  --repeat-penalty R  --repeat-last-n N  --seed S\n"
        "  --kv-type f16|f32       KV cache type (default f16)\n"
        "  --ignore-eos            never stop at end-of-sequence\n"
        "  --keep N                prompt tokens a context shift keeps besides BOS (-1: all; default 0)\n"
        "  --no-context-shift      stop at a full context instead of shifting it as llama-cli does\n"
        "  --scalar                scalar kernels only (no NEON: same results, slower)\n"
        "  --repack                copy Q4_0 weights into the NEON kernels' 4-row layout at load\n"
        "                          (faster, same results; memory for a copy instead of zero-copy)\n"
        "  --json                  print one JSON object (ids, pieces, top logits)\n"
        "  --all-logits            with --json: logits_all_positions, every prompt position's logits\n"
        "  --tokenize              print the prompt's token ids and exit\n"
        "  --tokenize-cases FILE   ids of each case of a llama.cpp .inp file (-m may be vocab-only)\n"
        "  --info                  print the model summary and exit\n"
        "  --perplexity FILE       perplexity of FILE in chunks of ctx tokens\n"
        "  -cnv, --chat            conversation: each stdin line is a user turn (/reset, /exit);\n"
        "                          the KV cache keeps the conversation between turns\n"
        "  --system TEXT           the system message (chat)\n"
        "  --chat-template NAME    chatml, llama2, llama3, mistral-v7, phi3, gemma, ... (default:\n"
        "                          the file's tokenizer.chat_template, else chatml)\n"
        "  -h, --help              this text\n");
}

static int die(const char *fmt, const char *arg)
{
    fprintf(stderr, "llm: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static bool is_flag(const char *a, const char *s1, const char *s2)
{
    return strcmp(a, s1) == 0 || (s2 && strcmp(a, s2) == 0);
}

/* Returns 0 to run, 1 on a bad command line, 2 after --help. The generation
 * and sampler flags are the kernel's `llm infer` ones (llm/cli.c). */
static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->prompt = "";
    llm_default_gen_opts(&o->g, -1);
    for (int i = 1; i < argc;) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        struct llm_err err = {{0}};
        int r = llm_parse_gen_flag(argc, argv, &i, &o->g, &err);
        if (r < 0)
            return die("%s", err.msg);
        if (r > 0)
            continue;
        bool takes_value = is_flag(a, "-m", "--model") || is_flag(a, "-p", "--prompt") ||
                           is_flag(a, "-t", "--threads") || is_flag(a, "--perplexity", NULL) ||
                           is_flag(a, "--system", "-sys") || is_flag(a, "--chat-template", "--template");
        if (takes_value && !v)
            return die("%s needs a value", a);
        int64_t n;
        if (is_flag(a, "-h", "--help")) { usage(stdout); return 2; }
        else if (is_flag(a, "-m", "--model")) o->model = v;
        else if (is_flag(a, "-p", "--prompt")) o->prompt = v;
        else if (is_flag(a, "--perplexity", NULL)) o->ppl_file = v;
        else if (is_flag(a, "--system", "-sys")) o->system = v;
        else if (is_flag(a, "--chat-template", "--template")) o->chat_tmpl = v;
        else if (is_flag(a, "-cnv", "--chat")) o->chat = true;
        else if (is_flag(a, "-t", "--threads")) {
            if (!parse_int(v, 1, 1024, &n))
                return die("bad value for -t: '%s'", v);
            o->threads = (int)n;
        }
        else if (is_flag(a, "--scalar", NULL)) o->scalar = true;
        else if (is_flag(a, "--repack", NULL)) o->repack = true;
        else if (is_flag(a, "--json", NULL)) o->json = true;
        else if (is_flag(a, "--all-logits", NULL)) o->all_logits = true;
        else if (is_flag(a, "--tokenize", NULL)) o->tokenize = true;
        else if (is_flag(a, "--info", NULL)) o->info = true;
        else return die("unknown argument %s (try --help)", a);
        i += takes_value ? 2 : 1;
    }
    if (!o->model)
        return die("%s", "no model given (-m FILE)");
    if (o->all_logits && !o->json)   /* they are printed only in the JSON object */
        return die("%s", "--all-logits needs --json (logits_all_positions is a field of its object)");
    return 0;
}

/* ------------------------------------------------------------- files */

struct mapped {
    void  *p;
    size_t n;
};

static int map_file(const char *path, struct mapped *m)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    m->n = (size_t)st.st_size;
    m->p = m->n ? mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    return m->n && m->p == MAP_FAILED ? -1 : 0;
}

/* ------------------------------------------------------------- JSON */

/* A JSON string; bytes that are not valid UTF-8 become U+FFFD. */
static void json_str(FILE *o, const char *s, size_t n)
{
    fputc('"', o);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { fprintf(o, "\\%c", c); i++; continue; }
        if (c == '\n') { fputs("\\n", o); i++; continue; }
        if (c == '\t') { fputs("\\t", o); i++; continue; }
        if (c < 0x20) { fprintf(o, "\\u%04x", c); i++; continue; }
        if (c < 0x80) { fputc(c, o); i++; continue; }
        size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        if (c >= 0xf5)
            len = 0;
        bool ok = len && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
        if (ok) { fwrite(s + i, 1, len, o); i += len; }
        else { fputs("\\ufffd", o); i++; }
    }
    fputc('"', o);
}

struct json_run {
    const struct llm_model *m;
    int32_t  *prompt_ids;  uint32_t n_prompt;
    int32_t  *gen_ids;     uint32_t n_gen, cap;
    char     *text;        size_t text_len, text_cap;
    size_t   *piece_end;   /* text offset after each generated piece */
    float    *top;         /* [step][TOP_N] logits */
    int32_t  *top_ids;     /* [step][TOP_N] */
    uint32_t  n_top;
    float    *step0;       uint32_t n_vocab;
    float    *all;         /* --all-logits: [n_prompt][n_vocab] */
    uint32_t  n_all;       /* positions received */
};

static void *grow(void *p, size_t bytes)
{
    void *q = realloc(p, bytes);
    if (!q) {
        fprintf(stderr, "llm: out of memory\n");
        exit(1);
    }
    return q;
}

static void json_run_free(struct json_run *j)
{
    free(j->prompt_ids);
    free(j->gen_ids);
    free(j->text);
    free(j->piece_end);
    free(j->top);
    free(j->top_ids);
    free(j->step0);
    free(j->all);
}

static void json_on_prompt(void *ctx, const int32_t *ids, uint32_t n)
{
    struct json_run *j = ctx;
    j->prompt_ids = grow(NULL, n * sizeof *ids);
    memcpy(j->prompt_ids, ids, n * sizeof *ids);
    j->n_prompt = n;
}

/* The TOP_N largest logits, best first; ties to the lower id (a stable pass). */
static void json_on_logits(void *ctx, uint32_t step, const float *logits, uint32_t n_vocab)
{
    struct json_run *j = ctx;
    if (step == 0) {
        j->step0 = grow(NULL, n_vocab * sizeof *logits);
        memcpy(j->step0, logits, n_vocab * sizeof *logits);
        j->n_vocab = n_vocab;
    }
    j->top = grow(j->top, (step + 1) * TOP_N * sizeof *j->top);
    j->top_ids = grow(j->top_ids, (step + 1) * TOP_N * sizeof *j->top_ids);
    float *v = j->top + step * TOP_N;
    int32_t *id = j->top_ids + step * TOP_N;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n_vocab; i++) {
        uint32_t at = k < TOP_N ? k++ : TOP_N;
        while (at > 0 && logits[i] > v[at - 1]) {
            if (at < TOP_N) { v[at] = v[at - 1]; id[at] = id[at - 1]; }
            at--;
        }
        if (at < TOP_N) { v[at] = logits[i]; id[at] = (int32_t)i; }
    }
    j->n_top = step + 1;
}

static void json_on_prompt_logits(void *ctx, uint32_t pos, const float *logits, uint32_t n_vocab)
{
    struct json_run *j = ctx;
    if (!j->all)
        j->all = grow(NULL, (size_t)j->n_prompt * n_vocab * sizeof *logits);
    j->n_vocab = n_vocab;   /* also when no step follows (non-finite logits) */
    memcpy(j->all + (size_t)pos * n_vocab, logits, n_vocab * sizeof *logits);
    j->n_all = pos + 1;
}

static bool json_on_token(void *ctx, int32_t tid, const char *text, uint32_t len)
{
    struct json_run *j = ctx;
    if (j->n_gen == j->cap) {
        j->cap = j->cap ? 2 * j->cap : 64;
        j->gen_ids = grow(j->gen_ids, j->cap * sizeof *j->gen_ids);
        j->piece_end = grow(j->piece_end, j->cap * sizeof *j->piece_end);
    }
    if (j->text_len + len > j->text_cap) {
        j->text_cap = 2 * (j->text_len + len) + 64;
        j->text = grow(j->text, j->text_cap);
    }
    memcpy(j->text + j->text_len, text, len);
    j->text_len += len;
    j->gen_ids[j->n_gen] = tid;
    j->piece_end[j->n_gen++] = j->text_len;
    return true;
}

static void json_ids(FILE *o, const int32_t *ids, uint32_t n)
{
    fputc('[', o);
    for (uint32_t i = 0; i < n; i++)
        fprintf(o, "%s%d", i ? ", " : "", ids[i]);
    fputc(']', o);
}

/* Floats with %.9g: they read back to the same float. */
static void json_floats(FILE *o, const float *x, uint32_t n)
{
    fputc('[', o);
    for (uint32_t i = 0; i < n; i++)
        fprintf(o, "%s%.9g", i ? ", " : "", (double)x[i]);
    fputc(']', o);
}

static void json_print(FILE *o, const struct json_run *j, const struct options *opt,
                       const struct llm_stats *st)
{
    const char *base = strrchr(opt->model, '/');
    fputs("{\"model\": ", o);
    json_str(o, base ? base + 1 : opt->model, strlen(base ? base + 1 : opt->model));
    fprintf(o, ", \"kv_cache_type\": \"%s\", \"n_predict\": %d, \"prompt\": ",
            opt->g.kv_type == LLM_KV_F32 ? "f32" : "f16", opt->g.n_predict);
    json_str(o, opt->prompt, strlen(opt->prompt));
    fputs(", \"prompt_ids\": ", o);
    json_ids(o, j->prompt_ids, j->n_prompt);
    fputs(", \"prompt_pieces\": [", o);
    for (uint32_t i = 0; i < j->n_prompt; i++) {
        char buf[512];
        int n = llm_detokenize(j->m, i ? j->prompt_ids[i - 1] : -2, j->prompt_ids[i], buf, sizeof buf);
        fputs(i ? ", " : "", o);
        json_str(o, buf, (size_t)n);
    }
    fputs("], \"gen_ids\": ", o);
    json_ids(o, j->gen_ids, j->n_gen);
    fputs(", \"gen_pieces\": [", o);
    for (uint32_t i = 0; i < j->n_gen; i++) {
        size_t b = i ? j->piece_end[i - 1] : 0;
        fputs(i ? ", " : "", o);
        json_str(o, j->text + b, j->piece_end[i] - b);
    }
    fputs("], \"gen_text\": ", o);
    json_str(o, j->text ? j->text : "", j->text_len);
    fprintf(o, ", \"stop\": \"%s\", \"n_gen\": %u, \"top_logits\": [", llm_stop_name(st->stop), j->n_gen);
    for (uint32_t s = 0; s < j->n_top; s++) {
        fputs(s ? ", [" : "[", o);
        for (uint32_t k = 0; k < TOP_N && k < j->n_vocab; k++)
            fprintf(o, "%s[%d, %.9g]", k ? ", " : "", j->top_ids[s * TOP_N + k],
                    (double)j->top[s * TOP_N + k]);
        fputc(']', o);
    }
    fputs("], \"logits_step0\": ", o);
    json_floats(o, j->step0, j->step0 ? j->n_vocab : 0);
    if (j->all) {
        fputs(", \"logits_all_positions\": [", o);
        for (uint32_t p = 0; p < j->n_all; p++) {
            fputs(p ? ", " : "", o);
            json_floats(o, j->all + (size_t)p * j->n_vocab, j->n_vocab);
        }
        fputc(']', o);
    }
    fputs("}\n", o);
}

/* ------------------------------------------------------------- modes */

static int run_tokenize(const struct llm_model *m, const char *prompt)
{
    size_t len = strlen(prompt), cap = len + 2;
    int32_t *ids = grow(NULL, cap * sizeof *ids);
    struct llm_model_info mi;
    llm_get_model_info(m, &mi);
    int n = llm_tokenize(m, prompt, len, mi.add_bos, true, ids, (int)cap);
    if (n < 0) {
        free(ids);
        return die("%s", "tokenizing failed");
    }
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? " " : "", ids[i]);
    printf("\n");
    free(ids);
    return 0;
}

static int run_perplexity(struct llm_session *s, const char *path)
{
    struct mapped f;
    struct llm_err err = {{0}};
    if (map_file(path, &f)) {
        fprintf(stderr, "llm: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct llm_perplexity p;
    if (llm_compute_perplexity(s, f.p, f.n, &p, &err))
        return die("%s", err.msg);
    printf("ppl = %.4f\n", p.ppl);
    fprintf(stderr, "llm: %u predictions in chunks of %u tokens\n", p.n_scored, p.n_ctx);
    return 0;
}

static int run_generate(struct llm_session *s, const struct options *o, const struct llm_model *m)
{
    struct llm_request r = { .prompt = o->prompt, .prompt_len = strlen(o->prompt),
                             .n_predict = o->g.n_predict, .ignore_eos = o->g.ignore_eos, .sp = o->g.sp,
                             .no_ctx_shift = o->g.no_ctx_shift, .n_keep = o->g.n_keep,
                             .parse_special = true };
    struct json_run j = { .m = m };
    struct llm_callbacks cb = { .ctx = &j, .on_prompt = json_on_prompt, .on_logits = json_on_logits,
                                .on_token = json_on_token,
                                .on_prompt_logits = o->all_logits ? json_on_prompt_logits : NULL };
    struct llm_stats st;
    struct llm_err err = {{0}};
    if (!o->json)
        fputs(o->prompt, stdout);
    int rc = llm_generate(s, &r, o->json ? &cb : NULL, &st, &err);
    if (!rc && o->json)
        json_print(stdout, &j, o, &st);
    json_run_free(&j);
    if (rc)
        return die("%s", err.msg);
    if (!o->json)
        printf("\n");
    char line[512];
    llm_format_stats(&st, line, sizeof line);
    fprintf(stderr, "llm: %s | stop %s\n", line, llm_stop_name(st.stop));
    if (st.stop == LLM_STOP_CTX_FULL)
        fprintf(stderr, "llm: %s; -c enlarges it\n", err.msg);
    if (st.stop == LLM_STOP_NONFINITE)
        return die("%s", err.msg);
    return 0;
}

/* -cnv: stdin lines are user turns; replies on stdout, a stats line per turn on stderr. */
static int run_chat(struct llm_session *s, const struct options *o)
{
    struct llm_err err = {{0}};
    struct llm_chat *c;
    if (llm_chat_open(&c, s, o->chat_tmpl, o->system, &err))
        return die("%s", err.msg);
    fprintf(stderr, "llm: chat template %s\n", llm_chat_template_name(c));
    struct llm_request r = { .n_predict = o->g.n_predict, .ignore_eos = o->g.ignore_eos, .sp = o->g.sp,
                             .no_ctx_shift = o->g.no_ctx_shift };
    static char line[64 * 1024];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strcmp(line, "/exit") == 0)
            break;
        if (strcmp(line, "/reset") == 0) {
            llm_chat_reset(c);
            fprintf(stderr, "llm: conversation reset\n");
            continue;
        }
        struct llm_stats st;
        if (!line[0])
            continue;
        if (llm_chat_turn(c, line, &r, NULL, &st, &err)) {
            fprintf(stderr, "llm: %s\n", err.msg);
            continue;
        }
        printf("\n");
        fflush(stdout);
        char stats[512];
        llm_format_stats(&st, stats, sizeof stats);
        fprintf(stderr, "llm: %s | stop %s\n", stats, llm_stop_name(st.stop));
    }
    llm_chat_close(c);
    return 0;
}

/* The model file mapped and opened. */
struct loaded {
    struct mapped     f;
    struct llm_model *m;
};

/* With repack, Q4_0 weights are copied into the 4-row layout. */
static int load(const char *path, bool repack, struct loaded *l)
{
    struct llm_err err = {{0}};
    if (map_file(path, &l->f)) {
        fprintf(stderr, "llm: cannot map model file %s: %s\n", path, strerror(errno));
        return 1;
    }
    const struct llm_model_opts opts = { .repack = repack };
    if (llm_open_model(&l->m, l->f.p, l->f.n, &opts, &err))
        return die("%s", err.msg);
    if (repack) {
        struct llm_model_info mi;
        llm_get_model_info(l->m, &mi);
        fprintf(stderr, "llm: --repack: %lld KiB of Q4_0 weights copied%s\n", (long long)mi.packed_bytes / 1024,
                mi.packed_bytes ? "" : " (none: no repackable Q4_0 matmul weight, or kernels without the layout)");
    }
    return 0;
}

static void unload(struct loaded *l)
{
    llm_close_model(l->m);
    munmap(l->f.p, l->f.n);
}

/* llm bench -m MODEL [--scalar] [--repack] [-p N] [-n N] [-r N] [-t N[,N]]: the
 * kernel's `llm bench` table (llm/bench.c) for the host build. */
static int run_bench(int argc, char **argv)
{
    const char *model = NULL, *rest[32];
    int n_rest = 0;
    bool repack = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
            model = argv[++i];
        else if (strcmp(argv[i], "--scalar") == 0)
            llm_force_scalar(true);
        else if (strcmp(argv[i], "--repack") == 0)
            repack = true;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 || n_rest == 32)
            return die("%s", "usage: llm bench -m MODEL.gguf [--scalar] [--repack] [-p 64] [-n 64] [-r 3] [-t N[,N]] [-npl N[,N]]");
        else
            rest[n_rest++] = argv[i];
    }
    if (!model)
        return die("%s", "no model given (-m FILE)");
    struct llm_bench_opts o;
    struct llm_err err = {{0}};
    if (llm_parse_bench_args(n_rest, (char **)rest, 0, &o, &err))
        return die("%s", err.msg);
    struct loaded l;
    if (load(model, repack, &l))
        return 1;
    const char *name = strrchr(model, '/');
    o.model = name ? name + 1 : model;
    const struct llm_session_opts so = { .kv_type = LLM_KV_F16 };
    struct llm_session *s;
    if (llm_open_session(&s, l.m, &so, &err))
        return die("%s", err.msg);
    printf("llm bench: %s, %d online cpus, kernels %s\n", model, (int)sysconf(_SC_NPROCESSORS_ONLN),
           llm_cpu_ops_name());
    int rc = llm_run_bench(s, &o, &err);
    llm_close_session(s);
    unload(&l);
    return rc ? die("%s", err.msg) : 0;
}

static void write_stdout(void *ctx, const char *s, size_t n)
{
    fwrite(s, 1, n, ctx);
}

/* llm -m VOCAB.gguf --tokenize-cases FILE.inp: llama.cpp's tokenizer test
 * cases, one line of ids per case as its .out files have them. The file need
 * hold only a vocabulary (no tensors are read). */
static int run_tokenize_cases(int argc, char **argv)
{
    const char *model = NULL, *cases = NULL;
    for (int i = 1; i + 1 < argc; i++) {
        if (is_flag(argv[i], "-m", "--model"))
            model = argv[++i];
        else if (is_flag(argv[i], "--tokenize-cases", NULL))
            cases = argv[++i];
    }
    if (!model || !cases)
        return die("%s", "usage: llm -m VOCAB.gguf --tokenize-cases FILE.inp");
    struct mapped f, in;
    struct llm_model *m;
    struct llm_model_opts mo = { .vocab_only = true };
    struct llm_err err = {{0}};
    const char *bad = map_file(model, &f) ? model : map_file(cases, &in) ? cases : NULL;
    if (bad) {
        fprintf(stderr, "llm: cannot map %s: %s\n", bad, strerror(errno));
        return 1;
    }
    if (llm_open_model(&m, f.p, f.n, &mo, &err))
        return die("%s", err.msg);
    int n = llm_tokenize_cases(m, in.p, in.n, write_stdout, stdout);
    llm_close_model(m);
    return n < 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return run_bench(argc, argv);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--tokenize-cases") == 0)
            return run_tokenize_cases(argc, argv);
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 2 ? 0 : 1;
    host_setup_sigint();
    if (o.threads)
        llm_set_threads(o.threads);
    llm_force_scalar(o.scalar);

    struct loaded l;
    if (load(o.model, o.repack, &l))
        return 1;
    struct llm_err err = {{0}};
    const struct llm_session_opts so = { .n_ctx = o.g.n_ctx, .n_batch = o.g.n_batch, .kv_type = o.g.kv_type,
                                         .all_logits = o.ppl_file != NULL || o.all_logits };
    if (o.info) {
        struct llm_session_info si;
        char buf[2048];
        size_t need = llm_plan_session(l.m, &so, &si);
        llm_describe_model(l.m, buf, sizeof buf);
        fputs(buf, stdout);
        printf("session: ctx %u, batch %u, kv %s: %zu bytes (kv cache %zu)\n", si.opts.n_ctx, si.opts.n_batch,
               si.opts.kv_type == LLM_KV_F32 ? "f32" : "f16", need, si.kv_bytes);
        struct llm_model_info mi;
        llm_get_model_info(l.m, &mi);
        if (mi.repackable_bytes)   /* the file is mapped read-only: a repack here is a copy */
            printf("repack: off; --repack would copy %llu bytes of Q4_0 weights (faster, same results)\n",
                   (unsigned long long)mi.repackable_bytes);
        return 0;
    }
    if (o.tokenize)
        return run_tokenize(l.m, o.prompt);

    struct llm_session *s;
    if (llm_open_session(&s, l.m, &so, &err))
        return die("%s", err.msg);
    rc = o.ppl_file ? run_perplexity(s, o.ppl_file) : o.chat ? run_chat(s, &o) : run_generate(s, &o, l.m);
    llm_close_session(s);
    unload(&l);
    return rc;
}
