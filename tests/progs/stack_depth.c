/* stack_depth.c — how deep a thread's stack goes during writes the library rewrites, for
 * test_core_stack_depth.py. The work runs on a thread whose stack this program maps and
 * paints; afterwards the lowest byte that changed tells the depth reached below the thread's
 * entry frame (the TLS and thread control block glibc puts above it are not counted, so the
 * library's own static TLS does not blur the figure). Bare and preloaded runs differ by the
 * stack the hooks used.
 *
 * usage: stack_depth http PORT   GET / to an HTTP server (traceparent injection)
 *        stack_depth nats PORT   CONNECT with headers, SUB, PUB (HPUB injection): prints
 *                                whether the message came back as MSG or HMSG
 *        stack_depth log         serve one HTTP request on a socketpair-like loopback pair
 *                                and write log lines while its server span is active
 *                                (write, writev, printf: capture and GENESIS_LOGS_INJECT)
 * prints what the peer answered (so runs compare) and, last, "depth N". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define STACK_SIZE (1 << 20)
#define PAINT 0xa5

static const char *mode;
static int port;
static uintptr_t entry_sp;

static int dial(int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

/* Read until `until` appears (or EOF); returns what was read, NUL-terminated, in buf. */
static size_t read_until(int fd, char *buf, size_t cap, const char *until)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = 0;
        if (until != NULL && strstr(buf, until) != NULL)
            break;
    }
    buf[n] = 0;
    return n;
}

static void do_http(void)
{
    static const char req[] = "GET /depth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[4096];
    int fd = dial(port);
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1))
        exit(3);
    read_until(fd, buf, sizeof buf, "\r\n\r\n");
    printf("status %.12s\n", buf);
    close(fd);
}

static void do_nats(void)
{
    static const char hello[] =
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,"
        "\"lang\":\"c\",\"version\":\"1\"}\r\nPING\r\n";
    static const char sub[] = "SUB depth.x 1\r\nPING\r\n";
    static const char pub[] = "PUB depth.x 5\r\nhello\r\nPING\r\n";
    char buf[4096];
    int fd = dial(port);
    read_until(fd, buf, sizeof buf, "\r\n");
    printf("server %.4s\n", buf);
    if (write(fd, hello, sizeof hello - 1) != (ssize_t)(sizeof hello - 1))
        exit(3);
    read_until(fd, buf, sizeof buf, "PONG\r\n");
    if (write(fd, sub, sizeof sub - 1) != (ssize_t)(sizeof sub - 1))
        exit(3);
    read_until(fd, buf, sizeof buf, "PONG\r\n");
    if (write(fd, pub, sizeof pub - 1) != (ssize_t)(sizeof pub - 1))
        exit(3);
    read_until(fd, buf, sizeof buf, "PONG\r\n");   /* our own message comes back first */
    printf("delivered %s\n", strncmp(buf, "HMSG", 4) == 0 ? "HMSG" : strncmp(buf, "MSG", 3) == 0 ? "MSG" : "?");
    close(fd);
}

/* The client half of the log mode, on an ordinary thread. */
static void *log_client(void *arg)
{
    static const char req[] = "GET /log HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[1024];
    int fd = dial(*(int *)arg);
    if (write(fd, req, sizeof req - 1) < 0)
        exit(3);
    read_until(fd, buf, sizeof buf, "\r\n\r\n");
    close(fd);
    return NULL;
}

static void do_log(void)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        exit(2);
    int p = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, log_client, &p);
    int c = accept(l, NULL, NULL);
    char buf[1024];
    read_until(c, buf, sizeof buf, "\r\n\r\n");        /* the server span is active now */
    static const char line[] = "{\"level\":\"info\",\"msg\":\"serving the request\"}\n";
    if (write(1, line, sizeof line - 1) < 0)
        exit(3);
    struct iovec v[2] = { { "writev line", 11 }, { "\n", 1 } };
    if (writev(1, v, 2) < 0)
        exit(3);
    printf("printf line %d\n", 42);
    fflush(stdout);
    if (write(c, resp, sizeof resp - 1) < 0)
        exit(3);
    pthread_join(t, NULL);
    close(c);
    close(l);
}

static void *work(void *arg)
{
    volatile char here = 0;
    entry_sp = (uintptr_t)&here;
    if (strcmp(mode, "http") == 0)
        do_http();
    else if (strcmp(mode, "nats") == 0)
        do_nats();
    else
        do_log();
    fflush(stdout);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "log") != 0 && argc < 3)) {
        fprintf(stderr, "usage: stack_depth http|nats PORT | stack_depth log\n");
        return 2;
    }
    mode = argv[1];
    port = argc > 2 ? atoi(argv[2]) : 0;
    uint8_t *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
    if (stack == MAP_FAILED)
        return 2;
    memset(stack, PAINT, STACK_SIZE);
    if (getenv("STACK_DEPTH_WARM") != NULL && port != 0)
        close(dial(port));              /* the library's first-use set-up on this thread */
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstack(&at, stack, STACK_SIZE);
    pthread_t t;
    if (pthread_create(&t, &at, work, NULL) != 0)
        return 2;
    pthread_join(t, NULL);
    size_t low = 0;
    while (low < STACK_SIZE && stack[low] == PAINT)
        low++;
    printf("depth %zu\n", (size_t)(entry_sp - (uintptr_t)(stack + low)));
    if (getenv("STACK_DEPTH_ADDR") != NULL)
        fprintf(stderr, "lowest %p\n", (void *)(stack + low));
    return 0;
}
