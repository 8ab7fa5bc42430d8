/* kernel/llm_session_cmd.c: `llm session new|list|use N|drop N`: several
 * conversations on the loaded model side by side, each its own session over
 * one KV pool (llm_kv_pool in llm/llm.h): a session takes blocks of 32
 * positions as it grows, and a prompt that starts as another session's did
 * shares that session's full blocks. `llm infer` and `llm chat` run on the
 * current session (kernel/llm_cmd.c asks llm_session_current). The pool
 * goes with the last session, or with the model (llm_sessions_forget). */
#include "kernel/llm_cmd.h"
#include "kernel/console.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "llm/llm.h"
#include "llm/platform.h"

#define MAX_SESSIONS 8

static struct {
    const struct llm_model *m;                  /* the pool's model */
    struct llm_kv_pool     *pool;
    struct llm_session     *s[MAX_SESSIONS];
    int                     current;            /* index into s, or -1 */
} ss = { .current = -1 };

struct llm_session *llm_session_current(void)
{
    return ss.current >= 0 ? ss.s[ss.current] : NULL;
}

static void drop(int i)
{
    llm_close_session(ss.s[i]);
    ss.s[i] = NULL;
    if (ss.current == i)
        ss.current = -1;
    for (int k = 0; k < MAX_SESSIONS; k++)
        if (ss.s[k])
            return;
    llm_close_kv_pool(ss.pool);   /* the last one: the memory goes back */
    ss.pool = NULL;
    ss.m = NULL;
}

void llm_sessions_forget(const struct llm_model *m)
{
    for (int i = 0; i < MAX_SESSIONS && ss.m == m && m; i++)
        if (ss.s[i])
            drop(i);
}

/* llm session new [-c CTX] [--pool-kib N] [--kv-type f16|f32]: the pool is
 * made by the first session (N KiB, default half the free memory). */
static int session_new(int argc, char **argv, struct llm_model *m)
{
    int64_t n_ctx = 0, kib = (int64_t)(llm_mem_available() / 2048);
    enum llm_kv_type kv = LLM_KV_F16;
    for (int i = 3; i < argc; i += 2) {
        const bool ok = i + 1 < argc &&
                        ((strcmp(argv[i], "-c") == 0 && parse_int(argv[i + 1], 1, LLM_MAX_CTX, &n_ctx)) ||
                         (strcmp(argv[i], "--pool-kib") == 0 && parse_int(argv[i + 1], 1, 1 << 30, &kib)) ||
                         (strcmp(argv[i], "--kv-type") == 0 && (strcmp(argv[i + 1], "f16") == 0 ||
                                                               strcmp(argv[i + 1], "f32") == 0)));
        if (!ok) {
            kprintf("usage: llm session new [-c CTX] [--pool-kib N] [--kv-type f16|f32]\n");
            return 1;
        }
        if (strcmp(argv[i], "--kv-type") == 0)
            kv = strcmp(argv[i + 1], "f32") == 0 ? LLM_KV_F32 : LLM_KV_F16;
    }
    int slot = 0;
    while (slot < MAX_SESSIONS && ss.s[slot])
        slot++;
    if (slot == MAX_SESSIONS) {
        kprintf("llm session: %d sessions already (drop one)\n", MAX_SESSIONS);
        return 1;
    }
    struct llm_err err = { { 0 } };
    if (!ss.pool && llm_open_kv_pool(&ss.pool, m, kv, (size_t)kib * 1024, &err)) {
        kprintf("llm session: %s\n", err.msg);
        return 1;
    }
    ss.m = m;
    const struct llm_session_opts so = { .pool = ss.pool, .n_ctx = (uint32_t)n_ctx };
    struct llm_session_info want;
    if (llm_plan_session(m, &so, &want) > llm_mem_available()) {
        kprintf("llm session: a session of ctx %u needs %zu KiB, %zu KiB free\n", want.opts.n_ctx,
                want.mem_bytes / 1024, llm_mem_available() / 1024);
        return 1;
    }
    if (llm_open_session(&ss.s[slot], m, &so, &err)) {
        kprintf("llm session: %s\n", err.msg);
        ss.s[slot] = NULL;
        return 1;
    }
    ss.current = slot;
    struct llm_kv_pool_info pi;
    llm_get_kv_pool_info(ss.pool, &pi);
    kprintf("llm session: %d is current (ctx %u); pool of %u blocks, %zu bytes each\n", slot, want.opts.n_ctx,
            pi.n_blocks, pi.block_bytes);
    return 0;
}

/* Per session: positions, blocks, bytes, shared blocks; then the pool and
 * its waste (held block positions holding none), in tenths of a percent. */
static int session_list(void)
{
    if (!ss.pool) {
        kprintf("llm session: none (llm session new)\n");
        return 0;
    }
    for (int i = 0; i < MAX_SESSIONS; i++) {
        if (!ss.s[i])
            continue;
        struct llm_session_info si;
        llm_get_session_info(ss.s[i], &si);
        kprintf("session %d%s: %u positions, %u blocks, %zu KiB, %u shared\n", i, i == ss.current ? " *" : "",
                si.n_pos, si.n_blocks, si.n_blocks * si.block_bytes / 1024, si.n_shared);
    }
    struct llm_kv_pool_info pi;
    llm_get_kv_pool_info(ss.pool, &pi);
    const uint64_t slots = (uint64_t)pi.n_used * pi.block_positions;
    const uint64_t waste = slots ? (slots - pi.positions) * 1000 / slots : 0;
    kprintf("pool: %u of %u blocks in use (%zu bytes each), %u shared; %llu positions in %llu: waste %llu.%llu%%\n",
            pi.n_used, pi.n_blocks, pi.block_bytes, pi.n_shared, (unsigned long long)pi.positions,
            (unsigned long long)slots, (unsigned long long)(waste / 10), (unsigned long long)(waste % 10));
    return 0;
}

/* "use N" / "drop N": N names a session. */
static int session_index(int argc, char **argv)
{
    int64_t n;
    if (argc != 4 || !parse_int(argv[3], 0, MAX_SESSIONS - 1, &n) || !ss.s[n]) {
        kprintf("llm session %s: no such session (llm session list)\n", argv[2]);
        return -1;
    }
    return (int)n;
}

int llm_cmd_sessions(int argc, char **argv)
{
    const char *sub = argc > 2 ? argv[2] : "list";
    struct llm_model *m = llm_cmd_model();
    if (!m)
        return 1;
    if (ss.pool && ss.m != m)   /* cannot happen: unloading forgets them */
        llm_sessions_forget(ss.m);
    if (strcmp(sub, "new") == 0)
        return session_new(argc, argv, m);
    if (strcmp(sub, "list") == 0)
        return session_list();
    if (strcmp(sub, "use") == 0 || strcmp(sub, "drop") == 0) {
        const int i = session_index(argc, argv);
        if (i < 0)
            return 1;
        if (sub[0] == 'u')
            ss.current = i;
        else
            drop(i);
        kprintf("llm session: %s %d\n", sub[0] == 'u' ? "using" : "dropped", i);
        return 0;
    }
    kprintf("usage: llm session new [-c CTX] [--pool-kib N] | list | use N | drop N\n");
    return 1;
}
