/* proto.h — the bridge between the I/O hooks and the protocol parsers (HTTP, RESP, MySQL).
 *
 * After a successful transfer on an application socket the hooks hand the bytes here. The
 * first bytes decide the protocol (each handler's detect()); from then on the bytes go, in
 * order per direction, to that handler's data() with the connection's state locked. At close
 * the handler's closed() ends whatever was in flight. Handlers live in protocols/ and are
 * referenced weakly (preload/proto.c), so a build without one simply does not parse it.
 *
 * Everything here runs on the application thread: the hot-path rules apply (no malloc, no
 * locks but the per-connection flag, no stdio, no syscalls). */
#ifndef GA_PROTO_H
#define GA_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "preload/fdtable.h"
#include "preload/conn.h"

typedef struct ga_proto_handler {
    uint8_t proto;                  /* enum ga_proto */
    const char *name;
    /* 1 when these first bytes of a connection (direction `out`, socket role e->role) are
     * this protocol's; 0 otherwise. Pure; must not keep pointers. */
    int (*detect)(const ga_fd *e, int out, const uint8_t *p, size_t n);
    /* The next `n` bytes in direction `out`; c->state is the handler's, zeroed at first.
     * p == NULL: n bytes moved that the library could not see (sendfile). n == 0 (HTTP
     * only): the peer closed its side (a read returned 0). A handler that finds the
     * connection is not its protocol after all may set e->proto = GA_PROTO_NONE. */
    void (*data)(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
    /* The connection is closing (c is locked): finish or drop what is in flight. */
    void (*closed)(ga_conn *c);
} ga_proto_handler;

/* Bytes actually transferred on socket fd (entry e): a buffer, or the first `n` bytes of an
 * iovec array. Cheap when the connection has no protocol. */
void ga_proto_data(int fd, ga_fd *e, int out, const void *buf, size_t n);
void ga_proto_data_iov(int fd, ga_fd *e, int out, const struct iovec *iov, int cnt, size_t n);

/* The fd entry that owned `c` is being reset (close, dup over it): end and free the state. */
void ga_proto_closed(ga_conn *c);

#endif
