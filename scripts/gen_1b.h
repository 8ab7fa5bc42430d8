/* scripts/gen_1b.h: gen_gguf --shape 1b (scripts/gen_1b.c). */
#ifndef SCRIPTS_GEN_1B_H
#define SCRIPTS_GEN_1B_H

/* Parse gen_gguf's arguments for --shape 1b and write the file; the exit status. */
int gen_1b_main(int argc, char **argv);

#endif
