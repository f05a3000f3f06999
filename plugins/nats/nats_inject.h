/* nats_inject.h — the pre-send step of the write hooks for NATS client connections: the
 * span's context put into each published message's headers, in every format OTEL_PROPAGATORS
 * names (design and proof sketch: docs/messaging.md, "Injection").
 *
 * The application's outgoing stream S reaches the wire as W: S with the head of each message
 * it publishes rewritten — `PUB <subject> [reply] <n>` becomes `HPUB <subject> [reply] <B>
 * <B+n>` followed by a `NATS/1.0` header block carrying the context fields (ga_nats_ctx: B is 82
 * for `traceparent` alone); an HPUB's header block gets the fields added and both counts grow
 * by their length — unless the message carries a context of a configured format already, the
 * server or the client does not support headers, the rewritten message would
 * exceed the server's max_payload, or its head is not whole in one piece of this write. The
 * write hooks call ga_nats_send() for NATS client sockets while injection is possible; it
 * declines (0: the hook makes the application's call unchanged) or makes the real call(s)
 * itself (1) and returns, in *ret and errno, exactly what the application must see: a count
 * of its own bytes only. Installed only while propagation is on (GENESIS_PROPAGATE). */
#ifndef GA_NATS_INJECT_H
#define GA_NATS_INJECT_H

#include <sys/socket.h>
#include <sys/types.h>
#include "preload/fdtable.h"

/* The application asks to send m->msg_iov[0..msg_iovlen) on client socket fd (entry e): with
 * sendmsg(fd, m, flags) when use_msg, else writev. Returns 0 to decline (nothing sent), or 1
 * with *ret = the application's result (its bytes accepted, or -1 with errno). Called with
 * ga_tls_busy clear; leaves it clear. */
int ga_nats_send(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg, ssize_t *ret);

/* For tests: the real sending function (default: the real writev/sendmsg). */
typedef ssize_t (*ga_nats_sender_fn)(int fd, const struct msghdr *m, int flags, int use_msg);
extern ga_nats_sender_fn ga_nats_sender;

#endif
