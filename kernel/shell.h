/* kernel/shell.h: shell commands register themselves (as LK's STATIC_COMMAND):
 * SHELL_COMMAND() places a descriptor in the "shell_cmds" linker section, and
 * `help` lists the table. No central switch. */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#include "kernel/line_edit.h"

struct shell_cmd {
    const char *name;
    const char *help;                         /* one line */
    int       (*fn)(int argc, char **argv);   /* 0 = success */
};

#define SHELL_COMMAND(cname, chelp, cfn)                                       \
    static const struct shell_cmd shell_cmd_##cfn                              \
        __attribute__((used, section("shell_cmds"), aligned(8))) =             \
        { cname, chelp, cfn }

void shell_run(void);                         /* read-eval loop, never returns */
int  shell_exec_line(const char *line);       /* run one command line; its status */

/* Feed console input to le, echoing what it says to write, until a line
 * ends (LINE_EDIT_DONE: le->buf holds it) or is dropped (the event says why);
 * for the shell and for commands that read lines (llm chat). */
enum line_edit_event shell_read_line(struct line_edit *le);   /* never LINE_EDIT_NONE */

#endif
