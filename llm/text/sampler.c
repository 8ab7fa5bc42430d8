/* llm/text/sampler.c: next-token choice as llama.cpp's default sampler chain
 * (common/sampling.cpp at the reference commit, with typical-p, XTC, DRY off):
 *   repetition penalty -> top-k -> top-p -> min-p -> temperature -> draw,
 * or greedy argmax when temp <= 0. The draw uses lib/rand.h's splitmix64
 * rather than llama.cpp's mt19937 + std::discrete_distribution: the same seed
 * gives the same text on every build of this engine (integer state, one exact
 * float product for the target), not llama.cpp's text. */
#include <stdbool.h>
#include "llm/text/sampler.h"
#include "llm/platform.h"
#include "lib/math.h"
#include "lib/rand.h"
#include "lib/string.h"

void llm_default_sampling(struct llm_sampling *p)
{
    p->temp = 0.8f;
    p->top_k = 40;
    p->top_p = 0.95f;
    p->min_p = 0.05f;
    p->repeat_penalty = 1.0f;        /* llama.cpp's penalty_repeat default: off */
    p->repeat_last_n = 64;
    p->seed = 0xffffffffu;           /* LLAMA_DEFAULT_SEED; here it is just a seed */
}

int sampler_init(struct sampler *s, const struct llm_sampling *p, uint32_t n_vocab, struct arena *a)
{
    s->p = *p;
    s->n_vocab = n_vocab;
    s->n_recent = s->recent_pos = 0;
    if (s->p.repeat_last_n < 0)
        s->p.repeat_last_n = 0;
    s->rng = p->seed;
    s->probs = arena_alloc(a, (size_t)n_vocab * sizeof *s->probs, 16);
    s->idx = arena_alloc(a, (size_t)n_vocab * sizeof *s->idx, 16);
    int32_t n = s->p.repeat_last_n;
    s->recent = n ? arena_alloc(a, (size_t)n * sizeof *s->recent, 16) : NULL;
    return n_vocab > 0 && s->probs && s->idx && (s->recent || !n) ? 0 : -1;
}

void sampler_accept(struct sampler *s, int32_t id)
{
    int32_t n = s->p.repeat_last_n;
    if (n == 0 || id < 0 || (uint32_t)id >= s->n_vocab)
        return;
    s->recent[s->recent_pos] = id;
    s->recent_pos = (s->recent_pos + 1) % n;
    if (s->n_recent < n)
        s->n_recent++;
}

/* The first id of the largest non-NaN logit (0 when all are NaN), four
 * lanes at a time (GCC vector extensions: NEON on arm64, SSE on x86), in
 * chunks spread over llm_parallel_for: greedy decoding scans the whole
 * vocabulary for every token. Logits are compared as integer keys: IEEE
 * magnitudes order as integers, so a negative one is negated (-0 and +0 both
 * give 0, as they compare equal) and NaN (or the skipped id) becomes
 * INT32_MIN, below -inf; integer lanes also stay cheap under TCG, where every
 * float compare is a helper call. Each lane keeps its first maximum (strictly
 * greater replaces), then ties go to the lowest id: across lanes, then chunks. */
typedef int32_t i32x4 __attribute__((vector_size(16)));

#define SCAN_CHUNK_MIN 4096
#define SCAN_MAX_PARTS 64

struct scan_part {
    int32_t key, at;
    bool    finite;
};

struct scan_job {
    const float     *logits;
    uint32_t         n, chunk;
    int32_t          skip;
    struct scan_part part[SCAN_MAX_PARTS];
};

static int32_t logit_key(int32_t bits, bool skipped)
{
    int32_t mag = bits & 0x7fffffff, sign = bits >> 31;
    return mag > 0x7f800000 || skipped ? INT32_MIN : (mag ^ sign) - sign;
}

/* Take lane or element (key, at) over the best so far (ties: the lower id). */
static void scan_take(struct scan_part *p, int32_t key, int32_t at)
{
    if (key > p->key || (key == p->key && at < p->at)) {
        p->key = key;
        p->at = at;
    }
}

static void scan_chunk(int c, void *arg)
{
    struct scan_job *j = arg;
    const uint32_t i0 = (uint32_t)c * j->chunk, i1 = i0 + j->chunk < j->n ? i0 + j->chunk : j->n;
    const int32_t b0 = (int32_t)i0;
    i32x4 best = { INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN }, at = { b0, b0, b0, b0 };
    i32x4 id = { b0, b0 + 1, b0 + 2, b0 + 3 }, bad = { 0, 0, 0, 0 };
    uint32_t i = i0;
    for (; i + 4 <= i1; i += 4, id += 4) {
        i32x4 b;
        memcpy(&b, j->logits + i, sizeof b);
        i32x4 mag = b & 0x7fffffff, sign = b >> 31;
        bad |= mag > 0x7f7fffff;                       /* inf or NaN */
        i32x4 low = (mag > 0x7f800000) | (id == j->skip);  /* NaN or skipped: never chosen */
        i32x4 key = (((mag ^ sign) - sign) & ~low) | (INT32_MIN & low);
        i32x4 gt = key > best;
        best = (key & gt) | (best & ~gt);
        at = (id & gt) | (at & ~gt);
    }
    struct scan_part p = { .key = INT32_MIN, .at = INT32_MAX, .finite = !(bad[0] | bad[1] | bad[2] | bad[3]) };
    for (int l = 0; l < 4; l++)
        if (best[l] != INT32_MIN)
            scan_take(&p, best[l], at[l]);
    for (; i < i1; i++) {
        int32_t b;
        memcpy(&b, j->logits + i, sizeof b);
        p.finite &= (b & 0x7fffffff) <= 0x7f7fffff;
        const int32_t key = logit_key(b, (int32_t)i == j->skip);
        if (key > p.key) {
            p.key = key;
            p.at = (int32_t)i;
        }
    }
    j->part[c] = p;
}

