/* net.c — hooks on socket lifecycle: socket, socketpair, connect, accept, accept4, close,
 * close_range, closefrom, dup, dup2, dup3, fcntl(F_DUPFD*), getsockopt(SO_ERROR).
 * They keep the fd table true and produce connect spans. */
#include <fcntl.h>
#include <stdarg.h>
#include <linux/close_range.h>
#include "hooks/hook.h"

static int ga__interesting_family(int family)
{
    return family == AF_INET || family == AF_INET6 || family == AF_UNIX;
}

GA_EXPORT int socket(int domain, int type, int protocol)
{
    ga_socket_fn f = GA_REAL(socket);
    int fd = f ? f(domain, type, protocol) : (int)syscall(SYS_socket, domain, type, protocol);
    if (fd >= 0 && (ga_enabled || ga_tls_internal)) {
        int saved = errno;
        if (ga__interesting_family(domain) || ga_tls_internal)
            ga_fd_new_socket(fd, domain, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), GA_ROLE_NONE);
        else
            ga_fd_closed(fd);       /* netlink, packet...: never observed */
        errno = saved;
    }
    return fd;
}

GA_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
    ga_socketpair_fn f = GA_REAL(socketpair);
    int r = f ? f(domain, type, protocol, sv) : (int)syscall(SYS_socketpair, domain, type, protocol, sv);
    if (r == 0 && (ga_enabled || ga_tls_internal)) {
        int saved = errno;
        for (int i = 0; i < 2; i++)
            ga_fd_new_socket(sv[i], domain, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), GA_ROLE_NONE);
        errno = saved;
    }
    return r;
}

GA_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    ga_connect_fn f = GA_REAL(connect);
    if (ga_unlikely(f == NULL))
        return (int)syscall(SYS_connect, fd, addr, len);
    GA_INTERNAL_GUARD(fd, -1);
    if (!ga_observing())
        return f(fd, addr, len);
    uint64_t start = ga_now_ns();
    int r = f(fd, addr, len);
    int saved = errno;
    ga_tls_busy = 1;
    ga_connect_done(fd, addr, len, start, r, r < 0 ? saved : 0);
    ga_tls_busy = 0;
    errno = saved;
    return r;
}

/* A new server-side connection from a listener. The peer comes from the caller's buffer when
 * it holds the whole address (cap: its size before the call), else — accept(fd, NULL, NULL), or a
 * buffer too small — from getpeername(): one extra system call, so that server spans still
 * carry client.address and the connection's bytes are counted per peer. */
static void ga__accepted(int lfd, int fd, const struct sockaddr *addr, const socklen_t *len,
                         socklen_t cap)
{
    int saved = errno;
    ga_fd *l = ga_fd_peek(lfd);
    int family = (l && l->family) ? l->family : (addr && cap ? addr->sa_family : 0);
    if (l && ga_fd_state(l) == GA_FD_SOCKET)
        l->role = GA_ROLE_LISTENER;
    ga_fd *e = ga_fd_new_socket(fd, family, SOCK_STREAM, GA_ROLE_SERVER);
    if (e && addr && len && *len <= cap) {
        ga_addr_from_sockaddr(&e->peer, addr, *len);
    } else if (e && !ga_tls_internal) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (syscall(SYS_getpeername, fd, (struct sockaddr *)&ss, &sl) == 0 && sl <= sizeof ss)
            ga_addr_from_sockaddr(&e->peer, (struct sockaddr *)&ss, sl);
    }
    errno = saved;
}

GA_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    ga_accept_fn f = GA_REAL(accept);
    socklen_t cap = (addr && len) ? *len : 0;
    int r = f ? f(fd, addr, len) : (int)syscall(SYS_accept4, fd, addr, len, 0);
    if (r >= 0 && (ga_enabled || ga_tls_internal))
        ga__accepted(fd, r, addr, len, cap);
    return r;
}

GA_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    ga_accept4_fn f = GA_REAL(accept4);
    socklen_t cap = (addr && len) ? *len : 0;
    int r = f ? f(fd, addr, len, flags) : (int)syscall(SYS_accept4, fd, addr, len, flags);
    if (r >= 0 && (ga_enabled || ga_tls_internal))
        ga__accepted(fd, r, addr, len, cap);
    return r;
}

