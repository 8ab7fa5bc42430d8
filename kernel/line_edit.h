/* kernel/line_edit.h: the shell's line editor as a pure state machine: feed it
 * one input byte, get an event, and write le->out (the terminal output that
 * byte caused, with ANSI cursor moves) to the console. No I/O here, so the
 * selftests drive it with byte strings.
 *
 * Keys: printable ASCII and valid UTF-8 insert at the cursor; Backspace (0x7f,
 * 0x08) and Delete (ESC [ 3 ~); Left/Right (ESC [ D / C); Home/End (Ctrl-A /
 * Ctrl-E, ESC [ H / F, ESC [ 1 ~ / 4 ~); Ctrl-U clears the line; Ctrl-C cancels
 * it; Up/Down (ESC [ A / B) walk the history. "\r", "\n" and "\r\n" each end a
 * line. Other control bytes are dropped. A line longer than LINE_EDIT_MAX
 * bytes is reported as LINE_EDIT_TOO_LONG when it ends, one that had malformed
 * UTF-8 (dropped from the text) as LINE_EDIT_BAD_UTF8: the caller rejects it
 * rather than run what is left. */
#ifndef KERNEL_LINE_EDIT_H
#define KERNEL_LINE_EDIT_H
#include <stdbool.h>
#include <stdint.h>

#define LINE_EDIT_MAX     512   /* bytes of text in a line */
#define LINE_EDIT_HISTORY 16    /* remembered lines */

enum line_edit_event {
    LINE_EDIT_NONE,             /* keep feeding */
    LINE_EDIT_DONE,             /* le->buf holds the finished line (until the next feed) */
    LINE_EDIT_CANCEL,           /* Ctrl-C: the line was dropped */
    LINE_EDIT_TOO_LONG,         /* the line ended but overflowed: dropped */
    LINE_EDIT_BAD_UTF8,         /* the line ended but had malformed UTF-8: dropped */
};

struct line_edit {
    char     buf[LINE_EDIT_MAX + 1];    /* NUL-terminated text */
    uint32_t len, cursor;               /* bytes; cursor sits on a UTF-8 boundary */
    bool     finished;                  /* the next feed starts a new line */
    bool     too_long;
    bool     bad_utf8;                  /* malformed UTF-8 was dropped from this line */
    bool     after_cr;                  /* a '\n' right after '\r' is not a second line */
    uint8_t  esc;                       /* escape sequence parser state */
    uint32_t esc_param;
    uint8_t  utf8[4];                   /* a multi-byte character being collected */
    uint8_t  utf8_len, utf8_need;
    char     hist[LINE_EDIT_HISTORY][LINE_EDIT_MAX + 1];
    uint32_t hist_count, hist_next;     /* ring: stored lines, slot for the next one */
    uint32_t hist_pos;                  /* 0: the new line; k: the k-th newest entry */
    char     saved[LINE_EDIT_MAX + 1];  /* the new line while browsing history */
    char     out[2 * LINE_EDIT_MAX + 64];
    uint32_t out_len;                   /* bytes of out produced by the last feed */
};

void line_edit_init(struct line_edit *le);
enum line_edit_event line_edit_feed(struct line_edit *le, uint8_t byte);

#endif
