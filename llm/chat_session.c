/* llm/chat_session.c: conversations over a session (see llm/chat_session.h). */
#include "llm/chat_session.h"
#include "llm/platform.h"
#include "lib/string.h"

int chat_pick_template(const char *name, const char *file_tmpl, size_t file_len, enum chat_tmpl *out,
                       struct llm_err *err)
{
    const char *src = name ? name : file_tmpl ? file_tmpl : "chatml";
    *out = chat_detect(src, name ? strlen(name) : file_tmpl ? file_len : 6);
    if (*out == CHAT_UNKNOWN && !name)
        *out = CHAT_CHATML;   /* llama.cpp falls back to chatml too */
    if (*out == CHAT_UNKNOWN || *out == CHAT_UNSUPPORTED)
        return llm_errf(err, "chat template %s%s%s is not supported here", name ? "'" : "(from the file)",
                        name ? name : "", name ? "'" : "");
    return 0;
}

/* Copy a message's text into the history; NULL when it is full. */
static const char *keep_text(struct chat_session *c, const char *s, size_t n)
{
    if (n >= CHAT_TEXT_CAP - c->text_len)
        return NULL;
    char *p = c->text + c->text_len;
    memcpy(p, s, n);
    p[n] = 0;
    c->text_len += n + 1;
    return p;
}

static int add_msg(struct chat_session *c, const char *role, const char *s, size_t n, struct llm_err *err)
{
    const char *t = c->n_msgs + 1 < CHAT_MAX_MSGS ? keep_text(c, s, n) : NULL;   /* room for a reply */
    if (!t)
        return llm_errf(err, "the conversation is longer than its history (%u messages, %u bytes): /reset",
                        CHAT_MAX_MSGS, CHAT_TEXT_CAP);
    c->msgs[c->n_msgs].role = role;
    c->msgs[c->n_msgs++].content = t;
    return 0;
}

int chat_open(struct chat_session *c, struct session *s, enum chat_tmpl t, const char *system,
              struct llm_err *err)
{
    memset(c, 0, sizeof *c);
    c->mem = llm_alloc(3 * CHAT_TEXT_CAP, 16);
    if (!c->mem)
        return llm_errf(err, "out of memory for the chat history (%u KiB)", 3 * CHAT_TEXT_CAP / 1024);
    c->text = c->mem, c->buf = c->mem + CHAT_TEXT_CAP, c->scratch = c->mem + 2 * CHAT_TEXT_CAP;
    c->s = s;
    c->tmpl = t;
    if (system && *system && add_msg(c, "system", system, strlen(system), err)) {
        chat_close(c);
        return -1;
    }
    c->fresh = true;
    return 0;
}

void chat_close(struct chat_session *c)
{
    if (c->mem)
        llm_free(c->mem, 3 * CHAT_TEXT_CAP);
    c->mem = NULL;
}

void chat_reset(struct chat_session *c)
{
    const bool sys = c->n_msgs && strcmp(c->msgs[0].role, "system") == 0;
    c->n_msgs = sys;
    c->text_len = sys ? strlen(c->msgs[0].content) + 1 : 0;
    c->fresh = true;
}

/* The reply's pieces go to the history as they stream; without a caller's
 * on_token, whole characters go out through llm_write. */
static bool on_reply(void *ctx, int32_t id, const char *text, uint32_t len)
{
    struct chat_session *c = ctx;
    char whole[256 + 3];   /* generate's pieces are <= 256 bytes */
    if (len < CHAT_TEXT_CAP - c->text_len) {
        memcpy(c->text + c->text_len, text, len);
        c->text_len += len;
    }
    if (c->user_cb && c->user_cb->on_token)
        return c->user_cb->on_token(c->user_cb->ctx, id, text, len);
    llm_write(whole, llm_utf8_stream_push(&c->us, text, len < 256 ? len : 256, whole));
    return true;
}

/* The first turn also carries the system message's text, whose tokens are
 * kept by a shift (n_keep: llama-cli's --keep, the BOS added). */
static int64_t first_turn(struct chat_session *c, int32_t *n_keep, struct llm_err *err)
{
    int64_t n0 = 0;
    *n_keep = 0;
    if (c->n_msgs > 1) {
        n0 = chat_render_turn(c->tmpl, c->msgs, 1, c->buf, c->scratch, CHAT_TEXT_CAP);
        size_t cap = (size_t)n0 + 16;
        int32_t *ids = n0 >= 0 ? llm_alloc(cap * sizeof(int32_t), 16) : NULL;
        int n = ids ? tokenizer_encode_special(c->s->tok, c->buf, (size_t)n0, false, true, ids, (int)cap) : -1;
        if (ids)
            llm_free(ids, cap * sizeof(int32_t));
        if (n < 0)
            return llm_errf(err, "the system message does not render or tokenize");
        *n_keep = n;
    }
    int64_t n1 = chat_render_turn(c->tmpl, c->msgs, c->n_msgs, c->buf + n0, c->scratch, CHAT_TEXT_CAP - (size_t)n0);
    return n1 < 0 ? -1 : n0 + n1;
}

int chat_turn(struct chat_session *c, const char *user, const struct llm_request *r,
              const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err)
{
    if (add_msg(c, "user", user, strlen(user), err))
        return -1;
    int32_t n_keep = 0;
    int64_t n = c->fresh ? first_turn(c, &n_keep, err)
                         : chat_render_turn(c->tmpl, c->msgs, c->n_msgs, c->buf, c->scratch, CHAT_TEXT_CAP);
    if (n < 0) {
        c->n_msgs--;
        return err->msg[0] ? -1 : llm_errf(err, "the turn does not fit the %u-byte rendering buffer", CHAT_TEXT_CAP);
    }
    struct llm_request q = *r;
    q.prompt = c->buf, q.prompt_len = (size_t)n, q.append = !c->fresh, q.n_keep = n_keep;
    q.parse_special = true;   /* the template's markers are its special tokens, as in llama-cli */
    /* Only the reply is passed on (on_reply calls cb->on_token with cb->ctx):
     * the other callbacks would get the chat as their context. */
    struct llm_callbacks wrap = { .ctx = c, .on_token = on_reply };
    const size_t reply = c->text_len;
    c->user_cb = cb;
    c->us.n_held = 0;
    int rc = generate(c->s, &q, &wrap, st, err);
    char held[4];
    llm_write(held, llm_utf8_stream_flush(&c->us, held));
    if (rc) {   /* the cache may hold part of the turn: start over */
        chat_reset(c);
        return rc;
    }
    c->fresh = false;
    c->text[c->text_len++] = 0;   /* on_reply left room for it */
    c->msgs[c->n_msgs].role = "assistant";
    c->msgs[c->n_msgs++].content = c->text + reply;
    return 0;
}
