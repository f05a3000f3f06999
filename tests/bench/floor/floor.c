/* floor.c — the floor of an LD_PRELOAD agent: a reference library for the instruction-count
 * benchmark (scripts/icount/, docs/benchmarks.md "The floor of an LD_PRELOAD agent"). It is
 * never shipped and never loaded with libgenesis_auto.so; it answers one question: how many
 * instructions per operation would ANY in-process agent pay on the application's thread, before
 * it parses, frames or exports anything?
 *
 * It interposes the six data calls redis-benchmark and nginx make on their hot path (send, recv,
 * read, write, writev, readv). What each call does is chosen once, in the constructor, by
 * FLOOR_LEVEL:
 *
 *   pass          call the real function (resolved once with dlsym(RTLD_NEXT)); nothing else:
 *                 the price of being interposed at all (PLT -> our symbol -> libc).
 *   stamp         pass + an fd-indexed table lookup (per-fd counters), clock_gettime
 *                 (CLOCK_MONOTONIC) before and after the call, and one record into a fixed
 *                 single-producer ring in .bss: the two timestamps, fd, call, result and a copy
 *                 of the first 64 bytes of the data; errno preserved. No lock, no malloc, no
 *                 atomic read-modify-write. The minimum of an agent that "frames nothing,
 *                 timestamps and copies".
 *   stamp_thread  stamp + one thread started in the constructor that sleeps and drains the ring
 *                 every 100 ms (all signals blocked), like an exporter thread: once a second
 *                 thread exists glibc takes its multi-threaded paths (cancellable syscalls go
 *                 through __pthread_enable/disable_asynccancel, malloc takes its locks) on the
 *                 application's thread too.
 *
 * Unset or unknown FLOOR_LEVEL means pass. Simplifications a real agent could not make, all in
 * the floor's favour: the ring is one global ring (a multi-threaded host needs a ring per thread,
 * a TLS lookup more), it overwrites the oldest record instead of checking for room, and no fd is
 * classified (a once-per-connection cost that the benchmark's differencing cancels anyway).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

enum { LEVEL_PASS, LEVEL_STAMP, LEVEL_STAMP_THREAD };
enum { OP_SEND, OP_RECV, OP_READ, OP_WRITE, OP_WRITEV, OP_READV };
enum { FD_SLOTS = 4096, RING_SLOTS = 4096, COPY = 64 };

struct fd_slot { uint64_t ops, bytes; };
struct rec {
    uint64_t t0, t1;            /* CLOCK_MONOTONIC, ns, before and after the call */
    int64_t ret;                /* what the call returned */
    int32_t fd;
    uint8_t op, copied;         /* OP_*, bytes in data */
    uint16_t pad;
    unsigned char data[COPY];   /* the first bytes sent or received */
};

static int level;
static struct fd_slot fds[FD_SLOTS];
static struct rec ring[RING_SLOTS];
static unsigned ring_head;      /* written by the application's thread only */
static unsigned ring_tail;      /* the drain thread's */
static uint64_t drained;

static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_readv)(int, const struct iovec *, int);

static void resolve(void)
{
    real_send = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    real_recv = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    real_readv = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "readv");
}

static void *drain(void *arg)
{
    for (;;) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        unsigned head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
        drained += head - ring_tail;    /* a real exporter would encode ring[tail..head) here */
        ring_tail = head;
    }
    return NULL;
}

