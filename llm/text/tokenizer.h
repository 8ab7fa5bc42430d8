/* llm/text/tokenizer.h: the three tokenizers of llama.cpp, chosen by
 * tokenizer.ggml.model:
 *  - "llama": SentencePiece (SPM): dummy-prefix space, spaces as U+2581, merges
 *    by score, byte fallback <0xXX> (tokenizer_encode.c);
 *  - "gpt2": byte-level BPE: a pre-tokenizer (tokenizer.ggml.pre, pretok.c)
 *    cuts the text into words, bytes become GPT-2's printable code points, and
 *    tokenizer.ggml.merges merge by rank (tokenizer_bpe.c);
 *  - "bert": WordPiece (WPM): lower-cased, accents' base letters, punctuation
 *    split off, longest match first (tokenizer_wpm.c);
 * and the detokenizer that turns a token back into bytes (tokenizer.c). */
#ifndef LLM_TOKENIZER_H
#define LLM_TOKENIZER_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/gguf/gguf.h"

enum token_attr {   /* tokenizer.ggml.token_type values */
    TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3,
    TOKEN_USER_DEFINED = 4, TOKEN_UNUSED = 5, TOKEN_BYTE = 6,
};

enum tok_model { TOK_SPM, TOK_BPE, TOK_WPM };

struct tokenizer {
    uint8_t          model;      /* enum tok_model */
    uint8_t          pre;        /* enum pretok (BPE) */
    bool             ignore_merges;           /* BPE: a word that is a token stays whole (Llama 3) */
    uint32_t         n_vocab;
    struct gguf_str *pieces;     /* point into the model file */
    float           *scores;
    uint8_t         *types;      /* enum token_attr */
    int32_t          bos_id, eos_id, unk_id;  /* -1 when absent */
    int32_t          sep_id;                  /* WPM's [SEP], added after the text */
    bool             add_bos, add_eos;
    bool             add_space_prefix;
    int32_t          byte_ids[256];           /* <0xXX> token per byte, -1 if absent */
    uint32_t         max_piece;               /* longest piece in bytes: decode never needs more */
    /* USER_DEFINED tokens, longest first: llama.cpp splits them out of the text
     * even when special tokens are not parsed; Phi-3 also drops the whitespace
     * after them (rstrip_user). */
    int32_t         *user_ids;
    uint32_t         n_user;
    bool             rstrip_user;
    /* CONTROL, USER_DEFINED and UNKNOWN ids in the same order: llama.cpp's
     * special-token cache, all of which parse_special splits out */
    int32_t         *special_ids;
    uint32_t         n_special;
    /* lookup index: piece -> id (open addressing, sized at init) */
    uint32_t        *hash_ids;
    uint32_t         hash_cap;
    void            *mem;        /* one llm_alloc block for all of the above */
    size_t           mem_bytes;
    /* BPE merges "left right", rank = index (a repeated merge keeps its first
     * rank); split = offset of the space; merge_hash: rank by string. */
    struct gguf_str *merges;
    uint32_t        *merge_split;
    uint32_t        *merge_hash;
    uint32_t         n_merges, merge_cap, max_merge;
    void            *merge_mem;
    size_t           merge_mem_bytes;
};

/* Read tokenizer.ggml.* from a parsed file. Fails with "unsupported tokenizer X"
 * for a model other than llama, gpt2, bert, and on an unknown pre-tokenizer. */
int  tokenizer_init(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err);
void tokenizer_free(struct tokenizer *t);

/* Tokenize text[0..len) into ids (at most max_ids) as llama_tokenize with
 * parse_special = false; add_special adds what the vocabulary asks for
 * (add_bos: BOS first; add_eos: EOS last; WPM: [SEP] last). Takes scratch of
 * 65-300 bytes per input byte (llm_alloc, freed before returning). Returns the
 * number of ids, or -1 when max_ids is too small, len > 64 MiB or the scratch
 * could not be had. */
int  tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, bool add_special,
                      int32_t *ids, int max_ids);
/* The same with parse_special (llama_tokenize's): the text of any special
 * token (CONTROL, USER_DEFINED or UNKNOWN, e.g. <|im_start|>, <s>) becomes
 * that token, as llama-cli tokenizes a rendered chat. */
int  tokenizer_encode_special(const struct tokenizer *t, const char *text, size_t len, bool add_special,
                              bool parse_special, int32_t *ids, int max_ids);

/* The bytes llama_detokenize produces for `id` when it follows `prev` (prev < 0:
 * id is the first token of the text). As llama_token_to_piece with special =
 * false: control and unknown tokens give "", user-defined ones their text;
 * SPM/WPM: <0xXX> gives that byte, U+2581 gives ' '; BPE: each code point of a
 * normal piece gives the byte GPT-2's map stands it for (so a character may
 * come in two tokens: streams hold it back: llm_utf8_stream in llm/llm.h). The one
 * leading space is dropped only for the first token (prev < 0) when
 * add_space_prefix is set; after BOS it is kept, as llama.cpp keeps it (so
 * prompt pieces read "", " Once", " upon"...). Returns bytes written into buf,
 * truncated to cap (cap >= t->max_piece suffices but for BPE pieces that are
 * not GPT-2 stand-ins, which llama.cpp spells out as "[UNK_BYTE_0x..."), no NUL. */
int  tokenizer_decode(const struct tokenizer *t, int32_t prev, int32_t id, char *buf, int cap);

int32_t tokenizer_find(const struct tokenizer *t, const char *piece, size_t len);  /* -1 if absent */
/* The same with the piece's hash already computed (tokenizer_hash from TOKENIZER_HASH0). */
int32_t tokenizer_find_hashed(const struct tokenizer *t, const char *piece, size_t len, uint32_t h);

#define TOKENIZER_HASH0 2166136261u               /* FNV-1a */
static inline uint32_t tokenizer_hash(uint32_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

#endif
