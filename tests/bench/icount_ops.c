/* icount_ops.c — N iterations of one cheap system call pattern, for the instruction-count
 * benchmark (scripts/icount/): run under callgrind with two values of N, bare and preloaded,
 * the difference divided by the difference in N is the cost per call, start-up cancelled.
 * No timing, no output on success: every instruction counted belongs to the loop or to a
 * start-up that is the same for both N.
 *
 * usage: icount_ops write N      write() 1 byte to /dev/null, N times
 *        icount_ops logline N    write() one 100-byte text line (newline included) to stdout,
 *                                N times (a captured log stream when logs are on)
 *        icount_ops sendrecv N   send() 64 bytes on one end of an AF_UNIX socketpair and
 *                                recv(MSG_WAITALL) them on the other, N times
 * Exit status 0, or 1 (with a message) when a call fails. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

static int loop_write(long n)
{
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    char c = 'x';
    if (fd < 0)
        return perror("open /dev/null"), 1;
    for (long i = 0; i < n; i++)
        if (write(fd, &c, 1) != 1)
            return perror("write"), 1;
    return close(fd), 0;
}

static int loop_logline(long n)
{
    char line[100];
    memcpy(line, "2026-12-06T19:12:55Z INFO request handled path=/api/v1/items/42 status=200 "
                 "bytes=5123 dur_ms=12.5 ok", 99);
    line[99] = '\n';
    for (long i = 0; i < n; i++)
        if (write(1, line, sizeof line) != (ssize_t)sizeof line)
            return perror("write"), 1;
    return 0;
}

static int loop_sendrecv(long n)
{
    int sv[2];
    char out[64], in[64];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return perror("socketpair"), 1;
    memset(out, 'p', sizeof out);
    for (long i = 0; i < n; i++) {
        if (send(sv[0], out, sizeof out, 0) != (ssize_t)sizeof out)
            return perror("send"), 1;
        if (recv(sv[1], in, sizeof in, MSG_WAITALL) != (ssize_t)sizeof in)
            return perror("recv"), 1;
    }
    return close(sv[0]), close(sv[1]), 0;
}

int main(int argc, char **argv)
{
    long n = argc == 3 ? atol(argv[2]) : -1;
    if (n < 0) {
        fprintf(stderr, "usage: %s write|logline|sendrecv N\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "write") == 0)
        return loop_write(n);
    if (strcmp(argv[1], "logline") == 0)
        return loop_logline(n);
    if (strcmp(argv[1], "sendrecv") == 0)
        return loop_sendrecv(n);
    fprintf(stderr, "%s: unknown operation %s\n", argv[0], argv[1]);
    return 2;
}
