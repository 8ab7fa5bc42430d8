/* llm/error.h: one error message buffer passed down the load path, so every
 * failure can say what was wrong and where (key, tensor name, byte offset). */
#ifndef LLM_ERROR_H
#define LLM_ERROR_H

struct llm_err {
    char msg[256];
};

/* Format into e->msg (when e is not NULL); always returns -1 so callers can
 * write `return llm_errf(err, "tensor %s: ...", name);`. */
int llm_errf(struct llm_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