GA_EXPORT int close(int fd)
{
    ga_close_fn f = GA_REAL(close);
    if (ga_unlikely(ga_tls_internal) && !ga_fd_internal_may_use(fd))
        return 0;                   /* not ours any more: never close the application's fd */
    ga_fd *e;
    if ((ga_enabled || ga_tls_internal) && (e = ga_fd_peek(fd)) != NULL &&
        ga_fd_state(e) != GA_FD_OTHER) {    /* a file, pipe or tty has nothing to end */
        int saved = errno;
        int busy = ga_tls_busy;
        ga_tls_busy = 1;
        ga_fd_closed(fd);           /* before the real close: the number may be reused at once */
        ga_tls_busy = busy;
        errno = saved;
    }
    return f ? f(fd) : (int)syscall(SYS_close, fd);
}

GA_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
    ga_close_range_fn f = GA_REAL(close_range);
    if (ga_enabled && !(flags & CLOSE_RANGE_CLOEXEC) && !ga_tls_internal) {
        int saved = errno;
        ga_tls_busy = 1;
        ga_fd_closed_range(first, last);
        ga_tls_busy = 0;
        errno = saved;
    }
    return f ? f(first, last, flags) : (int)syscall(SYS_close_range, first, last, flags);
}

/* glibc's closefrom() closes through its internal close_range, which no hook sees: the
 * table must hear of it here, or the library would still think the numbers its own. */
GA_EXPORT void closefrom(int lowfd)
{
    ga_closefrom_fn f = GA_REAL(closefrom);
    if (ga_enabled && !ga_tls_internal && lowfd >= 0) {
        int saved = errno;
        ga_tls_busy = 1;
        ga_fd_closed_range((unsigned)lowfd, ~0u);
        ga_tls_busy = 0;
        errno = saved;
    }
    if (f != NULL)
        f(lowfd);
    else
        (void)syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0);
}

static int ga__duped(int oldfd, int r)
{
    if (r >= 0 && (ga_enabled || ga_tls_internal)) {
        int saved = errno;
        ga_fd_duped(oldfd, r);
        errno = saved;
    }
    return r;
}

GA_EXPORT int dup(int fd)
{
    ga_dup_fn f = GA_REAL(dup);
    return ga__duped(fd, f ? f(fd) : (int)syscall(SYS_dup, fd));
}

GA_EXPORT int dup2(int oldfd, int newfd)
{
    ga_dup2_fn f = GA_REAL(dup2);
    GA_INTERNAL_GUARD(newfd, -1);
#ifdef SYS_dup2
    int r = f ? f(oldfd, newfd) : (int)syscall(SYS_dup2, oldfd, newfd);
#else
    int r = f ? f(oldfd, newfd) : oldfd == newfd ? (int)syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd
                                                 : (int)syscall(SYS_dup3, oldfd, newfd, 0);
#endif
    return ga__duped(oldfd, r);
}

GA_EXPORT int dup3(int oldfd, int newfd, int flags)
{
    ga_dup3_fn f = GA_REAL(dup3);
    GA_INTERNAL_GUARD(newfd, -1);
    return ga__duped(oldfd, f ? f(oldfd, newfd, flags) : (int)syscall(SYS_dup3, oldfd, newfd, flags));
}

/* fcntl's third argument is an int or a pointer depending on cmd; like glibc, pass it on
 * as a pointer-sized value. */
static int ga__fcntl(ga_fcntl_fn f, int fd, int cmd, void *arg)
{
    int r = f ? f(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        ga__duped(fd, r);
    return r;
}

GA_EXPORT int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return ga__fcntl(GA_REAL(fcntl), fd, cmd, arg);
}

GA_EXPORT int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return ga__fcntl((ga_fcntl_fn)GA_REAL(fcntl64), fd, cmd, arg);
}

GA_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    ga_getsockopt_fn f = GA_REAL(getsockopt);
    int r = f ? f(fd, level, name, val, len) : (int)syscall(SYS_getsockopt, fd, level, name, val, len);
    if (r == 0 && level == SOL_SOCKET && name == SO_ERROR && val && len && *len >= (socklen_t)sizeof(int)
        && ga_observing()) {
        ga_fd *e = ga_fd_peek(fd);
        if (e && ga_fd_state(e) == GA_FD_SOCKET && atomic_load(&e->pending)) {
            int saved = errno;
            ga_tls_busy = 1;
            ga_connect_so_error(fd, e, *(int *)val);
            ga_tls_busy = 0;
            errno = saved;
        }
    }
    return r;
}
