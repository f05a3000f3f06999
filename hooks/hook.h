/* hook.h — what every hook shares: the order of work around the real call, and the
 * per-I/O observation that must stay a few nanoseconds for files, pipes and ttys.
 *
 * Every hook: resolve the real function (NULL → raw syscall), refuse our own threads
 * access to application descriptors, call the real function, then — only if observing —
 * record what actually happened, leaving errno exactly as the real call set it. */
#ifndef GA_HOOK_H
#define GA_HOOK_H

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "preload/ga.h"
#include "preload/real.h"
#include "preload/fdtable.h"
#include "preload/connect.h"
#include "preload/emit.h"
#include "preload/proto.h"
#include "preload/logcap.h"

/* Files, pipes and ttys (fd table state OTHER), and everything in a pass-through process
 * (disabled, or every exporter none: the table is never filled there), go straight to the
 * real call: the exported hook is only this test and a tail call; everything else is in a
 * separate function (ga__full_<name>) so the fast path needs no stack frame. `f` may be NULL (not resolved
 * yet): the full path then resolves it or falls back to the raw syscall. */
#define GA_FAST_PATH_OTHER(fd, f, call)                               \
    do {                                                              \
        if (ga_likely((f) != NULL)) {                                 \
            ga_fd *ga__e0 = ga_fd_peek(fd);                           \
            if (ga_likely(ga__e0 != NULL) &&                          \
                (ga_fd_state(ga__e0) == GA_FD_OTHER || ga_fd_state(ga__e0) == GA_FD_QUIET)) \
                return (call);                                        \
            if (!ga_enabled)        /* a pass-through process: nothing to observe */ \
                return (call);                                        \
        }                                                             \
    } while (0)

/* The same for write(): a captured log stream (LOG state) goes to `logcall` with the entry
 * ga__e0 found here, so the test that sends files down the fast path is unchanged. */
#define GA_FAST_PATH_OTHER_OR_LOG(fd, f, call, logcall)               \
    do {                                                              \
        if (ga_likely((f) != NULL)) {                                 \
            ga_fd *ga__e0 = ga_fd_peek(fd);                           \
            if (ga_likely(ga__e0 != NULL) &&                          \
                (ga_fd_state(ga__e0) == GA_FD_OTHER || ga_fd_state(ga__e0) == GA_FD_QUIET)) \
                return (call);                                        \
            if (!ga_enabled)        /* a pass-through process: nothing to observe */ \
                return (call);                                        \
            if (ga__e0 != NULL && ga_fd_state(ga__e0) == GA_FD_LOG)   \
                return (logcall);                                     \
        }                                                             \
    } while (0)

/* Our exporter thread must never read, write or close an application descriptor (one
 * that replaced a socket of ours after the application closed it). */
#define GA_INTERNAL_GUARD(fd, fail)                                   \
    do {                                                              \
        if (ga_unlikely(ga_tls_internal) && !ga_fd_internal_may_use(fd)) { \
            errno = EBADF;                                            \
            return (fail);                                            \
        }                                                             \
    } while (0)

/* True when this call should be observed: library on, not inside the library already,
 * not one of our own threads. */
static inline int ga_observing(void)
{
    return ga_enabled && !(ga_tls_busy | ga_tls_internal);
}

