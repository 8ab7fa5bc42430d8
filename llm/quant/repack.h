/* llm/quant/repack.h: Q4_0 matmul weights in the 4-row layout the NEON
 * kernels read fastest, as llama.cpp repacks Q4_0 at load. The layout has the
 * file's size (a group of 4 rows keeps its F16 scales), so it is made either
 * in place, in bytes the caller owns (the kernel's initrd, ESP or disk pages:
 * no memory spent; closing puts the file's bytes back), or in a copy (the
 * host's read-only mapping: memory for the copy). Results are bit-identical
 * to the file's own rows either way. */
#ifndef LLM_REPACK_H
#define LLM_REPACK_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "llm/error.h"
#include "llm/model/model.h"

/* The layout: for each group of 4 rows and each block of 32 columns, 72
 * bytes: the 4 rows' F16 scales, then their quant bytes by 32-bit word, word
 * g of rows 0..3 side by side (one SDOT-by-element operand per word). The
 * kernels widen the scales as they load them (FCVTL, exact), so the float
 * steps are those of the file's rows. */
#define REPACK_Q4_0X4_BLOCK 72
#define REPACK_Q4_0X4_QS    8    /* where the quant words start in a block */
size_t repack_q4_0x4_bytes(uint64_t n, uint64_t rows);
/* rows (a multiple of 4) Q4_0 rows of n values at w (rows back to back) into
 * dst, which must not overlap w; unrepack_q4_0x4 is the inverse. */
void   repack_q4_0x4(const void *w, uint64_t n, uint64_t rows, void *dst);
void   unrepack_q4_0x4(const void *src, uint64_t n, uint64_t rows, void *w);

/* Repack every matmul weight that the kernels in use read faster repacked
 * (Q4_0 with rows % 4 == 0) and point its tensor's `packed` at the result.
 * f is m's file. in_place: rewrite the file's bytes themselves (they must be
 * writable; a tied output matrix, which the embedding lookup reads as rows,
 * is left as it is); else copy. Returns the bytes repacked (0: nothing to
 * repack, or kernels without the layout), or -1 when out of memory, with
 * nothing changed. model_free undoes it (model_repack_free): frees the
 * copies, or puts the file's bytes back as they were. */
struct repack_progress {
    void (*fn)(void *ctx, uint64_t done, uint64_t total);   /* NULL: none; else after each tensor */
    void *ctx;
};
int64_t model_repack(struct model *m, struct gguf_file *f, bool in_place, const struct repack_progress *p,
                     struct llm_err *err);
void    model_repack_free(struct model *m);
/* The bytes model_repack would repack now (0 when the kernels in use lack
 * the layout): the memory a copy costs. */
uint64_t model_repackable_bytes(const struct model *m);

#endif
