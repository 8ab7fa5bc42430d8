/* llm/text/chat.c: chat template detection and rendering (see llm/text/chat.h).
 * Each template is a rule over the messages, written from llama.cpp's
 * description of it (src/llama-chat.cpp at c392e50); chat_test.c checks the
 * results against llama.cpp's tests/test-chat-template.cpp expectations. */
#include "llm/text/chat.h"
#include "lib/string.h"

static const struct {
    const char    *name;
    enum chat_tmpl t;
} names[] = {
    { "chatml", CHAT_CHATML }, { "llama2", CHAT_LLAMA2 }, { "llama2-sys", CHAT_LLAMA2_SYS },
    { "llama2-sys-bos", CHAT_LLAMA2_SYS_BOS }, { "llama2-sys-strip", CHAT_LLAMA2_SYS_STRIP },
    { "mistral-v1", CHAT_MISTRAL_V1 }, { "mistral-v3", CHAT_MISTRAL_V3 },
    { "mistral-v3-tekken", CHAT_MISTRAL_V3_TEKKEN }, { "mistral-v7", CHAT_MISTRAL_V7 },
    { "phi3", CHAT_PHI3 }, { "phi4", CHAT_PHI4 }, { "falcon3", CHAT_FALCON3 }, { "zephyr", CHAT_ZEPHYR },
    { "monarch", CHAT_MONARCH }, { "gemma", CHAT_GEMMA }, { "orion", CHAT_ORION },
    { "openchat", CHAT_OPENCHAT }, { "vicuna", CHAT_VICUNA }, { "vicuna-orca", CHAT_VICUNA_ORCA },
    { "deepseek", CHAT_DEEPSEEK }, { "deepseek2", CHAT_DEEPSEEK2 }, { "deepseek3", CHAT_DEEPSEEK3 },
    { "command-r", CHAT_COMMAND_R }, { "llama3", CHAT_LLAMA3 },
};

#define DS_EOS "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"   /* <｜end▁of▁sentence｜> */
#define DS_USER "<\xef\xbd\x9cUser\xef\xbd\x9c>"
#define DS_ASSISTANT "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"

const char *chat_name(enum chat_tmpl t)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].t == t)
            return names[i].name;
    return t == CHAT_UNSUPPORTED ? "unsupported" : "unknown";
}

/* memmem over the template text (not NUL terminated: it points into the file). */
static bool has(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (s[i] == needle[0] && memcmp(s + i, needle, n) == 0)
            return true;
    return false;
}

static enum chat_tmpl detect_mistral_llama2(const char *s, size_t n)
{
    if (has(s, n, "[SYSTEM_PROMPT]"))
        return CHAT_MISTRAL_V7;
    if (has(s, n, "' [INST] ' + system_message") || has(s, n, "[AVAILABLE_TOOLS]")) {
        if (has(s, n, " [INST]"))
            return CHAT_MISTRAL_V1;
        return has(s, n, "\"[INST]\"") ? CHAT_MISTRAL_V3_TEKKEN : CHAT_MISTRAL_V3;
    }
    if (has(s, n, "content.strip()"))
        return CHAT_LLAMA2_SYS_STRIP;
    if (has(s, n, "bos_token + '[INST]"))
        return CHAT_LLAMA2_SYS_BOS;
    return has(s, n, "<<SYS>>") ? CHAT_LLAMA2_SYS : CHAT_LLAMA2;
}

