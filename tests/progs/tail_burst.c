/* tail_burst.c — one long HTTP request whose handler makes many short Redis commands: a burst of
 * spans under one local root, for the tail-sampling buffer (tests/integration/test_core_tail.py).
 *
 * Usage: tail_burst N
 * In one thread: a listener L; a client connection to L sends "GET /burst"; its accepted side
 * reads the request head (under the library that starts the server span, the thread's active
 * span); then, on a second connection to L, N times: PING written by one end, read and answered
 * +PONG by the other, the answer read (N Redis spans, children of the server span: RESP needs no
 * server); then the HTTP response is written and read back (the server span ends). Prints
 * "commands=<N> seconds=<s> per_second=<r> vmhwm_kb=<k>" and exits 0. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static long vmhwm_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1024) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) < 0)
        die("listener");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
        die("client");
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");
    static const char req[] = "GET /burst HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(c, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
        die("write request");
    char buf[4096];
    if (read(s, buf, sizeof buf) <= 0)
        die("read request");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int x = socket(AF_INET, SOCK_STREAM, 0);
    if (x < 0 || connect(x, (struct sockaddr *)&a, sizeof a) < 0)
        die("redis connect");
    int y = accept(l, NULL, NULL);
    if (y < 0)
        die("redis accept");
    static const char ping[] = "*1\r\n$4\r\nPING\r\n", pong[] = "+PONG\r\n";
    for (long i = 0; i < n; i++) {
        if (write(x, ping, sizeof ping - 1) != (ssize_t)(sizeof ping - 1) ||
            read(y, buf, sizeof buf) != (ssize_t)(sizeof ping - 1) ||
            write(y, pong, sizeof pong - 1) != (ssize_t)(sizeof pong - 1) ||
            read(x, buf, sizeof buf) != (ssize_t)(sizeof pong - 1))
            die("ping");
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(x);
    close(y);
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (write(s, resp, sizeof resp - 1) != (ssize_t)(sizeof resp - 1))
        die("write response");
    if (read(c, buf, sizeof buf) <= 0)
        die("read response");
    close(c);
    close(s);
    close(l);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("commands=%ld seconds=%.3f per_second=%.0f vmhwm_kb=%ld\n", n, secs,
           secs > 0 ? (double)n / secs : 0.0, vmhwm_kb());
    return 0;
}
