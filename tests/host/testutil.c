/* tests/host/testutil.c: helpers shared by the host test programs (see testutil.h and testutil_gguf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/testutil_gguf.h"

uint8_t *tu_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    uint8_t *buf = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *size = (size_t)n;
    }
    return buf;
}

bool tu_gguf_load(struct tu_gguf *g, const char *path)
{
    memset(g, 0, sizeof *g);
    g->buf = tu_read_file(path, &g->size);
    if (!g->buf) {
        snprintf(g->err.msg, sizeof g->err.msg, "cannot read %s", path);
        return false;
    }
    g->ok = gguf_open(&g->f, g->buf, g->size, &g->err) == 0;
    return g->ok;
}

void tu_gguf_free(struct tu_gguf *g)
{
    if (g->ok)
        gguf_close(&g->f);
    free(g->buf);
    g->buf = NULL;
    g->ok = false;
}

int tu_n_fail;

void tu_check(bool ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        printf("PASS %s\n", name);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    tu_n_fail++;
}

void tu_gen_path(char *out, size_t cap, const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    snprintf(out, cap, "%.*sgen_gguf", slash ? (int)(slash - argv0 + 1) : 0, argv0);
}

int tu_each_broken(const char *gen, void (*fn)(void *ctx, const char *kind, const char *layer,
                                               const char *expect), void *ctx)
{
    char cmd[600], line[512];
    snprintf(cmd, sizeof cmd, "'%s' --list-broken", gen);
    FILE *p = popen(cmd, "r");
    int kinds = 0;
    while (p && fgets(line, sizeof line, p)) {
        char *kind = strtok(line, "\t"), *layer = strtok(NULL, "\t"), *expect = strtok(NULL, "\t\n");
        if (!kind || !layer || !expect)
            continue;
        kinds++;
        fn(ctx, kind, layer, expect);
    }
    if (p)
        pclose(p);
    return kinds;
}