struct sampler_scan sampler_scan(const float *logits, uint32_t n, int32_t skip)
{
    uint32_t chunk = (n + SCAN_MAX_PARTS - 1) / SCAN_MAX_PARTS;
    chunk = chunk < SCAN_CHUNK_MIN ? SCAN_CHUNK_MIN : (chunk + 3) & ~3u;
    struct scan_job j = { .logits = logits, .n = n, .chunk = chunk, .skip = skip };
    const int parts = n ? (int)((n + chunk - 1) / chunk) : 0;
    llm_parallel_for(parts, scan_chunk, &j);
    struct sampler_scan r = { .finite = true, .argmax = 0 };
    struct scan_part best = { .key = INT32_MIN, .at = 0 };
    for (int c = 0; c < parts; c++) {
        r.finite &= j.part[c].finite;
        if (j.part[c].key > best.key)   /* strictly: an earlier chunk keeps a tie */
            best = j.part[c];
    }
    r.argmax = best.at;
    return r;
}

int32_t sampler_argmax(const float *logits, uint32_t n)
{
    return sampler_scan(logits, n, -1).argmax;
}

bool sampler_greedy(const struct sampler *s)
{
    return s->p.temp <= 0 && (s->p.repeat_penalty == 1.0f || s->n_recent == 0);
}

/* llama.cpp's penalties sampler, repeat part: once per distinct recent token. */
static void apply_penalty(struct sampler *s, float *logits)
{
    float pen = s->p.repeat_penalty;
    if (pen == 1.0f || s->n_recent == 0)
        return;
    for (int32_t j = 0; j < s->n_recent; j++)   /* idx doubles as a "done" mark here */
        s->idx[s->recent[j]] = 0;
    for (int32_t j = 0; j < s->n_recent; j++) {
        int32_t t = s->recent[j];
        if (s->idx[t])
            continue;
        s->idx[t] = 1;
        logits[t] = logits[t] <= 0 ? logits[t] * pen : logits[t] / pen;
    }
}

/* Candidate order: higher logit first, equal logits by lower id. */
static bool better(const float *l, int32_t a, int32_t b)
{
    return l[a] > l[b] || (l[a] == l[b] && a < b);
}

/* h[0..n) is a heap with the worst candidate at the root. */
static void sift_down(int32_t *h, uint32_t n, uint32_t i, const float *l)
{
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && better(l, h[c], h[c + 1]))
            c++;
        if (!better(l, h[i], h[c]))
            return;
        int32_t tmp = h[i];
        h[i] = h[c];
        h[c] = tmp;
        i = c;
    }
}

/* idx[0..k) = the k best ids, best first: O(n log k). */
static void select_top(struct sampler *s, const float *l, uint32_t k)
{
    int32_t *h = s->idx;
    for (uint32_t i = 0; i < k; i++)
        h[i] = (int32_t)i;
    for (uint32_t i = k / 2; i-- > 0;)
        sift_down(h, k, i, l);
    for (uint32_t i = k; i < s->n_vocab; i++) {
        if (better(l, (int32_t)i, h[0])) {
            h[0] = (int32_t)i;
            sift_down(h, k, 0, l);
        }
    }
    for (uint32_t m = k; m-- > 1;) {            /* move the worst to the back */
        int32_t tmp = h[0];
        h[0] = h[m];
        h[m] = tmp;
        sift_down(h, m, 0, l);
    }
}

/* probs[i] = exp((l[idx[i]] - l[idx[0]]) / temp) for i < k; returns their sum. */
static float softmax_weights(struct sampler *s, const float *l, uint32_t k, float temp)
{
    float max = l[s->idx[0]] / temp, sum = 0;
    for (uint32_t i = 0; i < k; i++) {
        s->probs[i] = expf(l[s->idx[i]] / temp - max);
        sum += s->probs[i];
    }
    return sum;
}

int32_t sampler_sample(struct sampler *s, float *logits)
{
    const struct llm_sampling *p = &s->p;
    apply_penalty(s, logits);
    if (p->temp <= 0)
        return sampler_argmax(logits, s->n_vocab);

    uint32_t k = p->top_k > 0 && (uint32_t)p->top_k < s->n_vocab ? (uint32_t)p->top_k : s->n_vocab;
    select_top(s, logits, k);
    if (p->top_p < 1.0f) {                      /* smallest head with mass >= top_p */
        float sum = softmax_weights(s, logits, k, 1.0f), cum = 0;
        for (uint32_t i = 0; i < k; i++) {
            cum += s->probs[i] / sum;
            if (cum >= p->top_p) {
                k = i + 1;
                break;
            }
        }
    }
    if (p->min_p > 0) {                         /* keep p_i >= min_p * p_max, in logits */
        float min_logit = logits[s->idx[0]] + logf(p->min_p);
        uint32_t i = 1;
        while (i < k && logits[s->idx[i]] >= min_logit)
            i++;
        k = i;
    }
    float sum = softmax_weights(s, logits, k, p->temp);
    float target = rand_float(&s->rng, 0.0f, sum);
    float cum = 0;
    for (uint32_t i = 0; i < k; i++) {
        cum += s->probs[i];
        if (target < cum)
            return s->idx[i];
    }
    return s->idx[k - 1];
}
