/* connect.c — the core's own records, on the application thread: connect spans (blocking and
 * non-blocking connects) and the byte totals of a closing socket (contracts in connect.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "preload/connect.h"
#include "preload/emit.h"

/* Connection attempts still under way: the outcome comes later. */
static int ga__in_progress(int err)
{
    return err == EINPROGRESS || err == EINTR || err == EAGAIN || err == EALREADY || err == ENOTCONN;
}

/* Write one connect span record. `unix_path` is non-NULL for AF_UNIX peers. */
static void ga__emit_connect(const ga_fd *e, const ga_span_ids *ids, uint64_t start,
                             uint64_t end, int err, const char *unix_path, size_t path_len)
{
    ga_rec *r = ga_emit_begin(GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL, ids, start, end);
    if (r == NULL)
        return;
    r->h.status = err ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    ga_rec_put_addr(r, GA_A_PEER, &e->peer);
    ga_rec_put_int(r, GA_A_TRANSPORT, e->socktype);
    if (unix_path != NULL && path_len > 0)
        ga_rec_put(r, GA_A_UNIX_PATH, GA_AT_STR, unix_path, path_len);
    if (err)
        ga_rec_put_int(r, GA_A_ERRNO, err);
    ga_emit_commit(r);
}

void ga_connect_done(int fd, const struct sockaddr *sa, socklen_t len,
                     uint64_t start, int ret, int err)
{
    if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6 && sa->sa_family != AF_UNIX))
        return;
    ga_fd *e = ga_fd_socket(fd);
    if (e == NULL)
        return;
    if (atomic_load_explicit(&e->pending, memory_order_relaxed)) {
        /* connect() again on a pending socket is how some clients (hiredis) poll for the
         * outcome: 0 or EISCONN = connected, EALREADY = still going, else the failure. */
        int ok = ret == 0 || err == EISCONN;
        if (ok || !ga__in_progress(err))
            ga_connect_check_pending(fd, e, ok, ok ? 0 : err);
        return;
    }
    if (ret < 0 && (err == EALREADY || err == EISCONN))
        return;                     /* not a new connection attempt */
    e->role = GA_ROLE_CLIENT;
    ga_addr_from_sockaddr(&e->peer, sa, len);
    if (e->socktype != SOCK_STREAM)
        return;                     /* UDP "connect" only sets a default peer */
    ga_span_ids ids;
    ga_span_start(&ids, NULL);
    if (ret < 0 && ga__in_progress(err)) {
        e->pc.start_ns = start;
        e->pc.ids = ids;
        atomic_store_explicit(&e->pending, 1, memory_order_release);
        return;
    }
    const char *path = NULL;
    size_t plen = 0;
    if (sa->sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path)) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        path = un->sun_path;
        plen = strnlen(un->sun_path, len - offsetof(struct sockaddr_un, sun_path));
        if (plen == 0 && len > offsetof(struct sockaddr_un, sun_path) + 1)
            plen = 0;               /* abstract socket: no printable path */
    }
    ga__emit_connect(e, &ids, start, ga_now_ns(), ret < 0 ? err : 0, path, plen);
}

/* Whoever clears `pending` first owns the span; everyone else does nothing. */
static int ga__claim(ga_fd *e)
{
    return atomic_exchange_explicit(&e->pending, 0, memory_order_acquire) == 1;
}

void ga_connect_check_pending(int fd, ga_fd *e, int ok, int err)
{
    (void)fd;
    if (!ok && ga__in_progress(err))
        return;
    if (!ok && err != ECONNREFUSED && err != ETIMEDOUT && err != EHOSTUNREACH &&
        err != ENETUNREACH && err != ECONNRESET && err != ECONNABORTED && err != EPIPE)
        return;                     /* not a verdict on the connection (EBADF, EFAULT...) */
    if (ga__claim(e))
        ga__emit_connect(e, &e->pc.ids, e->pc.start_ns, ga_now_ns(), ok ? 0 : err, NULL, 0);
}

void ga_connect_so_error(int fd, ga_fd *e, int soerr)
{
    if (soerr != 0) {
        if (ga__claim(e))
            ga__emit_connect(e, &e->pc.ids, e->pc.start_ns, ga_now_ns(), soerr, NULL, 0);
        return;
    }
    /* SO_ERROR 0 also while still connecting: getpeername tells connected apart. */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int saved = errno;
    long r = syscall(SYS_getpeername, fd, &ss, &sl);
    errno = saved;
    if (r == 0 && ga__claim(e))
        ga__emit_connect(e, &e->pc.ids, e->pc.start_ns, ga_now_ns(), 0, NULL, 0);
}

/* Closed before anyone looked at the outcome: ask the kernel one last time. */
void ga_connect_finish_on_close(int fd, ga_fd *e)
{
    int soerr = 0;
    socklen_t l = sizeof soerr;
    int saved = errno;
    long r = syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    long connected = syscall(SYS_getpeername, fd, &ss, &sl);
    errno = saved;
    if (!ga__claim(e))
        return;
    int err = (r == 0 && soerr != 0) ? soerr : (connected == 0 ? 0 : ECONNABORTED);
    ga__emit_connect(e, &e->pc.ids, e->pc.start_ns, ga_now_ns(), err, NULL, 0);
}

void ga_conn_closed(int fd, const ga_fd *e)
{
    uint64_t in = atomic_load_explicit(&e->bytes_in, memory_order_relaxed);
    uint64_t out = atomic_load_explicit(&e->bytes_out, memory_order_relaxed);
    if ((in | out) == 0 || (e->peer.family != AF_INET && e->peer.family != AF_INET6))
        return;
    uint64_t now = ga_now_ns();
    ga_rec *r = ga_emit_begin(GA_PROTO_CORE, GA_OP_CONN_CLOSE, 0, NULL, now, now);
    if (r == NULL)
        return;
    ga_rec_put_addr(r, GA_A_PEER, &e->peer);
    ga_rec_put_int(r, GA_A_TRANSPORT, e->socktype);
    ga_rec_put_int(r, GA_A_BYTES_IN, (int64_t)in);
    ga_rec_put_int(r, GA_A_BYTES_OUT, (int64_t)out);
    ga_rec_put_int(r, GA_A_FD, fd);
    ga_rec_put_int(r, GA_A_FD_GEN, atomic_load_explicit(&e->gen, memory_order_relaxed));
    ga_rec_put_int(r, GA_A_ROLE, e->role);
    ga_emit_commit(r);
}
