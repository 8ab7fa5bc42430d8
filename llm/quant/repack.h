/* llm/quant/repack.h: an opt-in copy of a model's Q4_0 matmul weights in the
 * 4-row layout the NEON kernels read fastest, as llama.cpp repacks Q4_0 at
 * load. It trades zero-copy (the copy takes 80 bytes per 4 rows and block
 * where the file has 72) for fewer instructions per token; results are
 * bit-identical either way. */
#ifndef LLM_REPACK_H
#define LLM_REPACK_H
#include <stddef.h>
#include <stdint.h>
#include "llm/error.h"
#include "llm/model/model.h"

/* The layout: for each group of 4 rows and each block of 32 columns, 80
 * bytes: the 4 rows' scales as float, then their quant bytes by 32-bit word,
 * word g of rows 0..3 side by side (one SDOT-by-element operand per word). */
#define REPACK_Q4_0X4_BLOCK 80
size_t repack_q4_0x4_bytes(uint64_t n, uint64_t rows);
/* rows (a multiple of 4) Q4_0 rows of n values at w (rows back to back) into dst. */
void   repack_q4_0x4(const void *w, uint64_t n, uint64_t rows, void *dst);

/* Copy every matmul weight that the kernels in use read faster repacked
 * (Q4_0 with rows % 4 == 0) and point its tensor's `packed` at the copy.
 * f is m's file. Returns the bytes copied (0: nothing to repack, or kernels
 * without the layout), or -1 when out of memory, with nothing left copied.
 * model_free releases the copies (model_repack_free). */
int64_t model_repack(struct model *m, struct gguf_file *f, struct llm_err *err);
void    model_repack_free(struct model *m);

#endif
