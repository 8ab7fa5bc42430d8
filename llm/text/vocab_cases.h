/* llm/text/vocab_cases.h: llama.cpp's tokenizer test vectors. A .inp file holds
 * cases, each followed by a line "__ggml_vocab_test__"; its .out has one line
 * per case: the ids of tokenizing the case without special tokens, each after
 * a space. Public as llm_tokenize_cases (llm/llm.h): the host CLI's
 * --tokenize-cases and the kernel's `llm tokenize-cases`. */
#ifndef LLM_VOCAB_CASES_H
#define LLM_VOCAB_CASES_H
#include <stddef.h>
#include "llm/text/tokenizer.h"

/* Tokenize every case of inp[0..len) and pass each .out line (with its '\n')
 * to out. Returns the number of cases, or -1 when one could not be tokenized
 * (it reports which through out, as "error: ..." line). */
int vocab_cases_run(const struct tokenizer *t, const char *inp, size_t len,
                    void (*out)(void *ctx, const char *s, size_t n), void *ctx);

#endif
