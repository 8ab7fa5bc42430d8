/* kernel/llm_chat_cmd.c: `llm chat`, a conversation on the loaded model
 * (kernel/llm_cmd.c owns the model and its session): each line read is a
 * user turn, the reply streams and the KV cache keeps the conversation, so a
 * turn processes only its new tokens (llm_chat_turn in llm/llm.h). */
#include "kernel/llm_cmd.h"
#include "kernel/console.h"
#include "kernel/line_edit.h"
#include "kernel/shell.h"
#include "lib/string.h"
#include "llm/llm.h"

/* llm chat [--system TEXT] [--template NAME] [flags of infer]: each line read
 * is a user turn; the reply streams, then the stats line, whose prompt count
 * is the turn's new tokens only (llm/chat_session.h). /reset, /exit. */
static struct line_edit chat_editor;   /* ~10 KB with its history: off the stack */

static const char *chat_read_line(void)
{
    if (shell_read_line(&chat_editor) == LINE_EDIT_DONE)
        return chat_editor.buf;
    return "";   /* Ctrl-C, too long, bad UTF-8: nothing to say */
}

static void chat_loop(struct llm_chat *c, const struct llm_request *req)
{
    for (;;) {
        console_write("you> ", 5);
        const char *line = chat_read_line();
        if (strcmp(line, "/exit") == 0)
            return;
        if (strcmp(line, "/reset") == 0) {
            llm_chat_reset(c);
            kprintf("[llm] conversation reset\n");
            continue;
        }
        if (!line[0])
            continue;
        struct llm_stats st;
        struct llm_err err = {{0}};
        int rc = llm_chat_turn(c, line, req, NULL, &st, &err);
        kprintf("\n");
        char stats[256];
        if (rc)
            kprintf("llm chat: %s\n", err.msg);
        else if (llm_format_stats(&st, stats, sizeof stats) > 0)
            kprintf("[llm] %s%s\n", stats, st.stop == LLM_STOP_INTERRUPTED ? " | interrupted (Ctrl-C)" : "");
    }
}

int llm_cmd_chat(int argc, char **argv)
{
    struct llm_gen_opts o;
    struct llm_err err = {{0}};
    const char *system = NULL, *tmpl_name = NULL;
    llm_default_gen_opts(&o, 128);
    for (int i = 2; i < argc;) {
        const bool sys = strcmp(argv[i], "--system") == 0;
        if ((sys || strcmp(argv[i], "--template") == 0) && i + 1 < argc) {
            *(sys ? &system : &tmpl_name) = argv[i + 1];
            i += 2;
            continue;
        }
        int r = llm_parse_gen_flag(argc, argv, &i, &o, &err);
        if (r <= 0) {
            kprintf("llm chat: %s\n", r < 0 ? err.msg : "unknown option (see llm help)");
            return 1;
        }
    }
    const struct llm_session_opts so = { .n_ctx = o.n_ctx, .n_batch = o.n_batch, .kv_type = o.kv_type };
    struct llm_session *s = llm_cmd_session(&so, "llm chat");
    if (!s)
        return 1;
    struct llm_chat *c;
    if (llm_chat_open(&c, s, tmpl_name, system, &err)) {
        kprintf("llm chat: %s\n", err.msg);
        return 1;
    }
    kprintf("llm chat: template %s; a line is a turn, /reset forgets, /exit leaves\n", llm_chat_template_name(c));
    struct llm_request req = { .n_predict = o.n_predict, .ignore_eos = o.ignore_eos, .sp = o.sp,
                               .no_ctx_shift = o.no_ctx_shift };
    line_edit_init(&chat_editor);
    chat_loop(c, &req);
    llm_chat_close(c);
    return 0;
}
