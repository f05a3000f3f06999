/* bench_connect: ns per socket()+connect()+close() of a TCP connection over loopback to a
 * listener in the same program.
 *
 * usage: bench_connect [connects_per_batch [batches]]
 * Single-threaded and deterministic: the listener (127.0.0.1, ephemeral port, backlog 4096) is
 * never accepted from while a batch is timed -- the kernel completes the handshake on its own,
 * so a blocking connect() returns once the connection is established. Between timed batches the
 * pending connections are accept()ed and close()d (untimed). The batch size is capped to half
 * the effective backlog (net.core.somaxconn) so a connect() never waits for a full queue.
 * Each client socket gets SO_LINGER {1, 0} before close(), so close() resets the connection and
 * leaves no TIME_WAIT behind (tens of thousands of runs would otherwise pile them up and skew
 * later runs). Prints the median batch's ns per socket+connect+close on stdout, nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "bench_util.h"

#define BACKLOG 4096

static long somaxconn(void)
{
    long v = 128;
    FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 128;
        fclose(f);
    }
    return v > BACKLOG ? BACKLOG : v;
}

static int one_connect(const struct sockaddr_in *addr)
{
    static const struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

/* accept() and close() every pending connection (the listener is non-blocking). */
static int drain(int lfd)
{
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
            close(c);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        return -1;
    }
}

static int run_batch(int lfd, const struct sockaddr_in *addr, long n)
{
    for (long i = 0; i < n; i++)
        if (one_connect(addr) < 0)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    long per_batch = arg_long(argc, argv, 1, 256);
    long batches = arg_long(argc, argv, 2, 12);
    long cap = somaxconn() / 2;
    if (cap < 1)
        cap = 1;
    if (per_batch > cap)
        per_batch = cap;
    double *res = calloc((size_t)batches, sizeof *res);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (!res || lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(lfd, BACKLOG) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
        perror("bench_connect: listener");
        return 1;
    }
    if (run_batch(lfd, &addr, per_batch / 4 + 1) < 0 || drain(lfd) < 0) {
        perror("bench_connect: warm-up");
        return 1;
    }
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        if (run_batch(lfd, &addr, per_batch) < 0) {
            perror("bench_connect: connect");
            return 1;
        }
        res[b] = (now_ns() - t0) / (double)per_batch;
        if (drain(lfd) < 0) {
            perror("bench_connect: accept");
            return 1;
        }
    }
    qsort(res, (size_t)batches, sizeof *res, cmp_double);
    printf("%.1f\n", res[batches / 2]);
    close(lfd);
    free(res);
    return 0;
}
