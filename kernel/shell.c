/* kernel/shell.c: the console shell. Prompt "> "; a line is edited with
 * kernel/line_edit.c, split with lib/args.c, and its first word looked up in
 * the "shell_cmds" section that SHELL_COMMAND() fills (GNU ld provides
 * __start_shell_cmds/__stop_shell_cmds for it). Also the two commands that
 * belong to the shell itself: help and selftest.
 *
 * Status of a line: the command's return value; 1 for a malformed line
 * (unterminated quote, too many words, too long, not UTF-8); 127 for an unknown command. */
#include "kernel/shell.h"
#include "kernel/console.h"
#include "kernel/line_edit.h"
#include "lib/args.h"
#include "lib/selftest.h"
#include "lib/string.h"

#define SHELL_PROMPT   "> "
#define SHELL_MAX_ARGS 32

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static struct line_edit editor;     /* ~10 KB with its history: kept off the stack */

static const struct shell_cmd *shell_find(const char *name)
{
    for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int shell_exec_line(const char *line)
{
    char buf[LINE_EDIT_MAX + 1];
    char *argv[SHELL_MAX_ARGS + 1];
    if (strlcpy(buf, line, sizeof buf) >= sizeof buf) {
        kprintf("error: line too long (max %d bytes)\n", LINE_EDIT_MAX);
        return 1;
    }
    int argc = args_split(buf, argv, SHELL_MAX_ARGS + 1);
    if (argc < 0) {
        kprintf("error: %s\n", args_strerror(argc));
        return 1;
    }
    if (argc == 0)
        return 0;
    const struct shell_cmd *cmd = shell_find(argv[0]);
    if (!cmd) {
        kprintf("unknown command '%s' (try help)\n", argv[0]);
        return 127;
    }
    return cmd->fn(argc, argv);
}

enum line_edit_event shell_read_line(struct line_edit *le)
{
    for (;;) {
        int c = console_getc();
        if (c < 0)
            continue;
        enum line_edit_event ev = line_edit_feed(le, (uint8_t)c);
        console_write(le->out, le->out_len);
        if (ev != LINE_EDIT_NONE)
            return ev;
    }
}

void shell_run(void)
{
    line_edit_init(&editor);
    console_write(SHELL_PROMPT, sizeof SHELL_PROMPT - 1);
    for (;;) {
        enum line_edit_event ev = shell_read_line(&editor);
        if (ev == LINE_EDIT_DONE)
            shell_exec_line(editor.buf);
        else if (ev == LINE_EDIT_TOO_LONG)
            kprintf("error: line too long (max %d bytes)\n", LINE_EDIT_MAX);
        else if (ev == LINE_EDIT_BAD_UTF8)
            kprintf("error: line has bytes that are not UTF-8 (ignored)\n");
        console_write(SHELL_PROMPT, sizeof SHELL_PROMPT - 1);
    }
}

/* Every command, sorted by name: each pass prints the smallest name after the
 * last one printed (the table is small; no array to size). */
static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *last = NULL;
    for (;;) {
        const struct shell_cmd *next = NULL;
        for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
            if ((!last || strcmp(c->name, last) > 0) && (!next || strcmp(c->name, next->name) < 0))
                next = c;
        if (!next)
            return 0;
        kprintf("  %-10s %s\n", next->name, next->help);
        last = next->name;
    }
}
SHELL_COMMAND("help", "list the commands", cmd_help);

static void selftest_line(const char *line)
{
    kprintf("%s\n", line);
}

static int cmd_selftest(int argc, char **argv)
{
    if (argc > 2) {
        kprintf("usage: selftest [name-filter]\n");
        return 1;
    }
    return selftest_run(argc > 1 ? argv[1] : NULL, selftest_line);
}
SHELL_COMMAND("selftest", "run the built-in tests whose name contains the filter", cmd_selftest);
