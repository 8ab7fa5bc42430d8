/* kernel/line_edit.c: the shell's line editor (see line_edit.h). Redraws are
 * relative to the cursor (ESC [ n D/C, ESC [ K), so the editor never needs
 * to know the prompt; every character is taken to be one column wide. */
#include "kernel/line_edit.h"
#include "lib/printf.h"
#include "lib/string.h"

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static bool is_cont(char c)                     /* UTF-8 continuation byte */
{
    return ((uint8_t)c & 0xc0) == 0x80;
}

/* Screen columns of buf[from, to): one per character. */
static uint32_t columns(const struct line_edit *le, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < to; i++)
        n += !is_cont(le->buf[i]);
    return n;
}

static void emit(struct line_edit *le, const char *s, uint32_t n)
{
    if (n > sizeof le->out - le->out_len)
        n = (uint32_t)sizeof le->out - le->out_len;
    memcpy(le->out + le->out_len, s, n);
    le->out_len += n;
}

/* Move the terminal cursor n columns left ('D') or right ('C'). */
static void emit_move(struct line_edit *le, uint32_t n, char dir)
{
    char seq[16];
    if (n == 1 && dir == 'D')
        emit(le, "\b", 1);
    else if (n == 1)
        emit(le, "\x1b[C", 3);
    else if (n > 1)
        emit(le, seq, (uint32_t)snprintf(seq, sizeof seq, "\x1b[%u%c", n, dir));
}

/* Redraw from the cursor to the end, blanking 'erased' stale columns, and
 * put the terminal cursor back. */
static void redraw_tail(struct line_edit *le, uint32_t erased)
{
    emit(le, le->buf + le->cursor, le->len - le->cursor);
    for (uint32_t i = 0; i < erased; i++)
        emit(le, " ", 1);
    emit_move(le, columns(le, le->cursor, le->len) + erased, 'D');
}

static void move_to(struct line_edit *le, uint32_t pos)
{
    if (pos < le->cursor)
        emit_move(le, columns(le, pos, le->cursor), 'D');
    else
        emit_move(le, columns(le, le->cursor, pos), 'C');
    le->cursor = pos;
}

/* Replace the whole line with text (history recall, Ctrl-U). */
static void set_line(struct line_edit *le, const char *text)
{
    move_to(le, 0);
    emit(le, "\x1b[K", 3);
    le->len = (uint32_t)strlcpy(le->buf, text, sizeof le->buf);
    le->cursor = le->len;
    le->too_long = le->bad_utf8 = false;
    emit(le, le->buf, le->len);
}

static void insert(struct line_edit *le, const uint8_t *s, uint32_t n)
{
    if (le->too_long || le->len + n > LINE_EDIT_MAX) {
        le->too_long = true;                    /* reported when the line ends */
        return;
    }
    memmove(le->buf + le->cursor + n, le->buf + le->cursor, le->len - le->cursor + 1);
    memcpy(le->buf + le->cursor, s, n);
    le->len += n;
    emit(le, le->buf + le->cursor, n);
    le->cursor += n;
    redraw_tail(le, 0);
}

/* Remove the character starting at pos (which is before the cursor or at it). */
static void delete_at(struct line_edit *le, uint32_t pos)
{
    uint32_t end = pos + 1;
    while (end < le->len && is_cont(le->buf[end]))
        end++;
    move_to(le, pos);
    memmove(le->buf + pos, le->buf + end, le->len - end + 1);
    le->len -= end - pos;
    redraw_tail(le, 1);
}

static uint32_t prev_char(const struct line_edit *le, uint32_t pos)
{
    while (pos > 0 && is_cont(le->buf[--pos]))
        ;
    return pos;
}

static uint32_t next_char(const struct line_edit *le, uint32_t pos)
{
    while (pos < le->len && is_cont(le->buf[++pos]))
        ;
    return pos;
}

static const char *hist_entry(const struct line_edit *le, uint32_t k)   /* k-th newest, k >= 1 */
{
    return le->hist[(le->hist_next + LINE_EDIT_HISTORY - k) % LINE_EDIT_HISTORY];
}

static void hist_browse(struct line_edit *le, int step)    /* +1 older, -1 newer */
{
    uint32_t pos = le->hist_pos + (uint32_t)step;
    if ((step > 0 && pos > le->hist_count) || (step < 0 && le->hist_pos == 0))
        return;
    if (le->hist_pos == 0)
        strlcpy(le->saved, le->buf, sizeof le->saved);
    le->hist_pos = pos;
    set_line(le, pos ? hist_entry(le, pos) : le->saved);
}

static void hist_add(struct line_edit *le)
{
    if (le->len == 0 || (le->hist_count && strcmp(hist_entry(le, 1), le->buf) == 0))
        return;
    strlcpy(le->hist[le->hist_next], le->buf, sizeof le->hist[0]);
    le->hist_next = (le->hist_next + 1) % LINE_EDIT_HISTORY;
    if (le->hist_count < LINE_EDIT_HISTORY)
        le->hist_count++;
}

