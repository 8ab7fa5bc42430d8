/* llm/generate.c: sessions and the generation loop (see llm/generate.h).
 * The order of one step follows llama.cpp's examples: the logits of the last
 * position are sampled, the token is streamed, and only then is it decoded,
 * so n tokens cost the prompt batch plus n - 1 single-token forward passes.
 * A full context is shifted as llama-cli (examples/main/main.cpp) does. */
#include "llm/generate.h"
#include "llm/model/arch.h"
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/string.h"

#define SESSION_SLACK 4096   /* alignment padding of the handful of arena blocks */

static size_t sampler_mem(uint32_t n_vocab, uint32_t n_ctx)
{
    /* probs + idx per vocabulary entry, a repetition window of at most n_ctx */
    return (size_t)n_vocab * 8 + (size_t)n_ctx * 4 + 3 * 64;
}

size_t generate_mem_needed(const struct model *m, struct session_config *c)
{
    if (c->n_ctx == 0)
        c->n_ctx = m->hp.n_ctx_train;
    if (c->n_ctx > MODEL_MAX_CTX)
        c->n_ctx = MODEL_MAX_CTX;
    if (c->n_batch == 0 || c->n_batch > c->n_ctx)
        c->n_batch = c->n_ctx < 512 ? c->n_ctx : 512;
    if (c->kv_type != GGML_TYPE_F32)
        c->kv_type = GGML_TYPE_F16;
    if (c->pool)
        c->kv_type = c->pool->kv.type;
    const size_t kv = c->pool ? kv_cache_view_arena_bytes(c->n_ctx)
                              : kv_cache_arena_bytes(m->hp.n_layer, c->n_ctx, model_kv_dim(&m->hp), c->kv_type);
    return kv +
           forward_mem_needed(m, c->n_ctx, c->n_batch, c->all_logits) +
           (size_t)c->n_ctx * sizeof(int32_t) + sampler_mem(m->hp.n_vocab, c->n_ctx) +
           KV_ROPE_SCRATCH(m->hp.n_rot) * sizeof(float) + SESSION_SLACK;
}

int session_init(struct session *s, const struct model *m, const struct tokenizer *tok,
                 const struct session_config *c, struct llm_err *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    if (tok->n_vocab != m->hp.n_vocab)
        return llm_errf(err, "tokenizer has %u tokens but token_embd has %u rows", tok->n_vocab,
                        m->hp.n_vocab);
    s->mem_bytes = generate_mem_needed(m, &s->cfg);
    s->mem = llm_alloc(s->mem_bytes, 64);
    if (!s->mem)
        return llm_errf(err, "out of memory: the session needs %zu bytes", s->mem_bytes);
    s->m = m;
    s->tok = tok;
    arena_init(&s->arena, s->mem, s->mem_bytes);
    if ((s->cfg.pool ? kv_cache_init_view(&s->kv, &s->cfg.pool->kv, s->cfg.n_ctx, &s->arena)
                     : kv_cache_init(&s->kv, m->hp.n_layer, s->cfg.n_ctx, model_kv_dim(&m->hp), s->cfg.kv_type,
                                     &s->arena)) ||
        forward_init(&s->fwd, m, s->cfg.n_ctx, s->cfg.n_batch, s->cfg.all_logits, &s->arena) ||
        !(s->ids = arena_alloc(&s->arena, (size_t)s->cfg.n_ctx * sizeof(int32_t), 16))) {
        session_free(s);
        return llm_errf(err, "session arena of %zu bytes is too small (bug)", s->mem_bytes);
    }
    s->loop_mark = arena_mark(&s->arena);
    if (s->cfg.pool) {
        s->pool_next = s->cfg.pool->sessions;
        s->cfg.pool->sessions = s;
    }
    return 0;
}

void session_free(struct session *s)
{
    if (s->cfg.pool && s->kv.blk) {   /* initialized: its blocks back, out of the pool's list */
        kv_cache_clear(&s->kv);
        struct session **pp = &s->cfg.pool->sessions;
        while (*pp && *pp != s)
            pp = &(*pp)->pool_next;
        if (*pp)
            *pp = s->pool_next;
    }
    if (s->mem)
        llm_free(s->mem, s->mem_bytes);
    s->mem = NULL;
}

