/* llm/llm.c: the public interface (llm/llm.h) over the modules. The one copy
 * of the load sequence (gguf_open -> model_load -> tokenizer_init, and with
 * repack model_repack) and of its teardown lives here; sessions wrap
 * generate.c's, and generation, perplexity and bench are handed straight to
 * their modules, so the token loop is the same with or without this layer. */
#include "llm/llm.h"
#include "llm/bench.h"
#include "llm/chat_session.h"
#include "llm/generate.h"
#include "llm/platform.h"
#include "llm/quant/cpu_ops.h"
#include "llm/quant/quant.h"
#include "llm/quant/repack.h"
#include "llm/text/unicode.h"
#include "llm/text/vocab_cases.h"
#include "lib/printf.h"
#include "lib/string.h"

_Static_assert(LLM_MAX_CTX == MODEL_MAX_CTX, "llm.h's context limit is model.h's");

struct llm_model {
    struct gguf_file gf;
    struct model     m;            /* not loaded with vocab_only */
    struct tokenizer tok;
    bool             vocab_only;
};

struct llm_session {
    struct session          s;
    const struct llm_model *lm;   /* its file's chat template */
};

struct llm_kv_pool {
    struct session_pool     p;
    const struct llm_model *lm;
};

struct llm_chat {
    struct chat_session c;
};

/* ------------------------------------------------------------- models */

/* Open the layers in order; on failure close what was opened and return the
 * step that refused. */
static int model_open_steps(struct llm_model *lm, const void *data, size_t size,
                            const struct llm_model_opts *o, struct llm_err *err)
{
    int step = LLM_OPEN_GGUF;
    if (gguf_open(&lm->gf, data, size, err))
        return step;
    step = LLM_OPEN_MODEL;
    if (!o->vocab_only && model_load(&lm->m, &lm->gf, err))
        goto close_gguf;
    step = LLM_OPEN_TOKENIZER;
    if (tokenizer_init(&lm->tok, &lm->gf, err))
        goto free_tokenizer;   /* a failed init may have allocated */
    step = LLM_OPEN_REPACK;
    lm->m.repack_discard = o->discard;
    if (!o->vocab_only && o->repack && model_repack(&lm->m, &lm->gf, o->in_place,
                                                          &(struct repack_progress){ o->on_progress, o->progress_ctx },
                                                          err) < 0)
        goto free_tokenizer;
    return 0;
free_tokenizer:
    tokenizer_free(&lm->tok);
    if (!o->vocab_only)
        model_free(&lm->m);
close_gguf:
    gguf_close(&lm->gf);
    return step;
}

int llm_open_model(struct llm_model **out, const void *data, size_t size,
                   const struct llm_model_opts *opts, struct llm_err *err)
{
    static const struct llm_model_opts none;
    const struct llm_model_opts *o = opts ? opts : &none;
    struct llm_model *lm = llm_alloc(sizeof *lm, 64);
    *out = NULL;
    if (!lm) {
        llm_errf(err, "out of memory for the model's handle");
        return LLM_OPEN_GGUF;
    }
    lm->vocab_only = o->vocab_only;
    int step = model_open_steps(lm, data, size, o, err);
    if (step) {
        llm_free(lm, sizeof *lm);
        return step;
    }
    *out = lm;
    return 0;
}

void llm_close_model(struct llm_model *lm)
{
    if (!lm)
        return;
    tokenizer_free(&lm->tok);
    if (!lm->vocab_only)
        model_free(&lm->m);
    gguf_close(&lm->gf);
    llm_free(lm, sizeof *lm);
}

/* Every byte has a token: SPM's <0xXX> piece, BPE's GPT-2 stand-in. */
static bool can_spell_bytes(const struct tokenizer *t)
{
    if (t->model == TOK_WPM)
        return false;
    for (int b = 0; b < 256; b++) {
        char u[4];
        int k = uc_encode(uc_byte_to_cpt((uint8_t)b), u);
        if (t->model == TOK_BPE ? tokenizer_find(t, u, (size_t)k) < 0 : t->byte_ids[b] < 0)
            return false;
    }
    return true;
}

void llm_get_model_info(const struct llm_model *lm, struct llm_model_info *out)
{
    const struct tokenizer *t = &lm->tok;
    const struct model *m = &lm->m;
    memset(out, 0, sizeof *out);
    out->n_vocab = t->n_vocab;
    if (!lm->vocab_only) {
        out->n_ctx_train = m->hp.n_ctx_train;
        out->n_layer = m->hp.n_layer;
        out->n_embd = m->hp.n_embd;
        out->weight_bytes = m->weight_bytes;
        out->packed_bytes = m->packed_bytes;
        out->packed_in_place = m->packed_in_place;
        out->repackable_bytes = model_repackable_bytes(m);
    }
    out->data_offset = lm->gf.data_offset;
    out->bos_id = t->bos_id;
    out->eos_id = t->eos_id;
    out->add_bos = t->add_bos;
    out->max_piece = t->max_piece;
    out->n_user_tokens = t->n_user;
    out->tokenizer = t->model == TOK_BPE ? LLM_TOKENIZER_BPE : t->model == TOK_WPM ? LLM_TOKENIZER_WPM
                                                                                  : LLM_TOKENIZER_SPM;
    out->all_byte_pieces = can_spell_bytes(t);
}

