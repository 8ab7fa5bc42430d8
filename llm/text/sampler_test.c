/* llm/text/sampler_test.c: selftests for the sampler: greedy ties, the filters
 * (top-k, top-p, min-p) never letting a cut token through, the repetition
 * penalty, and seeded draws that repeat exactly (with a golden sequence that
 * every build, host or kernel, must reproduce). */
#include <stdbool.h>
#include "lib/selftest.h"
#include "lib/math.h"
#include "llm/text/sampler.h"

#define NV 8
static uint8_t sampler_test_mem[16384] __attribute__((aligned(16)));

static int make_sampler(struct sampler *s, struct arena *a, float temp, int32_t top_k, float top_p,
                        float min_p, uint64_t seed)
{
    struct llm_sampling p;
    llm_default_sampling(&p);
    p.temp = temp, p.top_k = top_k, p.top_p = top_p, p.min_p = min_p, p.seed = seed;
    arena_init(a, sampler_test_mem, sizeof sampler_test_mem);
    return sampler_init(s, &p, NV, a);
}

/* logits = ln(probability), so the filters' cut points are known exactly. */
static void set_logits(float *l, const float *probs)
{
    for (int i = 0; i < NV; i++)
        l[i] = logf(probs[i]);
}

/* Draw n times from probs; counts[id]++ per choice. */
static void draw(struct sampler *s, const float *probs, int n, int counts[NV])
{
    float l[NV];
    for (int i = 0; i < NV; i++)
        counts[i] = 0;
    for (int k = 0; k < n; k++) {
        set_logits(l, probs);
        int32_t id = sampler_sample(s, l);
        if (id >= 0 && id < NV)
            counts[id]++;
    }
}

static const float probs8[NV] = { 0.30f, 0.25f, 0.20f, 0.10f, 0.08f, 0.04f, 0.02f, 0.01f };

SELFTEST(sampler_defaults_as_llama_cpp)
{
    struct llm_sampling p;
    llm_default_sampling(&p);
    ST_CHECK(p.temp == 0.8f && p.top_k == 40 && p.top_p == 0.95f && p.min_p == 0.05f,
             "temp %g top_k %d top_p %g min_p %g", (double)p.temp, (int)p.top_k, (double)p.top_p,
             (double)p.min_p);
    ST_CHECK(p.repeat_penalty == 1.0f && p.repeat_last_n == 64, "penalty %g last_n %d",
             (double)p.repeat_penalty, (int)p.repeat_last_n);
}

