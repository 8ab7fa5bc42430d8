/* kernel/llm_cmd.c: the `llm` shell command: load a GGUF model from the VFS
 * (mapped in place when the file is in memory), show it, run prompts with
 * streamed output, and the boot argument llm.model=PATH; the other
 * subcommands are in kernel/llm_*_cmd.c. One model is loaded at a time: a new load is
 * built beside the current one and replaces it only once it is complete, so
 * a failed load leaves the previous model working. The file's bytes are RAM
 * the kernel owns, so Q4_0 weights are repacked in place by default (the
 * fast layout at no memory cost); unloading puts the bytes back, so `cat`,
 * `hexdump` and the next load see the file as it was. */
#include "kernel/llm_cmd.h"
#include "llm/platform.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/shell.h"
#include "kernel/vfs.h"
#include "arch/aarch64/arch.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "llm/llm.h"

struct loaded {
    char                path[VFS_PATH_MAX];
    const void         *data;           /* the file, from vfs_map */
    size_t              size, copied;
    uint64_t            load_ns;
    struct llm_model   *m;
    struct llm_session *s;              /* NULL until a command needs one */
};

static struct loaded slots[2];
static struct loaded *cur;              /* the loaded model, or NULL */

/* ------------------------------------------------------------- printing */

/* ns as "12.345 ms" (no FP here: kernel/ is built without FP registers). */
static void print_ms(uint64_t ns)
{
    kprintf("%llu.%03llu ms", (unsigned long long)(ns / 1000000), (unsigned long long)(ns / 1000 % 1000));
}

void llm_cmd_print_ids(const char *label, const int32_t *ids, uint32_t n)
{
    kprintf("%s", label);
    for (uint32_t i = 0; i < n; i++)
        kprintf(i ? " %d" : "%d", (int)ids[i]);
    kprintf("\n");
}

static void print_summary(const struct loaded *l)
{
    static char text[2048];
    struct llm_model_info mi;
    llm_get_model_info(l->m, &mi);
    llm_describe_model(l->m, text, sizeof text);
    kprintf("llm: %s: %zu bytes mapped, %zu bytes copied, tensor data at %p (%s32-byte aligned)\n",
            l->path, l->size - l->copied, l->copied, (const void *)((const uint8_t *)l->data + mi.data_offset),
            ((uintptr_t)l->data + mi.data_offset) % 32 ? "not " : "");
    console_write(text, strlen(text));
    size_t session = 0;
    if (l->s) {
        struct llm_session_info si;
        llm_get_session_info(l->s, &si);
        session = si.mem_bytes;
        kprintf("session: ctx %u, batch %u, kv cache %s %zu KiB, arena %zu KiB; %zu KiB free\n", si.opts.n_ctx,
                si.opts.n_batch, si.opts.kv_type == LLM_KV_F32 ? "f32" : "f16", si.kv_bytes / 1024,
                si.mem_bytes / 1024, llm_mem_available() / 1024);
    }
    kprintf("memory: file %zu KiB (%zu KiB read into pages), repacked %llu KiB in place + %llu KiB copied, "
            "session %zu KiB; %zu KiB free\n", l->size / 1024, l->copied / 1024,
            (unsigned long long)(mi.packed_in_place / 1024), (unsigned long long)(mi.packed_bytes / 1024),
            session / 1024, llm_mem_available() / 1024);
    kprintf("load time ");
    print_ms(l->load_ns);
    kprintf(", %d cpu%s\n", llm_cpu_count(), llm_cpu_count() > 1 ? "s" : "");
}

/* ------------------------------------------------------------- models */

static void slot_close(struct loaded *l)
{
    llm_sessions_forget(l->m);   /* llm session's, over its pool */
    llm_close_session(l->s);
    llm_close_model(l->m);
    vfs_unmap(l->data);
    memset(l, 0, sizeof *l);
}

static void session_close(struct loaded *l)
{
    llm_close_session(l->s);
    l->s = NULL;
}

/* The preflight: what a session of o on m needs (KV cache at its context,
 * and the arena) against what is free; l's file is said for scale. */
