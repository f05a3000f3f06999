/* inbound.h — the receive hooks' side of inbound rewrites (preload/inbound.h): the driver
 * that makes a read on a descriptor whose received bytes a plug-in rewrites. */
#ifndef GA_HOOKS_INBOUND_H
#define GA_HOOKS_INBOUND_H

#include <sys/socket.h>
#include <sys/types.h>
#include "preload/fdtable.h"
#include "preload/inbound.h"

enum { GA_INB_READ = 0, GA_INB_RECVFROM, GA_INB_RECVMSG };

/* The application's call, as the driver repeats it into a buffer of its choosing. */
typedef struct ga_inb_call {
    int kind;                       /* GA_INB_* */
    int flags;                      /* recv flags (RECVFROM, RECVMSG) */
    struct sockaddr *from;          /* RECVFROM */
    socklen_t *fromlen;
    struct msghdr *msg;             /* RECVMSG: its name and control buffers are used as given */
} ga_inb_call;

/* 1 when reads of fd go through ga_inbound_read: a slot is attached and the call is not a
 * peek (MSG_PEEK sees the bytes as the kernel holds them, unchanged: docs/messaging.md). */
static inline int ga_inbound_routed(int fd, int flags)
{
    if (ga_likely(atomic_load_explicit(&ga_inbound_live, memory_order_relaxed) == 0))
        return 0;
    ga_fd *e = ga_fd_peek(fd);
    return e != NULL && atomic_load_explicit(&e->xin, memory_order_relaxed) != 0 && !(flags & MSG_PEEK);
}

/* Read up to cap bytes into buf as the call c would, return what the application gets: the
 * rewritten bytes (never 0 unless the peer closed), or -1 with errno as the real call set it.
 * Blocks exactly when the real call would: a read whose bytes all vanish in the rewrite is
 * made again (a non-blocking socket then says EAGAIN). */
ssize_t ga_inbound_read(int fd, void *buf, size_t cap, const ga_inb_call *c);

/* The same for an iovec array: the first non-empty buffer takes the bytes (a short read). */
ssize_t ga_inbound_readv(int fd, const struct iovec *iov, int cnt, ga_inb_call *c);

#endif
