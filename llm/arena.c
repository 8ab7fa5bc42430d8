/* llm/arena.c: bump allocator over one block (see llm/arena.h). */
#include "llm/arena.h"
#include "lib/string.h"

void arena_init(struct arena *a, void *mem, size_t size)
{
    a->base = mem;
    a->size = mem ? size : 0;
    a->used = 0;
    a->peak = 0;
}

void *arena_alloc(struct arena *a, size_t bytes, size_t align)
{
    if (align == 0 || (align & (align - 1)))
        return NULL;
    /* Align the address, not the offset: the base need not be aligned itself. */
    uintptr_t base = (uintptr_t)a->base;
    uintptr_t cur = base + a->used;
    uintptr_t pad = (align - (cur & (align - 1))) & (align - 1);
    if (pad > a->size - a->used || bytes > a->size - a->used - pad)
        return NULL;
    uint8_t *p = a->base + a->used + pad;
    a->used += pad + bytes;
    if (a->used > a->peak)
        a->peak = a->used;
    memset(p, 0, bytes);
    return p;
}

size_t arena_mark(const struct arena *a)
{
    return a->used;
}

void arena_reset(struct arena *a, size_t mark)
{
    if (mark <= a->used)
        a->used = mark;
}
