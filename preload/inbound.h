/* inbound.h — inbound rewrites: a connection whose received bytes a plug-in must change before
 * the application sees them (today one case: a NATS client whose CONNECT the library made
 * declare headers, and which must get back the MSG it would have had; docs/messaging.md).
 *
 * A plug-in attaches a slot to a descriptor (ga_inbound_attach); from then on the receive
 * hooks hand that descriptor's reads to the driver (hooks/inbound.c), which reads into the
 * application's buffer, shows the raw bytes to the parsers, and runs the slot's transform
 * over them in place. The slot keeps what the transform left over: an unfinished unit it must
 * see whole (the tail) and, only when the application reads with a buffer smaller than that,
 * output not yet given (ready). Bounded: GA_INBOUND_SLOTS slots in .bss, taken with one
 * compare-and-swap; when none is free the plug-in does not rewrite (nothing changes for the
 * application). A slot is released when its descriptor is closed or its number reused. */
#ifndef GA_INBOUND_H
#define GA_INBOUND_H

#include <stddef.h>
#include <stdint.h>
#include "preload/fdtable.h"

#define GA_INBOUND_SLOTS 16
#define GA_INBOUND_CAP   4864       /* tail + ready bytes a slot keeps */
#define GA_INBOUND_SMALL 64         /* a read when the application's buffer cannot hold the tail */

/* The transform: rewrite b[0..n) in place (its first bytes are the previous tail); returns
 * the output length o <= n and *tail = unfinished bytes left at b[o..o + *tail), at most
 * GA_INBOUND_CAP - GA_INBOUND_SMALL. `st` is the slot's state (GA_INBOUND_STATE bytes). */
typedef size_t (*ga_inbound_fn)(void *st, uint8_t *b, size_t n, size_t *tail);
#define GA_INBOUND_STATE 32

typedef struct ga_inbound {
    _Atomic uint8_t used;
    _Atomic uint8_t lock;
    uint8_t pad[2];
    uint32_t ready;                 /* buf[0..ready): output not yet given */
    uint32_t held;                  /* buf[ready..ready + held): the tail */
    uint32_t gen;                   /* the generation of the descriptor it serves */
    ga_inbound_fn fn;
    uint64_t st[GA_INBOUND_STATE / 8];
    uint8_t buf[GA_INBOUND_CAP];
} ga_inbound;

/* Attach a free slot with transform fn and initial state st (GA_INBOUND_STATE bytes at most)
 * to e, of generation gen; 1 when done, 0 when no slot is free or e has one already. */
int ga_inbound_attach(ga_fd *e, uint32_t gen, ga_inbound_fn fn, const void *st, size_t st_len);

/* The slot attached to e, or NULL. */
static inline ga_inbound *ga_inbound_of(const ga_fd *e);

/* Release e's slot, if any (the descriptor closes, or its number gets a new life). */
void ga_inbound_detach(ga_fd *e);

/* A slot's own lock: held only while its bytes are moved, never across a real call. */
void ga_inbound_lock(ga_inbound *s);
void ga_inbound_unlock(ga_inbound *s);

/* Child after fork: nothing to do — slots are plain memory, copied with their descriptors. */

extern ga_inbound ga_inbound_pool[GA_INBOUND_SLOTS];

/* Slots attached now, in the whole process: the receive hooks look at a descriptor's entry
 * only while this is not 0, so a process without a rewrite pays one load per read. */
extern _Atomic int ga_inbound_live;

static inline ga_inbound *ga_inbound_of(const ga_fd *e)
{
    unsigned i = atomic_load_explicit(&e->xin, memory_order_acquire);
    return i != 0 && i <= GA_INBOUND_SLOTS ? &ga_inbound_pool[i - 1] : NULL;
}

#endif
