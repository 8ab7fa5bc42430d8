/* llm/cli_test.c: selftests for llm/cli.c: decimal parsing at its edges, the
 * generation flags (values, missing values, unknown flags), and the exact
 * text of the statistics line. */
#include "lib/selftest.h"
#include "lib/string.h"
#include "llm/cli.h"

SELFTEST(cli_parse_numbers)
{
    double x;
    ST_CHECK(cli_parse_double("0.8", 0, 1, &x) && (float)x == 0.8f, "0.8 -> %g", x);
    ST_CHECK(cli_parse_double("-1.5e-3", -1, 1, &x) && x == -1.5e-3, "-1.5e-3 -> %g", x);
    ST_CHECK(cli_parse_double("2E2", 0, 1000, &x) && x == 200, "2E2 -> %g", x);
    ST_CHECK(cli_parse_double(".5", 0, 1, &x) && x == 0.5, ".5 -> %g", x);
    ST_CHECK(!cli_parse_double("", 0, 1, &x) && !cli_parse_double(".", 0, 1, &x), "empty accepted");
    ST_CHECK(!cli_parse_double("1.5x", 0, 10, &x) && !cli_parse_double("1e", 0, 10, &x), "junk accepted");
    ST_CHECK(!cli_parse_double("1.01", 0, 1, &x), "out of range accepted");
    ST_CHECK(cli_parse_double("1e+2", 0, 1000, &x) && x == 100 && !cli_parse_double("1e0x1", 0, 1000, &x) &&
             !cli_parse_double("1e301", 0, 1e308, &x) && !cli_parse_double("1e+-2", 0, 1, &x), "exponents");
}

SELFTEST(cli_gen_flags)
{
    char *argv[] = { "infer", "-n", "7", "--temp", "0", "--top-k", "5", "--kv-type", "f32",
                     "--seed", "42", "--ignore-eos", "word", "--min-p" };
    int argc = (int)(sizeof argv / sizeof argv[0]), i = 1;
    struct llm_gen_opts o;
    struct llm_err err = {{0}};
    llm_default_gen_opts(&o, 128);
    ST_CHECK(o.n_predict == 128 && o.sp.temp == 0.8f && o.sp.top_k == 40 && o.kv_type == LLM_KV_F16,
             "defaults");
    while (i < 12)
        ST_CHECK(llm_parse_gen_flag(argc, argv, &i, &o, &err) == 1, "flag %s: %s", argv[i], err.msg);
    ST_CHECK(i == 12, "stopped at %d", i);
    ST_CHECK(o.n_predict == 7 && o.sp.temp == 0 && o.sp.top_k == 5 && o.kv_type == LLM_KV_F32 &&
             o.sp.seed == 42 && o.ignore_eos, "values not taken");
    ST_CHECK(llm_parse_gen_flag(argc, argv, &i, &o, &err) == 0 && i == 12, "a word taken as a flag");
    i = 13;
    ST_CHECK(llm_parse_gen_flag(argc, argv, &i, &o, &err) == -1 && strstr(err.msg, "needs a value"),
             "missing value: %s", err.msg);
    char *bad[] = { "infer", "--kv-type", "q4" };
    i = 1;
    ST_CHECK(llm_parse_gen_flag(3, bad, &i, &o, &err) == -1 && strstr(err.msg, "'q4'"), "bad kv type");
    char *shift[] = { "infer", "--keep", "-1", "--no-context-shift", "--keep", "-2" };
    ST_CHECK(o.n_keep == 0 && !o.no_ctx_shift, "shift defaults: keep %d, no shift %d", o.n_keep, o.no_ctx_shift);
    for (i = 1; i < 4;)
        ST_CHECK(llm_parse_gen_flag(6, shift, &i, &o, &err) == 1, "flag %s: %s", shift[i], err.msg);
    ST_CHECK(o.n_keep == -1 && o.no_ctx_shift, "keep %d, no shift %d", o.n_keep, o.no_ctx_shift);
    ST_CHECK(llm_parse_gen_flag(6, shift, &i, &o, &err) == -1 && strstr(err.msg, "'-2'"), "--keep -2 accepted");
}

SELFTEST(llm_format_stats_format)
{
    struct llm_stats st = { .n_prompt = 5, .n_gen = 64, .prompt_ns = 12300000, .gen_ns = 210000000,
                            .kv_used = 69, .kv_capacity = 512, .arena_peak = 312 * 1024 };
    char buf[256];
    llm_format_stats(&st, buf, sizeof buf);
    ST_CHECK(strcmp(buf, "prompt 5 tok 12.3 ms (406.5 tok/s) | gen 64 tok 210.0 ms (304.8 tok/s) | "
                         "kv 69/512 | arena peak 312 KiB") == 0, "got '%s'", buf);
    st.n_shifts = 3;
    llm_format_stats(&st, buf, sizeof buf);
    ST_CHECK(strstr(buf, "arena peak 312 KiB | ctx shifts 3") != NULL, "got '%s'", buf);
}
