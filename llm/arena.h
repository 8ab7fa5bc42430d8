/* llm/arena.h: a bump allocator over one block sized at model load.
 * Activations, KV cache and scratch live here; nothing is allocated in the token loop. */
#ifndef LLM_ARENA_H
#define LLM_ARENA_H
#include <stddef.h>
#include <stdint.h>

struct arena {
    uint8_t *base;
    size_t   size;
    size_t   used;
    size_t   peak;
};

void   arena_init(struct arena *a, void *mem, size_t size);
/* align must be a power of two; returns zeroed memory or NULL when the arena is full. */
void  *arena_alloc(struct arena *a, size_t bytes, size_t align);
size_t arena_mark(const struct arena *a);
void   arena_reset(struct arena *a, size_t mark);

#endif
