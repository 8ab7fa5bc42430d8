/* llm/text/tokenizer_impl.h: what the tokenizer's files share and nothing else
 * needs: the id output of an encoder and the per-model entry points. */
#ifndef LLM_TOKENIZER_IMPL_H
#define LLM_TOKENIZER_IMPL_H
#include "llm/text/tokenizer.h"

/* Scratch that lives through one tokenizer_encode call, so a text split into
 * many fragments (at user tokens) costs one allocation, not one per fragment. */
struct tok_scratch {
    void  *p;
    size_t bytes;
};

struct tok_out {
    int32_t           *ids;
    int                n, max;
    struct tok_scratch sc[2];     /* [0]: the fragment's, [1]: per word (BPE) */
};

/* At least bytes of scratch (16-aligned, not zeroed), or NULL. */
void *tok_scratch_get(struct tok_scratch *s, size_t bytes);

static inline bool tok_emit(struct tok_out *o, int32_t id)
{
    if (o->n >= o->max)
        return false;
    o->ids[o->n++] = id;
    return true;
}

/* Read tokenizer.ggml.merges into t->merges / merge_hash (tokenizer_bpe.c). */
int  bpe_load_merges(struct tokenizer *t, const struct gguf_file *f, struct llm_err *err);
/* Rank of the merge "left right", -1 if there is none. */
int32_t bpe_merge_rank(const struct tokenizer *t, const char *left, uint32_t ll, const char *right,
                       uint32_t rl);
/* Encode one fragment of raw text (no user-defined tokens in it); false when
 * out holds too few ids or scratch memory could not be had. */
bool bpe_encode_fragment(const struct tokenizer *t, const char *text, uint32_t len, struct tok_out *o);
bool wpm_encode_fragment(const struct tokenizer *t, const char *text, uint32_t len, struct tok_out *o);

/* Merge the symbols of buf[0..len) (UTF-8 characters at first) by the pair
 * score of the model (SPM: the token's score; BPE: the merge rank, lowest
 * first) and emit them (tokenizer_encode.c). scratch: tok_merge_scratch_bytes(len)
 * bytes, 16-aligned. */
size_t tok_merge_scratch_bytes(uint32_t len);
bool   tok_merge_emit(const struct tokenizer *t, const char *buf, uint32_t len, void *scratch,
                      struct tok_out *o);

#endif