enum chat_tmpl chat_detect(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
            return names[i].t;
    if (has(s, n, "<|im_start|>"))
        return has(s, n, "<|im_sep|>") ? CHAT_PHI4 : CHAT_CHATML;
    if ((n >= 7 && memcmp(s, "mistral", 7) == 0) || has(s, n, "[INST]"))
        return detect_mistral_llama2(s, n);
    if (has(s, n, "<|assistant|>") && has(s, n, "<|end|>"))
        return CHAT_PHI3;
    if (has(s, n, "<|assistant|>") && has(s, n, "<|user|>"))
        return has(s, n, "</s>") ? CHAT_FALCON3 : CHAT_UNSUPPORTED;   /* glmedge */
    if (has(s, n, "<|user|>") && has(s, n, "<|endoftext|>"))
        return CHAT_ZEPHYR;
    if (has(s, n, "bos_token + message['role']"))
        return CHAT_MONARCH;
    if (has(s, n, "<start_of_turn>"))
        return CHAT_GEMMA;
    if (has(s, n, "'\\n\\nAssistant: ' + eos_token"))
        return CHAT_ORION;
    if (has(s, n, "GPT4 Correct "))
        return CHAT_OPENCHAT;
    if (has(s, n, "USER: ") && has(s, n, "ASSISTANT: "))
        return has(s, n, "SYSTEM: ") ? CHAT_VICUNA_ORCA : CHAT_VICUNA;
    if (has(s, n, "### Instruction:") && has(s, n, "<|EOT|>"))
        return CHAT_DEEPSEEK;
    if (has(s, n, "<|START_OF_TURN_TOKEN|>") && has(s, n, "<|USER_TOKEN|>"))
        return CHAT_COMMAND_R;
    if (has(s, n, "<|start_header_id|>") && has(s, n, "<|end_header_id|>"))
        return CHAT_LLAMA3;
    if (has(s, n, "[gMASK]sop") || has(s, n, "[gMASK]<sop>") || has(s, n, "<\xe7\x94\xa8\xe6\x88\xb7>"))
        return CHAT_UNSUPPORTED;   /* chatglm3, chatglm4, minicpm */
    if (has(s, n, "'Assistant: ' + message['content'] + eos_token"))
        return CHAT_DEEPSEEK2;
    if (has(s, n, DS_ASSISTANT) && has(s, n, DS_USER) && has(s, n, DS_EOS))
        return CHAT_DEEPSEEK3;
    if (has(s, n, "[|system|]") || has(s, n, "rwkv-world") || has(s, n, "<|start_of_role|>") ||
        has(s, n, "additional_special_tokens[0] + message['content']") || has(s, n, "<|role_start|>"))
        return CHAT_UNSUPPORTED;   /* exaone3, rwkv-world, granite, gigachat, megrez */
    return CHAT_UNKNOWN;
}

/* ------------------------------------------------------------- rendering */

struct out {
    char  *buf;
    size_t len, cap;
    bool   overflow;
};

