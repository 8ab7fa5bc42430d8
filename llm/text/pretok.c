/* llm/text/pretok.c: the pre-tokenizer regexes of llama.cpp (llm_tokenizer_bpe),
 * each as a matcher over code points and their category flags.
 *
 * Two kinds of pass. The GPT-2 and Llama 3 regexes follow llama.cpp's own
 * hand-written versions (unicode_regex_split_custom_gpt2 / _llama3), which it
 * uses instead of the regex: every code point lands in some word. The others
 * llama.cpp runs through std::regex: a word per match and one per run of text
 * between matches. Each of those regexes here is one character class C with
 * an optional leading \s, repeated once, three times or one-or-more times
 * (plus "\s+$"), so a leftmost search costs O(1) per position.
 *
 * How std::regex sees the text decides the classes: llama.cpp replaces every
 * non-ASCII White_Space code point by \v before matching, so no class but \s
 * matches one; \p{L}, \p{N}, \p{P} read the category (for ASCII, std::regex's
 * own ranges, which agree with it). */
#include "llm/text/pretok.h"
#include "llm/text/unicode.h"
#include "lib/string.h"

#define NONE 0xffffffffu              /* the code point "past the end of the piece" */

struct piece {                        /* one piece being split, and the output */
    const uint32_t *cp;
    const uint16_t *fl;
    uint32_t        end;              /* piece is [start, end) */
    uint32_t        last;             /* end of the last word written */
    uint32_t       *out;
    uint32_t        n_out;
};

static uint32_t cpt_at(const struct piece *p, uint32_t i) { return i < p->end ? p->cp[i] : NONE; }
static uint16_t flags_at(const struct piece *p, uint32_t i) { return i < p->end ? p->fl[i] : 0; }

static uint32_t emit(struct piece *p, uint32_t end)
{
    uint32_t n = end - p->last;
    if (end > p->last) {
        p->out[p->n_out++] = end;
        p->last = end;
    }
    return n;
}

