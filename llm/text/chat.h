/* llm/text/chat.h: chat templates as llama.cpp c392e50 applies them without
 * jinja (src/llama-chat.cpp): the template is recognized by name or by marks in
 * the file's tokenizer.chat_template, and a conversation is rendered by a fixed
 * rule per template. A turn of a running conversation is the text its message
 * adds to the rendering (common_chat_format_single), so the KV cache can keep
 * the rest. */
#ifndef LLM_CHAT_H
#define LLM_CHAT_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum chat_tmpl {
    CHAT_UNKNOWN,
    CHAT_CHATML, CHAT_PHI4,
    CHAT_LLAMA2, CHAT_LLAMA2_SYS, CHAT_LLAMA2_SYS_BOS, CHAT_LLAMA2_SYS_STRIP,
    CHAT_MISTRAL_V1, CHAT_MISTRAL_V3, CHAT_MISTRAL_V3_TEKKEN, CHAT_MISTRAL_V7,
    CHAT_PHI3, CHAT_FALCON3, CHAT_ZEPHYR, CHAT_MONARCH, CHAT_GEMMA, CHAT_ORION,
    CHAT_OPENCHAT, CHAT_VICUNA, CHAT_VICUNA_ORCA, CHAT_DEEPSEEK, CHAT_DEEPSEEK2,
    CHAT_DEEPSEEK3, CHAT_COMMAND_R, CHAT_LLAMA3,
    CHAT_UNSUPPORTED,   /* recognized by llama.cpp, not rendered here */
};

struct chat_msg {
    const char *role;      /* "system", "user" or "assistant" */
    const char *content;
};

/* The template a name ("chatml", "llama3", ...) or a jinja template text means,
 * in llama.cpp's order of tests; CHAT_UNKNOWN when nothing matches. */
enum chat_tmpl chat_detect(const char *tmpl, size_t len);
const char    *chat_name(enum chat_tmpl t);

/* Render msgs[0..n) (and the assistant's opening when add_ass) into buf, NUL
 * terminated. Returns the length, or -1 when t is not rendered here or cap is
 * too small. */
int64_t chat_render(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, bool add_ass, char *buf,
                    size_t cap);

/* The text msgs[n-1] adds to a conversation of msgs[0..n-1) (with the
 * assistant's opening after it): rendering of all n minus that of the first
 * n-1, keeping a newline the shorter one ends with (common_chat_format_single).
 * buf (cap bytes) receives it NUL terminated; scratch (cap bytes) is used for
 * the shorter rendering. Returns its length or -1. */
int64_t chat_render_turn(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, char *buf, char *scratch,
                         size_t cap);

#endif
