/* nats_hint.c — the table of publisher hints (contract in nats_hint.h).
 *
 * Each slot has a state word: FREE, BUSY (being written or taken) or READY with its sequence
 * number. A writer claims the slot its ticket points at (a READY slot there is overwritten:
 * the oldest hint is the one nobody took); a reader scans for the READY slot with the lowest
 * sequence that matches and claims it with a compare-and-swap. A reader that loses a race
 * simply finds no hint (a root span instead of a child: telemetry only). */
#include <stdatomic.h>
#include <string.h>
#include "preload/ga.h"
#include "plugins/nats/nats_hint.h"

enum { GA__FREE = 0, GA__BUSY = 1 };    /* READY = sequence << 1 | 1 ... never 0 or 1 */

typedef struct ga__hint {
    _Atomic uint64_t state;
    uint32_t hash;
    uint64_t body;
    uint64_t start_ns;
    ga_span_ctx parent;
} ga__hint;

static ga__hint ga__hints[GA_NATS_HINTS];
static _Atomic uint64_t ga__ticket;
static _Atomic int ga__live;            /* READY slots (approximate, never negative) */

uint32_t ga_nats_subject_hash(const uint8_t *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static int ga__ready(uint64_t st)
{
    return st >= 2;
}

void ga_nats_hint_put(uint32_t subj_hash, uint64_t body, const ga_span_ctx *parent,
                      uint64_t start_ns)
{
    uint64_t t = atomic_fetch_add_explicit(&ga__ticket, 1, memory_order_relaxed);
    ga__hint *h = &ga__hints[t % GA_NATS_HINTS];
    uint64_t st = atomic_load_explicit(&h->state, memory_order_relaxed);
    if (st == GA__BUSY ||
        !atomic_compare_exchange_strong_explicit(&h->state, &st, GA__BUSY, memory_order_acquire,
                                                 memory_order_relaxed))
        return;                         /* another thread is on that slot: drop the hint */
    if (!ga__ready(st))
        atomic_fetch_add_explicit(&ga__live, 1, memory_order_relaxed);
    h->hash = subj_hash;
    h->body = body;
    h->start_ns = start_ns;
    h->parent = *parent;
    atomic_store_explicit(&h->state, (t + 1) << 1, memory_order_release);
}

int ga_nats_hint_take(const uint8_t *subj, size_t subj_len, uint64_t body, uint64_t now_ns,
                      ga_span_ctx *parent, uint64_t *start_ns)
{
    if (atomic_load_explicit(&ga__live, memory_order_relaxed) <= 0)
        return 0;
    uint32_t subj_hash = ga_nats_subject_hash(subj, subj_len);
    ga__hint *best = NULL;
    uint64_t best_st = 0;
    for (int i = 0; i < GA_NATS_HINTS; i++) {
        ga__hint *h = &ga__hints[i];
        uint64_t st = atomic_load_explicit(&h->state, memory_order_acquire);
        if (!ga__ready(st) || h->hash != subj_hash || h->body != body)
            continue;
        if (best == NULL || st < best_st)
            best = h, best_st = st;
    }
    if (best == NULL || !atomic_compare_exchange_strong_explicit(&best->state, &best_st, GA__BUSY,
                                                                 memory_order_acquire,
                                                                 memory_order_relaxed))
        return 0;
    int fresh = now_ns < best->start_ns + GA_NATS_HINT_TTL_NS;
    if (fresh) {
        *parent = best->parent;
        *start_ns = best->start_ns;
    }
    atomic_fetch_sub_explicit(&ga__live, 1, memory_order_relaxed);
    atomic_store_explicit(&best->state, GA__FREE, memory_order_release);
    return fresh;
}

GA_FORK_PATH void ga_nats_hint_after_fork(void)
{
    /* Only what changes: every page written here is one the kernel copies for the child. */
    for (int i = 0; i < GA_NATS_HINTS; i++)
        if (atomic_load_explicit(&ga__hints[i].state, memory_order_relaxed) != GA__FREE)
            atomic_store_explicit(&ga__hints[i].state, GA__FREE, memory_order_relaxed);
    if (atomic_load_explicit(&ga__live, memory_order_relaxed) != 0)
        atomic_store_explicit(&ga__live, 0, memory_order_relaxed);
}
