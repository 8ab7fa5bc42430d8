/* kernel/llm_cmd.h: the `llm` shell command's boot hook, and what its
 * subcommands in other files share. */
#ifndef KERNEL_LLM_CMD_H
#define KERNEL_LLM_CMD_H

#include <stddef.h>
#include <stdint.h>

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
/* The loaded model's path; NULL when none is loaded. */
const char *llm_cmd_model_path(void);
/* The loaded model's own session made (or remade) with o, even when an llm
 * session is current (bench and perplexity measure the model alone); NULL
 * after printing why, as llm_cmd_session. llm_cmd_close_model_session gives
 * its memory back (perplexity's, with all logits, is large). */
struct llm_session *llm_cmd_model_session(const struct llm_session_opts *o, const char *who);
void                llm_cmd_close_model_session(void);

/* argv[from..argc) joined with single spaces into a kmalloc'd string of
 * *len bytes (NUL-terminated); NULL when out of memory. */
char *llm_cmd_join_words(int argc, char **argv, int from, size_t *len);
/* LABEL then the n ids, space-separated, and a newline. */
void llm_cmd_print_ids(const char *label, const int32_t *ids, uint32_t n);

/* kernel/llm_tokenize_cmd.c: `llm tokenize ...` and `llm tokenize-cases ...`;
 * kernel/llm_bench_cmd.c: `llm bench ...` and `llm perplexity ...` (argv[1]
 * is the subcommand). */
int llm_cmd_tokenize(int argc, char **argv);
int llm_cmd_tokenize_cases(int argc, char **argv);
int llm_cmd_bench(int argc, char **argv);
int llm_cmd_perplexity(int argc, char **argv);

/* kernel/llm_session_cmd.c: `llm session ...` (argv[1] is "session"); the
 * current session (NULL: none, llm_cmd_session makes the model's own);
 * closing the sessions over m and their pool (before m goes). */
int                 llm_cmd_sessions(int argc, char **argv);
struct llm_session *llm_session_current(void);
void                llm_sessions_forget(const struct llm_model *m);

#endif
