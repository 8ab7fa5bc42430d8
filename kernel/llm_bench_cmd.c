/* kernel/llm_bench_cmd.c: `llm bench` and `llm perplexity`, the measurements
 * of the loaded model (kernel/llm_cmd.c owns it). Both run on the model's own
 * session, never on a current `llm session`, so a conversation in progress
 * is not what is measured. */
#include "kernel/llm_cmd.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/vfs.h"
#include "llm/platform.h"
#include "arch/aarch64/arch.h"
#include "lib/parse.h"
#include "lib/string.h"
#include "llm/llm.h"

/* llm bench [-p N] [-n N] [-r N] [-t N[,N]] [-npl N[,N]]: llama-bench's pp and tg tests
 * on the loaded model (llm/bench.c prints the table: the kernel has no FP).
 * The kernel runs a job on one cpu or on all of them, so a count is 1 or all. */
int llm_cmd_bench(int argc, char **argv)
{
    struct llm_bench_opts o;
    struct llm_err err = {{0}};
    char flag[8];
    int bad = llm_parse_bench_args(argc, argv, 2, &o, &err);
    for (int k = 0; !bad && k < o.n_threads; k++)
        if (o.threads[k] != 1 && o.threads[k] != smp_cpu_count())
            bad = llm_errf(&err, "-t %d: this kernel runs 1 or all %d cpus", o.threads[k], smp_cpu_count());
    if (bad) {
        kprintf("llm bench: %s\nusage: llm bench [-p N] [-n N] [-r N] [-t 1|%d[,1|%d]] [-npl N[,N]]\n", err.msg,
                smp_cpu_count(), smp_cpu_count());
        return 1;
    }
    o.icount = cmdline_get("icount", flag, sizeof flag);
    const struct llm_session_opts so = { .kv_type = LLM_KV_F16 };
    struct llm_session *s = llm_cmd_model_session(&so, "llm bench");
    if (!s)
        return 1;
    const char *path = llm_cmd_model_path(), *name = strrchr(path, '/');
    o.model = name ? name + 1 : path;
    kprintf("llm bench: %s, %d cpu%s, cpu features %#x%s\n", path, smp_cpu_count(),
            smp_cpu_count() > 1 ? "s" : "", (unsigned)llm_cpu_features(),
            o.icount ? ", icount (1 ns = 1 instruction)" : "");
    int rc = llm_run_bench(s, &o, &err);
    llm_set_threads(0);
    if (rc)
        kprintf("llm bench: %s\n", err.msg);
    return rc != 0;
}

/* llm perplexity PATH [-c N]: llama-perplexity's chunked score of a text file. */
int llm_cmd_perplexity(int argc, char **argv)
{
    int64_t n_ctx = 0;
    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "-c") == 0 && parse_int(argv[4], 4, LLM_MAX_CTX, &n_ctx))) {
        kprintf("usage: llm perplexity PATH [-c N]   (N >= 4; default: the model's context)\n");
        return 1;
    }
    if (!llm_cmd_model())
        return 1;
    const void *text;
    size_t size, copied;
    int e = vfs_map(argv[2], &text, &size, &copied);
    if (e) {
        kprintf("llm perplexity: %s: %s\n", argv[2], vfs_strerror(e));
        return 1;
    }
    struct llm_err err = {{0}};
    const struct llm_session_opts so = { .n_ctx = (uint32_t)n_ctx, .kv_type = LLM_KV_F16, .all_logits = true };
    struct llm_session *s = llm_cmd_model_session(&so, "llm perplexity");
    struct llm_perplexity ppl;
    char line[160];
    int rc = !s || llm_compute_perplexity(s, text, size, &ppl, &err);
    if (s && rc) {
        kprintf("llm perplexity: %s\n", err.msg);
    } else if (s) {
        llm_format_perplexity(&ppl, line, sizeof line);
        kprintf("[llm] %s\n", line);
    }
    /* all_logits makes a large session: give it back now, infer makes its own. */
    llm_cmd_close_model_session();
    vfs_unmap(text);
    return rc;
}