static int preflight(const struct llm_model *m, const struct llm_session_opts *o, const struct loaded *l,
                     struct llm_session_info *want, struct llm_err *err)
{
    size_t need = llm_plan_session(m, o, want), avail = llm_mem_available();
    if (need <= avail)
        return 0;
    return llm_errf(err, "not enough memory for ctx %u: the session needs %zu KiB (kv cache %zu KiB + "
                    "arena %zu KiB), %zu KiB free (the file: %zu KiB, %zu KiB of it read into pages); "
                    "-c makes the context smaller", want->opts.n_ctx, need / 1024, want->kv_bytes / 1024,
                    (need - want->kv_bytes) / 1024, avail / 1024, l->size / 1024, l->copied / 1024);
}

/* A progress line each second once a repack has taken more than one. */
struct load_progress {
    const char *path;
    uint64_t    t0, next;
};

static void on_repack_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct load_progress *p = ctx;
    uint64_t now = time_ns();
    if (now < p->next && !(done == total && p->next > p->t0 + 1000000000ull))
        return;
    kprintf("llm: repacking %s: %llu/%llu MiB, ", p->path, (unsigned long long)(done >> 20),
            (unsigned long long)(total >> 20));
    print_ms(now - p->t0);
    kprintf("\n");
    p->next = now + 1000000000ull;
}

/* Map, parse and check the file (and with repack, rewrite its Q4_0 weights
 * in place into the kernels' 4-row layout); no session yet. A file that is
 * the loaded model's own bytes (in memory, repacked) is unloaded first, once
 * the preflight on the loaded model (the same file) says so would fit. */
static int slot_open(struct loaded *l, const char *path, bool repack, const struct llm_session_opts *so,
                     struct llm_err *err)
{
    struct vfs_stat st;
    memset(l, 0, sizeof *l);
    int e = vfs_stat(path, &st);
    if (e)
        return llm_errf(err, "%s: %s", path, vfs_strerror(e));
    if (!st.in_memory && st.size > llm_mem_available())
        return llm_errf(err, "%s: reading it into memory needs %llu KiB, %zu KiB available", path,
                        (unsigned long long)(st.size / 1024), llm_mem_available() / 1024);
    e = vfs_map(path, &l->data, &l->size, &l->copied);
    if (e)
        return llm_errf(err, "%s: %s", path, vfs_strerror(e));
    strlcpy(l->path, path, sizeof l->path);
    struct llm_model_info mi;
    if (cur)
        llm_get_model_info(cur->m, &mi);
    if (cur && cur->data == l->data && mi.packed_in_place) {
        struct llm_session_info want;
        session_close(cur);
        if (preflight(cur->m, so, l, &want, err))
            return -1;   /* the bytes are cur's: nothing to unmap */
        kprintf("llm: %s is the loaded model's file: unloading that first\n", path);
        slot_close(cur);
        cur = NULL;
    }
    struct load_progress prog = { .path = path, .t0 = time_ns() };
    prog.next = prog.t0 + 1000000000ull;
    struct llm_model_opts opts = { .repack = repack, .in_place = true, .discard = l->copied != 0,
                                   .on_progress = on_repack_progress, .progress_ctx = &prog };
    if (llm_open_model(&l->m, l->data, l->size, &opts, err)) {
        vfs_unmap(l->data);
        return -1;
    }
    return 0;
}

/* Make l's session match o (defaults filled in), reusing it when it does.
 * The memory check comes before any allocation. */
static int session_prepare(struct loaded *l, const struct llm_session_opts *o, struct llm_err *err)
{
    struct llm_session_info want, have;
    llm_plan_session(l->m, o, &want);
    if (l->s) {
        llm_get_session_info(l->s, &have);
        if (have.opts.n_ctx == want.opts.n_ctx && have.opts.n_batch == want.opts.n_batch &&
            have.opts.kv_type == want.opts.kv_type && have.opts.all_logits == want.opts.all_logits)
            return 0;
    }
    session_close(l);
    if (preflight(l->m, o, l, &want, err))
        return -1;
    return llm_open_session(&l->s, l->m, &want.opts, err);
}

