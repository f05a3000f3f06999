/* http_client.c — an HTTP/1.1 client that splits its writes on purpose, for the injection
 * tests. It prints the result of every write call (so a bare and a preloaded run can be
 * compared line by line) and, per response, its status and body length.
 *
 * usage: http_client PORT MODE COUNT PATH [HEADER-LINE] [WAIT-MS]
 *   MODE  whole    one write() per request        bytes    one write() per byte
 *         lines    one send() per header line     writev   writev() of 3-byte pieces
 *         sendmsg  sendmsg() of 5-byte pieces     pipeline all COUNT requests in one write()
 *         bigpost  two pipelined 256 KiB POSTs per round on a non-blocking socket with a
 *                  small send buffer (EAGAIN, partial writes); prints totals only
 *   PATH may hold one %d (the request number). HEADER-LINE is added to every request.
 *   WAIT-MS: pause after the last response before closing (span-end tests). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define BIG (256 * 1024)

static char rbuf[1 << 16];
static size_t rlen, rpos;

static int fill(int fd)
{
    if (rpos == rlen)
        rpos = rlen = 0;
    for (;;) {
        ssize_t r = recv(fd, rbuf + rlen, sizeof rbuf - rlen, 0);
        if (r > 0) {
            rlen += (size_t)r;
            return 1;
        }
        if (r == 0)
            return 0;
        if (errno == EAGAIN) {
            struct pollfd p = { fd, POLLIN, 0 };
            poll(&p, 1, 5000);
        } else if (errno != EINTR) {
            return 0;
        }
    }
}

/* One line (without CRLF) into out; 0 at EOF. */
static int line(int fd, char *out, size_t cap)
{
    size_t o = 0;
    for (;;) {
        while (rpos < rlen) {
            char c = rbuf[rpos++];
            if (c == '\n') {
                while (o > 0 && out[o - 1] == '\r')
                    o--;
                out[o] = 0;
                return 1;
            }
            if (o + 1 < cap)
                out[o++] = c;
        }
        if (!fill(fd))
            return 0;
    }
}

static long skip(int fd, long n)
{
    long got = 0;
    while (n < 0 || got < n) {
        if (rpos == rlen && !fill(fd))
            break;
        size_t k = rlen - rpos;
        if (n >= 0 && (long)k > n - got)
            k = (size_t)(n - got);
        rpos += k;
        got += (long)k;
    }
    return got;
}

/* Read one response; prints "resp STATUS BODYLEN". Returns 0 at EOF before a status. */
static int response(int fd)
{
    char l[4096];
    int status = 0, chunked = 0;
    long cl = -1, body = 0;
    do {
        if (!line(fd, l, sizeof l))
            return 0;
        status = atoi(l + 9);
        while (line(fd, l, sizeof l) && l[0]) {
            if (strncasecmp(l, "content-length:", 15) == 0)
                cl = atol(l + 15);
            if (strncasecmp(l, "transfer-encoding:", 18) == 0 && strstr(l, "chunked"))
                chunked = 1;
        }
    } while (status >= 100 && status < 200);
    if (chunked) {
        long n;
        while (line(fd, l, sizeof l) && (n = strtol(l, NULL, 16)) > 0) {
            body += skip(fd, n);
            line(fd, l, sizeof l);
        }
        while (line(fd, l, sizeof l) && l[0])
            ;
    } else {
        body = skip(fd, cl);
    }
    printf("resp %d %ld\n", status, body);
    return 1;
}

static size_t request(char *out, size_t cap, int port, const char *path, int i, const char *hdr)
{
    char p[512];
    const char *d = strstr(path, "%d");
    if (d != NULL)
        snprintf(p, sizeof p, "%.*s%d%s", (int)(d - path), path, i, d + 2);
    else
        snprintf(p, sizeof p, "%s", path);
    return (size_t)snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: ga-test\r\n"
                            "X-Req: %d\r\n%s%s\r\n", p, port, i, hdr, *hdr ? "\r\n" : "");
}

/* Write all of b[0..n) in calls of `piece` bytes with the given mode; print each result. */
static void put(int fd, const char *mode, const char *b, size_t n)
{
    size_t off = 0;
    while (off < n) {
        size_t k = n - off;
        ssize_t r;
        if (strcmp(mode, "bytes") == 0) {
            r = write(fd, b + off, 1);
        } else if (strcmp(mode, "lines") == 0) {
            const char *nl = memchr(b + off, '\n', k);
            r = send(fd, b + off, nl ? (size_t)(nl - (b + off)) + 1 : k, 0);
        } else if (strcmp(mode, "writev") == 0 || strcmp(mode, "sendmsg") == 0) {
            struct iovec v[64];
            size_t seg = mode[0] == 'w' ? 3 : 5, cnt = 0;
            for (size_t o = 0; o < k && cnt < 64; cnt++, o += seg)
                v[cnt] = (struct iovec){ (void *)(b + off + o), k - o < seg ? k - o : seg };
            struct msghdr m = { .msg_iov = v, .msg_iovlen = cnt };
            r = mode[0] == 'w' ? writev(fd, v, (int)cnt) : sendmsg(fd, &m, MSG_NOSIGNAL);
        } else {
            r = write(fd, b + off, k);
        }
        printf("w %zd\n", r);
        if (r <= 0)
            exit(3);
        off += (size_t)r;
    }
}

/* Two pipelined POSTs with big bodies on a non-blocking socket; totals only. */
static void bigpost(int fd, int port, const char *path, const char *hdr)
{
    static char buf[2 * (BIG + 512)];
    size_t n = 0;
    for (int i = 0; i < 2; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                              "Content-Length: %d\r\n%s%s\r\n", path, port, BIG, hdr, *hdr ? "\r\n" : "");
        memset(buf + n, 'a' + i, BIG);
        n += BIG;
    }
    int sb = 4096;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t off = 0;
    while (off < n) {
        ssize_t r = send(fd, buf + off, n - off > 70000 ? 70000 : n - off, MSG_NOSIGNAL);
        if (r < 0 && errno == EAGAIN) {
            struct pollfd p = { fd, POLLOUT, 0 };
            poll(&p, 1, 5000);
            continue;
        }
        if (r <= 0)
            exit(3);
        off += (size_t)r;
    }
    printf("sent %zu\n", off);
    response(fd);
    response(fd);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s PORT MODE COUNT PATH [HEADER] [WAIT-MS]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), count = atoi(argv[3]);
    const char *mode = argv[2], *path = argv[4], *hdr = argc > 5 ? argv[5] : "";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("connect");
        return 1;
    }
    static char req[1 << 20];
    if (strcmp(mode, "bigpost") == 0) {
        bigpost(fd, port, path, hdr);
    } else if (strcmp(mode, "pipeline") == 0) {
        size_t n = 0;
        for (int i = 1; i <= count; i++)
            n += request(req + n, sizeof req - n, port, path, i, hdr);
        put(fd, "whole", req, n);
        for (int i = 1; i <= count; i++)
            response(fd);
    } else {
        for (int i = 1; i <= count; i++) {
            put(fd, mode, req, request(req, sizeof req, port, path, i, hdr));
            if (!response(fd))
                break;
        }
    }
    fflush(stdout);
    if (argc > 6) {
        struct timespec ts = { atoi(argv[6]) / 1000, (atoi(argv[6]) % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    close(fd);
    return 0;
}