SELFTEST(sampler_argmax_ties_lowest)
{
    float a[5] = { 1.0f, 3.0f, 2.0f, 3.0f, -1.0f };
    ST_CHECK(sampler_argmax(a, 5) == 1, "got %d", (int)sampler_argmax(a, 5));
    float b[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
    ST_CHECK(sampler_argmax(b, 4) == 0, "all equal: got %d", (int)sampler_argmax(b, 4));
    float c[3] = { NAN, -2.0f, -1.0f };
    ST_CHECK(sampler_argmax(c, 3) == 2, "NaN first: got %d", (int)sampler_argmax(c, 3));
    /* Lengths past the 4-lane part: NaN in every lane, ties across lanes and
     * in the tail, -inf only, NaN only. */
    float d[11] = { NAN, -5.0f, 7.0f, NAN, 2.0f, NAN, -0.0f, 7.0f, NAN, 9.0f, 9.0f };
    ST_CHECK(sampler_argmax(d, 11) == 9, "tail max: got %d", (int)sampler_argmax(d, 11));
    ST_CHECK(sampler_argmax(d, 9) == 2, "tie across lanes: got %d", (int)sampler_argmax(d, 9));
    float e[9] = { NAN, -INFINITY, NAN, -INFINITY, NAN, NAN, NAN, NAN, NAN };
    ST_CHECK(sampler_argmax(e, 9) == 1, "-inf only: got %d", (int)sampler_argmax(e, 9));
    ST_CHECK(sampler_argmax(e + 4, 5) == 0, "NaN only: got %d", (int)sampler_argmax(e + 4, 5));

    struct sampler s;
    struct arena ar;
    ST_CHECK(make_sampler(&s, &ar, 0.0f, 40, 0.95f, 0.05f, 1) == 0, "init");
    float l[NV] = { 1, 4, 4, 0, 4, 2, 3, 4 };
    ST_CHECK(sampler_sample(&s, l) == 1, "greedy temp 0 picked %d", (int)sampler_sample(&s, l));
}

SELFTEST(sampler_top_k1_is_greedy)
{
    struct sampler s;
    struct arena a;
    ST_CHECK(make_sampler(&s, &a, 1.5f, 1, 1.0f, 0.0f, 7) == 0, "init");
    uint32_t x = 12345;
    for (int k = 0; k < 200; k++) {
        float l[NV];
        for (int i = 0; i < NV; i++) {
            x = x * 1664525u + 1013904223u;
            l[i] = (float)(x >> 29) - 4.0f;     /* 8 levels for 8 tokens: many ties */
        }
        int32_t want = sampler_argmax(l, NV);
        int32_t got = sampler_sample(&s, l);
        ST_CHECK(got == want, "round %d: top-k 1 chose %d, argmax %d", k, (int)got, (int)want);
    }
}

/* The first id of the largest logit, skip left out: the plain loop the
 * chunked, vectorized scan must agree with. */
static int32_t naive_argmax(const float *l, uint32_t n, int32_t skip)
{
    int32_t best = -1;
    for (uint32_t i = 0; i < n; i++)
        if ((int32_t)i != skip && (best < 0 || l[i] > l[best]))
            best = (int32_t)i;
    return best < 0 ? 0 : best;
}

SELFTEST(sampler_scan_chunks)
{
    enum { N = 30001 };   /* several chunks, a ragged tail */
    static float l[N];
    uint32_t x = 99;
    for (int round = 0; round < 4; round++) {
        for (uint32_t i = 0; i < N; i++) {
            x = x * 1664525u + 1013904223u;
            l[i] = (float)(x >> 28) - 9.0f - (float)round;   /* 16 levels: ties across chunks */
        }
        l[N - 1] = round == 3 ? 7.0f : l[N - 1];            /* the maximum in the tail once */
        int32_t want = naive_argmax(l, N, -1);
        struct sampler_scan sc = sampler_scan(l, N, -1);
        ST_CHECK(sc.finite && sc.argmax == want, "round %d: scan %d (finite %d), want %d", round,
                 (int)sc.argmax, sc.finite, (int)want);
        ST_CHECK(sampler_argmax(l, N) == want, "round %d: argmax differs from scan", round);
        int32_t want2 = naive_argmax(l, N, want);
        sc = sampler_scan(l, N, want);
        ST_CHECK(sc.argmax == want2, "round %d: skipping %d gave %d, want %d", round, (int)want,
                 (int)sc.argmax, (int)want2);
    }
    const uint32_t at[] = { 5, 4096 * 3 + 6, N - 1 };
    const float bad[] = { INFINITY, -INFINITY, NAN };
    for (int k = 0; k < 3; k++)
        for (int b = 0; b < 3; b++) {
            float keep = l[at[k]];
            l[at[k]] = bad[b];
            struct sampler_scan sc = sampler_scan(l, N, -1);
            ST_CHECK(!sc.finite, "%g at %u passed as finite", (double)bad[b], at[k]);
            ST_CHECK(b == 0 ? sc.argmax == (int32_t)at[k] : sc.argmax == naive_argmax(l, N, (int32_t)at[k]),
                     "%g at %u: argmax %d", (double)bad[b], at[k], (int)sc.argmax);
            l[at[k]] = keep;
        }
}

SELFTEST(sampler_seed_repeats)
{
    struct sampler s1, s2;
    struct arena a1, a2;
    static uint8_t mem2[16384] __attribute__((aligned(16)));
    int32_t seq1[300], seq2[300], seq3[300];
    ST_CHECK(make_sampler(&s1, &a1, 1.0f, 0, 1.0f, 0.0f, 42) == 0, "init");
    for (int k = 0; k < 300; k++) {
        float l[NV];
        set_logits(l, probs8);
        seq1[k] = sampler_sample(&s1, l);
    }
    /* the same seed again, on a second arena */
    struct llm_sampling p = s1.p;
    arena_init(&a2, mem2, sizeof mem2);
    ST_CHECK(sampler_init(&s2, &p, NV, &a2) == 0, "init 2");
    for (int k = 0; k < 300; k++) {
        float l[NV];
        set_logits(l, probs8);
        seq2[k] = sampler_sample(&s2, l);
        ST_CHECK(seq2[k] == seq1[k], "same seed differs at draw %d: %d vs %d", k, (int)seq2[k],
                 (int)seq1[k]);
    }
    ST_CHECK(make_sampler(&s1, &a1, 1.0f, 0, 1.0f, 0.0f, 43) == 0, "init 3");
    int n_diff = 0;
    for (int k = 0; k < 300; k++) {
        float l[NV];
        set_logits(l, probs8);
        seq3[k] = sampler_sample(&s1, l);
        n_diff += seq3[k] != seq1[k];
    }
    ST_CHECK(n_diff > 100, "seeds 42 and 43 agree on %d of 300 draws", 300 - n_diff);
}

/* Fixed on the host build; a kernel (or any other) build must draw the same. */
SELFTEST(sampler_golden_sequence)
{
    static const int32_t want[24] = { 0, 1, 0, 2, 4, 1, 0, 0, 0, 1, 2, 1, 0, 1, 2, 0, 0, 0, 2, 0, 2, 1, 1, 0 };
    struct sampler s;
    struct arena a;
    ST_CHECK(make_sampler(&s, &a, 0.9f, 6, 0.97f, 0.02f, 20250220) == 0, "init");
    for (int k = 0; k < 24; k++) {
        float l[NV];
        set_logits(l, probs8);
        int32_t got = sampler_sample(&s, l);
        ST_CHECK(got == want[k], "draw %d: %d, want %d", k, (int)got, (int)want[k]);
    }
}

SELFTEST(sampler_frequencies)
{
    struct sampler s;
    struct arena a;
    int c[NV];
    ST_CHECK(make_sampler(&s, &a, 1.0f, 0, 1.0f, 0.0f, 99) == 0, "init");
    draw(&s, probs8, 4000, c);
    for (int i = 0; i < NV; i++) {       /* within 5 standard deviations of 4000 p */
        float mean = 4000 * probs8[i], sd = sqrtf(mean * (1 - probs8[i]));
        ST_CHECK(fabsf((float)c[i] - mean) < 5 * sd + 1, "token %d drawn %d times, expected %.0f", i,
                 c[i], (double)mean);
    }
}

SELFTEST(sampler_filters_cut_tail)
{
    struct sampler s;
    struct arena a;
    int c[NV];
    /* top-k 3: only 0..2 */
    ST_CHECK(make_sampler(&s, &a, 1.0f, 3, 1.0f, 0.0f, 5) == 0, "init");
    draw(&s, probs8, 1000, c);
    ST_CHECK(c[0] && c[1] && c[2], "top-k kept token never drawn: %d %d %d", c[0], c[1], c[2]);
    ST_CHECK(c[0] + c[1] + c[2] == 1000, "top-k 3 let %d draws through", 1000 - c[0] - c[1] - c[2]);
    /* top-p 0.7: 0.30 + 0.25 + 0.20 = 0.75 >= 0.7, so 0..2 */
    ST_CHECK(make_sampler(&s, &a, 1.0f, 0, 0.7f, 0.0f, 6) == 0, "init");
    draw(&s, probs8, 1000, c);
    ST_CHECK(c[2] > 0 && c[0] + c[1] + c[2] == 1000, "top-p 0.7: %d %d %d, rest %d", c[0], c[1], c[2],
             1000 - c[0] - c[1] - c[2]);
    /* min-p 0.3: keep p >= 0.09, so 0..3 */
    ST_CHECK(make_sampler(&s, &a, 1.0f, 0, 1.0f, 0.3f, 7) == 0, "init");
    draw(&s, probs8, 1000, c);
    ST_CHECK(c[3] > 0 && c[4] + c[5] + c[6] + c[7] == 0, "min-p 0.3: token 3 %d, tail %d", c[3],
             c[4] + c[5] + c[6] + c[7]);
    /* a low temperature sharpens: token 0 dominates */
    ST_CHECK(make_sampler(&s, &a, 0.1f, 0, 1.0f, 0.0f, 8) == 0, "init");
    draw(&s, probs8, 1000, c);
    ST_CHECK(c[0] > 800, "temp 0.1: token 0 drawn %d times", c[0]);
}

SELFTEST(sampler_repeat_penalty)
{
    struct sampler s;
    struct arena a;
    struct llm_sampling p;
    llm_default_sampling(&p);
    p.temp = 0, p.repeat_penalty = 1.5f, p.repeat_last_n = 4;
    arena_init(&a, sampler_test_mem, sizeof sampler_test_mem);
    ST_CHECK(sampler_init(&s, &p, NV, &a) == 0, "init");
    float l[NV] = { 2.0f, 1.9f, -1.0f, -1.2f, -5, -5, -5, -5 };
    ST_CHECK(sampler_sample(&s, l) == 0, "no history: %d", (int)sampler_sample(&s, l));
    sampler_accept(&s, 0);
    sampler_accept(&s, 2);
    sampler_accept(&s, 0);                       /* penalized once, not twice */
    float m[NV] = { 2.0f, 1.9f, -1.0f, -1.2f, -5, -5, -5, -5 };
    ST_CHECK(sampler_sample(&s, m) == 1, "penalized 0 still chosen");
    ST_CHECK(m[0] == 2.0f / 1.5f && m[2] == -1.0f * 1.5f && m[1] == 1.9f && m[3] == -1.2f,
             "logits %g %g %g %g", (double)m[0], (double)m[1], (double)m[2], (double)m[3]);
    for (int i = 0; i < 4; i++)                  /* push 0 and 2 out of the last 4 */
        sampler_accept(&s, 5);
    float r[NV] = { 2.0f, 1.9f, -1.0f, -1.2f, -5, -5, -5, -5 };
    ST_CHECK(sampler_sample(&s, r) == 0 && r[0] == 2.0f && r[5] == -5.0f * 1.5f,
             "window: r0 %g r5 %g", (double)r[0], (double)r[5]);
}