static enum line_edit_event end_line(struct line_edit *le, enum line_edit_event ev)
{
    emit(le, ev == LINE_EDIT_CANCEL ? "^C\n" : "\n", ev == LINE_EDIT_CANCEL ? 3 : 1);
    if (ev == LINE_EDIT_DONE && le->too_long)
        ev = LINE_EDIT_TOO_LONG;
    else if (ev == LINE_EDIT_DONE && le->bad_utf8)
        ev = LINE_EDIT_BAD_UTF8;
    if (ev == LINE_EDIT_DONE)
        hist_add(le);
    le->finished = true;
    le->hist_pos = 0;
    return ev;
}

/* The final byte of ESC [ ... or ESC O ... */
static void escape_final(struct line_edit *le, uint8_t c)
{
    if (c == '~')
        c = le->esc_param == 1 || le->esc_param == 7 ? 'H'
          : le->esc_param == 4 || le->esc_param == 8 ? 'F'
          : le->esc_param == 3 ? 'x' : 0;
    switch (c) {
    case 'A': hist_browse(le, +1); break;
    case 'B': hist_browse(le, -1); break;
    case 'C': move_to(le, next_char(le, le->cursor)); break;
    case 'D': move_to(le, prev_char(le, le->cursor)); break;
    case 'H': move_to(le, 0); break;
    case 'F': move_to(le, le->len); break;
    case 'x':
        if (le->cursor < le->len)
            delete_at(le, le->cursor);
        break;
    }
}

/* Returns true when c was part of an escape sequence. */
static bool escape_feed(struct line_edit *le, uint8_t c)
{
    switch (le->esc) {
    case ESC_START:
        le->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
        le->esc_param = 0;
        return c >= 0x20 && c < 0x7f;           /* ESC x (Alt-x) is dropped whole */
    case ESC_CSI:
        if (c >= '0' && c <= '9') {
            if (le->esc_param < 1000)
                le->esc_param = le->esc_param * 10 + (c - '0');
            return true;
        }
        if (c >= 0x20 && c < 0x40)              /* other parameter bytes */
            return true;
        /* fall through */
    case ESC_SS3:
        le->esc = ESC_NONE;
        if (c >= 0x40 && c <= 0x7e) {
            escape_final(le, c);
            return true;
        }
        return false;                           /* a control byte aborts the sequence */
    }
    return false;
}

/* Collect a UTF-8 character; insert it once complete and valid. */
static void utf8_feed(struct line_edit *le, uint8_t c)
{
    if (le->utf8_need == 0) {
        le->utf8_need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
        le->utf8[0] = c;
        le->utf8_len = 1;
        le->bad_utf8 |= le->utf8_need == 0;     /* a stray continuation or bad lead is dropped */
        return;
    }
    uint8_t lead = le->utf8[0], lo = 0x80, hi = 0xbf;
    if (le->utf8_len == 1) {                    /* no overlongs, surrogates or > U+10FFFF */
        lo = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
        hi = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
    }
    if (c < lo || c > hi) {
        le->utf8_need = 0;                      /* malformed: dropped */
        le->bad_utf8 = true;
        return;
    }
    le->utf8[le->utf8_len++] = c;
    if (le->utf8_len == le->utf8_need + 1) {
        le->utf8_need = 0;
        insert(le, le->utf8, le->utf8_len);
    }
}

void line_edit_init(struct line_edit *le)
{
    memset(le, 0, sizeof *le);
}

enum line_edit_event line_edit_feed(struct line_edit *le, uint8_t c)
{
    le->out_len = 0;
    if (le->finished) {
        le->finished = le->too_long = le->bad_utf8 = false;
        le->len = le->cursor = 0;
        le->buf[0] = '\0';
    }
    bool after_cr = le->after_cr;
    le->after_cr = false;
    if (le->esc != ESC_NONE && escape_feed(le, c))
        return LINE_EDIT_NONE;
    if ((c < 0x80 || (c & 0xc0) != 0x80) && le->utf8_need) {
        le->utf8_need = 0;                      /* an unfinished character is dropped */
        le->bad_utf8 = true;
    }
    if (c >= 0x80) {
        utf8_feed(le, c);
        return LINE_EDIT_NONE;
    }
    switch (c) {
    case '\r':
        le->after_cr = true;
        return end_line(le, LINE_EDIT_DONE);
    case '\n':
        return after_cr ? LINE_EDIT_NONE : end_line(le, LINE_EDIT_DONE);
    case 0x03:                                  /* Ctrl-C */
        return end_line(le, LINE_EDIT_CANCEL);
    case 0x7f: case 0x08:                       /* Backspace */
        if (le->cursor > 0)
            delete_at(le, prev_char(le, le->cursor));
        break;
    case 0x01: move_to(le, 0); break;           /* Ctrl-A */
    case 0x05: move_to(le, le->len); break;     /* Ctrl-E */
    case 0x15: set_line(le, ""); break;         /* Ctrl-U */
    case 0x1b: le->esc = ESC_START; break;
    default:
        if (c >= 0x20 && c < 0x7f)
            insert(le, &c, 1);
        break;
    }
    return LINE_EDIT_NONE;
}
