/* io.c — hooks on data transfer: send/recv families (incl. msg, mmsg and the fortified
 * variants), read/write, readv/writev, sendfile. Each passes the call through unchanged and
 * then notes what was actually transferred (hook.h: ga_io_done). On client sockets that
 * speak (or may speak) HTTP, send/sendto/sendmsg/write/writev first offer the bytes to the
 * pre-send step (hook.h: ga_presend), which may add a traceparent header on the way. */
#include <limits.h>
#include <sys/sendfile.h>
#include "hooks/hook.h"
#include "hooks/inbound.h"

static __attribute__((noinline)) ssize_t ga__full_send(int fd, const void *buf, size_t n, int flags)
{
    ga_send_fn f = GA_REAL(send);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_sendto, fd, buf, n, flags, NULL, 0);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r;
    struct iovec v = { (void *)buf, n };
    if (!ga_presend(fd, &v, 1, flags, NULL, 0, 1, &r))
        r = f(fd, buf, n, flags);
    else if (ga_presend_settled(fd, r))
        return r;
    ga_io_done(fd, r, 1, 1, buf);
    return r;
}

GA_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ga_send_fn f = GA_REAL_LOADED(send);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, flags));
    return ga__full_send(fd, buf, n, flags);
}

static __attribute__((noinline)) ssize_t ga__full_sendto(int fd, const void *buf, size_t n, int flags,
                         const struct sockaddr *to, socklen_t tolen)
{
    ga_sendto_fn f = GA_REAL(sendto);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_sendto, fd, buf, n, flags, to, tolen);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r;
    struct iovec v = { (void *)buf, n };
    if (!ga_presend(fd, &v, 1, flags, to, tolen, 1, &r))
        r = f(fd, buf, n, flags, to, tolen);
    else if (ga_presend_settled(fd, r))
        return r;
    ga_io_done(fd, r, 1, 1, buf);
    return r;
}

GA_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                         const struct sockaddr *to, socklen_t tolen)
{
    ga_sendto_fn f = GA_REAL_LOADED(sendto);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, flags, to, tolen));
    return ga__full_sendto(fd, buf, n, flags, to, tolen);
}

static __attribute__((noinline)) ssize_t ga__full_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ga_sendmsg_fn f = GA_REAL(sendmsg);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_sendmsg, fd, msg, flags);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r;
    ga_presend_fn pf;
    ga_fd *pe = msg != NULL ? ga_presend_entry(fd, &pf) : NULL;
    if (ga_likely(pe == NULL) || !pf(fd, pe, msg, flags, 1, &r))
        r = f(fd, msg, flags);
    else if (ga_presend_settled(fd, r))
        return r;
    if (r > 0)
        ga_io_done_iov(fd, r, 1, 1, msg->msg_iov, (int)msg->msg_iovlen);
    else
        ga_io_done(fd, r, 1, 1, NULL);
    return r;
}

GA_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ga_sendmsg_fn f = GA_REAL_LOADED(sendmsg);
    GA_FAST_PATH_OTHER(fd, f, f(fd, msg, flags));
    return ga__full_sendmsg(fd, msg, flags);
}

/* Each of the first `n` messages of an mmsg vector, in order (or the failure when n < 0). */
static void ga__mmsg_done(int fd, const struct mmsghdr *v, int n, int out, int consumed)
{
    if (n < 0) {
        ga_io_done(fd, -1, out, consumed, NULL);
        return;
    }
    for (int i = 0; i < n; i++)
        ga_io_done_iov(fd, v[i].msg_len, out, consumed, v[i].msg_hdr.msg_iov, (int)v[i].msg_hdr.msg_iovlen);
}

static __attribute__((noinline)) int ga__full_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
    ga_sendmmsg_fn f = GA_REAL(sendmmsg);
    if (ga_unlikely(f == NULL))
        return (int)syscall(SYS_sendmmsg, fd, vec, vlen, flags);
    GA_INTERNAL_GUARD(fd, -1);
    int r = f(fd, vec, vlen, flags);
    if (ga_observing())
        ga__mmsg_done(fd, vec, r, 1, 1);
    return r;
}

