/* scratch.c — the scratch pool (scratch.h): GA_SCRATCH_SLOTS buffers and one 64-bit word of
 * "taken" bits, claimed with compare-and-swap. The pool lives in .bss, so a process that
 * never needs it has no page of it resident. */
#include <stdint.h>
#include "preload/ga.h"
#include "preload/scratch.h"

_Static_assert(GA_SCRATCH_SLOTS == 64, "the taken bits are one uint64_t");

static uint8_t ga__pool[GA_SCRATCH_SLOTS][GA_SCRATCH_SIZE] __attribute__((aligned(64)));
static _Atomic uint64_t ga__taken;
static GA_TLS uint64_t ga__mine;        /* slots this thread holds (for the fork child) */

void *ga_scratch_get(void)
{
    uint64_t t = atomic_load_explicit(&ga__taken, memory_order_relaxed);
    while (~t != 0) {
        int i = __builtin_ctzll(~t);
        uint64_t bit = 1ull << i;
        if (atomic_compare_exchange_weak_explicit(&ga__taken, &t, t | bit, memory_order_acquire,
                                                  memory_order_relaxed)) {
            ga__mine |= bit;
            return ga__pool[i];
        }
    }
    return NULL;
}

void ga_scratch_put(void *p)
{
    if (p == NULL)
        return;
    size_t i = (size_t)((uint8_t *)p - &ga__pool[0][0]) / GA_SCRATCH_SIZE;
    if (i >= GA_SCRATCH_SLOTS)
        return;                         /* not ours: cannot happen */
    uint64_t bit = 1ull << i;
    ga__mine &= ~bit;
    atomic_fetch_and_explicit(&ga__taken, ~bit, memory_order_release);
}

GA_FORK_PATH void ga_scratch_after_fork(void)
{
    atomic_store_explicit(&ga__taken, ga__mine, memory_order_relaxed);
}
