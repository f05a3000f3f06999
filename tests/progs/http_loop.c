/* http_loop.c — per-request CPU cost of the HTTP path, for tests/bench/http_bench.sh.
 * One server thread and one client thread talk HTTP/1.1 keep-alive over loopback TCP:
 * the client writes a wrk-like GET, the server reads it and writes an nginx-like response
 * (headers + 1400-byte body), the client reads it. Each thread measures its own CPU time
 * (RUSAGE_THREAD), so running this bare and under the library gives the nanoseconds the
 * library adds per request on a server's and on a client's application thread (the
 * exporter thread is not counted).
 *
 * usage: http_loop REQUESTS [raw] → prints "server_ns X client_ns Y" (CPU ns per request);
 * `raw` sends the same bytes with a method no parser claims, the library's baseline cost
 * for sockets it only counts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

static long n_req;
static int lfd;
static double server_ns;
static char resp[2048];
static size_t resp_len;

static double thread_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* Read until the end of a header section (requests have no body here). */
static int read_request(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    return 0;
}

static void *server(void *arg)
{
    (void)arg;
    int fd = accept(lfd, NULL, NULL);
    char buf[4096];
    double t0 = thread_cpu_ns();
    for (long i = 0; i < n_req; i++) {
        if (read_request(fd, buf, sizeof buf) < 0 || write(fd, resp, resp_len) != (ssize_t)resp_len)
            exit(3);
    }
    server_ns = (thread_cpu_ns() - t0) / (double)n_req;
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    n_req = argc > 1 ? atol(argv[1]) : 100000;
    char body[1400];
    memset(body, 'x', sizeof body);
    resp_len = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
        "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
        "Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\nConnection: keep-alive\r\n"
        "ETag: \"6567a1b2-578\"\r\nAccept-Ranges: bytes\r\n\r\n", sizeof body);
    memcpy(resp + resp_len, body, sizeof body);
    resp_len += sizeof body;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t sl = sizeof sa;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, server, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char req[256], buf[4096];
    int rl = snprintf(req, sizeof req, "%s /index.html HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "User-Agent: wrk\r\n\r\n", argc > 2 ? "XGET" : "GET", ntohs(sa.sin_port));
    double t0 = thread_cpu_ns();
    for (long i = 0; i < n_req; i++) {
        if (write(fd, req, (size_t)rl) != rl)
            return 3;
        for (size_t got = 0; got < resp_len;) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0)
                return 3;
            got += (size_t)r;
        }
    }
    double client_ns = (thread_cpu_ns() - t0) / (double)n_req;
    pthread_join(t, NULL);
    printf("server_ns %.0f client_ns %.0f\n", server_ns, client_ns);
    return 0;
}