static int model_load_path(const char *path, bool repack, uint32_t n_ctx)
{
    struct llm_err err = {{0}};
    struct loaded *l = cur == &slots[0] ? &slots[1] : &slots[0];
    uint64_t t0 = time_ns();
    const struct llm_session_opts so = { .n_ctx = n_ctx, .kv_type = LLM_KV_F16 };
    if (slot_open(l, path, repack, &so, &err)) {
        kprintf("llm: load failed: %s\n", err.msg);
        if (cur)
            kprintf("llm: still loaded: %s\n", cur->path);
        return 1;
    }
    /* The old session goes first so that its memory can hold the new one. */
    if (cur)
        session_close(cur);
    if (session_prepare(l, &so, &err)) {
        kprintf("llm: load refused: %s\n", err.msg);
        slot_close(l);
        if (cur)
            kprintf("llm: still loaded: %s\n", cur->path);
        return 1;
    }
    l->load_ns = time_ns() - t0;
    if (cur)
        slot_close(cur);
    cur = l;
    print_summary(l);
    return 0;
}

void llm_boot_load(void)
{
    char path[VFS_PATH_MAX];
    if (!cmdline_get("llm.model", path, sizeof path))
        return;
    kprintf("llm: loading %s (boot argument llm.model)\n", path);
    model_load_path(path, true, 0);
}

static bool need_model(void)
{
    if (!cur)
        kprintf("llm: no model loaded (llm load PATH)\n");
    return cur != NULL;
}

struct llm_model *llm_cmd_model(void)
{
    return need_model() ? cur->m : NULL;
}

const char *llm_cmd_model_path(void)
{
    return cur ? cur->path : NULL;
}

struct llm_session *llm_cmd_model_session(const struct llm_session_opts *o, const char *who)
{
    struct llm_err err = {{0}};
    if (!need_model())
        return NULL;
    if (session_prepare(cur, o, &err)) {
        kprintf("%s: %s\n", who, err.msg);
        return NULL;
    }
    return cur->s;
}

void llm_cmd_close_model_session(void)
{
    if (cur)
        session_close(cur);
}

struct llm_session *llm_cmd_session(const struct llm_session_opts *o, const char *who)
{
    if (!need_model())
        return NULL;
    if (llm_session_current())   /* llm session use N's */
        return llm_session_current();
    return llm_cmd_model_session(o, who);
}

/* ------------------------------------------------------------- text */