static void put_n(struct out *o, const char *s, size_t n)
{
    if (o->overflow || n >= o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

static void put(struct out *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void put_trimmed(struct out *o, const char *s)
{
    size_t b = 0, e = strlen(s);
    while (b < e && is_space(s[b]))
        b++;
    while (e > b && is_space(s[e - 1]))
        e--;
    put_n(o, s + b, e - b);
}

static bool is_role(const struct chat_msg *m, const char *role)
{
    return strcmp(m->role, role) == 0;
}

static void put_content(struct out *o, const char *s, bool trim)
{
    if (trim)
        put_trimmed(o, s);
    else
        put(o, s);
}

/* [INST] blocks: llama2 and its variants (the first [INST] without BOS, the
 * system message inside it), mistral v1/v3/v3-tekken (spaces differ). */
static void render_inst(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, struct out *o)
{
    const bool llama2 = t <= CHAT_LLAMA2_SYS_STRIP, strip = t == CHAT_LLAMA2_SYS_STRIP;
    const char *lead = t == CHAT_MISTRAL_V1 ? " " : "", *trail = t == CHAT_MISTRAL_V3_TEKKEN ? "" : " ";
    bool inside = llama2;
    if (llama2)
        put(o, "[INST] ");
    for (uint32_t i = 0; i < n; i++) {
        const struct chat_msg *m = &msgs[i];
        if (!inside && llama2)
            put(o, t == CHAT_LLAMA2_SYS_BOS ? "<s>[INST] " : "[INST] ");
        else if (!inside)
            put(o, lead), put(o, "[INST]"), put(o, trail);
        inside = true;
        if (is_role(m, "system") && llama2 && t != CHAT_LLAMA2) {
            put(o, "<<SYS>>\n"), put_content(o, m->content, strip), put(o, "\n<</SYS>>\n\n");
        } else if (is_role(m, "system")) {
            put_content(o, m->content, strip), put(o, llama2 ? "\n" : "\n\n");
        } else if (is_role(m, "user")) {
            put_content(o, m->content, strip), put(o, llama2 ? " " : lead), put(o, "[/INST]");
        } else {
            put(o, llama2 ? "" : trail), put_content(o, m->content, strip || t == CHAT_MISTRAL_V3), put(o, "</s>");
            inside = false;
        }
    }
}

/* Templates that are one line per role: prefix + content + suffix. */
static void render_simple(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, bool add_ass, struct out *o)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct chat_msg *m = &msgs[i];
        switch (t) {
        case CHAT_CHATML:
            put(o, "<|im_start|>"), put(o, m->role), put(o, "\n"), put(o, m->content), put(o, "<|im_end|>\n");
            break;
        case CHAT_PHI4:
            put(o, "<|im_start|>"), put(o, m->role), put(o, "<|im_sep|>"), put(o, m->content), put(o, "<|im_end|>");
            break;
        case CHAT_PHI3:
        case CHAT_FALCON3:
        case CHAT_ZEPHYR:
            put(o, "<|"), put(o, m->role), put(o, "|>\n"), put(o, m->content);
            put(o, t == CHAT_PHI3 ? "<|end|>\n" : t == CHAT_ZEPHYR ? "<|endoftext|>\n" : "\n");
            break;
        case CHAT_MONARCH:
            put(o, i ? "<s>" : ""), put(o, m->role), put(o, "\n"), put(o, m->content), put(o, "</s>\n");
            break;
        case CHAT_LLAMA3:
            put(o, "<|start_header_id|>"), put(o, m->role), put(o, "<|end_header_id|>\n\n");
            put_trimmed(o, m->content), put(o, "<|eot_id|>");
            break;
        case CHAT_MISTRAL_V7:
            put(o, is_role(m, "system") ? "[SYSTEM_PROMPT] " : is_role(m, "user") ? "[INST] " : " ");
            put(o, m->content);
            put(o, is_role(m, "system") ? "[/SYSTEM_PROMPT]" : is_role(m, "user") ? "[/INST]" : "</s>");
            break;
        case CHAT_OPENCHAT:
            if (!is_role(m, "system"))
                put(o, is_role(m, "user") ? "GPT4 Correct User: " : "GPT4 Correct Assistant: ");
            put(o, m->content), put(o, "<|end_of_turn|>");
            break;
        case CHAT_VICUNA:
        case CHAT_VICUNA_ORCA:
            if (is_role(m, "system"))
                put(o, t == CHAT_VICUNA_ORCA ? "SYSTEM: " : ""), put(o, m->content),
                    put(o, t == CHAT_VICUNA_ORCA ? "\n" : "\n\n");
            else if (is_role(m, "user"))
                put(o, "USER: "), put(o, m->content), put(o, "\n");
            else
                put(o, "ASSISTANT: "), put(o, m->content), put(o, "</s>\n");
            break;
        case CHAT_DEEPSEEK:
            if (is_role(m, "system"))
                put(o, m->content);
            else if (is_role(m, "user"))
                put(o, "### Instruction:\n"), put(o, m->content), put(o, "\n");
            else
                put(o, "### Response:\n"), put(o, m->content), put(o, "\n<|EOT|>\n");
            break;
        case CHAT_DEEPSEEK2:
        case CHAT_DEEPSEEK3:
            if (is_role(m, "system"))
                put(o, m->content), put(o, "\n\n");
            else if (is_role(m, "user"))
                put(o, t == CHAT_DEEPSEEK2 ? "User: " : DS_USER), put(o, m->content),
                    put(o, t == CHAT_DEEPSEEK2 ? "\n\n" : "");
            else
                put(o, t == CHAT_DEEPSEEK2 ? "Assistant: " : DS_ASSISTANT), put(o, m->content), put(o, DS_EOS);
            break;
        default:   /* CHAT_COMMAND_R */
            put(o, "<|START_OF_TURN_TOKEN|>");
            put(o, is_role(m, "system") ? "<|SYSTEM_TOKEN|>" : is_role(m, "user") ? "<|USER_TOKEN|>"
                                                                                  : "<|CHATBOT_TOKEN|>");
            put_trimmed(o, m->content), put(o, "<|END_OF_TURN_TOKEN|>");
            break;
        }
    }
    if (!add_ass)
        return;
    static const struct {
        enum chat_tmpl t;
        const char    *s;
    } opening[] = {
        { CHAT_CHATML, "<|im_start|>assistant\n" }, { CHAT_PHI4, "<|im_start|>assistant<|im_sep|>" },
        { CHAT_PHI3, "<|assistant|>\n" }, { CHAT_FALCON3, "<|assistant|>\n" }, { CHAT_ZEPHYR, "<|assistant|>\n" },
        { CHAT_MONARCH, "<s>assistant\n" }, { CHAT_LLAMA3, "<|start_header_id|>assistant<|end_header_id|>\n\n" },
        { CHAT_OPENCHAT, "GPT4 Correct Assistant:" }, { CHAT_VICUNA, "ASSISTANT:" },
        { CHAT_VICUNA_ORCA, "ASSISTANT:" }, { CHAT_DEEPSEEK, "### Response:\n" },
        { CHAT_DEEPSEEK2, "Assistant:" }, { CHAT_DEEPSEEK3, DS_ASSISTANT },
        { CHAT_COMMAND_R, "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>" },
    };
    for (size_t i = 0; i < sizeof opening / sizeof opening[0]; i++)
        if (opening[i].t == t)
            put(o, opening[i].s);
}

/* gemma and orion have no system role: it is merged into the next user turn. */
static void render_merged_system(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, bool add_ass,
                                 struct out *o)
{
    const char *sys = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const struct chat_msg *m = &msgs[i];
        if (is_role(m, "system")) {
            sys = m->content;
            continue;
        }
        const bool user = is_role(m, "user");
        if (t == CHAT_GEMMA) {
            put(o, user ? "<start_of_turn>user\n" : "<start_of_turn>model\n");
            if (sys && *sys && user)
                put_trimmed(o, sys), put(o, "\n\n"), sys = NULL;
            put_trimmed(o, m->content), put(o, "<end_of_turn>\n");
        } else if (user) {
            put(o, "Human: ");
            if (sys && *sys)
                put(o, sys), put(o, "\n\n"), sys = NULL;
            put(o, m->content), put(o, "\n\nAssistant: </s>");
        } else {
            put(o, m->content), put(o, "</s>");
        }
    }
    if (add_ass && t == CHAT_GEMMA)
        put(o, "<start_of_turn>model\n");
}

