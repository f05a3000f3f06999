/* nats_client.c — a NATS client on libnats for the integration tests (no tracing code).
 *
 *   nats_client pub  URL SUBJECT N [SIZE] [GAP_MS]
 *                                              publish N messages "<subject>-<i>" (padded with
 *                                              'x' to SIZE bytes), flush, close; with a gap,
 *                                              flush after each message and wait GAP_MS
 *   nats_client sub  URL SUBJECT N [QUEUE|-] [REDIS_PORT|0] [IDLE_MS]
 *                                              subscribe (in a queue group unless -), print
 *                                              "ready", then each payload as it comes; with a
 *                                              Redis port, PING Redis (plain socket) while
 *                                              processing each message; exit after N, or
 *                                              after IDLE_MS without a message
 *   nats_client req  URL SUBJECT N             N requests "q-<i>", print each reply
 *   nats_client serve URL SUBJECT N            answer N requests with "re:<request>"
 *
 * Output (stdout) is what the tests compare between a bare and a preloaded run. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <nats/nats.h>

typedef struct sub_ctx {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int want, got;
    int redis_port;
    int idle_ms;
    natsConnection *nc;
    int serve;
    int done;                   /* the subscription's last callback has returned */
} sub_ctx;

static void die(const char *what, natsStatus s)
{
    fprintf(stderr, "%s: %s\n", what, natsStatus_GetText(s));
    exit(2);
}

/* PING a Redis server on a plain socket: "+PONG" or an error word. */
static const char *redis_ping(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    static char buf[64];
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return "connect-failed";
    }
    ssize_t n = -1;
    if (send(fd, "*1\r\n$4\r\nPING\r\n", 14, 0) == 14)
        n = recv(fd, buf, sizeof buf - 1, 0);
    close(fd);
    if (n <= 2)
        return "no-reply";
    buf[n - 2] = '\0';
    return buf;
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    sub_ctx *c = closure;
    (void)sub;
    const char *data = natsMsg_GetData(msg);
    int len = natsMsg_GetDataLength(msg);
    if (c->serve) {
        char reply[256];
        int n = snprintf(reply, sizeof reply, "re:%.*s", len, data);
        natsConnection_Publish(nc, natsMsg_GetReply(msg), reply, n);
        printf("served %.*s\n", len, data);
    } else if (c->redis_port > 0) {
        printf("got %.*s redis=%s\n", len, data, redis_ping(c->redis_port));
    } else {
        printf("got %.*s\n", len, data);
    }
    fflush(stdout);
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    c->got++;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static natsConnection *connect_to(const char *url)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK)
        die("connect", s);
    return nc;
}

static int run_pub(const char *url, const char *subj, int n, int size, int gap_ms)
{
    natsConnection *nc = connect_to(url);
    char *buf = malloc((size_t)size + 64);
    for (int i = 0; i < n; i++) {
        int len = snprintf(buf, 64, "%s-%d", subj, i);
        while (len < size)
            buf[len++] = 'x';
        natsStatus s = natsConnection_Publish(nc, subj, buf, len);
        if (s == NATS_OK && gap_ms > 0)
            s = natsConnection_FlushTimeout(nc, 5000);
        if (s != NATS_OK)
            die("publish", s);
        if (gap_ms > 0)
            nats_Sleep(gap_ms);
    }
    natsStatus s = natsConnection_FlushTimeout(nc, 5000);
    if (s != NATS_OK)
        die("flush", s);
    printf("published %d\n", n);
    free(buf);
    natsConnection_Destroy(nc);
    return 0;
}

/* Wait for the wanted count, or until idle_ms pass without a message (0: forever). */
static void wait_msgs(sub_ctx *c)
{
    pthread_mutex_lock(&c->mu);
    while (c->got < c->want) {
        if (c->idle_ms <= 0) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += c->idle_ms / 1000;
        t.tv_nsec += (long)(c->idle_ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L)
            t.tv_sec++, t.tv_nsec -= 1000000000L;
        int before = c->got;
        pthread_cond_timedwait(&c->cv, &c->mu, &t);
        if (c->got == before)
            break;
    }
    pthread_mutex_unlock(&c->mu);
}

static void on_complete(void *closure)
{
    sub_ctx *c = closure;
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Wait for on_complete, at most 5 s. */
static void wait_complete(sub_ctx *c)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += 5;
    pthread_mutex_lock(&c->mu);
    while (!c->done && pthread_cond_timedwait(&c->cv, &c->mu, &t) == 0)
        ;
    pthread_mutex_unlock(&c->mu);
}

static int run_sub(const char *url, const char *subj, int n, const char *queue, int redis_port,
                   int idle_ms, int serve)
{
    sub_ctx c = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n, 0, redis_port, idle_ms, NULL,
                  serve, 0 };
    natsConnection *nc = connect_to(url);
    natsSubscription *sub = NULL;
    c.nc = nc;
    natsStatus s = queue != NULL && strcmp(queue, "-") != 0
                       ? natsConnection_QueueSubscribe(&sub, nc, subj, queue, on_msg, &c)
                       : natsConnection_Subscribe(&sub, nc, subj, on_msg, &c);
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(nc, 5000);
    if (s != NATS_OK)
        die("subscribe", s);
    printf("ready\n");
    fflush(stdout);
    wait_msgs(&c);
    natsConnection_FlushTimeout(nc, 5000);
    /* Leave only once the delivery thread is done with the last callback: what runs around
     * it (a tracer's span) is then finished before the process exits. */
    if (natsSubscription_SetOnCompleteCB(sub, on_complete, &c) == NATS_OK &&
        natsSubscription_Unsubscribe(sub) == NATS_OK)
        wait_complete(&c);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    return 0;
}

static int run_req(const char *url, const char *subj, int n)
{
    natsConnection *nc = connect_to(url);
    for (int i = 0; i < n; i++) {
        char q[64];
        int len = snprintf(q, sizeof q, "q-%d", i);
        natsMsg *reply = NULL;
        natsStatus s = natsConnection_Request(&reply, nc, subj, q, len, 5000);
        if (s != NATS_OK)
            die("request", s);
        printf("reply %.*s\n", natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
        natsMsg_Destroy(reply);
    }
    natsConnection_Destroy(nc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: nats_client pub|sub|req|serve URL SUBJECT N ...\n");
        return 2;
    }
    const char *mode = argv[1], *url = argv[2], *subj = argv[3];
    int n = atoi(argv[4]), rc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(mode, "pub") == 0)
        rc = run_pub(url, subj, n, argc > 5 ? atoi(argv[5]) : 0, argc > 6 ? atoi(argv[6]) : 0);
    else if (strcmp(mode, "sub") == 0)
        rc = run_sub(url, subj, n, argc > 5 ? argv[5] : NULL, argc > 6 ? atoi(argv[6]) : 0,
                     argc > 7 ? atoi(argv[7]) : 0, 0);
    else if (strcmp(mode, "serve") == 0)
        rc = run_sub(url, subj, n, NULL, 0, 0, 1);
    else if (strcmp(mode, "req") == 0)
        rc = run_req(url, subj, n);
    else
        rc = 2;
    nats_Close();
    return rc;
}