static inline void ga_count(_Atomic uint64_t *c, uint64_t n)
{
    /* Racy but tear-free: no lock prefix on the hot path; a lost update between two threads
     * writing the same socket at the same instant only loses telemetry. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* The slow part of ga_io_done: a pending connect to finish, bytes for a protocol parser. */
static inline void ga__io_slow(int fd, ga_fd *e, ssize_t r, int out, int consumed,
                               const void *buf, const struct iovec *iov, int cnt)
{
    int saved = errno;
    ga_tls_busy = 1;
    if (atomic_load_explicit(&e->pending, memory_order_relaxed))
        ga_connect_check_pending(fd, e, r >= 0, r < 0 ? saved : 0);
    if (r == 0 && !out && consumed && buf != NULL) {
        ga_proto_data(fd, e, 0, buf, 0);        /* end of stream (HTTP read-until-close) */
    } else if (r > 0 && consumed) {
        if (iov != NULL)
            ga_proto_data_iov(fd, e, out, iov, cnt, (size_t)r);
        else
            ga_proto_data(fd, e, out, buf, (size_t)r);
    }
    ga_tls_busy = 0;
    errno = saved;
}

/* A unix socket that no protocol claimed and with no connect pending has nothing left to
 * observe (bytes of unix peers feed no metric): send it down the fast path from now on. */
static inline void ga__maybe_quiet(ga_fd *e)
{
    if (e->family == AF_UNIX &&
        atomic_load_explicit(&e->proto, memory_order_relaxed) == GA_PROTO_NONE &&
        !atomic_load_explicit(&e->pending, memory_order_relaxed)) {
        uint8_t sock = GA_FD_SOCKET;
        atomic_compare_exchange_strong(&e->state, &sock, GA_FD_QUIET);
    }
}

/* 1 when the pre-send step already gave the bytes of this call on fd to its parser
 * (ga_tls_presend_fed); the mark is cleared whenever it is seen. */
static inline int ga__presend_fed(int fd)
{
    int m = ga_tls_presend_fed;
    if (ga_likely(m == 0))
        return 0;
    ga_tls_presend_fed = 0;
    return m == fd + 1;
}

/* After an I/O on fd returned r (bytes, 0, or -1 with errno). `out` = data sent;
 * `consumed` = 0 for MSG_PEEK (seen, not taken). The data is in `buf`, or in the iovec
 * array (iov, cnt) when buf is NULL; both NULL = invisible bytes (sendfile). */
static inline __attribute__((always_inline)) void ga_io_done_data(int fd, ssize_t r, int out, int consumed,
                                   const void *buf, const struct iovec *iov, int cnt)
{
    if (!ga_observing())
        return;
    ga_fd *e;
    if (ga_likely(r > 0)) {
        e = ga_fd_socket(fd);
        if (e == NULL) {
            ga_tls_presend_fed = 0;             /* the mark speaks of this call only */
            return;
        }
        if (consumed)
            ga_count(out ? &e->bytes_out : &e->bytes_in, (uint64_t)r);
    } else {
        e = ga_fd_peek(fd);
        if (e == NULL || ga_fd_state(e) != GA_FD_SOCKET)
            return;
    }
    int proto = atomic_load_explicit(&e->proto, memory_order_relaxed);
    /* bytes its pre-send step already gave the parser are counted, not passed on (a step
     * marks only a call on a connection its plug-in still follows, so the mark is seen here) */
    if (ga_unlikely(atomic_load_explicit(&e->pending, memory_order_relaxed)) ||
        (r > 0 && consumed && proto != GA_PROTO_NONE && proto != GA_PROTO_TLS &&
         !(out && ga__presend_fed(fd))) ||
        (r == 0 && !out && consumed && ga_proto_wants_eof(proto))) {
        ga__io_slow(fd, e, r, out, consumed, buf, iov, cnt);
        ga__maybe_quiet(e);
    }
}

static inline __attribute__((always_inline)) void ga_io_done(int fd, ssize_t r, int out, int consumed, const void *buf)
{
    ga_io_done_data(fd, r, out, consumed, buf, NULL, 0);
}

static inline __attribute__((always_inline)) void ga_io_done_iov(int fd, ssize_t r, int out, int consumed,
                                  const struct iovec *iov, int cnt)
{
    ga_io_done_data(fd, r, out, consumed, NULL, iov, cnt);
}

/* After a write of r bytes from buf (or iov[0..cnt)) on fd: when fd is a captured log
 * stream (LOG state, preload/logcap.h), copy them for the exporter and return 1; else 0. */
static inline int ga_log_done_data(int fd, ssize_t r, const void *buf, const struct iovec *iov, int cnt)
{
    ga_fd *e = ga_fd_peek(fd);
    if (e == NULL || ga_fd_state(e) != GA_FD_LOG)
        return 0;
    if (r > 0 && ga_observing()) {
        if (buf != NULL)
            ga_logcap_write(e, buf, (size_t)r);
        else
            ga_logcap_writev(e, iov, cnt, (size_t)r);
    }
    return 1;
}

/* write() on a captured stream (entry e in the LOG state): injection when on, the real call,
 * the copy. No pre-send step, no socket accounting: a log stream has neither. */
static inline ssize_t ga_log_write(int fd, ga_fd *e, const void *buf, size_t n, ga_write_fn f)
{
    ssize_t r;
    if (ga_unlikely(ga_logs_inject) && ga_tls_active.valid && ga_observing() &&
        ga_logcap_inject_write(fd, e, buf, n, f, &r))
        return r;
    r = f(fd, buf, n);
    if (r > 0 && ga_observing())
        ga_logcap_write(e, buf, (size_t)r);
    return r;
}

static inline int ga_log_done(int fd, ssize_t r, const void *buf)
{
    return ga_log_done_data(fd, r, buf, NULL, 0);
}

/* The entry of a client socket whose next write must go through its plug-in's pre-send step
 * (preload/proto.h: ga_presend_tab, trace-context injection), and that step; NULL when none.
 * Files, pipes, server sockets: the fd-table lookup, one load and a branch. */
static inline ga_fd *ga_presend_entry(int fd, ga_presend_fn *fn)
{
    ga_fd *e = ga_fd_peek(fd);
    if (ga_likely(e == NULL || e->role != GA_ROLE_CLIENT))
        return NULL;
    ga_presend_fn f = ga_presend_tab[atomic_load_explicit(&e->proto, memory_order_relaxed)];
    if (f == NULL || !ga_observing() || ga_fd_state(e) != GA_FD_SOCKET)
        return NULL;
    *fn = f;
    return e;
}

/* After a call the pre-send step made (ga_presend returned 1): when the step already gave
 * the bytes to its parser (the mark ga_tls_presend_fed), count them, clear the mark and
 * return 1 — the after-step (ga_io_done) has nothing left to do for this call. 0 when it
 * has: the bytes are not fed yet, or a connect is pending on fd. */
static inline int ga_presend_settled(int fd, ssize_t r)
{
    if (ga_likely(ga_tls_presend_fed != fd + 1))
        return 0;
    ga_fd *e = ga_fd_peek(fd);
    if (e == NULL || atomic_load_explicit(&e->pending, memory_order_relaxed))
        return 0;
    ga_tls_presend_fed = 0;
    if (r > 0)
        ga_count(&e->bytes_out, (uint64_t)r);
    return 1;
}

/* Offer a send of iov[0..cnt) (to/tolen: sendto's address) to the pre-send step; 1 = it
 * was made there and *r is the application's result, 0 = the caller makes its own call. */
static inline int ga_presend(int fd, const struct iovec *iov, size_t cnt, int flags,
                             const struct sockaddr *to, socklen_t tolen, int use_msg, ssize_t *r)
{
    ga_presend_fn f;
    ga_fd *e = ga_presend_entry(fd, &f);
    if (ga_likely(e == NULL))
        return 0;
    struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen,
                        .msg_iov = (struct iovec *)iov, .msg_iovlen = cnt };
    return f(fd, e, &m, flags, use_msg, r);
}

#endif
