/* kernel/mm.h: physical pages (contiguous runs of 4 KiB pages, identity
 * mapped: a page's address is its physical address) and the kernel heap. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H
#include <stddef.h>
#include <stdint.h>

#define MM_PAGE 4096u

void  mem_init(void);                      /* usable RAM from UEFI or the DTB, minus reservations */
/* Keep [base, base+size) out of the allocator. Before mem_init the range is
 * remembered (e.g. files loaded under UEFI); after, its free pages are taken. */
void  mem_reserve(uint64_t base, uint64_t size);
void *page_alloc(size_t n);                /* n contiguous pages, not zeroed; NULL if none */
void  page_free(void *p, size_t n);

void *kmalloc(size_t n);                   /* 16-byte aligned; NULL if out of memory */
void *kzalloc(size_t n);
void  kfree(void *p);

struct mem_stats {
    uint64_t ram_bytes;        /* usable RAM handed to the allocator at boot */
    uint64_t reserved_bytes;   /* of that, kept out (kernel, DTB, initrd, ...) */
    uint64_t free_bytes;       /* free pages now */
    uint64_t largest_free;     /* largest contiguous free run */
    uint64_t page_alloc_bytes; /* pages given out by page_alloc (heap's included) */
    uint64_t heap_pages_bytes; /* of those, pages the heap holds */
    uint64_t heap_used_bytes;  /* bytes in live kmalloc blocks (rounded to the block size) */
    uint64_t heap_allocs;      /* live kmalloc blocks */
};
void mem_get_stats(struct mem_stats *s);
void heap_get_stats(uint64_t *pages_bytes, uint64_t *used_bytes, uint64_t *allocs);

#endif
