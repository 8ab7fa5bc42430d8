/* llm/cli.h: what the two command lines share (the host CLI tools/host/llm_cli.c
 * and the kernel's `llm` shell command, kernel/llm_cmd.c): the generation and
 * sampler flags with llama.cpp's names, number parsing, and the lines that
 * print floats (the kernel side is built without FP registers). */
#ifndef LLM_CLI_H
#define LLM_CLI_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/generate.h"

struct cli_gen_opts {
    int32_t               n_predict;   /* -n: < 0 until EOG or a full context */
    uint32_t              n_ctx;       /* -c: 0 = the model's */
    uint32_t              n_batch;     /* -b: 0 = min(ctx, 512) */
    enum ggml_type        kv_type;     /* --kv-type f16|f32 */
    bool                  ignore_eos;  /* --ignore-eos: EOS never chosen */
    bool                  no_ctx_shift; /* --no-context-shift: stop at a full context */
    int32_t               n_keep;      /* --keep N: prompt tokens a shift keeps besides BOS */
    struct sampler_params sp;          /* --temp --top-k --top-p --min-p --repeat-penalty
                                          --repeat-last-n --seed */
};

/* llama.cpp's sampler defaults, F16 KV cache, the model's context. */
void cli_gen_opts_default(struct cli_gen_opts *o, int32_t n_predict);

/* If argv[*i] is one of the flags above, take it and its value (advancing *i
 * past them) and return 1; return 0 when it is not one of them; -1 with err
 * when its value is missing or bad. */
int  cli_parse_gen_flag(int argc, char **argv, int *i, struct cli_gen_opts *o, struct llm_err *err);

/* Decimal numbers: [+-]digits[.digits][e[+-]digits] within [lo, hi]. */
bool cli_parse_double(const char *s, double lo, double hi, double *out);
/* Integers: [+-]digits within [lo, hi], exact to 64 bits. */
bool cli_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
bool cli_parse_u64(const char *s, uint64_t *out);

/* "prompt 5 tok 12.3 ms (406.5 tok/s) | gen 64 tok 210.0 ms (304.8 tok/s) |
 * kv 69/512 | arena peak 312 KiB", then " | ctx shifts N" if any (one line,
 * no newline). */
int  cli_stats_line(const struct gen_stats *st, char *buf, size_t cap);

/* Run perplexity() (s made with all_logits) and describe the result in line:
 * "ppl 4.8894 over 693 predictions, ctx 128, 1.2 s" (no newline). */
int  cli_perplexity_line(struct session *s, const char *text, size_t len, char *line, size_t cap,
                         struct llm_err *err);

#endif
