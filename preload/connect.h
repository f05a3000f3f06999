/* connect.h — the core's own records (application thread, inside a hook, after the real
 * call): connect spans and connection-close byte totals. No locks, no malloc, no stdio, no
 * syscalls beyond the vDSO clock (and getpeername/getsockopt when a non-blocking connect is
 * judged by getsockopt or ends at close). */
#ifndef GA_CONNECT_H
#define GA_CONNECT_H

#include <sys/socket.h>
#include "preload/fdtable.h"

/* connect() returned `ret` with errno `err`; `start` was taken before the call. */
void ga_connect_done(int fd, const struct sockaddr *sa, socklen_t len,
                     uint64_t start, int ret, int err);

/* A successful or failed I/O on a socket with a pending non-blocking connect: finish the
 * connect span when the outcome is known (ok = data moved; err = a connection error). */
void ga_connect_check_pending(int fd, ga_fd *e, int ok, int err);

/* getsockopt(SO_ERROR) returned `soerr` on a socket with a pending connect. */
void ga_connect_so_error(int fd, ga_fd *e, int soerr);

/* An application socket with traffic is being closed: hand its byte totals over. */
void ga_conn_closed(int fd, const ga_fd *e);

/* The socket is being closed with its connect still pending. */
void ga_connect_finish_on_close(int fd, ga_fd *e);

#endif
