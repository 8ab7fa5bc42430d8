/* tests/host/selftest_main.c: run the SELFTEST()s of lib/ and llm/ on the host. */
#include <stdio.h>
#include "lib/selftest.h"

static void out(const char *line)
{
    puts(line);
}

int main(int argc, char **argv)
{
    return selftest_run(argc > 1 ? argv[1] : NULL, out) ? 1 : 0;
}