int session_pool_init(struct session_pool *p, const struct model *m, enum ggml_type type, size_t bytes,
                      struct llm_err *err)
{
    const uint32_t kvd = model_kv_dim(&m->hp);
    const size_t block = kv_pool_block_bytes(m->hp.n_layer, kvd, type);
    memset(p, 0, sizeof *p);
    if (block == 0)
        return llm_errf(err, "KV pool: type %d is not F16 or F32", (int)type);
    const uint64_t n = bytes / block < UINT32_MAX / 2 ? bytes / block : UINT32_MAX / 2;
    if (n == 0)
        return llm_errf(err, "KV pool of %zu bytes holds no block of %zu bytes", bytes, block);
    p->mem_bytes = kv_pool_arena_bytes(m->hp.n_layer, kvd, type, (uint32_t)n) + 64;
    if (!(p->mem = llm_alloc(p->mem_bytes, 64)))
        return llm_errf(err, "out of memory: the KV pool needs %zu bytes", p->mem_bytes);
    struct arena a;
    arena_init(&a, p->mem, p->mem_bytes);
    if (kv_pool_init(&p->kv, m->hp.n_layer, kvd, type, (uint32_t)n, &a)) {
        session_pool_free(p);
        return llm_errf(err, "KV pool arena of %zu bytes is too small (bug)", p->mem_bytes);
    }
    return 0;
}

void session_pool_free(struct session_pool *p)
{
    if (p->mem)
        llm_free(p->mem, p->mem_bytes);
    p->mem = NULL;
}

const char *llm_stop_name(enum llm_stop stop)
{
    switch (stop) {
    case LLM_STOP_N_PREDICT:   return "n_predict";
    case LLM_STOP_EOG:         return "eog";
    case LLM_STOP_INTERRUPTED: return "interrupted";
    case LLM_STOP_CTX_FULL:    return "ctx_full";
    case LLM_STOP_NONFINITE:   return "nonfinite";
    case LLM_STOP_CANCELLED:   return "cancelled";
    }
    return "?";
}

/* Tokenize after the cache's positions (a chat turn: the token left pending
 * by the last reply first; BOS only into an empty cache) into s->ids. */
static int tokenize_turn(struct session *s, const struct llm_request *r, int32_t *ids, uint32_t room)
{
    const uint32_t n_pend = s->pending >= 0;
    if (room <= n_pend)
        return -1;
    if (n_pend)
        ids[0] = s->pending;
    int n = tokenizer_encode_special(s->tok, r->prompt, r->prompt_len, s->tok->add_bos && s->kv.n_used == 0,
                                     r->parse_special, ids + n_pend, (int)(room - n_pend));
    return n < 0 ? -1 : n + (int)n_pend;
}

static int context_shift(struct session *s, uint32_t n_keep, float *rope_scratch, struct llm_err *err);

/* Hand the batch's rows of logits to on_prompt_logits, then leave the last
 * one in row 0, where the generation loop reads a forward pass's logits. */
static void pass_prompt_logits(struct session *s, const struct llm_callbacks *cb, uint32_t done, uint32_t n)
{
    const uint32_t n_vocab = s->m->hp.n_vocab;
    for (uint32_t i = 0; i < n; i++)
        cb->on_prompt_logits(cb->ctx, done + i, s->fwd.logits + (size_t)i * n_vocab, n_vocab);
    memmove(s->fwd.logits, s->fwd.logits + (size_t)(n - 1) * n_vocab, n_vocab * sizeof(float));
}

/* "KV pool full: 12 blocks of 12 in use" */
static int pool_full(const struct session *s, struct llm_err *err)
{
    const struct kv_pool *p = s->kv.pool;
    return llm_errf(err, "KV pool full: %u blocks of %u in use", p->n_blocks - p->n_free, p->n_blocks);
}

/* A prompt from an empty cache that starts as another session's did: take
 * that session's full blocks of the common prefix (those it computed as a
 * prompt from an empty cache: n_exact). At least 4 tokens are left to
 * compute, so that they run in the order of a whole prompt's batch (sgemm).
 * Returns the positions taken. */
