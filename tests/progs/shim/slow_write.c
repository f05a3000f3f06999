/* slow_write.c — libslow_write.so, a shim loaded after the library in LD_PRELOAD (so the
 * library's "real" write functions are these): it makes the real call, then, when the bytes
 * began an HTTP request ("GET "), sleeps SLOW_WRITE_MS milliseconds before returning. That
 * holds a writer between its real call and the library's hook, the window in which a second
 * thread reading the same socket gets the answer first (test_http_two_threads.py). */

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

static void pause_if_request(const void *p, size_t n)
{
    const char *ms = getenv("SLOW_WRITE_MS");
    if (ms == NULL || n < 4 || memcmp(p, "GET ", 4) != 0)
        return;
    long v = atol(ms);
    struct timespec ts = { v / 1000, (v % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t (*f)(int, const void *, size_t) = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    ssize_t r = f(fd, buf, n);
    if (r > 0)
        pause_if_request(buf, (size_t)r);
    return r;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t (*f)(int, const void *, size_t, int) = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    ssize_t r = f(fd, buf, n, flags);
    if (r > 0)
        pause_if_request(buf, (size_t)r);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ssize_t (*f)(int, const struct iovec *, int) = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    ssize_t r = f(fd, iov, cnt);
    if (r > 0 && cnt > 0)
        pause_if_request(iov[0].iov_base, iov[0].iov_len);
    return r;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    ssize_t (*f)(int, const struct msghdr *, int) = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
    ssize_t r = f(fd, m, flags);
    if (r > 0 && m->msg_iovlen > 0)
        pause_if_request(m->msg_iov[0].iov_base, m->msg_iov[0].iov_len);
    return r;
}
