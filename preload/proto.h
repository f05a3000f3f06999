/* proto.h — the bridge between the I/O hooks and the protocol plug-ins (preload/plugin.h).
 *
 * After a successful transfer on an application socket the hooks hand the bytes here. The
 * first bytes decide the protocol (each plug-in's detect(), in registry order); from then on
 * the bytes go, in order per direction, to that plug-in's data() with the connection's state
 * locked. At close the plug-in's closed() ends whatever was in flight. The plug-in is found
 * by indexing the registry with the fd's protocol id: no search.
 *
 * Everything here runs on the application thread: the hot-path rules apply (no malloc, no
 * locks but the per-connection flag, no stdio, no syscalls). */
#ifndef GA_PROTO_H
#define GA_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "preload/fdtable.h"
#include "preload/conn.h"
#include "preload/plugins.h"

/* Bytes actually transferred on socket fd (entry e): a buffer, or the first `n` bytes of an
 * iovec array. Cheap when the connection has no protocol. The caller keeps errno (the hooks
 * save it once around all their observation, hooks/hook.h). */
void ga_proto_data(int fd, ga_fd *e, int out, const void *buf, size_t n);
void ga_proto_data_iov(int fd, ga_fd *e, int out, const struct iovec *iov, int cnt, size_t n);

/* The fd entry that owned `c` is being reset (close, dup over it): end and free the state. */
void ga_proto_closed(ga_conn *c);

/* The pre-send step of the write hooks, per protocol id (GA_PROTO_UNKNOWN: the plug-in that
 * claims new client connections on their first write); NULL where there is none or while
 * propagation is off. Filled by ga_proto_init(); read without a lock by the hooks. */
typedef int (*ga_presend_fn)(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg,
                             ssize_t *ret);
extern ga_presend_fn ga_presend_tab[GA_PROTO_COUNT];

/* Protocols whose plug-in wants data(n == 0) when a read returns 0 (bit per protocol id). */
extern uint32_t ga_proto_eof_mask;
_Static_assert(GA_PROTO_COUNT <= 32, "ga_proto_eof_mask has a bit per protocol");

static inline int ga_proto_wants_eof(int proto)
{
    return (ga_proto_eof_mask >> proto) & 1u;
}

/* In the constructor, after the configuration was read: the tables above, then every
 * plug-in's init(). `propagate`: install the pre-send steps. */
void ga_proto_init(int propagate);

/* In a forked child: every plug-in's after_fork(). */
void ga_proto_after_fork(void);

#endif