static uint32_t share_prefix(struct session *s, uint32_t n)
{
    const struct session *best = NULL;
    uint32_t best_blk = 0;
    if (!s->cfg.pool || s->kv.n_used || n < 4)
        return 0;
    for (const struct session *o = s->cfg.pool->sessions; o; o = o->pool_next) {
        if (o == s || o->kv.shifted)
            continue;
        uint32_t l = 0, most = o->n_exact < n - 4 ? o->n_exact : n - 4;
        while (l < most && o->ids[l] == s->ids[l])
            l++;
        if (l / KV_BLOCK > best_blk) {
            best = o;
            best_blk = l / KV_BLOCK;
        }
    }
    if (!best || kv_cache_share_prefix(&s->kv, &best->kv, best_blk))
        return 0;
    s->n_exact = best_blk * KV_BLOCK;
    return s->n_exact;
}

/* Tokenize and run the prompt through in batches of n_batch. A turn that
 * does not fit after the conversation first shifts it once (llama-cli does
 * the same for its input batch). A pool that runs out of blocks leaves the
 * cache as it was before the prompt. */
static int prefill(struct session *s, const struct llm_request *r, const struct llm_callbacks *cb,
                   struct llm_stats *st, float *rope_scratch, struct llm_err *err)
{
    int n = tokenize_turn(s, r, s->ids + s->kv.n_used, s->cfg.n_ctx - s->kv.n_used);
    if (n < 0 && r->append && !r->no_ctx_shift && context_shift(s, s->n_keep, rope_scratch, err) == 0) {
        st->n_shifts++;
        n = tokenize_turn(s, r, s->ids + s->kv.n_used, s->cfg.n_ctx - s->kv.n_used);
    }
    if (n < 0)
        return llm_errf(err, "prompt does not fit in the context of %u tokens", s->cfg.n_ctx);
    if (n == 0)
        return llm_errf(err, "empty prompt");
    const uint32_t p0 = s->kv.n_used, head0 = s->kv.head;
    if (p0 + (uint32_t)n >= s->cfg.n_ctx)
        return llm_errf(err, "prompt of %d tokens leaves no room in the context of %u", n,
                        s->cfg.n_ctx);
    const bool all = cb && cb->on_prompt_logits;
    if (all && !s->cfg.all_logits)
        return llm_errf(err, "logits at every prompt position need a session opened with all_logits");
    st->n_prompt = (uint32_t)n;
    if (cb && cb->on_prompt)
        cb->on_prompt(cb->ctx, s->ids + p0, (uint32_t)n);
    uint64_t t0 = llm_now_ns();
    const uint32_t shared = all ? 0 : share_prefix(s, (uint32_t)n);   /* all: every row's logits wanted */
    st->n_shared = shared;
    bool exact = p0 == 0;
    /* After a shift the free cells may be in pieces no batch fits in (where
     * llama.cpp's decode fails): smaller batches then, down to one token. */
    for (uint32_t done = shared, most = s->cfg.n_batch; done < (uint32_t)n;) {
        uint32_t step = (uint32_t)n - done < most ? (uint32_t)n - done : most;
        const int rc = forward(s->m, &s->fwd, &s->kv, s->ids + p0 + done, step, all);
        if (rc == KV_POOL_FULL) {
            pool_full(s, err);
            if (shared)
                kv_cache_clear(&s->kv);
            else
                kv_cache_truncate(&s->kv, p0, head0);
            return -1;
        }
        if (rc) {
            if (step == 1 || s->kv.n_used != p0 + done)
                return llm_errf(err, "forward pass rejected the prompt batch at token %u", done);
            most = step / 2;
            continue;
        }
        if (all)
            pass_prompt_logits(s, cb, done, step);
        exact = exact && step >= 4;
        if (exact)
            s->n_exact = p0 + done + step;
        done += step;
    }
    s->pending = -1;
    st->prompt_ns = llm_now_ns() - t0;
    return 0;
}

/* llama-cli's n_keep: --keep N keeps N prompt tokens besides the BOS; a
 * negative N or one past the prompt keeps the whole prompt. */
