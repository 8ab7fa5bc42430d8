/* llm/text/unicode.c: UTF-8, table look-ups and the GPT-2 byte map (see unicode.h),
 * and the public UTF-8 stream of llm/llm.h. */
#include "llm/text/unicode.h"
#include "llm/llm.h"
#include "lib/string.h"

static bool is_cont(const char *s, size_t len, size_t i)
{
    return i < len && ((uint8_t)s[i] & 0xc0) == 0x80;
}

uint32_t uc_decode(const char *s, size_t len, size_t *off)
{
    size_t i = *off;
    uint8_t c = (uint8_t)s[i];
    uint32_t n = c < 0x80 ? 1 : c < 0xc0 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 0;
    uint32_t cpt = n == 1 ? c : n == 2 ? c & 0x1fu : n == 3 ? c & 0x0fu : c & 0x07u;
    for (uint32_t k = 1; k < n; k++) {
        if (!is_cont(s, len, i + k))
            n = 0;
        else
            cpt = cpt << 6 | ((uint8_t)s[i + k] & 0x3fu);
    }
    if (n == 0) {
        *off = i + 1;
        return UC_REPLACEMENT;
    }
    *off = i + n;
    return cpt;
}

int uc_encode(uint32_t cpt, char *out)
{
    if (cpt > 0x10ffff)
        cpt = UC_REPLACEMENT;
    if (cpt < 0x80) {
        out[0] = (char)cpt;
        return 1;
    }
    if (cpt < 0x800) {
        out[0] = (char)(0xc0 | cpt >> 6);
        out[1] = (char)(0x80 | (cpt & 0x3f));
        return 2;
    }
    if (cpt < 0x10000) {
        out[0] = (char)(0xe0 | cpt >> 12);
        out[1] = (char)(0x80 | (cpt >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cpt & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cpt >> 18);
    out[1] = (char)(0x80 | (cpt >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cpt >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cpt & 0x3f));
    return 4;
}

uint16_t uc_flags(uint32_t cpt)
{
    if (cpt >= 0x110000)
        return UC_UNDEFINED;
    uint32_t lo = 0, hi = uc_n_flag_ranges;         /* last range with first <= cpt */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (uc_flag_ranges[mid].first <= cpt)
            lo = mid;
        else
            hi = mid;
    }
    return uc_flag_ranges[lo].flags;
}

uint32_t uc_tolower(uint32_t cpt)
{
    uint32_t lo = 0, hi = uc_n_lower;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (uc_lower[mid].from < cpt)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < uc_n_lower && uc_lower[lo].from == cpt ? uc_lower[lo].to : cpt;
}

uint32_t uc_nfd_first(uint32_t cpt)
{
    uint32_t lo = 0, hi = uc_n_nfd;                 /* first range with last >= cpt */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (uc_nfd[mid].last < cpt)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < uc_n_nfd && uc_nfd[lo].first <= cpt ? uc_nfd[lo].nfd : cpt;
}

/* GPT-2 keeps the printable bytes ! .. ~, ¡ .. ¬ and ® .. ÿ as their own code
 * points and moves the other 68, in byte order, to U+0100 onwards:
 * 0x00-0x20 -> U+0100-U+0120, 0x7F-0xA0 -> U+0121-U+0142, 0xAD -> U+0143. */
uint32_t uc_byte_to_cpt(uint8_t b)
{
    if (b <= 0x20)
        return 0x100u + b;
    if (b >= 0x7f && b <= 0xa0)
        return 0x121u + (b - 0x7fu);
    return b == 0xad ? 0x143u : b;
}

int uc_cpt_to_byte(uint32_t cpt)
{
    if (cpt <= 0x20 || (cpt >= 0x7f && cpt <= 0xa0) || cpt == 0xad || cpt > 0x143)
        return -1;
    if (cpt < 0x100)
        return (int)cpt;
    if (cpt <= 0x120)
        return (int)(cpt - 0x100);
    return cpt <= 0x142 ? (int)(cpt - 0x121 + 0x7f) : 0xad;
}

/* Bytes the sequence led by c has in all: 0 when c cannot lead one. */
static uint32_t seq_len(uint8_t c)
{
    return c < 0x80 ? 1 : c < 0xc0 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 0;
}

uint32_t llm_utf8_stream_push(struct llm_utf8_stream *s, const char *in, uint32_t n, char *out)
{
    uint32_t len = s->n_held;
    memcpy(out, s->held, len);
    memcpy(out + len, in, n);
    len += n;
    /* The last lead byte within 3 of the end: hold its sequence back if its
     * continuation bytes so far are all there is. */
    uint32_t keep = 0;
    for (uint32_t back = 1; back <= 3 && back <= len; back++) {
        uint8_t c = (uint8_t)out[len - back];
        if ((c & 0xc0) == 0x80)
            continue;
        keep = seq_len(c) > back ? back : 0;
        break;
    }
    memcpy(s->held, out + len - keep, keep);
    s->n_held = keep;
    return len - keep;
}

uint32_t llm_utf8_stream_flush(struct llm_utf8_stream *s, char *out)
{
    uint32_t n = s->n_held;
    memcpy(out, s->held, n);
    s->n_held = 0;
    return n;
}
