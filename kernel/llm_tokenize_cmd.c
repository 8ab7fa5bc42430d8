/* kernel/llm_tokenize_cmd.c: `llm tokenize`, the ids and pieces of a text on
 * the loaded model's vocabulary (kernel/llm_cmd.c owns the model), and `llm
 * tokenize-cases`, llama.cpp's tokenizer test files run on any vocabulary. */
#include "kernel/llm_cmd.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/vfs.h"
#include "lib/string.h"
#include "llm/llm.h"

/* A token's bytes quoted, with control and non-ASCII bytes as \xNN. */
static void print_piece(const char *s, int n)
{
    char buf[4 * 256 + 1];
    size_t o = 0;
    for (int i = 0; i < n && o + 5 < sizeof buf; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
            buf[o++] = (char)c;
        } else {
            static const char hex[] = "0123456789abcdef";
            buf[o++] = '\\', buf[o++] = 'x', buf[o++] = hex[c >> 4], buf[o++] = hex[c & 15];
        }
    }
    buf[o] = 0;
    kprintf("'%s'", buf);
}

/* llm tokenize TEXT...: the count, the ids, then each id and its piece. */
int llm_cmd_tokenize(int argc, char **argv)
{
    struct llm_model *m = llm_cmd_model();
    if (!m)
        return 1;
    size_t len;
    char *text = llm_cmd_join_words(argc, argv, 2, &len);
    int cap = (int)len + 2;
    int32_t *ids = kmalloc((size_t)cap * sizeof(int32_t));
    struct llm_model_info mi;
    llm_get_model_info(m, &mi);
    int n = text && ids ? llm_tokenize(m, text, len, mi.add_bos, true, ids, cap) : -1;
    if (n < 0) {
        kprintf("llm tokenize: %s\n", text && ids ? "tokenizing failed" : "out of memory");
    } else {
        kprintf("%d tokens\n", n);
        llm_cmd_print_ids("ids: ", ids, (uint32_t)n);
        char piece[512];
        for (int i = 0; i < n; i++) {
            int pn = llm_detokenize(m, i ? ids[i - 1] : -1, ids[i], piece, (int)sizeof piece);
            kprintf("%6d ", (int)ids[i]);
            print_piece(piece, pn);
            kprintf("\n");
        }
    }
    kfree(ids);
    kfree(text);
    return n < 0;
}

static void write_case_line(void *ctx, const char *s, size_t n)
{
    bool *line_start = ctx;
    if (*line_start)
        kprintf("case:");
    console_write(s, n);
    *line_start = n > 0 && s[n - 1] == '\n';
}

/* llm tokenize-cases VOCAB.gguf FILE.inp: llama.cpp's tokenizer test cases,
 * each printed as "case:" and its .out line. Only the vocabulary is read, so
 * vocab-only files work (llm load wants tensors); the loaded model stays. */
int llm_cmd_tokenize_cases(int argc, char **argv)
{
    if (argc != 4) {
        kprintf("usage: llm tokenize-cases VOCAB.gguf FILE.inp\n");
        return 1;
    }
    const void *vocab, *inp;
    size_t vsize, isize, copied;
    int e = vfs_map(argv[2], &vocab, &vsize, &copied);
    if (e) {
        kprintf("llm tokenize-cases: %s: %s\n", argv[2], vfs_strerror(e));
        return 1;
    }
    if ((e = vfs_map(argv[3], &inp, &isize, &copied))) {
        kprintf("llm tokenize-cases: %s: %s\n", argv[3], vfs_strerror(e));
        vfs_unmap(vocab);
        return 1;
    }
    struct llm_model *m;
    struct llm_model_opts mo = { .vocab_only = true };
    struct llm_err err = {{0}};
    int n = -1;
    bool line_start = true;
    if (llm_open_model(&m, vocab, vsize, &mo, &err) == 0) {
        n = llm_tokenize_cases(m, inp, isize, write_case_line, &line_start);
        llm_close_model(m);
    }
    if (n < 0)
        kprintf("llm tokenize-cases: %s\n", err.msg[0] ? err.msg : "failed");
    else
        kprintf("llm tokenize-cases: %s: %d cases\n", argv[3], n);
    vfs_unmap(inp);
    vfs_unmap(vocab);
    return n < 0;
}
