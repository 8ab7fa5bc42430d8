/* kernel/heap.c: kmalloc/kfree. Small blocks (up to 2 KiB with their header)
 * come from power-of-two free lists carved out of whole pages; larger ones
 * are page runs of their own. Every block starts with a 16-byte header that
 * says which, so kfree needs no size. */
#include "kernel/mm.h"
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define HDR        16u
#define MIN_SHIFT  5                    /* 32-byte blocks */
#define MAX_SHIFT  11                   /* 2048-byte blocks */
#define MAGIC      0x6b6d616cu          /* "kmal" */

struct hdr {
    uint32_t magic;
    uint32_t shift;                     /* size class, or 0 for a page run */
    uint64_t pages;                     /* page run length */
};

struct free_block { struct free_block *next; };

static spinlock_t lock;
static struct free_block *free_list[MAX_SHIFT + 1];
static uint64_t heap_pages, used_bytes, live_allocs;

static unsigned class_of(size_t total)
{
    unsigned s = MIN_SHIFT;
    while ((1ull << s) < total)
        s++;
    return s;
}

/* Carve one page into blocks of class s (lock held). */
static bool refill(unsigned s)
{
    uint8_t *page = page_alloc(1);
    if (!page)
        return false;
    heap_pages++;
    for (uint32_t off = 0; off + (1u << s) <= MM_PAGE; off += 1u << s) {
        struct free_block *b = (struct free_block *)(page + off);
        b->next = free_list[s];
        free_list[s] = b;
    }
    return true;
}

void *kmalloc(size_t n)
{
    if (n > (1ull << 40))
        return NULL;
    size_t total = n + HDR;
    struct hdr *h;
    spin_lock(&lock);
    if (total <= (1u << MAX_SHIFT)) {
        unsigned s = class_of(total);
        if (!free_list[s] && !refill(s)) {
            spin_unlock(&lock);
            return NULL;
        }
        h = (struct hdr *)free_list[s];
        free_list[s] = free_list[s]->next;
        *h = (struct hdr){ MAGIC, s, 0 };
        used_bytes += 1u << s;
    } else {
        uint64_t pages = (total + MM_PAGE - 1) / MM_PAGE;
        h = page_alloc(pages);
        if (!h) {
            spin_unlock(&lock);
            return NULL;
        }
        *h = (struct hdr){ MAGIC, 0, pages };
        heap_pages += pages;
        used_bytes += pages * MM_PAGE;
    }
    live_allocs++;
    spin_unlock(&lock);
    return (uint8_t *)h + HDR;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct hdr *h = (struct hdr *)((uint8_t *)p - HDR);
    if (((uintptr_t)p & (HDR - 1)) || h->magic != MAGIC || (h->shift && (h->shift < MIN_SHIFT || h->shift > MAX_SHIFT))) {
        kprintf("kfree: %p is not a kmalloc block\n", p);
        return;
    }
    spin_lock(&lock);
    h->magic = 0;
    live_allocs--;
    if (h->shift) {
        unsigned s = h->shift;
        used_bytes -= 1u << s;
        struct free_block *b = (struct free_block *)h;
        b->next = free_list[s];
        free_list[s] = b;
    } else {
        uint64_t pages = h->pages;
        heap_pages -= pages;
        used_bytes -= pages * MM_PAGE;
        page_free(h, pages);
    }
    spin_unlock(&lock);
}

void heap_get_stats(uint64_t *pages_bytes, uint64_t *used, uint64_t *allocs)
{
    spin_lock(&lock);
    *pages_bytes = heap_pages * MM_PAGE;
    *used = used_bytes;
    *allocs = live_allocs;
    spin_unlock(&lock);
}
