/* kernel/spinlock.h: a test-and-test-and-set spinlock on GCC __atomic builtins
 * (inlined as LSE or LL/SC with -mno-outline-atomics). Interrupts are not
 * masked: nothing here is taken from interrupt context. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

typedef struct { int locked; } spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            __asm__ volatile("yield");
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
