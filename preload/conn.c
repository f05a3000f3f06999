/* conn.c — the bounded pool of per-connection protocol states (contract in conn.h). */
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include "preload/conn.h"
#include "preload/log.h"

#define GA_CONN_CHUNK   64
#define GA_CONN_CHUNKS  64                  /* at most 4096 parsed connections at once */

static ga_conn *_Atomic ga__chunks[GA_CONN_CHUNKS];
static _Atomic uint64_t ga__free;          /* Treiber stack head: pointer | 16-bit ABA tag */
static _Atomic uint32_t ga__in_use;
static _Atomic uint64_t ga__refused;
static _Atomic int ga__chunk_lock;

#define GA_TAG_BITS 16
#define GA_PTR(v)  ((ga_conn *)(uintptr_t)((v) >> GA_TAG_BITS))
#define GA_PACK(p, tag) (((uint64_t)(uintptr_t)(p) << GA_TAG_BITS) | ((tag) & 0xffff))

/* x86-64 and arm64 user pointers fit in 48 bits, so pointer << 16 loses nothing. */
static void ga__push(ga_conn *c)
{
    uint64_t old = atomic_load(&ga__free), nv;
    do {
        atomic_store_explicit(&c->next_free, GA_PTR(old), memory_order_relaxed);
        nv = GA_PACK(c, (old & 0xffff) + 1);
    } while (!atomic_compare_exchange_weak(&ga__free, &old, nv));
}

static ga_conn *ga__pop(void)
{
    uint64_t old = atomic_load(&ga__free), nv;
    ga_conn *c;
    do {
        c = GA_PTR(old);
        if (c == NULL)
            return NULL;
        ga_conn *next = atomic_load_explicit(&c->next_free, memory_order_relaxed);
        nv = GA_PACK(next, (old & 0xffff) + 1);   /* slots are never unmapped */
    } while (!atomic_compare_exchange_weak(&ga__free, &old, nv));
    return c;
}

/* Map one more chunk onto the free list; one thread at a time (others just fail over). */
static int ga__grow(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&ga__chunk_lock, &expected, 1))
        return 0;
    int grown = 0;
    for (int i = 0; i < GA_CONN_CHUNKS; i++) {
        if (atomic_load(&ga__chunks[i]) != NULL)
            continue;
        void *m = mmap(NULL, GA_CONN_CHUNK * sizeof(ga_conn), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            ga_conn *c = m;
            atomic_store(&ga__chunks[i], c);
            for (int j = 0; j < GA_CONN_CHUNK; j++)
                ga__push(&c[j]);
            grown = 1;
        }
        break;
    }
    atomic_store(&ga__chunk_lock, 0);
    return grown;
}

ga_conn *ga_conn_alloc(int fd, uint32_t gen, uint8_t proto)
{
    ga_lifecycle_arm();             /* a forked child must start a fresh pool */
    ga_conn *c = ga__pop();
    if (c == NULL && ga__grow())
        c = ga__pop();
    if (c == NULL) {
        atomic_fetch_add_explicit(&ga__refused, 1, memory_order_relaxed);
        return NULL;
    }
    /* A thread that was waiting for this slot under its previous owner may hold the flag for
     * a moment to see that it is gone (ga_conn_lock, ga_conn_yield): take the flag rather than
     * store 0 over it, so that thread's unlock cannot release a new owner's. Bounded: if that
     * thread is this one (a signal handler interrupted it there), the slot goes back to the
     * pool and this connection is not followed, rather than spinning for ever. */
    int expected = 0, spins = 0;
    while (!atomic_compare_exchange_weak_explicit(&c->lock, &expected, 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
        expected = 0;
        if (++spins == 1 << 16) {
            ga__push(c);
            atomic_fetch_add_explicit(&ga__refused, 1, memory_order_relaxed);
            return NULL;
        }
        ga_cpu_relax();
    }
    memset(c->state, 0, sizeof c->state);
    c->fd = fd;
    c->fd_gen = gen;
    c->proto = proto;
    c->dead = 0;
    atomic_store_explicit(&c->lock, 0, memory_order_release);
    atomic_fetch_add_explicit(&ga__in_use, 1, memory_order_relaxed);
    return c;
}

GA_TLS int ga_tls_parsing;

int ga_conn_trylock(ga_conn *c, int fd, uint32_t gen)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong_explicit(&c->lock, &expected, 1,
                                                 memory_order_acquire, memory_order_relaxed))
        return 0;
    if (c->dead || c->fd != fd || c->fd_gen != gen) {
        atomic_store_explicit(&c->lock, 0, memory_order_release);
        return 0;
    }
    ga_tls_parsing = 1;
    return 1;
}

int ga_conn_yield(ga_conn *c, int fd, uint32_t gen)
{
    ga_conn_unlock(c);
    sched_yield();
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&c->lock, &expected, 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
        expected = 0;
        ga_cpu_relax();
    }
    ga_tls_parsing = 1;
    return !c->dead && c->fd == fd && c->fd_gen == gen;
}

void ga_conn_release(ga_conn *c)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&c->lock, &expected, 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
        expected = 0;
        ga_cpu_relax();
    }
    if (c->dead) {
        atomic_store_explicit(&c->lock, 0, memory_order_release);
        return;
    }
    c->dead = 1;
    c->fd = -1;
    atomic_store_explicit(&c->lock, 0, memory_order_release);
    atomic_fetch_sub_explicit(&ga__in_use, 1, memory_order_relaxed);
    ga__push(c);
}

uint32_t ga_conn_in_use(void) { return atomic_load_explicit(&ga__in_use, memory_order_relaxed); }
uint64_t ga_conn_refused(void) { return atomic_load_explicit(&ga__refused, memory_order_relaxed); }

/* The parent's slots stay mapped (a thread of the parent may have held one at fork time:
 * its lock would never be released here); the child builds its own free list lazily. */
GA_FORK_PATH void ga_conn_after_fork(void)
{
    /* Only what changes: every page written here is one the kernel copies for the child. */
    for (int i = 0; i < GA_CONN_CHUNKS; i++)
        if (atomic_load(&ga__chunks[i]) != NULL)
            atomic_store(&ga__chunks[i], NULL);
    if (atomic_load(&ga__free) != 0)
        atomic_store(&ga__free, 0);
    if (atomic_load(&ga__in_use) != 0)
        atomic_store(&ga__in_use, 0);
    if (atomic_load(&ga__refused) != 0)
        atomic_store(&ga__refused, 0);
    if (atomic_load(&ga__chunk_lock) != 0)
        atomic_store(&ga__chunk_lock, 0);
}
