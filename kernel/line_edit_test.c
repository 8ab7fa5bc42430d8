/* kernel/line_edit_test.c: the line editor driven by byte strings, checking
 * the line, the event and the terminal output it produces. */
#include "kernel/line_edit.h"
#include "lib/selftest.h"
#include "lib/string.h"

static struct line_edit le;                 /* ~10 KB: not on the stack */
static char out[4096];
static uint32_t out_n;

/* Feed every byte of s; return the event of the last byte, collect output. */
static enum line_edit_event feed(const char *s)
{
    enum line_edit_event ev = LINE_EDIT_NONE;
    out_n = 0;
    for (; *s; s++) {
        ev = line_edit_feed(&le, (uint8_t)*s);
        if (out_n + le.out_len < sizeof out) {
            memcpy(out + out_n, le.out, le.out_len);
            out_n += le.out_len;
        }
    }
    out[out_n] = '\0';
    return ev;
}

#define CHECK_LINE(input, want) \
    ST_CHECK(feed(input) == LINE_EDIT_DONE && strcmp(le.buf, want) == 0, \
             "after %s: event/line '%s', want '%s'", #input, le.buf, want)

SELFTEST(line_edit_insert_and_move)
{
    line_edit_init(&le);
    ST_CHECK(feed("help\r") == LINE_EDIT_DONE && strcmp(le.buf, "help") == 0, "plain line");
    ST_CHECK(strcmp(out, "help\n") == 0, "echo of a plain line: '%s'", out);
    ST_CHECK(feed("ac\x1b[Db") == LINE_EDIT_NONE && strcmp(le.buf, "abc") == 0 && le.cursor == 2, "insert mid-line");
    ST_CHECK(strcmp(out, "ac\bbc\b") == 0, "mid-line insert redraws the tail and steps back: '%s'", out);
    CHECK_LINE("\x1b[C\x1b[C\x1b[Cd\r", "abcd");            /* right stops at the end */
    CHECK_LINE("world\x01hello \x05!\n", "hello world!");
    ST_CHECK(feed("xyz\x01") == LINE_EDIT_NONE && strcmp(out, "xyz\x1b[3D") == 0, "home moves by 3: '%s'", out);
    ST_CHECK(feed("\x05") == LINE_EDIT_NONE && strcmp(out, "\x1b[3C") == 0, "end moves by 3: '%s'", out);
    CHECK_LINE("\x1bOH>\x1b[F<\x1b[1~[\x1b[4~]\r", "[>xyz<]");
}

SELFTEST(line_edit_delete_and_kill)
{
    line_edit_init(&le);
    ST_CHECK(feed("abx\x7f") == LINE_EDIT_NONE && strcmp(out, "abx\b \b") == 0, "backspace at end: '%s'", out);
    CHECK_LINE("\x08\x08\x08\x7f" "q\r", "q");              /* backspace at column 0 is harmless */
    feed("abcd\x1b[D\x1b[D\x7f");
    ST_CHECK(strcmp(le.buf, "acd") == 0 && le.cursor == 1, "backspace mid-line: '%s'", le.buf);
    ST_CHECK(strcmp(out, "abcd\b\b\bcd \x1b[3D") == 0, "backspace mid-line redraw: '%s'", out);
    CHECK_LINE("\x1b[3~\r", "ad");                           /* Delete removes the char under the cursor */
    CHECK_LINE("junk\x15ok\n", "ok");
    ST_CHECK(feed("abc\x03") == LINE_EDIT_CANCEL && strcmp(out, "abc^C\n") == 0, "Ctrl-C cancels: '%s'", out);
    CHECK_LINE("x\r", "x");
}

SELFTEST(line_edit_line_endings)
{
    line_edit_init(&le);
    ST_CHECK(feed("a\r") == LINE_EDIT_DONE && strcmp(le.buf, "a") == 0, "CR ends a line");
    ST_CHECK(feed("\n") == LINE_EDIT_NONE, "the LF of CRLF is not a second (empty) line");
    ST_CHECK(feed("b\n") == LINE_EDIT_DONE && strcmp(le.buf, "b") == 0, "LF ends a line");
    ST_CHECK(feed("\n") == LINE_EDIT_DONE && le.buf[0] == '\0', "a lone LF is an empty line");
    ST_CHECK(feed("\r") == LINE_EDIT_DONE && feed("\r") == LINE_EDIT_DONE, "CR CR is two lines");
    CHECK_LINE("\x1b\r", "");                                /* ESC then Enter still ends the line */
    CHECK_LINE("t\tx\x07y\x1bz\x1b[5~\x1b[1;5C.\r", "txy.");  /* tab, bell, Alt-z, PgUp, Ctrl-Right dropped */
}

SELFTEST(line_edit_history)
{
    line_edit_init(&le);
    feed("one\r");
    feed("two\r");
    feed("two\r");                                           /* repeated: stored once */
    feed("\r");                                              /* empty: not stored */
    ST_CHECK(le.hist_count == 2, "history holds %u entries, want 2", le.hist_count);
    feed("par\x1b[A");
    ST_CHECK(strcmp(le.buf, "two") == 0, "up recalls the newest: '%s'", le.buf);
    ST_CHECK(strcmp(out, "par\x1b[3D\x1b[Ktwo") == 0, "recall redraw: '%s'", out);
    feed("\x1b[A\x1b[A");
    ST_CHECK(strcmp(le.buf, "one") == 0, "up stops at the oldest: '%s'", le.buf);
    feed("\x1b[B\x1b[B");
    ST_CHECK(strcmp(le.buf, "par") == 0, "down past the newest restores the new line: '%s'", le.buf);
    CHECK_LINE("\x1b[A!\r", "two!");                         /* a recalled line can be edited */
    ST_CHECK(strcmp(le.hist[1], "two") == 0, "editing a recalled line leaves the entry alone");

    line_edit_init(&le);
    char cmd[8] = "cmd00\r";
    for (int i = 0; i < LINE_EDIT_HISTORY + 4; i++) {
        cmd[3] = (char)('0' + i / 10);
        cmd[4] = (char)('0' + i % 10);
        feed(cmd);
    }
    for (int i = 0; i < LINE_EDIT_HISTORY + 3; i++)
        feed("\x1b[A");
    ST_CHECK(strcmp(le.buf, "cmd04") == 0, "oldest kept entry: '%s'", le.buf);
}

SELFTEST(line_edit_too_long)
{
    static char longline[LINE_EDIT_MAX + 64];
    line_edit_init(&le);
    memset(longline, 'x', LINE_EDIT_MAX);
    longline[LINE_EDIT_MAX] = '\r';
    longline[LINE_EDIT_MAX + 1] = '\0';
    ST_CHECK(feed(longline) == LINE_EDIT_DONE && le.len == LINE_EDIT_MAX, "a line of exactly the maximum fits");
    memset(longline, 'y', LINE_EDIT_MAX + 40);
    longline[LINE_EDIT_MAX + 40] = '\n';
    longline[LINE_EDIT_MAX + 41] = '\0';
    ST_CHECK(feed(longline) == LINE_EDIT_TOO_LONG, "an overlong line is rejected");
    ST_CHECK(le.len <= LINE_EDIT_MAX && le.buf[le.len] == '\0', "buffer not overflowed");
    ST_CHECK(le.hist_count == 1, "a rejected line is not remembered");
    CHECK_LINE("ok\r", "ok");
}

SELFTEST(line_edit_utf8)
{
    line_edit_init(&le);
    CHECK_LINE("h\xc3\xa9!\r", "h\xc3\xa9!");
    CHECK_LINE("h\xc3\xa9\x1b[Dx\r", "hx\xc3\xa9");          /* left steps over the 2-byte char */
    ST_CHECK(strstr(out, "x\xc3\xa9\b") != NULL, "redraw counts one column per character: '%s'", out);
    CHECK_LINE("a\xe2\x82\xac\xf0\x9f\x99\x82\x7f\x7f" "b\r", "ab");   /* backspace removes whole characters */
    /* Malformed bytes are dropped from the text and the line is rejected. */
    static const char *const bad[] = { "\xff", "\xfe", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe0\x80\x80",
                                       "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82" "A", "\xc3" };
    char line[32];
    for (uint32_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = strlen(bad[i]);
        line[0] = '(';
        memcpy(line + 1, bad[i], n);
        memcpy(line + 1 + n, "z\r", 3);
        enum line_edit_event ev = feed(line);
        ST_CHECK(ev == LINE_EDIT_BAD_UTF8 && le.buf[0] == '(' && strchr(le.buf, 'z') && !strchr(le.buf, (char)0xff),
                 "malformed case %u: event %d, line '%s'", i, (int)ev, le.buf);
    }
    ST_CHECK(le.hist_count == 3, "rejected lines are not remembered: %u entries", le.hist_count);
    CHECK_LINE("\xe2\x82\x15ok\r", "ok");                     /* Ctrl-U clears the line and its fault */
    CHECK_LINE("\xf0\x9f\x99\x82\r", "\xf0\x9f\x99\x82");     /* and the next line starts clean */
}