int llm_describe_model(const struct llm_model *lm, char *buf, size_t cap)
{
    if (lm->vocab_only)
        return snprintf(buf, cap, "vocabulary only: %u tokens\n", lm->tok.n_vocab);
    return model_summary(&lm->m, buf, cap);
}

int llm_find_tensor(const struct llm_model *lm, const char *name, struct llm_tensor_info *out)
{
    const struct gguf_tensor *t = gguf_find_tensor(&lm->gf, name);
    const struct type_traits *tt = t ? type_traits(t->type) : NULL;
    if (!t)
        return -1;
    out->offset = (uint64_t)((const uint8_t *)t->data - lm->gf.buf);
    out->nbytes = t->nbytes;
    out->type_name = tt ? tt->name : "?";
    return 0;
}

/* ------------------------------------------------------------- text */

int llm_tokenize(const struct llm_model *lm, const char *text, size_t len, bool add_special,
                 bool parse_special, int32_t *ids, int max_ids)
{
    return tokenizer_encode_special(&lm->tok, text, len, add_special, parse_special, ids, max_ids);
}

int llm_detokenize(const struct llm_model *lm, int32_t prev, int32_t id, char *buf, int cap)
{
    return tokenizer_decode(&lm->tok, prev, id, buf, cap);
}

int llm_tokenize_cases(const struct llm_model *lm, const char *inp, size_t len,
                       void (*out)(void *ctx, const char *s, size_t n), void *ctx)
{
    return vocab_cases_run(&lm->tok, inp, len, out, ctx);
}

/* ------------------------------------------------------------- sessions */

static enum ggml_type kv_ggml_type(enum llm_kv_type t)
{
    return t == LLM_KV_F32 ? GGML_TYPE_F32 : GGML_TYPE_F16;
}

static struct session_config session_config_of(const struct llm_session_opts *o)
{
    return (struct session_config){ .pool = o->pool ? &o->pool->p : NULL, .n_ctx = o->n_ctx,
                                    .n_batch = o->n_batch, .all_logits = o->all_logits,
                                    .kv_type = kv_ggml_type(o->kv_type) };
}

static void session_info_of(const struct model *m, const struct session_config *c, size_t mem_bytes,
                            struct llm_session_info *info)
{
    memset(info, 0, sizeof *info);
    info->opts = (struct llm_session_opts){ .n_ctx = c->n_ctx, .n_batch = c->n_batch, .all_logits = c->all_logits,
                                            .kv_type = c->kv_type == GGML_TYPE_F32 ? LLM_KV_F32 : LLM_KV_F16 };
    info->mem_bytes = mem_bytes;
    info->block_bytes = kv_pool_block_bytes(m->hp.n_layer, model_kv_dim(&m->hp), c->kv_type);
    if (!c->pool)
        info->kv_bytes = kv_cache_bytes(m->hp.n_layer, c->n_ctx, model_kv_dim(&m->hp), c->kv_type);
}

size_t llm_plan_session(const struct llm_model *lm, const struct llm_session_opts *o,
                        struct llm_session_info *info)
{
    struct session_config c = session_config_of(o);
    if (lm->vocab_only) {
        memset(info, 0, sizeof *info);
        return 0;
    }
    session_info_of(&lm->m, &c, generate_mem_needed(&lm->m, &c), info);
    return info->mem_bytes;
}

int llm_open_session(struct llm_session **out, struct llm_model *lm, const struct llm_session_opts *o,
                     struct llm_err *err)
{
    struct session_config c = session_config_of(o);
    *out = NULL;
    if (lm->vocab_only)
        return llm_errf(err, "a vocabulary-only model has no weights to run");
    struct llm_session *ls = llm_alloc(sizeof *ls, 64);
    if (!ls)
        return llm_errf(err, "out of memory for the session's handle");
    if (session_init(&ls->s, &lm->m, &lm->tok, &c, err)) {
        llm_free(ls, sizeof *ls);
        return -1;
    }
    ls->lm = lm;
    *out = ls;
    return 0;
}

void llm_close_session(struct llm_session *ls)
{
    if (!ls)
        return;
    session_free(&ls->s);
    llm_free(ls, sizeof *ls);
}

void llm_get_session_info(const struct llm_session *ls, struct llm_session_info *info)
{
    session_info_of(ls->s.m, &ls->s.cfg, ls->s.mem_bytes, info);
    info->n_pos = ls->s.kv.n_used;
    info->n_blocks = kv_cache_blocks(&ls->s.kv, &info->n_shared);
}

/* ------------------------------------------------------------- KV pools */

size_t llm_kv_block_bytes(const struct llm_model *lm, enum llm_kv_type t)
{
    return lm->vocab_only ? 0 : kv_pool_block_bytes(lm->m.hp.n_layer, model_kv_dim(&lm->m.hp), kv_ggml_type(t));
}