static uint32_t keep_of(const struct session *s, const struct llm_request *r, uint32_t n_prompt)
{
    if (r->n_keep < 0 || (uint32_t)r->n_keep > n_prompt)
        return n_prompt;
    return (uint32_t)r->n_keep + (s->tok->add_bos ? 1 : 0);
}

/* main.cpp's context shift: with n_past positions in the cache, keep n_keep,
 * discard half of the rest; the token ids follow their cells' positions. */
static int context_shift(struct session *s, uint32_t n_keep, float *rope_scratch, struct llm_err *err)
{
    const struct model_hparams *hp = &s->m->hp;
    const uint32_t n_past = s->kv.n_used;
    const uint32_t n_discard = n_past > n_keep ? (n_past - n_keep) / 2 : 0;
    if (hp->n_rot == 0)   /* learned positions (GPT-2) are in the keys themselves: nothing re-rotates them */
        return llm_errf(err, "context full (%u tokens): %s has no RoPE to shift its keys with: stopped",
                        s->kv.n_ctx, s->m->arch->name);
    const struct kv_rope rope = { .n_rot = hp->n_rot, .head_dim = hp->head_dim, .base = hp->rope_base,
                                  .scratch = rope_scratch };
    const int rc = kv_cache_shift(&s->kv, n_keep, n_discard, &rope);
    if (rc == KV_POOL_FULL)
        return pool_full(s, err);
    if (rc)
        return llm_errf(err, "context full (%u tokens) and --keep %u leaves nothing to discard: stopped",
                        s->kv.n_ctx, n_keep);
    s->n_exact = 0;
    memmove(s->ids + n_keep, s->ids + n_keep + n_discard, (n_past - n_keep - n_discard) * sizeof(int32_t));
    return 0;
}

/* Stream one token; false when the caller wants no more. The callback gets
 * the token's own bytes; the default stream holds back a character split
 * across tokens until it is whole (us). */
static bool emit(const struct llm_callbacks *cb, struct llm_utf8_stream *us, int32_t id, const char *text,
                 uint32_t len)
{
    char whole[256 + 3];
    if (cb && cb->on_token)
        return cb->on_token(cb->ctx, id, text, len);
    llm_write(whole, llm_utf8_stream_push(us, text, len, whole));
    return true;
}

/* One run of a session between its steps: the prompt is in, each step
 * samples from logits and says whether its token is to be decoded. */
struct gen_run {
    struct session             *s;
    const struct llm_request   *r;
    const struct llm_callbacks *cb;
    struct llm_stats           *st;
    struct sampler              smp;
    struct llm_utf8_stream      us;
    float                      *rope_scratch;
    int32_t                     prev, eos_skip;
    uint32_t                    step;
    uint64_t                    t0;
};

/* Clear (unless appending), prefill, and get ready for step 0, whose logits
 * are then in s->fwd.logits. */
static int run_begin(struct gen_run *g, struct session *s, const struct llm_request *r,
                     const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err)
{
    *g = (struct gen_run){ .s = s, .r = r, .cb = cb, .st = st, .us = { .n_held = 0 } };
    memset(st, 0, sizeof *st);
    arena_reset(&s->arena, s->loop_mark);
    if (!r->append || s->kv.n_used == 0) {
        kv_cache_clear(&s->kv);
        s->pending = -1;
        s->n_exact = 0;
    }
    struct llm_sampling sp = r->sp;
    if (sp.repeat_last_n > (int32_t)s->cfg.n_ctx)
        sp.repeat_last_n = (int32_t)s->cfg.n_ctx;
    g->rope_scratch = arena_alloc(&s->arena, KV_ROPE_SCRATCH(s->m->hp.n_rot) * sizeof(float) + 1, 16);
    if (sampler_init(&g->smp, &sp, s->m->hp.n_vocab, &s->arena) || !g->rope_scratch)
        return llm_errf(err, "sampler and shift scratch do not fit in the session arena (bug)");
    const bool first = s->kv.n_used == 0;
    if (prefill(s, r, cb, st, g->rope_scratch, err))
        return -1;
    if (first)   /* a conversation keeps its first prompt's n_keep */
        s->n_keep = keep_of(s, r, st->n_prompt);
    for (uint32_t i = s->kv.n_used - st->n_prompt; i < s->kv.n_used; i++)
        sampler_accept(&g->smp, s->ids[i]);
    g->prev = s->ids[s->kv.n_used - 1];
    g->eos_skip = r->ignore_eos ? s->tok->eos_id : -1;   /* never chosen */
    g->t0 = llm_now_ns();
    return 0;
}