int64_t chat_render(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, bool add_ass, char *buf,
                    size_t cap)
{
    struct out o = { .buf = buf, .cap = cap, .overflow = cap == 0 };
    if (cap)
        buf[0] = 0;
    if (t == CHAT_UNKNOWN || t == CHAT_UNSUPPORTED)
        return -1;
    if (t >= CHAT_LLAMA2 && t <= CHAT_MISTRAL_V3_TEKKEN)
        render_inst(t, msgs, n, &o);
    else if (t == CHAT_GEMMA || t == CHAT_ORION)
        render_merged_system(t, msgs, n, add_ass, &o);
    else
        render_simple(t, msgs, n, add_ass, &o);
    return o.overflow ? -1 : (int64_t)o.len;
}

int64_t chat_render_turn(enum chat_tmpl t, const struct chat_msg *msgs, uint32_t n, char *buf, char *scratch,
                         size_t cap)
{
    const bool add_ass = n > 0 && is_role(&msgs[n - 1], "user");
    int64_t past = n > 1 ? chat_render(t, msgs, n - 1, false, scratch, cap) : 0;
    if (past < 0 || n == 0)
        return -1;
    const bool nl = add_ass && past > 0 && scratch[past - 1] == '\n';
    int64_t all = chat_render(t, msgs, n, add_ass, buf, cap);
    if (all < past || (nl && (size_t)(all - past) + 2 > cap))
        return -1;
    memmove(buf + nl, buf + past, (size_t)(all - past) + 1);
    if (nl)
        buf[0] = '\n';
    return all - past + nl;
}