/* 's 't 're 've 'm 'll 'd at i (case-insensitive for Llama 3): length or 0. */
static uint32_t contraction(const struct piece *p, uint32_t i, bool fold)
{
    if (cpt_at(p, i) != '\'' || i + 1 >= p->end)
        return 0;
    uint32_t c1 = cpt_at(p, i + 1), c2 = cpt_at(p, i + 2);
    if (fold)
        c1 = uc_tolower(c1), c2 = i + 2 < p->end ? uc_tolower(c2) : c2;
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
        return 2;
    if (i + 2 < p->end && ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')))
        return 3;
    return 0;
}

#define LNS (UC_LETTER | UC_NUMBER | UC_SPACE)

/* Whitespace from pos: how many; *after_rn: just past the last \r or \n in it. */
static uint32_t count_space(const struct piece *p, uint32_t pos, uint32_t *after_rn)
{
    uint32_t k = 0;
    *after_rn = 0;
    for (; flags_at(p, pos + k) & UC_SPACE; k++)
        if (cpt_at(p, pos + k) == '\r' || cpt_at(p, pos + k) == '\n')
            *after_rn = pos + k + 1;
    return k;
}

/* \s+(?!\S)|\s+ at pos (k > 0 spaces there): all of them, but one is left for
 * the next word when a non-space follows. */
static void emit_space_run(struct piece *p, uint32_t *pos, uint32_t k)
{
    *pos += k > 1 && *pos + k < p->end ? k - 1 : k;
    emit(p, *pos);
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static void split_gpt2(struct piece *p, uint32_t pos)
{
    while (pos < p->end) {
        uint32_t c = cpt_at(p, pos), n = contraction(p, pos, false), rn;
        if (n) {
            pos += emit(p, pos + n);
            continue;
        }
        uint16_t f2 = c == ' ' ? flags_at(p, pos + 1) : flags_at(p, pos);
        uint16_t cls = f2 & UC_LETTER ? UC_LETTER : f2 & UC_NUMBER ? UC_NUMBER : 0;
        if (cls || (f2 && !(f2 & LNS))) {
            pos += c == ' ';
            if (cls)
                while (flags_at(p, pos) & cls)
                    pos++;
            else
                while (flags_at(p, pos) && !(flags_at(p, pos) & LNS))
                    pos++;
            emit(p, pos);
            continue;
        }
        uint32_t k = count_space(p, pos, &rn);
        if (k)
            emit_space_run(p, &pos, k);
        else
            emit(p, ++pos);
    }
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,digits}|
 * ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+   (Llama 3: digits 3, Qwen2: 1) */
static void split_llama3(struct piece *p, uint32_t pos, uint32_t digits)
{
    while (pos < p->end) {
        uint32_t c = cpt_at(p, pos), n = contraction(p, pos, true), rn;
        uint16_t f = flags_at(p, pos);
        if (n) {
            pos += emit(p, pos + n);
            continue;
        }
        if (!(c == '\r' || c == '\n' || (f & UC_NUMBER)) &&
            ((f & UC_LETTER) || (flags_at(p, pos + 1) & UC_LETTER))) {
            for (pos++; flags_at(p, pos) & UC_LETTER; pos++)
                ;
            emit(p, pos);
            continue;
        }
        if (f & UC_NUMBER) {
            for (uint32_t ini = pos; flags_at(p, pos) & UC_NUMBER;)
                if (++pos - ini >= digits) {
                    emit(p, pos);
                    ini = pos;
                }
            emit(p, pos);
            continue;
        }
        uint16_t f2 = c == ' ' ? flags_at(p, pos + 1) : f;
        if (!(f2 & LNS)) {                  /* f is never 0 inside the piece */
            pos += c == ' ';
            while (flags_at(p, pos) && !(flags_at(p, pos) & LNS))
                pos++;
            while (cpt_at(p, pos) == '\r' || cpt_at(p, pos) == '\n')
                pos++;
            emit(p, pos);
            continue;
        }
        uint32_t k = count_space(p, pos, &rn);
        if (rn) {
            pos = rn;
            emit(p, pos);
        } else if (k) {
            emit_space_run(p, &pos, k);
        } else {
            emit(p, ++pos);
        }
    }
}

/* ------------------------------------------------ the std::regex passes */

struct range { uint32_t lo, hi; };

static bool in_ranges(const struct range *r, size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (c >= r[i].lo && c <= r[i].hi)
            return true;
    return false;
}

/* DeepSeek LLM's letters: the explicit class of its tokenizer.json regex. */
static const struct range ds_letters[] = {
    {0x41, 0x5A}, {0x61, 0x7A}, {0xB5, 0xB5}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x1BA},
    {0x1BC, 0x1BF}, {0x1C4, 0x293}, {0x295, 0x2AF}, {0x370, 0x373}, {0x376, 0x377},
    {0x37B, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C},
    {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481}, {0x48A, 0x52F}, {0x531, 0x556},
    {0x10A0, 0x10C5}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD}, {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF},
    {0x1D00, 0x1D2B}, {0x1D6B, 0x1D77}, {0x1D79, 0x1D9A}, {0x1E00, 0x1F15}, {0x1F18, 0x1F1D},
    {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE},
    {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC},
    {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
    {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128},
    {0x212A, 0x212D}, {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149},
    {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2C7B}, {0x2C7E, 0x2CE4}, {0x2CEB, 0x2CEE},
    {0x2CF2, 0x2CF3}, {0xA640, 0xA66D}, {0xA680, 0xA69B}, {0xA722, 0xA76F}, {0xA771, 0xA787},
    {0xA78B, 0xA78E}, {0xAB70, 0xABBF}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};
/* [!-/:-~！-／：-～‘-‟　-。] (U+3000 itself reads as \v: only 、 and 。 match) */
static const struct range ds_punct[] = {
    {0x21, 0x2F}, {0x3A, 0x7E}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E}, {0x2018, 0x201F}, {0x3000, 0x3002},
};

enum cls { C_NEWLINE, C_LETTER, C_NUMBER, C_PUNCT, C_CJK, C_DS_LETTER, C_DS_PUNCT,
           C_FALCON_PUNCT, C_DEFAULT_PUNCT, C_ASCII_DIGIT };