/* Sample from logits, stream the token, and make room for it: true with
 * *next the token to decode at s->kv.n_used, false when the run stops
 * (g->st->stop says why). */
static bool run_step(struct gen_run *g, float *logits, int32_t *next, struct llm_err *err)
{
    struct session *s = g->s;
    const struct llm_request *r = g->r;
    struct llm_stats *st = g->st;
    const uint32_t n_vocab = s->m->hp.n_vocab, step = g->step++;
    const struct sampler_scan scan = sampler_scan(logits, n_vocab, g->eos_skip);
    if (!scan.finite) {
        st->stop = LLM_STOP_NONFINITE;
        llm_errf(err, "non-finite logits at step %u: stopped", step);
        return false;
    }
    if (g->cb && g->cb->on_logits)
        g->cb->on_logits(g->cb->ctx, step, logits, n_vocab);
    if (r->ignore_eos && s->tok->eos_id >= 0)
        logits[s->tok->eos_id] = -INFINITY;
    int32_t id = sampler_greedy(&g->smp) ? scan.argmax : sampler_sample(&g->smp, logits);
    sampler_accept(&g->smp, id);
    s->pending = id;   /* until it is decoded: a next chat turn starts with it */
    if (id == s->tok->eos_id) {
        st->stop = LLM_STOP_EOG;
        return false;
    }
    char piece[256];
    int len = tokenizer_decode(s->tok, g->prev, id, piece, (int)sizeof piece);
    const bool more = emit(g->cb, &g->us, id, piece, (uint32_t)len);
    g->prev = id;
    st->n_gen++;
    if (r->n_predict >= 0 && st->n_gen >= (uint32_t)r->n_predict) {
        st->stop = LLM_STOP_N_PREDICT;
        return false;
    }
    if (!more) {
        st->stop = LLM_STOP_CANCELLED;
        return false;
    }
    if (llm_interrupted()) {
        st->stop = LLM_STOP_INTERRUPTED;
        return false;
    }
    if (!r->no_ctx_shift && s->kv.n_used + 1 >= s->kv.n_ctx) {   /* main.cpp's test */
        if (context_shift(s, s->n_keep, g->rope_scratch, err)) {
            st->stop = LLM_STOP_CTX_FULL;
            return false;
        }
        st->n_shifts++;
    } else if (kv_cache_full(&s->kv)) {
        st->stop = LLM_STOP_CTX_FULL;
        llm_errf(err, "context full (%u tokens): generation stopped", s->kv.n_ctx);
        return false;
    }
    s->ids[s->kv.n_used] = id;
    *next = id;
    return true;
}

/* The held bytes out, and the stats. */
static void run_end(struct gen_run *g)
{
    struct session *s = g->s;
    struct llm_stats *st = g->st;
    char piece[4];
    if (!(g->cb && g->cb->on_token))
        llm_write(piece, llm_utf8_stream_flush(&g->us, piece));
    st->gen_ns = llm_now_ns() - g->t0;
    st->kv_used = s->kv.n_used;
    st->kv_capacity = s->kv.n_ctx;
    uint32_t n_shared_blk;
    st->kv_bytes = kv_cache_blocks(&s->kv, &n_shared_blk) * s->kv.pool->block_bytes;
    st->arena_peak = s->arena.peak;
    st->arena_size = s->arena.size;
}

