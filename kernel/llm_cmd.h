/* kernel/llm_cmd.h: the `llm` shell command's boot hook, and what its
 * subcommands in other files share. */
#ifndef KERNEL_LLM_CMD_H
#define KERNEL_LLM_CMD_H

/* Load the model named by the boot argument llm.model=PATH, if any. */
void llm_boot_load(void);

/* For the llm subcommands in other files: the current llm session if one
 * is chosen, else the loaded model's session, made (or remade) with o; NULL
 * after printing why ("WHO: ...", or no model). */
struct llm_session;
struct llm_session_opts;
struct llm_session *llm_cmd_session(const struct llm_session_opts *o, const char *who);
/* `llm chat ...` (kernel/llm_chat_cmd.c); argv[1] is "chat". */
int llm_cmd_chat(int argc, char **argv);
/* The loaded model; NULL after printing that there is none. */
struct llm_model;
struct llm_model *llm_cmd_model(void);

/* kernel/llm_session_cmd.c: `llm session ...` (argv[1] is "session"); the
 * current session (NULL: none, llm_cmd_session makes the model's own);
 * closing the sessions over m and their pool (before m goes). */
int                 llm_cmd_sessions(int argc, char **argv);
struct llm_session *llm_session_current(void);
void                llm_sessions_forget(const struct llm_model *m);

#endif
