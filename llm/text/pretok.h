/* llm/text/pretok.h: the pre-tokenizers of byte-level BPE vocabularies
 * (tokenizer.ggml.pre): text, as code points, is cut into words before BPE
 * merges run inside each word. llama.cpp runs a list of regexes per
 * pre-tokenizer, each splitting the pieces the previous one left; here each
 * regex is a hand-written matcher of linear time (pretok.c). */
#ifndef LLM_PRETOK_H
#define LLM_PRETOK_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

enum pretok {
    PRETOK_DEFAULT, PRETOK_GPT2, PRETOK_LLAMA3, PRETOK_QWEN2, PRETOK_STARCODER,
    PRETOK_FALCON, PRETOK_DEEPSEEK_LLM, PRETOK_DEEPSEEK_CODER,
};

/* The pre-tokenizer a tokenizer.ggml.pre name selects (as llama.cpp's
 * llama_vocab::load); -1 for a name it does not know. */
int pretok_from_name(const char *name, size_t len);

/* Split cpts[0..n) (flags[i] = uc_flags(cpts[i])) into words: writes the end
 * offset of each word, in order, to ends and returns their count (<= n).
 * tmp: scratch of n entries. */
uint32_t pretok_split(enum pretok p, const uint32_t *cpts, const uint16_t *flags, uint32_t n,
                      uint32_t *ends, uint32_t *tmp);

#endif
