/* ring.c — bounded MPSC record queue (contract in ring.h). */
#include <errno.h>
#include <sys/mman.h>
#include "preload/ring.h"
#include "preload/config.h"
#include "preload/log.h"
#include "preload/map_once.h"

/* A slot's sequence is stored minus its index, so a freshly mapped (zero) page already
 * holds the initial sequence (= index) of every slot in it: the ring needs no
 * initialisation pass and a slot's memory is touched only when the ring reaches it. */
typedef struct ga_slot {
    _Atomic uint64_t seq_rel;
    ga_rec rec;
} ga_slot;

_Static_assert(sizeof(ga_slot) == 512, "a slot is 512 bytes: 8 of sequence, 504 of record");

typedef struct ga_ring {
    uint32_t mask;
    uint32_t cap;
    char pad0[56];
    _Atomic uint64_t head;           /* next slot producers claim */
    char pad1[56];
    _Atomic uint64_t tail;           /* next slot the consumer reads */
    char pad2[56];
    ga_slot slots[];
} ga_ring;

static ga_map_once ga__ring_map = { .what = "the record queue", .log_kind = GA_LK_RING };
static _Atomic uint64_t ga__dropped;

static inline uint64_t ga__seq_load(ga_ring *r, uint64_t pos, memory_order mo)
{
    ga_slot *s = &r->slots[pos & r->mask];
    return atomic_load_explicit(&s->seq_rel, mo) + (pos & r->mask);
}

static inline void ga__seq_store(ga_ring *r, ga_slot *s, uint64_t seq, memory_order mo)
{
    atomic_store_explicit(&s->seq_rel, seq - (uint64_t)(s - r->slots), mo);
}

static size_t ga__ring_bytes(uint32_t cap)
{
    return sizeof(ga_ring) + (size_t)cap * sizeof(ga_slot);
}

/* The ring comes to a forked child as fresh zero pages (MADV_WIPEONFORK, Linux 4.14): fork does
 * not copy its page tables, and the child neither unmaps the parent's ring nor maps its own —
 * zero pages are an empty ring (see above) once the capacity is written again. 0: the kernel
 * refused, and the child unmaps it and maps its own on first use. */
/* Atomic: a second thread may map a ring of its own when the first is slow (map_once.h) and run
 * this init at the same time; both write the same values. */
static _Atomic int ga__wiped_on_fork;
static _Atomic uint32_t ga__cap;

static void ga__ring_init(void *region, void *arg)
{
    ga_ring *r = region;
    r->cap = *(const uint32_t *)arg;
    r->mask = r->cap - 1;
    atomic_store_explicit(&ga__cap, r->cap, memory_order_relaxed);
#ifdef MADV_WIPEONFORK
    int saved = errno;
    atomic_store_explicit(&ga__wiped_on_fork,
                          madvise(region, ga__ring_bytes(r->cap), MADV_WIPEONFORK) == 0,
                          memory_order_relaxed);
    errno = saved;
#endif
}

/* Mapped on first use (map_once.h): by one thread, the others arriving meanwhile wait for
 * it rather than drop their record or map a ring each. mmap: async-signal-safe, outside
 * malloc, and untouched pages cost no RSS. */
static ga_ring *ga__ring_get(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_acquire);
    if (ga_likely(r != NULL))
        return r;
    uint32_t cap = ga_cfg.queue_size ? ga_cfg.queue_size : 4096;
    return ga_map_once_get(&ga__ring_map, ga__ring_bytes(cap), ga__ring_init, &cap);
}

/* A slot of the mapped ring r, or NULL when full (counted in ga__dropped) or, with `half`, when
 * more than half the ring is waiting (not counted here: the caller counts its own drops). The
 * record is left as the slot's last use left it: every caller writes the whole header
 * (emit.c). Calls nothing. */
