/* nats_bench.c — NATS workloads for instruction counting (tests/bench/nats_bench.sh runs them
 * under callgrind, bare and preloaded, at two lengths, and differences the counts).
 *
 *   nats_bench wire-pub PORT N     raw socket: CONNECT with headers, then N messages
 *                                  "PUB bench.wire 16", one write() each, then PING/PONG
 *   nats_bench wire-sub PORT N     raw socket: SUB bench.wire, "ready", read until N messages
 *                                  (blocking recv, 64 KiB buffer)
 *   nats_bench wire-hpub PORT N    as wire-pub, each message an HPUB with a traceparent header
 *                                  block (what the library's injector sends)
 *   nats_bench wire-pub-nh / wire-sub-nh PORT N
 *                                  as wire-pub / wire-sub, but CONNECT declares no headers (the
 *                                  library rewrites it, and turns HMSG back into MSG)
 *   nats_bench lib-pub URL N       libnats: natsConnection_Publish N times, then flush
 *   nats_bench lib-sub URL N       libnats: an async subscription on bench.lib, "ready", until N
 *
 * No tracing code; the payload is 16 bytes. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nats/nats.h>

static void die(const char *what)
{
    fprintf(stderr, "nats_bench: %s\n", what);
    exit(2);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            die("write");
        p += w;
        n -= (size_t)w;
    }
}

/* Read until `text` has been seen (it may straddle reads). */
static void read_until(int fd, const char *text)
{
    char buf[8192];
    size_t have = 0, tl = strlen(text);
    for (;;) {
        ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (r <= 0)
            die("recv");
        have += (size_t)r;
        buf[have] = 0;
        if (strstr(buf, text) != NULL)
            return;
        if (have > tl) {                        /* keep a tail that may hold a split text */
            memmove(buf, buf + have - tl, tl);
            have = tl;
        }
    }
}

static const char *connect_json = "{\"verbose\":false,\"headers\":true}";

static int wire_start(int port, const char *extra)
{
    int fd = dial(port);
    read_until(fd, "\r\n");                     /* INFO */
    char connect[256];
    snprintf(connect, sizeof connect, "CONNECT %s\r\n%sPING\r\n", connect_json, extra);
    write_all(fd, connect, strlen(connect));
    read_until(fd, "PONG\r\n");
    return fd;
}

static int wire_pub(int port, long n, int hpub)
{
    static const char msg[] = "PUB bench.wire 16\r\n0123456789abcdef\r\n";
    static const char hmsg[] = "HPUB bench.wire 82 98\r\nNATS/1.0\r\ntraceparent: "
                               "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"
                               "0123456789abcdef\r\n";
    int fd = wire_start(port, "");
    for (long i = 0; i < n; i++) {
        if (hpub)
            write_all(fd, hmsg, sizeof hmsg - 1);
        else
            write_all(fd, msg, sizeof msg - 1);
    }
    write_all(fd, "PING\r\n", 6);
    read_until(fd, "PONG\r\n");
    close(fd);
    printf("published %ld\n", n);
    return 0;
}

/* Count complete MSG/HMSG in the stream: control lines and payloads, across reads. */
static int wire_sub(int port, long n)
{
    int fd = wire_start(port, "SUB bench.wire 1\r\n");
    printf("ready\n");
    fflush(stdout);
    static char buf[65536];
    long got = 0, skip = 0;                     /* payload + CRLF bytes still to skip */
    char line[512];
    size_t ll = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
            die("recv");
        for (ssize_t i = 0; i < r; i++) {
            if (skip > 0) {
                long k = skip < r - i ? skip : (long)(r - i);
                skip -= k;
                i += k - 1;
                continue;
            }
            if (ll < sizeof line - 1)
                line[ll++] = buf[i];
            if (buf[i] != '\n')
                continue;
            line[ll] = 0;
            ll = 0;
            if (strncmp(line, "MSG ", 4) == 0 || strncmp(line, "HMSG ", 5) == 0) {
                char *last = strrchr(line, ' ');
                skip = atol(last + 1) + 2;
                got++;
            } else if (strncmp(line, "PING", 4) == 0) {
                write_all(fd, "PONG\r\n", 6);
            }
        }
    }
    close(fd);
    printf("received %ld\n", got);
    return 0;
}

static int lib_pub(const char *url, long n)
{
    natsConnection *nc = NULL;
    if (natsConnection_ConnectTo(&nc, url) != NATS_OK)
        die("natsConnection_ConnectTo");
    for (long i = 0; i < n; i++)
        if (natsConnection_Publish(nc, "bench.lib", "0123456789abcdef", 16) != NATS_OK)
            die("publish");
    if (natsConnection_FlushTimeout(nc, 10000) != NATS_OK)
        die("flush");
    natsConnection_Destroy(nc);
    printf("published %ld\n", n);
    return 0;
}

typedef struct sub_count {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long got, want;
} sub_count;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    sub_count *c = closure;
    (void)nc, (void)sub;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    if (++c->got == c->want)
        pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int lib_sub(const char *url, long n)
{
    sub_count c = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, n };
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    if (natsConnection_ConnectTo(&nc, url) != NATS_OK ||
        natsConnection_Subscribe(&sub, nc, "bench.lib", on_msg, &c) != NATS_OK ||
        natsSubscription_SetPendingLimits(sub, -1, -1) != NATS_OK ||
        natsConnection_FlushTimeout(nc, 5000) != NATS_OK)
        die("subscribe");
    printf("ready\n");
    fflush(stdout);
    pthread_mutex_lock(&c.mu);
    while (c.got < c.want)
        pthread_cond_wait(&c.cv, &c.mu);
    pthread_mutex_unlock(&c.mu);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    printf("received %ld\n", c.got);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        die("usage: nats_bench wire-pub|wire-sub PORT N | lib-pub|lib-sub URL N");
    long n = atol(argv[3]);
    int rc;
    const char *mode = argv[1];
    size_t ml = strlen(mode);
    if (ml > 3 && strcmp(mode + ml - 3, "-nh") == 0)
        connect_json = "{\"verbose\":false}";  /* no headers declared */
    if (strncmp(mode, "wire-pub", 8) == 0)
        rc = wire_pub(atoi(argv[2]), n, 0);
    else if (strcmp(mode, "wire-hpub") == 0)
        rc = wire_pub(atoi(argv[2]), n, 1);
    else if (strncmp(mode, "wire-sub", 8) == 0)
        rc = wire_sub(atoi(argv[2]), n);
    else if (strcmp(argv[1], "lib-pub") == 0)
        rc = lib_pub(argv[2], n);
    else if (strcmp(argv[1], "lib-sub") == 0)
        rc = lib_sub(argv[2], n);
    else
        die("unknown mode");
    nats_Close();
    return rc;
}
