/* llm/chat_session.h: a conversation over a generation session, as llama-cli's
 * conversation mode runs it: each user line becomes the text its message adds
 * to the chat template's rendering (llm/text/chat.h), and only that text is
 * processed: the KV cache keeps the conversation between turns (generate with
 * append), with the token that ended the last reply decoded first. The first
 * turn's n_keep is the system message, so a context shift keeps it. */
#ifndef LLM_CHAT_SESSION_H
#define LLM_CHAT_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include "llm/generate.h"
#include "llm/text/chat.h"

#define CHAT_MAX_MSGS 256
#define CHAT_TEXT_CAP (64 * 1024)   /* message texts, and each rendering */

struct chat_session {
    struct session *s;
    enum chat_tmpl  tmpl;
    struct chat_msg msgs[CHAT_MAX_MSGS];
    uint32_t        n_msgs;
    bool            fresh;          /* the next turn starts the conversation (and the cache) */
    char           *mem;            /* one llm_alloc: text, buf, scratch */
    char           *text, *buf, *scratch;
    size_t          text_len;
    const struct llm_callbacks *user_cb;
    struct llm_utf8_stream      us;   /* the default stream's split character */
};

/* The template for the file (its tokenizer.chat_template) or the name given;
 * chatml when neither says. -1 with err for a template not rendered here. */
int  chat_pick_template(const char *name, const char *file_tmpl, size_t file_len, enum chat_tmpl *out,
                        struct llm_err *err);
int  chat_open(struct chat_session *c, struct session *s, enum chat_tmpl t, const char *system,
               struct llm_err *err);
void chat_close(struct chat_session *c);
/* Forget the conversation (the system message stays). */
void chat_reset(struct chat_session *c);
/* One user turn: the reply streams through cb (NULL: llm_write); r gives the
 * sampling and n_predict (its prompt, append and n_keep are set here); cb's
 * on_token returning false ends the reply (LLM_STOP_CANCELLED). */
int  chat_turn(struct chat_session *c, const char *user, const struct llm_request *r,
               const struct llm_callbacks *cb, struct llm_stats *st, struct llm_err *err);

#endif
