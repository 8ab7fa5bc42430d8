/* tests/fuzz/fuzz_line_edit.c: libFuzzer target for the shell's line editor
 * (kernel/line_edit.c is pure: it builds for the host with lib/ only). Every
 * input byte is fed; after each, the editor's invariants must hold: text
 * NUL-terminated at len, cursor within it on a UTF-8 boundary, output within
 * its buffer, history bounded; a finished line is what buf holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/line_edit.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void check_state(const struct line_edit *le)
{
    CHECK(le->len <= LINE_EDIT_MAX && le->cursor <= le->len);
    CHECK(le->buf[le->len] == '\0' && strlen(le->buf) == le->len);
    CHECK(le->cursor == le->len || ((uint8_t)le->buf[le->cursor] & 0xc0) != 0x80);
    CHECK(le->out_len <= sizeof le->out);
    CHECK(le->hist_count <= LINE_EDIT_HISTORY && le->hist_next < LINE_EDIT_HISTORY);
    CHECK(le->hist_pos <= le->hist_count);
    CHECK(le->utf8_len <= sizeof le->utf8 && le->utf8_need <= sizeof le->utf8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct line_edit le;
    line_edit_init(&le);
    for (size_t i = 0; i < size; i++) {
        enum line_edit_event ev = line_edit_feed(&le, data[i]);
        CHECK(ev == LINE_EDIT_NONE || ev == LINE_EDIT_DONE || ev == LINE_EDIT_CANCEL ||
              ev == LINE_EDIT_TOO_LONG || ev == LINE_EDIT_BAD_UTF8);
        check_state(&le);
        for (uint32_t k = 0; k < LINE_EDIT_HISTORY; k++)
            CHECK(memchr(le.hist[k], 0, sizeof le.hist[k]) != NULL);
    }
    return 0;
}