char *llm_cmd_join_words(int argc, char **argv, int from, size_t *len)
{
    size_t n = 1;
    for (int i = from; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = kmalloc(n);
    if (!s)
        return NULL;
    size_t o = 0;
    for (int i = from; i < argc; i++) {
        if (i > from)
            s[o++] = ' ';
        size_t w = strlen(argv[i]);
        memcpy(s + o, argv[i], w);
        o += w;
    }
    s[o] = 0;
    *len = o;
    return s;
}

/* ------------------------------------------------------------- infer */

struct id_log {
    int32_t *ids;       /* generated ids for --ids, or NULL */
    uint32_t n, cap;
    struct llm_utf8_stream us;   /* holds a character split across tokens until whole */
};

static bool infer_on_token(void *ctx, int32_t id, const char *text, uint32_t len)
{
    struct id_log *r = ctx;
    char whole[256 + 3];   /* generate's pieces are <= 256 bytes */
    llm_write(whole, llm_utf8_stream_push(&r->us, text, len < 256 ? len : 256, whole));
    if (r->ids && r->n < r->cap)
        r->ids[r->n++] = id;
    return true;
}

/* Run one prompt on the current session and print what llama.cpp's tools print. */
static int infer_run(struct llm_session *s, const struct llm_request *req, bool want_ids)
{
    struct llm_err err = {{0}};
    struct id_log run = { 0 };
    struct llm_session_info si;
    llm_get_session_info(s, &si);
    uint32_t n_ctx = si.opts.n_ctx;
    /* A context shift lets generation run past n_ctx: room for n_predict ids
     * (up to 64 Ki; without -n, a context's worth; the list stops there). */
    run.cap = req->n_predict >= 0 ? (uint32_t)req->n_predict : n_ctx;
    if (run.cap > 65536)
        run.cap = 65536;
    if (want_ids && !(run.ids = kmalloc((size_t)run.cap * sizeof(int32_t)))) {
        kprintf("llm: out of memory for %u ids\n", run.cap);
        return 1;
    }
    struct llm_callbacks cb = { .ctx = &run, .on_token = infer_on_token };
    struct llm_stats st;
    console_write(req->prompt, req->prompt_len);
    int rc = llm_generate(s, req, &cb, &st, &err);
    char held[4];
    llm_write(held, llm_utf8_stream_flush(&run.us, held));
    kprintf("\n");
    if (rc) {
        kprintf("llm: %s\n", err.msg);
        kfree(run.ids);
        return 1;
    }
    if (st.stop == LLM_STOP_INTERRUPTED)
        kprintf("[llm] interrupted (Ctrl-C)\n");
    else if (st.stop == LLM_STOP_CTX_FULL && strncmp(err.msg, "KV pool full", 12) == 0)
        kprintf("[llm] %s\n", err.msg);
    else if (st.stop == LLM_STOP_CTX_FULL)
        kprintf("[llm] context full (%u tokens): stopped; -c makes it larger\n", st.kv_capacity);
    else if (st.stop == LLM_STOP_NONFINITE)
        kprintf("[llm] %s\n", err.msg);
    char line[256];
    llm_format_stats(&st, line, sizeof line);
    kprintf("[llm] %s\n", line);
    if (run.ids)
        llm_cmd_print_ids("ids: ", run.ids, run.n);
    kfree(run.ids);
    return st.stop == LLM_STOP_NONFINITE;
}

static int cmd_infer(int argc, char **argv)
{
    struct llm_gen_opts o;
    struct llm_err err = {{0}};
    bool want_ids = false;
    int first_word = argc;
    llm_default_gen_opts(&o, 128);
    for (int i = 2; i < argc;) {
        const char *a = argv[i];
        if (strcmp(a, "--ids") == 0) {
            want_ids = true;
            i++;
        } else if (strcmp(a, "--") == 0) {
            first_word = i + 1;
            break;
        } else if (a[0] == '-' && a[1]) {
            int r = llm_parse_gen_flag(argc, argv, &i, &o, &err);
            if (r < 0)
                kprintf("llm infer: %s\n", err.msg);
            else if (r == 0)
                kprintf("llm infer: unknown option '%s' (see llm help; -- ends the options)\n", a);
            if (r <= 0)
                return 1;
        } else {
            first_word = i;
            break;
        }
    }
    const struct llm_session_opts so = { .n_ctx = o.n_ctx, .n_batch = o.n_batch, .kv_type = o.kv_type };
    struct llm_session *s = llm_cmd_session(&so, "llm infer");
    if (!s)
        return 1;
    size_t len;
    char *prompt = llm_cmd_join_words(argc, argv, first_word, &len);
    if (!prompt) {
        kprintf("llm infer: out of memory\n");
        return 1;
    }
    struct llm_request req = { .prompt = prompt, .prompt_len = len, .n_predict = o.n_predict,
                               .ignore_eos = o.ignore_eos, .sp = o.sp,
                               .no_ctx_shift = o.no_ctx_shift, .n_keep = o.n_keep, .parse_special = true };
    int rc = infer_run(s, &req, want_ids);
    kfree(prompt);
    return rc;
}

/* ------------------------------------------------------------- the rest */

static int cmd_unload(void)
{
    if (!need_model())
        return 1;
    kprintf("llm: unloaded %s\n", cur->path);
    slot_close(cur);
    cur = NULL;
    return 0;
}

/* llm load [--no-repack] [--repack] [-c CTX] PATH (--repack: the default, kept
 * for scripts written when it was opt-in). */
static int cmd_load(int argc, char **argv)
{
    bool repack = true;
    int64_t n_ctx = 0;
    int i = 2;
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--no-repack") == 0)
            repack = false;
        else if (strcmp(argv[i], "--repack") == 0)
            repack = true;
        else if (strcmp(argv[i], "-c") == 0 && i + 2 < argc && parse_int(argv[i + 1], 1, LLM_MAX_CTX, &n_ctx))
            i++;
        else
            break;
    }
    if (i != argc - 1) {
        kprintf("usage: llm load [--no-repack] [-c CTX] PATH   (CTX 1..%u)\n", LLM_MAX_CTX);
        return 1;
    }
    return model_load_path(argv[i], repack, (uint32_t)n_ctx);
}