__attribute__((constructor)) static void floor_init(void)
{
    if (!real_send)
        resolve();
    const char *lv = getenv("FLOOR_LEVEL");
    if (lv && strcmp(lv, "stamp") == 0)
        level = LEVEL_STAMP;
    else if (lv && strcmp(lv, "stamp_thread") == 0)
        level = LEVEL_STAMP_THREAD;
    if (level == LEVEL_STAMP_THREAD) {
        sigset_t all, old;
        pthread_t t;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);  /* the thread inherits it: no signal for it */
        if (pthread_create(&t, NULL, drain, NULL) == 0)
            pthread_detach(t);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The record of one call; `buf` holds the data (contiguous calls), or `iov` (vector calls).
 * Inlined into each call's stamped path: one function call less per operation. */
static inline __attribute__((always_inline)) void
record(int op, int fd, uint64_t t0, ssize_t ret, const void *buf, const struct iovec *iov, int iovcnt)
{
    uint64_t t1 = now_ns();
    struct fd_slot *s = &fds[fd];
    s->ops++;
    s->bytes += ret > 0 ? (uint64_t)ret : 0;
    unsigned h = ring_head;
    struct rec *r = &ring[h % RING_SLOTS];
    r->t0 = t0;
    r->t1 = t1;
    r->ret = ret;
    r->fd = fd;
    r->op = (uint8_t)op;
    size_t want = ret > 0 ? ((size_t)ret < COPY ? (size_t)ret : COPY) : 0, n = 0;
    if (!buf && iovcnt > 0 && iov[0].iov_len >= want)
        buf = iov[0].iov_base;                  /* the usual case: the first buffer suffices */
    if (buf) {
        if (want == COPY)
            memcpy(r->data, buf, COPY);         /* constant size: a few vector moves */
        else
            memcpy(r->data, buf, want);
        n = want;
    } else {
        for (int i = 0; i < iovcnt && n < want; i++) {
            size_t k = iov[i].iov_len < want - n ? iov[i].iov_len : want - n;
            memcpy(r->data + n, iov[i].iov_base, k);
            n += k;
        }
    }
    r->copied = (uint8_t)n;
    __atomic_store_n(&ring_head, h + 1, __ATOMIC_RELEASE);
}

#define STAMPED(fd) (level != LEVEL_PASS && (unsigned)(fd) < FD_SLOTS)

/* The stamped path of one call, out of line so that the pass level stays a load, two tests and
 * a tail jump: the real call between two timestamps, its record, errno as the call left it. */
#define STAMPED_BODY(op, fd, call, buf, iov, iovcnt)             \
    do {                                                         \
        uint64_t t0 = now_ns();                                  \
        ssize_t ret = call;                                      \
        int e = errno;                                           \
        record(op, fd, t0, ret, buf, iov, iovcnt);               \
        errno = e;                                               \
        return ret;                                              \
    } while (0)

#define NEED(fn)                      \
    do {                              \
        if (UNLIKELY(!(fn)))          \
            resolve();                \
    } while (0)

#define COLD __attribute__((noinline))

static COLD ssize_t send_s(int fd, const void *buf, size_t len, int flags)
{
    STAMPED_BODY(OP_SEND, fd, real_send(fd, buf, len, flags), buf, NULL, 0);
}

static COLD ssize_t recv_s(int fd, void *buf, size_t len, int flags)
{
    STAMPED_BODY(OP_RECV, fd, real_recv(fd, buf, len, flags), buf, NULL, 0);
}

static COLD ssize_t read_s(int fd, void *buf, size_t len)
{
    STAMPED_BODY(OP_READ, fd, real_read(fd, buf, len), buf, NULL, 0);
}

static COLD ssize_t write_s(int fd, const void *buf, size_t len)
{
    STAMPED_BODY(OP_WRITE, fd, real_write(fd, buf, len), buf, NULL, 0);
}

static COLD ssize_t writev_s(int fd, const struct iovec *iov, int iovcnt)
{
    STAMPED_BODY(OP_WRITEV, fd, real_writev(fd, iov, iovcnt), NULL, iov, iovcnt);
}

static COLD ssize_t readv_s(int fd, const struct iovec *iov, int iovcnt)
{
    STAMPED_BODY(OP_READV, fd, real_readv(fd, iov, iovcnt), NULL, iov, iovcnt);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    NEED(real_send);
    return STAMPED(fd) ? send_s(fd, buf, len, flags) : real_send(fd, buf, len, flags);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    NEED(real_recv);
    return STAMPED(fd) ? recv_s(fd, buf, len, flags) : real_recv(fd, buf, len, flags);
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
    NEED(real_read);
    return STAMPED(fd) ? read_s(fd, buf, len) : real_read(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
    NEED(real_write);
    return STAMPED(fd) ? write_s(fd, buf, len) : real_write(fd, buf, len);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    NEED(real_writev);
    return STAMPED(fd) ? writev_s(fd, iov, iovcnt) : real_writev(fd, iov, iovcnt);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    NEED(real_readv);
    return STAMPED(fd) ? readv_s(fd, iov, iovcnt) : real_readv(fd, iov, iovcnt);
}