static bool in_class(enum cls k, uint32_t c, uint16_t f)
{
    if (f & UC_SPACE && c >= 0x80)      /* became \v: only \s matches it */
        return false;
    switch (k) {
    case C_NEWLINE:       return c == '\r' || c == '\n';
    case C_LETTER:        return f & UC_LETTER;
    case C_NUMBER:        return f & UC_NUMBER;
    case C_PUNCT:         return f & UC_PUNCT;
    case C_CJK:           return (c >= 0x800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF);
    case C_DS_LETTER:     return in_ranges(ds_letters, sizeof ds_letters / sizeof *ds_letters, c);
    case C_DS_PUNCT:      return in_ranges(ds_punct, sizeof ds_punct / sizeof *ds_punct, c);
    case C_FALCON_PUNCT:  return (f & UC_PUNCT) || (c < 0x80 && c && strchr("$+<=>^~|`", (int)c));
    case C_DEFAULT_PUNCT: return (f & UC_PUNCT) || (c < 0x80 && c && strchr("$+<=>^~|", (int)c));
    case C_ASCII_DIGIT:   return c >= '0' && c <= '9';
    }
    return false;
}

enum rep { ONE, THREE, MANY };

struct simple_re {            /* (\s?)C, C{3} or (\s?)C+ */
    enum cls cls;
    bool     opt_space;
    enum rep rep;
};

static bool at_class(const struct piece *p, enum cls k, uint32_t i)
{
    return i < p->end && in_class(k, p->cp[i], p->fl[i]);
}

/* End of the match starting at i, or i when there is none. */
static uint32_t match_at(const struct piece *p, const struct simple_re *re, uint32_t i)
{
    uint32_t j = i;
    if (re->opt_space && (flags_at(p, i) & UC_SPACE) && at_class(p, re->cls, i + 1))
        j++;                            /* \s? is greedy: take it when C follows */
    if (!at_class(p, re->cls, j))
        return i;
    if (re->rep == THREE)
        return at_class(p, re->cls, j + 1) && at_class(p, re->cls, j + 2) ? j + 3 : i;
    for (j++; re->rep == MANY && at_class(p, re->cls, j); j++)
        ;
    return j;
}

/* regex_iterator over the piece: a word per match and per gap between them. */
static void split_simple(struct piece *p, uint32_t pos, const struct simple_re *re)
{
    while (pos < p->end) {
        uint32_t e = match_at(p, re, pos);
        if (e == pos) {
            pos++;
            continue;
        }
        emit(p, pos);
        emit(p, e);
        pos = e;
    }
    emit(p, p->end);
}

/* \s+$: the whitespace that ends the piece. */
static void split_trailing_space(struct piece *p, uint32_t pos)
{
    uint32_t t = p->end;
    while (t > pos && (flags_at(p, t - 1) & UC_SPACE))
        t--;
    emit(p, t);
    emit(p, p->end);
}

/* ------------------------------------------------ pre-tokenizers */

enum pass_kind { P_GPT2, P_LLAMA3, P_QWEN2, P_TRAILING_SPACE, P_SIMPLE };

struct pass {
    enum pass_kind   kind;
    struct simple_re re;          /* P_SIMPLE */
};

#define SIMPLE(c, s, r) { P_SIMPLE, { c, s, r } }
#define MAX_PASSES 6