GA_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
    ga_sendmmsg_fn f = GA_REAL_LOADED(sendmmsg);
    GA_FAST_PATH_OTHER(fd, f, f(fd, vec, vlen, flags));
    return ga__full_sendmmsg(fd, vec, vlen, flags);
}

static __attribute__((noinline)) ssize_t ga__full_recv(int fd, void *buf, size_t n, int flags)
{
    ga_recv_fn f = GA_REAL(recv);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL);
    GA_INTERNAL_GUARD(fd, -1);
    if (ga_inbound_routed(fd, flags))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_RECVFROM, .flags = flags });
    ssize_t r = f(fd, buf, n, flags);
    ga_io_done(fd, r, 0, !(flags & MSG_PEEK), buf);
    return r;
}

GA_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    ga_recv_fn f = GA_REAL_LOADED(recv);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, flags));
    return ga__full_recv(fd, buf, n, flags);
}

static __attribute__((noinline)) ssize_t ga__full_recvfrom(int fd, void *buf, size_t n, int flags,
                           struct sockaddr *from, socklen_t *fromlen)
{
    ga_recvfrom_fn f = GA_REAL(recvfrom);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_recvfrom, fd, buf, n, flags, from, fromlen);
    GA_INTERNAL_GUARD(fd, -1);
    if (ga_inbound_routed(fd, flags))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_RECVFROM, .flags = flags,
                                                           .from = from, .fromlen = fromlen });
    ssize_t r = f(fd, buf, n, flags, from, fromlen);
    ga_io_done(fd, r, 0, !(flags & MSG_PEEK), buf);
    return r;
}

GA_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                           struct sockaddr *from, socklen_t *fromlen)
{
    ga_recvfrom_fn f = GA_REAL_LOADED(recvfrom);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, flags, from, fromlen));
    return ga__full_recvfrom(fd, buf, n, flags, from, fromlen);
}

/* Descriptors passed with SCM_RIGHTS arrive without a hook seeing them created: forget
 * what we knew about those numbers so they are classified afresh on first use. */
static void ga__received_fds(const struct msghdr *msg)
{
    if (msg->msg_controllen == 0 || !ga_observing())
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c != NULL;
         c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const int *fds = (const int *)CMSG_DATA(c);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, fds + i, sizeof fd);
            ga_fd *e = ga_fd_peek(fd);
            if (e != NULL)
                atomic_store_explicit(&e->state, GA_FD_UNKNOWN, memory_order_relaxed);
        }
    }
}

static __attribute__((noinline)) ssize_t ga__full_recvmsg(int fd, struct msghdr *msg, int flags)
{
    ga_recvmsg_fn f = GA_REAL(recvmsg);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_recvmsg, fd, msg, flags);
    GA_INTERNAL_GUARD(fd, -1);
    if (msg != NULL && msg->msg_iovlen <= IOV_MAX && ga_inbound_routed(fd, flags))
        return ga_inbound_readv(fd, msg->msg_iov, (int)msg->msg_iovlen,
                                &(ga_inb_call){ .kind = GA_INB_RECVMSG, .flags = flags, .msg = msg });
    ssize_t r = f(fd, msg, flags);
    if (r >= 0 && msg != NULL)
        ga__received_fds(msg);
    if (r > 0)
        ga_io_done_iov(fd, r, 0, !(flags & MSG_PEEK), msg->msg_iov, (int)msg->msg_iovlen);
    else
        ga_io_done(fd, r, 0, !(flags & MSG_PEEK), NULL);
    return r;
}

GA_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    ga_recvmsg_fn f = GA_REAL_LOADED(recvmsg);
    GA_FAST_PATH_OTHER(fd, f, f(fd, msg, flags));
    return ga__full_recvmsg(fd, msg, flags);
}

static __attribute__((noinline)) int ga__full_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                       struct timespec *timeout)
{
    ga_recvmmsg_fn f = GA_REAL(recvmmsg);
    if (ga_unlikely(f == NULL))
        return (int)syscall(SYS_recvmmsg, fd, vec, vlen, flags, timeout);
    GA_INTERNAL_GUARD(fd, -1);
    int r = f(fd, vec, vlen, flags, timeout);
    if (ga_observing()) {
        for (int i = 0; i < r; i++)
            ga__received_fds(&vec[i].msg_hdr);
        ga__mmsg_done(fd, vec, r, 0, !(flags & MSG_PEEK));
    }
    return r;
}

