/* llm/perplexity.c: llama.cpp's llama-perplexity over a text (see
 * llm/generate.h): chunks of n_ctx tokens from an empty cache, BOS in front,
 * the second half of each chunk scored against the next token. */
#include "llm/generate.h"
#include "llm/platform.h"
#include "lib/math.h"

/* -log softmax(logits)[tok], as perplexity.cpp's log_softmax: float max and
 * differences, exp summed in double. */
static double nll_of(const float *logits, uint32_t n, int32_t tok)
{
    float max = logits[0];
    for (uint32_t i = 1; i < n; i++)
        if (logits[i] > max)
            max = logits[i];
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        sum += (double)expf(logits[i] - max);
    return -((double)(logits[tok] - max) - log(sum));
}

/* One chunk: tokens[0..n_ctx) from an empty cache, scoring from `first`. */
static int score_chunk(struct session *s, int32_t *tokens, uint32_t first, double *nll,
                       uint32_t *count)
{
    const uint32_t n_ctx = s->cfg.n_ctx, n_vocab = s->m->hp.n_vocab;
    kv_cache_clear(&s->kv);
    for (uint32_t b0 = 0; b0 < n_ctx; b0 += s->cfg.n_batch) {
        uint32_t n = n_ctx - b0 < s->cfg.n_batch ? n_ctx - b0 : s->cfg.n_batch;
        if (forward(s->m, &s->fwd, &s->kv, tokens + b0, n, true))
            return -1;
        for (uint32_t t = 0; t < n; t++) {
            uint32_t pos = b0 + t;
            if (pos < first || pos + 1 >= n_ctx)
                continue;
            const float *lg = s->fwd.logits + (size_t)t * n_vocab;
            for (uint32_t i = 0; i < n_vocab; i++)
                if (!isfinite(lg[i]))
                    return -1;
            *nll += nll_of(lg, n_vocab, tokens[pos + 1]);
            (*count)++;
        }
    }
    return 0;
}

int perplexity(struct session *s, const char *text, size_t len, struct llm_perplexity *out,
               struct llm_err *err)
{
    const uint64_t t0 = llm_now_ns();
    const uint32_t n_ctx = s->cfg.n_ctx;
    if (!s->cfg.all_logits)
        return llm_errf(err, "perplexity needs a session made with all_logits");
    if (n_ctx < 4)
        return llm_errf(err, "perplexity needs a context of at least 4 tokens");
    if (len > ((size_t)1 << 26))
        return llm_errf(err, "perplexity text of %zu bytes is too long", len);
    size_t cap = len + 2, bytes = cap * sizeof(int32_t);
    int32_t *tokens = llm_alloc(bytes, 16);
    if (!tokens)
        return llm_errf(err, "out of memory for %zu tokens", cap);
    int n = tokenizer_encode(s->tok, text, len, s->tok->add_bos, tokens, (int)cap);
    uint32_t n_chunk = n > 0 ? (uint32_t)n / n_ctx : 0;
    if (n_chunk == 0) {
        llm_free(tokens, bytes);
        return llm_errf(err, "%d tokens make no full chunk of %u: need a longer text", n, n_ctx);
    }
    double nll = 0.0;
    uint32_t count = 0;
    int rc = 0;
    for (uint32_t c = 0; c < n_chunk && rc == 0; c++) {
        int32_t *chunk = tokens + (size_t)c * n_ctx;
        int32_t saved = chunk[0];
        if (s->tok->add_bos)
            chunk[0] = s->tok->bos_id;
        rc = score_chunk(s, chunk, n_ctx / 2, &nll, &count);
        chunk[0] = saved;
        if (llm_interrupted())
            rc = llm_errf(err, "interrupted after %u chunks", c + 1);
        else if (rc)
            llm_errf(err, "chunk %u: forward pass failed or gave non-finite logits", c);
    }
    llm_free(tokens, bytes);
    if (rc)
        return -1;
    out->ppl = exp(nll / count);
    out->n_scored = count;
    out->n_ctx = n_ctx;
    out->ns = llm_now_ns() - t0;
    return 0;
}
