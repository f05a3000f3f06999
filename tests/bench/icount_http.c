/* icount_http.c — a minimal HTTP/1.1 keep-alive client for the instruction-count benchmark
 * (scripts/icount/): N GET requests on one connection, one write() per request, each response
 * read completely (Content-Length body) before the next request is sent. It is both the load
 * generator for a server under callgrind and, itself under callgrind, the "C keep-alive HTTP
 * client" whose outgoing requests the library may inject `traceparent` into.
 *
 * usage: icount_http PORT N [EXTRA-LINES [PATH]]
 *   EXTRA-LINES  header lines added to every request ("X-Extra-NN: ..."), default 0, at most 64
 *   PATH         default /index.html
 * Exit status 0 when every response was 200; 1 otherwise (with a message on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char rbuf[1 << 16];
static size_t rlen;

/* Read one response: the head up to the blank line, then Content-Length bytes of body. Bytes
 * after it stay in rbuf (there are none: one request is outstanding at a time). Returns the
 * status code, or -1 on EOF / a malformed response. */
static int response(int fd)
{
    char *end;
    while ((end = memmem(rbuf, rlen, "\r\n\r\n", 4)) == NULL) {
        ssize_t r = recv(fd, rbuf + rlen, sizeof rbuf - rlen, 0);
        if (r <= 0)
            return -1;
        rlen += (size_t)r;
    }
    size_t head = (size_t)(end - rbuf) + 4;
    *end = 0;
    char *cl = strcasestr(rbuf, "\r\ncontent-length:");
    size_t want = head + (cl ? strtoul(cl + 17, NULL, 10) : 0);
    int status = rlen > 12 ? atoi(rbuf + 9) : -1;
    while (rlen < want) {
        ssize_t r = recv(fd, rbuf + rlen, sizeof rbuf - rlen < want - rlen ? sizeof rbuf - rlen : want - rlen, 0);
        if (r <= 0)
            return -1;
        rlen += (size_t)r;
        if (rlen == sizeof rbuf && rlen < want) {   /* a long body: keep only the count */
            want -= rlen;
            rlen = 0;
        }
    }
    memmove(rbuf, rbuf + want, rlen - want);
    rlen -= want;
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT N [EXTRA-LINES [PATH]]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    int extra = argc > 3 ? atoi(argv[3]) : 0;
    const char *path = argc > 4 ? argv[4] : "/index.html";
    if (extra < 0 || extra > 64)
        extra = 64;
    static char req[8192];
    int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                       "User-Agent: icount-http/1.0\r\nAccept: */*\r\n", path, port);
    for (int i = 0; i < extra; i++)
        len += snprintf(req + len, sizeof req - (size_t)len,
                        "X-Extra-%02d: some-opaque-value-%02d-abcdefghijklmnop\r\n", i, i);
    len += snprintf(req + len, sizeof req - (size_t)len, "\r\n");

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return perror("connect"), 1;
    for (long i = 0; i < n; i++) {
        if (write(fd, req, (size_t)len) != len)
            return perror("write"), 1;
        int st = response(fd);
        if (st != 200) {
            fprintf(stderr, "%s: request %ld: status %d\n", argv[0], i, st);
            return 1;
        }
    }
    close(fd);
    return 0;
}
