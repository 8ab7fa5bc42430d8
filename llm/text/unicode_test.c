/* llm/text/unicode_test.c: selftests for unicode.c (UTF-8 as llama.cpp reads it,
 * the generated category / lowercase / NFD tables at known code points, the
 * GPT-2 byte map, the UTF-8 stream) and the pre-tokenizers of pretok.c. The
 * real vocabularies are tested in tests/host/test_tokenizer.c and
 * tests/golden/vocab.sh. */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/llm.h"
#include "llm/text/pretok.h"
#include "llm/text/unicode.h"

SELFTEST(unicode_utf8)
{
    size_t off = 0;
    ST_CHECK(uc_decode("\xc3\xa9x", 3, &off) == 0xe9 && off == 2, "2-byte");
    ST_CHECK(uc_decode("\xc3\xa9x", 3, &off) == 'x' && off == 3, "ascii");
    off = 0;
    ST_CHECK(uc_decode("\xf0\x9f\x98\x80", 4, &off) == 0x1f600 && off == 4, "4-byte");
    off = 0;                                  /* bad continuation: U+FFFD, one byte */
    ST_CHECK(uc_decode("\xe2\x28\xa1", 3, &off) == UC_REPLACEMENT && off == 1, "bad continuation");
    off = 0;
    ST_CHECK(uc_decode("\xe2\x82", 2, &off) == UC_REPLACEMENT && off == 1, "truncated");
    off = 0;
    ST_CHECK(uc_decode("\x80", 1, &off) == UC_REPLACEMENT && off == 1, "stray continuation");
    off = 0;
    ST_CHECK(uc_decode("\xf8\x80\x80\x80\x80", 5, &off) == UC_REPLACEMENT && off == 1, "5-byte lead");
    static const uint32_t cpts[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff };
    for (size_t i = 0; i < sizeof cpts / sizeof *cpts; i++) {
        char b[4];
        int n = uc_encode(cpts[i], b);
        off = 0;
        ST_CHECK(uc_decode(b, (size_t)n, &off) == cpts[i] && off == (size_t)n, "round trip U+%X", cpts[i]);
    }
    char b[4];
    ST_CHECK(uc_encode(0x110000, b) == 3 && memcmp(b, "\xef\xbf\xbd", 3) == 0, "past U+10FFFF");
}

