/* inbound.c — the slots of inbound rewrites (contracts in inbound.h). */
#include <string.h>
#include "preload/ga.h"
#include "preload/inbound.h"

ga_inbound ga_inbound_pool[GA_INBOUND_SLOTS];
_Atomic int ga_inbound_live;

int ga_inbound_attach(ga_fd *e, uint32_t gen, ga_inbound_fn fn, const void *st, size_t st_len)
{
    if (st_len > GA_INBOUND_STATE || atomic_load_explicit(&e->xin, memory_order_relaxed) != 0)
        return 0;
    for (unsigned i = 0; i < GA_INBOUND_SLOTS; i++) {
        ga_inbound *s = &ga_inbound_pool[i];
        uint8_t free_ = 0;
        if (!atomic_compare_exchange_strong_explicit(&s->used, &free_, 1, memory_order_acquire,
                                                     memory_order_relaxed))
            continue;
        ga_inbound_lock(s);             /* a reader of the slot's last life may still look */
        s->ready = s->held = 0;
        s->fn = fn;
        s->gen = gen;
        memset(s->st, 0, sizeof s->st);
        memcpy(s->st, st, st_len);
        ga_inbound_unlock(s);
        atomic_fetch_add_explicit(&ga_inbound_live, 1, memory_order_relaxed);
        atomic_store_explicit(&e->xin, (uint8_t)(i + 1), memory_order_release);
        return 1;
    }
    return 0;
}

void ga_inbound_detach(ga_fd *e)
{
    unsigned i = atomic_exchange_explicit(&e->xin, 0, memory_order_acq_rel);
    if (i == 0 || i > GA_INBOUND_SLOTS)
        return;
    ga_inbound *s = &ga_inbound_pool[i - 1];
    ga_inbound_lock(s);                 /* a reader still moving its bytes finishes first */
    s->ready = s->held = 0;
    ga_inbound_unlock(s);
    atomic_fetch_sub_explicit(&ga_inbound_live, 1, memory_order_relaxed);
    atomic_store_explicit(&s->used, 0, memory_order_release);
}

void ga_inbound_lock(ga_inbound *s)
{
    uint8_t expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&s->lock, &expected, 1, memory_order_acquire,
                                                  memory_order_relaxed)) {
        expected = 0;
        ga_cpu_relax();
    }
}

void ga_inbound_unlock(ga_inbound *s)
{
    atomic_store_explicit(&s->lock, 0, memory_order_release);
}
