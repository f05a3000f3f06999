/* emit.h — turning what the hooks saw into records on the ring (application thread side).
 *
 * Everything here runs on the application thread, inside a hook, after the real call:
 * no locks, no malloc, no stdio, no syscalls beyond the vDSO clock (and one getpeername
 * when a non-blocking connect is judged by getsockopt). */
#ifndef GA_EMIT_H
#define GA_EMIT_H

#include <sys/socket.h>
#include "preload/fdtable.h"

/* CLOCK_REALTIME in ns since the epoch (vDSO, no syscall). */
uint64_t ga_now_ns(void);

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