SELFTEST(unicode_tables)
{
    static const struct { uint32_t cpt; uint16_t flags; } want[] = {
        { 'A', UC_LETTER }, { '0', UC_NUMBER }, { '!', UC_PUNCT }, { '$', UC_SYMBOL }, { '~', UC_SYMBOL },
        { ' ', UC_SEPARATOR | UC_SPACE }, { '\n', UC_CONTROL | UC_SPACE }, { 0x85, UC_CONTROL | UC_SPACE },
        { 0xa0, UC_SEPARATOR | UC_SPACE }, { 0x3000, UC_SEPARATOR | UC_SPACE }, { 0x301, UC_MARK },
        { 0xbd, UC_NUMBER }, { 0x4e00, UC_LETTER }, { 0x9fff, UC_LETTER }, { 0xac00, UC_LETTER },
        { 0x378, UC_UNDEFINED }, { 0x200b, UC_CONTROL }, { 0xe000, UC_CONTROL }, { 0x1f600, UC_SYMBOL },
        { 0x10ffff, UC_UNDEFINED }, { 0x110000, UC_UNDEFINED }, { 0xfffd, UC_SYMBOL },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ST_CHECK(uc_flags(want[i].cpt) == want[i].flags, "flags of U+%04X: 0x%x, want 0x%x", want[i].cpt,
                 uc_flags(want[i].cpt), want[i].flags);
    ST_CHECK(uc_tolower('A') == 'a' && uc_tolower('a') == 'a' && uc_tolower(0xc9) == 0xe9 &&
             uc_tolower(0x130) == 'i' && uc_tolower(0x212a) == 'k' && uc_tolower(0x10400) == 0x10428 &&
             uc_tolower('1') == '1', "tolower");
    ST_CHECK(uc_nfd_first(0xe9) == 'e' && uc_nfd_first(0x1e09) == 'c' && uc_nfd_first(0x212b) == 'A' &&
             uc_nfd_first(0xac00) == 0x1100 && uc_nfd_first(0xd7a3) == 0x1112 && uc_nfd_first('a') == 'a' &&
             uc_nfd_first(0x344) == 0x308 && uc_nfd_first(0xbd) == 0xbd, "nfd");
}

SELFTEST(unicode_gpt2_bytes)
{
    bool seen[0x144] = { false };
    for (int b = 0; b < 256; b++) {
        uint32_t c = uc_byte_to_cpt((uint8_t)b);
        ST_CHECK(c < 0x144 && !seen[c], "byte 0x%02x -> U+%04X", b, c);
        seen[c] = true;
        ST_CHECK(uc_cpt_to_byte(c) == b, "U+%04X -> %d, want 0x%02x", c, uc_cpt_to_byte(c), b);
    }
    ST_CHECK(uc_byte_to_cpt(' ') == 0x120 && uc_byte_to_cpt('\n') == 0x10a && uc_byte_to_cpt('a') == 'a' &&
             uc_byte_to_cpt(0xad) == 0x143 && uc_byte_to_cpt(0x7f) == 0x121, "GPT-2's Ġ Ċ");
    ST_CHECK(uc_cpt_to_byte(0x144) == -1 && uc_cpt_to_byte(' ') == -1 && uc_cpt_to_byte(0x2581) == -1,
             "not stand-ins");
}

SELFTEST(unicode_stream)
{
    struct llm_utf8_stream s = { .n_held = 0 };
    char out[16];
    ST_CHECK(llm_utf8_stream_push(&s, "a\xc3", 2, out) == 1 && out[0] == 'a', "lead held");
    ST_CHECK(llm_utf8_stream_push(&s, "\xa9x", 2, out) == 3 && memcmp(out, "\xc3\xa9x", 3) == 0, "joined");
    ST_CHECK(llm_utf8_stream_push(&s, "\xf0\x9f", 2, out) == 0, "two of four held");
    ST_CHECK(llm_utf8_stream_push(&s, "\x98", 1, out) == 0, "three of four held");
    ST_CHECK(llm_utf8_stream_push(&s, "\x80", 1, out) == 4 && memcmp(out, "\xf0\x9f\x98\x80", 4) == 0, "emoji");
    ST_CHECK(llm_utf8_stream_push(&s, "\x80\xff", 2, out) == 2, "bytes that start nothing pass");
    ST_CHECK(llm_utf8_stream_push(&s, "\xe2\x82", 2, out) == 0 && llm_utf8_stream_flush(&s, out) == 2 &&
             memcmp(out, "\xe2\x82", 2) == 0 && llm_utf8_stream_flush(&s, out) == 0, "flush");
}

/* Words of text under pre-tokenizer p, joined by '|'. */
static bool split_is(enum pretok p, const char *text, const char *want)
{
    static uint32_t cpts[64], ends[64], tmp[64];
    static uint16_t flags[64];
    uint32_t n = 0;
    for (size_t off = 0, len = strlen(text); off < len && n < 64; n++) {
        cpts[n] = uc_decode(text, len, &off);
        flags[n] = uc_flags(cpts[n]);
    }
    uint32_t k = pretok_split(p, cpts, flags, n, ends, tmp);
    char got[256];
    size_t o = 0;
    for (uint32_t w = 0, start = 0; w < k; start = ends[w++]) {
        if (w)
            got[o++] = '|';
        for (uint32_t i = start; i < ends[w]; i++)
            o += (size_t)uc_encode(cpts[i], got + o);
    }
    got[o] = 0;
    return strcmp(got, want) == 0;
}

#define SPLIT(p, text, want) ST_CHECK(split_is(p, text, want), "%s: \"%s\"", #p, text)

SELFTEST(pretok_regexes)
{
    SPLIT(PRETOK_GPT2, "Hello world's  end 12ab!?", "Hello| world|'s| | end| 12|ab|!?");
    SPLIT(PRETOK_GPT2, "a   \n b ", "a|   \n| b| ");            /* \s+(?!\S) leaves one */
    SPLIT(PRETOK_GPT2, "I'M caf\xc3\xa9", "I|'|M| caf\xc3\xa9");       /* contractions: lower case only */
    SPLIT(PRETOK_LLAMA3, "I'M 1234567 x\r\n\n y", "I|'M| |123|456|7| x|\r\n\n| y");
    SPLIT(PRETOK_LLAMA3, "..\nab", "..\n|ab");
    SPLIT(PRETOK_QWEN2, "x 123", "x| |1|2|3");
    SPLIT(PRETOK_STARCODER, "ab 12", "ab| |1|2");
    SPLIT(PRETOK_FALCON, "a+=12345", "a|+=|123|45");
    SPLIT(PRETOK_DEFAULT, "x 12345", "x| |123|45");
    SPLIT(PRETOK_DEEPSEEK_CODER, "int x=1;\n\xe4\xb8\xad\xe6\x96\x87", "int| x|=|1|;|\n|\xe4\xb8\xad\xe6\x96\x87");
    SPLIT(PRETOK_DEEPSEEK_LLM, "ab, cd  ", "ab|,| cd|  ");
    /* U+3000 reads as \v in llama.cpp's regexes: \s? takes it before 。, but
     * the CJK class (U+0800..U+9FA5) then splits 。 off, leaving it alone. */
    SPLIT(PRETOK_DEEPSEEK_LLM, "\xe3\x80\x80\xe3\x80\x82", "\xe3\x80\x80|\xe3\x80\x82");
    ST_CHECK(pretok_from_name("llama-bpe", 9) == PRETOK_LLAMA3 && pretok_from_name("smollm", 6) == PRETOK_STARCODER &&
             pretok_from_name("gpt-2", 5) == PRETOK_GPT2 && pretok_from_name("gpt-", 4) == -1, "names");
}