static const struct pass passes[][MAX_PASSES] = {
    [PRETOK_DEFAULT]   = { SIMPLE(C_DEFAULT_PUNCT, false, MANY), { P_GPT2, {0} },
                           SIMPLE(C_NUMBER, false, MANY), SIMPLE(C_ASCII_DIGIT, false, THREE) },
    [PRETOK_GPT2]      = { { P_GPT2, {0} } },
    [PRETOK_LLAMA3]    = { { P_LLAMA3, {0} } },
    [PRETOK_QWEN2]     = { { P_QWEN2, {0} } },
    [PRETOK_STARCODER] = { SIMPLE(C_NUMBER, false, ONE), { P_GPT2, {0} } },
    [PRETOK_FALCON]    = { SIMPLE(C_FALCON_PUNCT, false, MANY), { P_GPT2, {0} },
                           SIMPLE(C_ASCII_DIGIT, false, THREE) },
    [PRETOK_DEEPSEEK_LLM] = { SIMPLE(C_NEWLINE, false, ONE), SIMPLE(C_DS_LETTER, true, MANY),
                              SIMPLE(C_DS_PUNCT, true, MANY), { P_TRAILING_SPACE, {0} },
                              SIMPLE(C_CJK, false, MANY), SIMPLE(C_NUMBER, false, MANY) },
    [PRETOK_DEEPSEEK_CODER] = { SIMPLE(C_NEWLINE, false, ONE), SIMPLE(C_LETTER, true, MANY),
                                SIMPLE(C_PUNCT, true, MANY), SIMPLE(C_CJK, false, MANY),
                                SIMPLE(C_NUMBER, false, ONE) },
};
static const uint8_t n_passes[] = {
    [PRETOK_DEFAULT] = 4, [PRETOK_GPT2] = 1, [PRETOK_LLAMA3] = 1, [PRETOK_QWEN2] = 1,
    [PRETOK_STARCODER] = 2, [PRETOK_FALCON] = 3, [PRETOK_DEEPSEEK_LLM] = 6,
    [PRETOK_DEEPSEEK_CODER] = 5,
};

static void run_pass(const struct pass *ps, struct piece *p, uint32_t start)
{
    switch (ps->kind) {
    case P_GPT2:           split_gpt2(p, start); break;
    case P_LLAMA3:         split_llama3(p, start, 3); break;
    case P_QWEN2:          split_llama3(p, start, 1); break;
    case P_TRAILING_SPACE: split_trailing_space(p, start); break;
    case P_SIMPLE:         split_simple(p, start, &ps->re); break;
    }
}

uint32_t pretok_split(enum pretok pre, const uint32_t *cpts, const uint16_t *flags, uint32_t n,
                      uint32_t *ends, uint32_t *tmp)
{
    if (n == 0)
        return 0;
    /* Alternate between the two buffers so that the last pass writes ends. */
    uint32_t np = n_passes[pre], n_in = 1;
    uint32_t *in = np % 2 ? tmp : ends, *out = np % 2 ? ends : tmp;
    in[0] = n;
    for (uint32_t k = 0; k < np; k++) {
        struct piece p = { .cp = cpts, .fl = flags, .out = out };
        for (uint32_t i = 0, start = 0; i < n_in; start = in[i++]) {
            p.end = in[i];
            p.last = start;
            run_pass(&passes[pre][k], &p, start);
        }
        n_in = p.n_out;
        uint32_t *t = in; in = out; out = t;
    }
    return n_in;
}

struct name { const char *name; enum pretok pre; };

/* The names llama.cpp maps to these regex lists. */
static const struct name names[] = {
    { "default", PRETOK_DEFAULT }, { "gpt-2", PRETOK_GPT2 }, { "phi-2", PRETOK_GPT2 },
    { "mpt", PRETOK_GPT2 }, { "olmo", PRETOK_GPT2 }, { "llama3", PRETOK_LLAMA3 },
    { "llama-v3", PRETOK_LLAMA3 }, { "llama-bpe", PRETOK_LLAMA3 }, { "dbrx", PRETOK_LLAMA3 },
    { "smaug-bpe", PRETOK_LLAMA3 }, { "qwen2", PRETOK_QWEN2 }, { "stablelm2", PRETOK_QWEN2 },
    { "starcoder", PRETOK_STARCODER }, { "refact", PRETOK_STARCODER },
    { "smollm", PRETOK_STARCODER }, { "command-r", PRETOK_STARCODER },
    { "falcon", PRETOK_FALCON }, { "deepseek-llm", PRETOK_DEEPSEEK_LLM },
    { "deepseek-coder", PRETOK_DEEPSEEK_CODER },
};

int pretok_from_name(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0)
            return (int)names[i].pre;
    return -1;
}