static const char usage_text[] =
    "usage:\n"
    "  llm load [--no-repack] [-c CTX] PATH\n"
    "                         map and check a GGUF model (replaces the loaded one), with\n"
    "                         its Q4_0 weights repacked in place (faster, no copy; unload\n"
    "                         restores the file); -c: the session's context\n"
    "  llm info               the loaded model\n"
    "  llm unload             free it\n"
    "  llm infer [-n N] [-c CTX] [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
    "            [--repeat-penalty R] [--seed S] [--kv-type f16|f32] [--ignore-eos] [--ids]\n"
    "            [--keep N] [--no-context-shift]\n"
    "            PROMPT...    generate (default -n 128; --temp 0 is greedy); Ctrl-C stops;\n"
    "                         a special token's text (<s>, </s>) is that token;\n"
    "                         a full context is shifted as llama-cli does (--keep N prompt\n"
    "                         tokens kept besides BOS) unless --no-context-shift\n"
    "  llm chat [--system TEXT] [--template NAME] [-n N] [flags of infer]\n"
    "                         a conversation: each line a user turn, the KV cache kept\n"
    "                         between turns (chatml unless the file or NAME says); /reset, /exit\n"
    "  llm session new [-c CTX] [--pool-kib N] | list | use N | drop N\n"
    "                         conversations side by side over one KV pool (blocks of 32\n"
    "                         positions, a common prompt prefix shared); infer and chat\n"
    "                         run on the current one\n"
    "  llm tokenize TEXT...   ids and pieces\n"
    "  llm tokenize-cases VOCAB.gguf FILE.inp\n"
    "                         llama.cpp's tokenizer test cases (vocab-only files work)\n"
    "  llm perplexity PATH [-c N]\n"
    "  llm bench [-p 64] [-n 64] [-r 3] [-t N[,N]] [-npl N[,N]]\n"
    "                         prompt (pp) and generation (tg) speed, llama-bench style;\n"
    "                         -npl 1,2,4,8: tg with that many sessions decoding together;\n"
    "                         insn/tok when booted with icount (run-qemu.sh --icount)\n";

static int cmd_llm(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "help";
    if (strcmp(sub, "load") == 0)
        return cmd_load(argc, argv);
    if (strcmp(sub, "info") == 0) {
        if (need_model())
            print_summary(cur);
        return cur == NULL;
    }
    if (strcmp(sub, "unload") == 0)
        return cmd_unload();
    if (strcmp(sub, "infer") == 0)
        return cmd_infer(argc, argv);
    if (strcmp(sub, "chat") == 0)
        return llm_cmd_chat(argc, argv);
    if (strcmp(sub, "session") == 0)
        return llm_cmd_sessions(argc, argv);
    if (strcmp(sub, "tokenize-cases") == 0)
        return llm_cmd_tokenize_cases(argc, argv);
    if (strcmp(sub, "tokenize") == 0)
        return llm_cmd_tokenize(argc, argv);
    if (strcmp(sub, "perplexity") == 0)
        return llm_cmd_perplexity(argc, argv);
    if (strcmp(sub, "bench") == 0)
        return llm_cmd_bench(argc, argv);
    console_write(usage_text, sizeof usage_text - 1);   /* longer than kprintf's buffer */
    return strcmp(sub, "help") != 0;
}

SHELL_COMMAND("llm", "language model: load, info, unload, infer, chat, session, tokenize, perplexity, bench",
              cmd_llm);
