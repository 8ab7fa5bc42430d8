/* llm/tokenizer.h: SentencePiece (tokenizer.ggml.model = "llama") as llama.cpp
 * runs it: dummy-prefix space, spaces as U+2581, merges by score, byte fallback
 * <0xXX>; and the detokenizer that joins byte pieces back into UTF-8. */
#ifndef LLM_TOKENIZER_H
#define LLM_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/gguf.h"

enum token_attr {   /* tokenizer.ggml.token_type values */
    TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3,
    TOKEN_USER_DEFINED = 4, TOKEN_UNUSED = 5, TOKEN_BYTE = 6,
};

struct tokenizer {
    uint32_t         n_vocab;
    struct gguf_str *pieces;     /* point into the model file */
    float           *scores;
    uint8_t         *types;      /* enum token_attr */
    int32_t          bos_id, eos_id, unk_id;  /* -1 when absent */
    bool             add_bos;
    bool             add_space_prefix;
    int32_t          byte_ids[256];           /* <0xXX> token per byte, -1 if absent */
    /* lookup index: piece -> id (open addressing, sized at init) */
    uint32_t        *hash_ids;
    uint32_t         hash_cap;
    void            *mem;        /* one llm_alloc block for all of the above */
    size_t           mem_bytes;
};

/* Read tokenizer.ggml.* from a parsed file. Fails with "unsupported tokenizer X"
 * for anything but "llama". */
int  tokenizer_init(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err);
void tokenizer_free(struct tokenizer *t);

/* Tokenize text[0..len) into ids (at most max_ids). add_bos prepends BOS.
 * Returns the number of ids, or -1 when max_ids is too small. */
int  tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, bool add_bos,
                      int32_t *ids, int max_ids);

/* The text of one token as llama.cpp's detokenizer prints it after `prev`
 * (control tokens give "", <0xXX> gives that byte, U+2581 gives ' ', and the
 * leading space of the first piece after BOS is dropped). Returns bytes written
 * into buf (<= cap, no NUL). */
int  tokenizer_decode(const struct tokenizer *t, int32_t prev, int32_t id, char *buf, int cap);

int32_t tokenizer_find(const struct tokenizer *t, const char *piece, size_t len);  /* -1 if absent */

#endif
