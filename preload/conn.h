/* conn.h — per-connection protocol state for application sockets whose bytes a protocol
 * parser follows (HTTP, RESP, MySQL).
 *
 * States come from a bounded pool of fixed-size slots mmap'd in chunks and never unmapped,
 * so the hot path never calls malloc and a stale pointer is never a dangling one. A slot is
 * owned by one (fd, generation); whoever wants to touch it takes its spin flag and checks
 * the owner, because two application threads may read and write the same socket at once.
 * The reentrancy guard (ga_tls_busy) keeps a signal handler from spinning on a flag its own
 * thread holds. When the pool is exhausted the connection is simply not parsed (counted). */
#ifndef GA_CONN_H
#define GA_CONN_H

#include <stdint.h>
#include "preload/ga.h"

#define GA_CONN_STATE_SIZE 2048

typedef struct ga_conn {
    _Atomic int lock;
    int fd;
    uint32_t fd_gen;                /* the generation of the fd entry that owns the slot */
    uint8_t proto;                  /* enum ga_proto */
    uint8_t dead;                   /* released; waiting on the free list */
    uint8_t pad[2];
    struct ga_conn *_Atomic next_free;
    _Alignas(16) uint8_t state[GA_CONN_STATE_SIZE];   /* the protocol's own state */
} ga_conn;

/* A zeroed slot owned by (fd, gen), or NULL when the pool is exhausted. */
ga_conn *ga_conn_alloc(int fd, uint32_t gen, uint8_t proto);

/* Give the slot back (the owner is closing). Takes the lock, so never call it while holding it. */
void ga_conn_release(ga_conn *c);

/* Set while this thread holds a slot's flag: a signal handler that closes a socket in that
 * window must not spin on a flag its own thread holds. */
extern GA_TLS int ga_tls_parsing;

/* One attempt at the flag; 1 = taken (and still owned by fd, gen). */
int ga_conn_trylock(ga_conn *c, int fd, uint32_t gen);

/* Take / drop the slot's spin flag. ga_conn_lock returns 0 if the slot is no longer owned by
 * (fd, gen) — then it is not locked. Inline: taken twice per traced operation. */
static inline int ga_conn_lock(ga_conn *c, int fd, uint32_t gen)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&c->lock, &expected, 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
        expected = 0;
        ga_cpu_relax();
    }
    if (ga_unlikely(c->dead | (c->fd != fd) | (c->fd_gen != gen))) {
        atomic_store_explicit(&c->lock, 0, memory_order_release);
        return 0;
    }
    ga_tls_parsing = 1;
    return 1;
}

static inline void ga_conn_unlock(ga_conn *c)
{
    ga_tls_parsing = 0;
    atomic_store_explicit(&c->lock, 0, memory_order_release);
}

/* With c locked by this thread for (fd, gen): drop the flag so another thread can run its
 * parse, give up the CPU once, and take the flag back. Returns 1 with c locked and still
 * owned by (fd, gen); 0 with c locked but closed or reused meanwhile — the caller must leave
 * its state alone and only unlock it (ga_proto_data_iov stops feeding it). */
int ga_conn_yield(ga_conn *c, int fd, uint32_t gen);

/* Slots in use, and allocations refused because the pool was full (self-metrics). */
uint32_t ga_conn_in_use(void);
uint64_t ga_conn_refused(void);

/* Child after fork: every slot belongs to the parent's connections; start a fresh pool. */
void ga_conn_after_fork(void);

#endif