GA_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                       struct timespec *timeout)
{
    ga_recvmmsg_fn f = GA_REAL_LOADED(recvmmsg);
    GA_FAST_PATH_OTHER(fd, f, f(fd, vec, vlen, flags, timeout));
    return ga__full_recvmmsg(fd, vec, vlen, flags, timeout);
}

static __attribute__((noinline)) ssize_t ga__full_read(int fd, void *buf, size_t n)
{
    ga_read_fn f = GA_REAL(read);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_read, fd, buf, n);
    GA_INTERNAL_GUARD(fd, -1);
    if (ga_inbound_routed(fd, 0))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_READ });
    ssize_t r = f(fd, buf, n);
    ga_io_done(fd, r, 0, 1, buf);
    return r;
}

GA_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    ga_read_fn f = GA_REAL_LOADED(read);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n));
    return ga__full_read(fd, buf, n);
}

static __attribute__((noinline)) ssize_t ga__full_write(int fd, const void *buf, size_t n)
{
    ga_write_fn f = GA_REAL(write);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_write, fd, buf, n);
    GA_INTERNAL_GUARD(fd, -1);
    ga_fd *le = ga_fd_peek(fd);
    if (le != NULL && ga_fd_state(le) == GA_FD_LOG)     /* the real write was not loaded yet */
        return ga_log_write(fd, le, buf, n, f);
    ssize_t r;
    struct iovec v = { (void *)buf, n };
    if (!ga_presend(fd, &v, 1, 0, NULL, 0, 0, &r))
        r = f(fd, buf, n);
    else if (ga_presend_settled(fd, r))
        return r;
    ga_io_done(fd, r, 1, 1, buf);
    return r;
}

/* write() on a captured log stream (preload/logcap.h). The arguments keep write()'s registers
 * (fd, buf, n first), so the fast path above needs no move for this call. */
static __attribute__((noinline)) ssize_t ga__log_write(int fd, const void *buf, size_t n, ga_fd *e,
                                                      ga_write_fn f)
{
    GA_INTERNAL_GUARD(fd, -1);
    return ga_log_write(fd, e, buf, n, f);
}

GA_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    ga_write_fn f = GA_REAL_LOADED(write);
    GA_FAST_PATH_OTHER_OR_LOG(fd, f, f(fd, buf, n), ga__log_write(fd, buf, n, ga__e0, f));
    return ga__full_write(fd, buf, n);
}

static __attribute__((noinline)) ssize_t ga__full_readv(int fd, const struct iovec *iov, int cnt)
{
    ga_readv_fn f = GA_REAL(readv);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_readv, fd, iov, cnt);
    GA_INTERNAL_GUARD(fd, -1);
    if (cnt > 0 && cnt <= IOV_MAX && ga_inbound_routed(fd, 0))
        return ga_inbound_readv(fd, iov, cnt, &(ga_inb_call){ .kind = GA_INB_READ });
    ssize_t r = f(fd, iov, cnt);
    ga_io_done_iov(fd, r, 0, 1, iov, cnt);
    return r;
}

GA_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    ga_readv_fn f = GA_REAL_LOADED(readv);
    GA_FAST_PATH_OTHER(fd, f, f(fd, iov, cnt));
    return ga__full_readv(fd, iov, cnt);
}

static __attribute__((noinline)) ssize_t ga__full_writev(int fd, const struct iovec *iov, int cnt)
{
    ga_writev_fn f = GA_REAL(writev);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_writev, fd, iov, cnt);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r;
    if (cnt <= 0 || cnt > IOV_MAX || !ga_presend(fd, iov, (size_t)cnt, 0, NULL, 0, 0, &r))
        r = f(fd, iov, cnt);
    else if (ga_presend_settled(fd, r))
        return r;
    if (!ga_log_done_data(fd, r, NULL, iov, cnt))
        ga_io_done_iov(fd, r, 1, 1, iov, cnt);
    return r;
}

