/* kernel/cmdline.c: the kernel command line (see kernel/cmdline.h). */
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/shell.h"
#include "lib/string.h"

static char cmdline[1024];

void cmdline_init(const char *src)
{
    strlcpy(cmdline, src ? src : "", sizeof(cmdline));
}

const char *cmdline_text(void) { return cmdline; }

/* Walk "word key=value key="quoted value"" one word at a time. */
static const char *next_word(const char *p, const char **start, size_t *len)
{
    while (*p == ' ')
        p++;
    if (!*p)
        return NULL;
    *start = p;
    bool quoted = false;
    for (; *p && (quoted || *p != ' '); p++)
        if (*p == '"')
            quoted = !quoted;
    *len = (size_t)(p - *start);
    return p;
}

bool cmdline_get(const char *key, char *buf, size_t cap)
{
    size_t klen = strlen(key), len;
    const char *w;
    for (const char *p = cmdline; (p = next_word(p, &w, &len)) != NULL;) {
        if (len < klen || strncmp(w, key, klen) != 0 || (len > klen && w[klen] != '='))
            continue;
        size_t o = 0;
        for (size_t i = klen + 1; i < len; i++)
            if (w[i] != '"') {
                if (o + 1 >= cap)
                    return false;
                buf[o++] = w[i];
            }
        if (cap == 0)
            return false;
        buf[o] = 0;
        return true;
    }
    return false;
}

/* Known: `selftest[=filter]`, `init=...`, `icount` (llm bench) and any
 * "module.key=value" (its module asks with cmdline_get). */
void cmdline_check_words(void)
{
    const char *w;
    size_t len;
    for (const char *p = cmdline; (p = next_word(p, &w, &len)) != NULL;) {
        const char *eq = memchr(w, '=', len), *dot = memchr(w, '.', eq ? (size_t)(eq - w) : len);
        size_t klen = eq ? (size_t)(eq - w) : len;
        bool known = (klen == 8 && strncmp(w, "selftest", 8) == 0) ||
                     (klen == 4 && strncmp(w, "init", 4) == 0 && eq) ||
                     (klen == 6 && strncmp(w, "icount", 6) == 0 && !eq) || (dot && eq);
        if (!known)
            kprintf("cmdline: unknown word '%.*s' (ignored)\n", (int)len, w);
    }
}

void cmdline_run_init(void)
{
    static char cmds[1024];
    if (!cmdline_get("init", cmds, sizeof(cmds)))
        return;
    for (char *p = cmds; p && *p;) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = 0;
        while (*p == ' ')
            p++;
        if (*p) {
            kprintf("init> %s\n", p);
            shell_exec_line(p);
        }
        p = semi ? semi + 1 : NULL;
    }
}