int generate(struct session *s, const struct llm_request *r, const struct llm_callbacks *cb,
             struct llm_stats *st, struct llm_err *err)
{
    struct gen_run g;
    int32_t id;
    if (run_begin(&g, s, r, cb, st, err))
        return -1;
    while (run_step(&g, s->fwd.logits, &id, err)) {
        const int rc = forward(s->m, &s->fwd, &s->kv, &id, 1, false);
        if (rc == KV_POOL_FULL) {   /* nothing changed: the token stays pending */
            st->stop = LLM_STOP_CTX_FULL;
            pool_full(s, err);
            break;
        }
        if (rc)
            return llm_errf(err, "forward pass failed at position %u", s->kv.n_used);
        s->pending = -1;
    }
    run_end(&g);
    return 0;
}

/* Every prompt alone, then one forward pass per step over the sessions still
 * going: session i's step 0 samples from its own prefill's logits, later
 * steps from its row of the batch's. */
static int decode_together(struct session *const *s, uint32_t n, const struct llm_request *r,
                           const struct llm_callbacks *cb, struct llm_stats *st, struct fwd_state *fs,
                           struct llm_err *err)
{
    struct gen_run g[FWD_MAX_SEQ];
    float *logits[FWD_MAX_SEQ];
    struct kv_cache *kv[FWD_MAX_SEQ];
    int32_t ids[FWD_MAX_SEQ];
    uint32_t who[FWD_MAX_SEQ];
    const uint32_t n_vocab = s[0]->m->hp.n_vocab;
    for (uint32_t i = 0; i < n; i++) {
        if (run_begin(&g[i], s[i], &r[i], cb ? &cb[i] : NULL, &st[i], err))
            return -1;
        logits[i] = s[i]->fwd.logits;
    }
    for (;;) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!logits[i])   /* stopped */
                continue;
            if (run_step(&g[i], logits[i], &ids[k], err)) {
                kv[k] = &s[i]->kv;
                who[k++] = i;
                continue;
            }
            run_end(&g[i]);
            logits[i] = NULL;
        }
        if (k == 0)
            return 0;
        const int rc = forward_sessions(s[0]->m, fs, kv, ids, k);
        if (rc == KV_POOL_FULL) {   /* no session moved: their tokens stay pending */
            for (uint32_t j = 0; j < k; j++) {
                st[who[j]].stop = LLM_STOP_CTX_FULL;
                run_end(&g[who[j]]);
            }
            pool_full(s[0], err);
            return 0;
        }
        if (rc)
            return llm_errf(err, "forward pass of %u sessions together failed", k);
        for (uint32_t j = 0; j < k; j++) {
            s[who[j]]->pending = -1;
            logits[who[j]] = fs->logits + (size_t)j * n_vocab;
        }
    }
}

static size_t batch_mem_needed(const struct model *m, uint32_t n_seq, uint32_t n_ctx)
{
    return forward_mem_needed(m, n_ctx, n_seq, true) + SESSION_SLACK;
}

int generate_parallel(struct session *const *s, uint32_t n, const struct llm_request *r,
                      const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err)
{
    if (n == 0 || n > FWD_MAX_SEQ)
        return llm_errf(err, "%u sessions: 1 to %u decode together", n, FWD_MAX_SEQ);
    uint32_t n_ctx = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i]->m != s[0]->m)
            return llm_errf(err, "session %u runs another model than session 0", i);
        for (uint32_t k = 0; k < i; k++)
            if (s[k] == s[i])
                return llm_errf(err, "session %u is also session %u", i, k);
        n_ctx = s[i]->cfg.n_ctx > n_ctx ? s[i]->cfg.n_ctx : n_ctx;
    }
    /* The batch's own activations and logits (a row per session), for the
     * context of the largest session. */
    const size_t bytes = batch_mem_needed(s[0]->m, n, n_ctx);
    void *mem = llm_alloc(bytes, 64);
    struct arena a;
    struct fwd_state fs;
    if (!mem)
        return llm_errf(err, "out of memory: decoding %u sessions together needs %zu bytes", n, bytes);
    arena_init(&a, mem, bytes);
    int rc = forward_init(&fs, s[0]->m, n_ctx, n, true, &a) ? llm_errf(err, "batch arena too small (bug)")
                                                            : decode_together(s, n, r, cb, st, &fs, err);
    llm_free(mem, bytes);
    return rc;
}