static inline ga_rec *ga__claim(ga_ring *r, int half)
{
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (half && pos - atomic_load_explicit(&r->tail, memory_order_relaxed) > r->cap / 2)
        return NULL;
    for (;;) {
        ga_slot *s = &r->slots[pos & r->mask];
        uint64_t seq = ga__seq_load(r, pos, memory_order_acquire);
        int64_t diff = (int64_t)(seq - pos);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                return &s->rec;
        } else if (diff < 0) {
            atomic_fetch_add_explicit(&ga__dropped, 1, memory_order_relaxed);
            return NULL;                         /* full: drop the newest */
        } else {
            pos = atomic_load_explicit(&r->head, memory_order_relaxed);
        }
    }
}

/* ga__claim on the ring, mapped first if need be (a mapping that fails counts a drop). */
static inline ga_rec *ga__reserve(int half)
{
    ga_ring *r = ga__ring_get();
    if (r == NULL) {
        atomic_fetch_add_explicit(&ga__dropped, 1, memory_order_relaxed);
        return NULL;
    }
    return ga__claim(r, half);
}

ga_rec *ga_ring_reserve(void)
{
    return ga__reserve(0);
}

ga_rec *ga_ring_reserve_mapped(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_acquire);
    return ga_likely(r != NULL) ? ga__claim(r, 0) : GA_RING_UNMAPPED;
}

ga_rec *ga_ring_reserve_half(void)
{
    return ga__reserve(1);
}

static ga_slot *ga__slot_of(ga_rec *rec)
{
    return (ga_slot *)((char *)rec - offsetof(ga_slot, rec));
}

void ga_ring_commit(ga_rec *rec)
{
    ga_slot *s = ga__slot_of(rec);
    uint64_t rel = atomic_load_explicit(&s->seq_rel, memory_order_relaxed);
    atomic_store_explicit(&s->seq_rel, rel + 1, memory_order_release);
}

ga_rec *ga_ring_peek(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_acquire);
    if (r == NULL)
        return NULL;
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    ga_slot *s = &r->slots[pos & r->mask];
    uint64_t seq = ga__seq_load(r, pos, memory_order_acquire);
    return seq == pos + 1 ? &s->rec : NULL;
}

void ga_ring_release(ga_rec *rec)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_relaxed);
    ga_slot *s = ga__slot_of(rec);
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    ga__seq_store(r, s, pos + r->cap, memory_order_release);
    atomic_store_explicit(&r->tail, pos + 1, memory_order_relaxed);
}

uint32_t ga_ring_depth(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_acquire);
    if (r == NULL)
        return 0;
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    return h > t ? (uint32_t)(h - t) : 0;
}

uint64_t ga_ring_dropped(void)
{
    return atomic_load_explicit(&ga__dropped, memory_order_relaxed);
}

uint32_t ga_ring_capacity(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_acquire);
    return r ? r->cap : 0;
}

/* The child has one thread, which is inside fork(), not inside the ring: unmapping the
 * parent's ring is safe, and records other parent threads were filling at fork time are
 * gone with it. A fresh ring is mapped on first use, so a pre-forked worker that never
 * touches a socket costs nothing, and one that does never re-exports the parent's data. */
GA_FORK_PATH void ga_ring_unmap(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_relaxed);
    atomic_store(&ga__dropped, 0);
    ga_map_once_reset(&ga__ring_map);
    if (r != NULL)
        munmap(r, ga__ring_bytes(atomic_load_explicit(&ga__cap, memory_order_relaxed)));
}

/* With MADV_WIPEONFORK the child's ring is already empty: only its capacity is written again
 * (the header page is the one the child's first record writes anyway). */
GA_FORK_PATH void ga_ring_after_fork(void)
{
    ga_ring *r = atomic_load_explicit(&ga__ring_map.ptr, memory_order_relaxed);
    if (r == NULL || !atomic_load_explicit(&ga__wiped_on_fork, memory_order_relaxed)) {
        ga_ring_unmap();
        return;
    }
    if (atomic_load_explicit(&ga__dropped, memory_order_relaxed) != 0)
        atomic_store(&ga__dropped, 0);
    r->cap = atomic_load_explicit(&ga__cap, memory_order_relaxed);  /* zero pages otherwise: head = tail = 0 */
    r->mask = r->cap - 1;
}
