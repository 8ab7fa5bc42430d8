/* kernel/llm_cmd.h: the `llm` shell command's boot hook, and what its
 * subcommands in other files share. */
#ifndef KERNEL_LLM_CMD_H
#define KERNEL_LLM_CMD_H

/* Load the model named by the boot argument llm.model=PATH, if any. */
void llm_boot_load(void);

/* For the llm subcommands in other files: the loaded model's session, made
 * (or remade) with o; NULL after printing why ("WHO: ...", or no model). */
struct llm_session;
struct llm_session_opts;
struct llm_session *llm_cmd_session(const struct llm_session_opts *o, const char *who);
/* `llm chat ...` (kernel/llm_chat_cmd.c); argv[1] is "chat". */
int llm_cmd_chat(int argc, char **argv);

#endif
