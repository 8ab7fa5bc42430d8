/* kernel/llm_cmd.h: the `llm` shell command's boot hook. */
#ifndef KERNEL_LLM_CMD_H
#define KERNEL_LLM_CMD_H

/* Load the model named by the boot argument llm.model=PATH, if any. */
void llm_boot_load(void);

#endif