GA_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ga_writev_fn f = GA_REAL_LOADED(writev);
    GA_FAST_PATH_OTHER(fd, f, f(fd, iov, cnt));
    return ga__full_writev(fd, iov, cnt);
}

static __attribute__((noinline)) ssize_t ga__full_sendfile(int out, int in, off_t *off, size_t n)
{
    ga_sendfile_fn f = GA_REAL(sendfile);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_sendfile, out, in, off, n);
    GA_INTERNAL_GUARD(out, -1);
    ssize_t r = f(out, in, off, n);
    ga_io_done(out, r, 1, 1, NULL);
    return r;
}

GA_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
    ga_sendfile_fn f = GA_REAL_LOADED(sendfile);
    GA_FAST_PATH_OTHER(out, f, f(out, in, off, n));
    return ga__full_sendfile(out, in, off, n);
}

static __attribute__((noinline)) ssize_t ga__full_sendfile64(int out, int in, off64_t *off, size_t n)
{
    ga_sendfile64_fn f = GA_REAL(sendfile64);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_sendfile, out, in, off, n);
    GA_INTERNAL_GUARD(out, -1);
    ssize_t r = f(out, in, off, n);
    ga_io_done(out, r, 1, 1, NULL);
    return r;
}

GA_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
    ga_sendfile64_fn f = GA_REAL_LOADED(sendfile64);
    GA_FAST_PATH_OTHER(out, f, f(out, in, off, n));
    return ga__full_sendfile64(out, in, off, n);
}

/* Fortified variants (_FORTIFY_SOURCE): the real ones check the buffer size and abort on
 * overflow exactly as without us; the syscall fallback only runs during symbol lookup. */
static __attribute__((noinline)) ssize_t ga__full___recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    ga___recv_chk_fn f = GA_REAL(__recv_chk);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_recvfrom, fd, buf, n < buflen ? n : buflen, flags, NULL, NULL);
    GA_INTERNAL_GUARD(fd, -1);
    if (n <= buflen && ga_inbound_routed(fd, flags))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_RECVFROM, .flags = flags });
    ssize_t r = f(fd, buf, n, buflen, flags);
    ga_io_done(fd, r, 0, !(flags & MSG_PEEK), buf);
    return r;
}

GA_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    ga___recv_chk_fn f = GA_REAL_LOADED(__recv_chk);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, buflen, flags));
    return ga__full___recv_chk(fd, buf, n, buflen, flags);
}

static __attribute__((noinline)) ssize_t ga__full___recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                                 struct sockaddr *from, socklen_t *fromlen)
{
    ga___recvfrom_chk_fn f = GA_REAL(__recvfrom_chk);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_recvfrom, fd, buf, n < buflen ? n : buflen, flags, from, fromlen);
    GA_INTERNAL_GUARD(fd, -1);
    if (n <= buflen && ga_inbound_routed(fd, flags))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_RECVFROM, .flags = flags,
                                                           .from = from, .fromlen = fromlen });
    ssize_t r = f(fd, buf, n, buflen, flags, from, fromlen);
    ga_io_done(fd, r, 0, !(flags & MSG_PEEK), buf);
    return r;
}

GA_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                                 struct sockaddr *from, socklen_t *fromlen)
{
    ga___recvfrom_chk_fn f = GA_REAL_LOADED(__recvfrom_chk);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, buflen, flags, from, fromlen));
    return ga__full___recvfrom_chk(fd, buf, n, buflen, flags, from, fromlen);
}

static __attribute__((noinline)) ssize_t ga__full___read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    ga___read_chk_fn f = GA_REAL(__read_chk);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_read, fd, buf, n < buflen ? n : buflen);
    GA_INTERNAL_GUARD(fd, -1);
    if (n <= buflen && ga_inbound_routed(fd, 0))
        return ga_inbound_read(fd, buf, n, &(ga_inb_call){ .kind = GA_INB_READ });
    ssize_t r = f(fd, buf, n, buflen);
    ga_io_done(fd, r, 0, 1, buf);
    return r;
}

GA_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    ga___read_chk_fn f = GA_REAL_LOADED(__read_chk);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, buflen));
    return ga__full___read_chk(fd, buf, n, buflen);
}