int llm_open_kv_pool(struct llm_kv_pool **out, struct llm_model *lm, enum llm_kv_type t, size_t bytes,
                     struct llm_err *err)
{
    *out = NULL;
    if (lm->vocab_only)
        return llm_errf(err, "a vocabulary-only model has no KV cache");
    struct llm_kv_pool *lp = llm_alloc(sizeof *lp, 64);
    if (!lp)
        return llm_errf(err, "out of memory for the KV pool's handle");
    if (session_pool_init(&lp->p, &lm->m, kv_ggml_type(t), bytes, err)) {
        llm_free(lp, sizeof *lp);
        return -1;
    }
    lp->lm = lm;
    *out = lp;
    return 0;
}

void llm_close_kv_pool(struct llm_kv_pool *lp)
{
    if (!lp)
        return;
    session_pool_free(&lp->p);
    llm_free(lp, sizeof *lp);
}

/* Positions stored counts each shared block once: every holder of a shared
 * block holds it full (only full blocks are shared, and a write copies). */
void llm_get_kv_pool_info(const struct llm_kv_pool *lp, struct llm_kv_pool_info *out)
{
    const struct kv_pool *p = &lp->p.kv;
    memset(out, 0, sizeof *out);
    out->n_blocks = p->n_blocks;
    out->n_used = p->n_blocks - p->n_free;
    out->block_positions = KV_BLOCK;
    out->block_bytes = p->block_bytes;
    for (uint32_t b = 0; b < p->n_blocks; b++)
        if (p->ref[b] > 1) {
            out->n_shared++;
            out->positions += (uint64_t)KV_BLOCK;
        }
    for (const struct session *s = lp->p.sessions; s; s = s->pool_next) {
        uint32_t shared;
        kv_cache_blocks(&s->kv, &shared);
        out->positions += s->kv.n_used - (uint64_t)shared * KV_BLOCK;
        out->n_sessions++;
    }
}

/* ------------------------------------------------------------- runs */

int llm_generate(struct llm_session *ls, const struct llm_request *r, const struct llm_callbacks *cb,
                 struct llm_stats *st, struct llm_err *err)
{
    return generate(&ls->s, r, cb, st, err);
}

_Static_assert(LLM_MAX_PARALLEL == FWD_MAX_SEQ, "llm.h's session limit is forward.h's");

int llm_generate_parallel(struct llm_session *const *ls, uint32_t n, const struct llm_request *r,
                          const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err)
{
    struct session *s[LLM_MAX_PARALLEL];
    if (n > LLM_MAX_PARALLEL)
        return llm_errf(err, "%u sessions: at most %u decode together", n, LLM_MAX_PARALLEL);
    for (uint32_t i = 0; i < n; i++)
        s[i] = &ls[i]->s;
    return generate_parallel(s, n, r, cb, st, err);
}

/* ------------------------------------------------------------- chat */

int llm_chat_open(struct llm_chat **out, struct llm_session *ls, const char *template_name,
                  const char *system, struct llm_err *err)
{
    const struct gguf_file *gf = &ls->lm->gf;
    struct gguf_str file_tmpl = { 0 };
    enum chat_tmpl t;
    *out = NULL;
    if (gguf_find_key(gf, "tokenizer.chat_template") && gguf_get_str(gf, "tokenizer.chat_template", &file_tmpl, err))
        return -1;
    if (chat_pick_template(template_name, file_tmpl.ptr, (size_t)file_tmpl.len, &t, err))
        return -1;
    struct llm_chat *lc = llm_alloc(sizeof *lc, 64);
    if (!lc)
        return llm_errf(err, "out of memory for the chat's handle");
    if (chat_open(&lc->c, &ls->s, t, system, err)) {
        llm_free(lc, sizeof *lc);
        return -1;
    }
    *out = lc;
    return 0;
}

void llm_chat_close(struct llm_chat *lc)
{
    if (!lc)
        return;
    chat_close(&lc->c);
    llm_free(lc, sizeof *lc);
}

const char *llm_chat_template_name(const struct llm_chat *lc)
{
    return chat_name(lc->c.tmpl);
}

void llm_chat_reset(struct llm_chat *lc)
{
    chat_reset(&lc->c);
}

int llm_chat_turn(struct llm_chat *lc, const char *user, const struct llm_request *r,
                  const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err)
{
    return chat_turn(&lc->c, user, r, cb, st, err);
}

int llm_compute_perplexity(struct llm_session *ls, const char *text, size_t len, struct llm_perplexity *out,
                           struct llm_err *err)
{
    return perplexity(&ls->s, text, len, out, err);
}

int llm_run_bench(struct llm_session *ls, const struct llm_bench_opts *o, struct llm_err *err)
{
    return bench_run(&ls->s, o, err);
}

void llm_force_scalar(bool on)
{
    cpu_ops_force_scalar(on);
}

const char *llm_cpu_ops_name(void)
{
    return cpu_ops()->name;
}
