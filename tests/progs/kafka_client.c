/* kafka_client.c — a producer or a consumer on Debian's librdkafka for the Kafka integration
 * tests, run as separate processes against tests/progs/kafka_mock. Output is deterministic (one
 * topic partition, messages in order) so that runs with and without the library can be compared
 * byte for byte; the traceparent headers the library adds are counted (`tp=`), never printed.
 *
 *   kafka_client produce <brokers> <topic> <how> <n>
 *     how: v       rd_kafka_producev, no headers (kcat with no -H, confluent-kafka)
 *          vhdrs   producev with an application header list (VTYPE_HEADERS), after a first
 *                  call with the same list that fails (value too large): the list must come
 *                  back unchanged and stay the application's
 *          vtuple  producev with VTYPE_HEADER tuples
 *          own     producev with a list already holding a traceparent
 *          ownb3   producev with the application's own `b3` VTYPE_HEADER tuple (a Zipkin SDK)
 *          ownbag  producev with the application's own `Baggage` tuple (app=1)
 *          owncase producev with the application's own traceparent as a `Traceparent` tuple
 *          owncaselist  the same as `TRACEPARENT` in its list
 *          va      rd_kafka_produceva, with a header list on odd messages
 *          legacy  rd_kafka_produce        batch  rd_kafka_produce_batch
 *          retry   producev with one list reused across _QUEUE_FULL retries (kcat's way)
 *   kafka_client consume <brokers> <topic> <how> <n> <group> [redis_port]
 *     how: poll (group consumer), thread (the same on a thread that exits without closing),
 *          consume, batch, callback (simple consumer, partition 0)
 *     With redis_port, a PING is sent to Redis over a raw socket while each message is processed;
 *     with KAFKA_CLIENT_HTTP_PORT in the environment, a GET to that port (Connection: close).
 *
 * Exit 0 on success, 1 on a setup problem, 2 when fewer than n messages arrived in 30 s. */
#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

static const char *const OWN_TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
static const char *const OWN_B3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";

static rd_kafka_t *make(rd_kafka_type_t type, const char *brokers, const char **kv,
                        void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *))
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (dr != NULL)
        rd_kafka_conf_set_dr_msg_cb(conf, dr);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != RD_KAFKA_CONF_OK)
        goto bad;
    for (; kv != NULL && kv[0] != NULL; kv += 2)
        if (rd_kafka_conf_set(conf, kv[0], kv[1], err, sizeof err) != RD_KAFKA_CONF_OK)
            goto bad;
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk != NULL)
        return rk;
bad:
    fprintf(stderr, "kafka_client: %s\n", err);
    exit(1);
}

/* ------------------------------------------------------------------ producer */

static int delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk; (void)opaque;
    if (m->err)
        failed++;
    else
        delivered++;
}

static rd_kafka_headers_t *app_list(int i, int with_tp)
{
    char v[16];
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    snprintf(v, sizeof v, "%d", i);
    rd_kafka_header_add(h, "app", -1, v, -1);
    if (with_tp)
        rd_kafka_header_add(h, with_tp == 2 ? "TRACEPARENT" : "traceparent", -1, OWN_TP, -1);
    return h;
}

/* A call that fails with the list: the list must be unchanged afterwards, still ours. */
static void failing_call(rd_kafka_t *rk, const char *topic, rd_kafka_headers_t *h)
{
    size_t big = 2 * 1024 * 1024;
    char *value = calloc(1, big);
    size_t before = rd_kafka_header_cnt(h);
    rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, big),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    printf("too large: %s, headers %zu -> %zu\n", rd_kafka_err2name(e), before, rd_kafka_header_cnt(h));
    free(value);
}

static rd_kafka_resp_err_t produce_one(rd_kafka_t *rk, const char *topic, const char *how, int i)
{
    char key[32], value[32], num[16];
    snprintf(key, sizeof key, "key-%d", i);
    snprintf(value, sizeof value, "msg-%d", i);
    snprintf(num, sizeof num, "%d", i);
    if (strcmp(how, "v") == 0)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                 RD_KAFKA_V_VALUE(value, strlen(value)),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(NULL),
                                 RD_KAFKA_V_END);
    if (strcmp(how, "vhdrs") == 0 || strcmp(how, "own") == 0 || strcmp(how, "owncaselist") == 0) {
        rd_kafka_headers_t *h = app_list(i, strcmp(how, "own") == 0 ? 1 : strcmp(how, "vhdrs") == 0 ? 0 : 2);
        if (i == 0)
            failing_call(rk, topic, h);
        rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                                  RD_KAFKA_V_VALUE(value, strlen(value)),
                                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                  RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
        if (e)
            rd_kafka_headers_destroy(h);        /* still ours on failure */
        return e;
    }
    if (strcmp(how, "vtuple") == 0)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                 RD_KAFKA_V_VALUE(value, strlen(value)),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADER("app", num, -1), RD_KAFKA_V_END);
    if (strcmp(how, "owncase") == 0)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                 RD_KAFKA_V_VALUE(value, strlen(value)),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADER("app", num, -1),
                                 RD_KAFKA_V_HEADER("Traceparent", OWN_TP, -1), RD_KAFKA_V_END);
    if (strcmp(how, "ownb3") == 0)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                 RD_KAFKA_V_VALUE(value, strlen(value)),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADER("b3", OWN_B3, -1), RD_KAFKA_V_END);
    if (strcmp(how, "ownbag") == 0)
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                 RD_KAFKA_V_VALUE(value, strlen(value)),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADER("Baggage", "app=1", -1), RD_KAFKA_V_END);
    if (strcmp(how, "va") == 0) {
        rd_kafka_vu_t vu[5] = {
            { .vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = topic },
            { .vtype = RD_KAFKA_VTYPE_KEY, .u.mem = { key, strlen(key) } },
            { .vtype = RD_KAFKA_VTYPE_VALUE, .u.mem = { value, strlen(value) } },
            { .vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u.i = RD_KAFKA_MSG_F_COPY },
            { .vtype = RD_KAFKA_VTYPE_HEADERS, .u.headers = i % 2 ? app_list(i, 0) : NULL },
        };
        rd_kafka_error_t *error = rd_kafka_produceva(rk, vu, 5);
        rd_kafka_resp_err_t e = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (error) {
            if (vu[4].u.headers)
                rd_kafka_headers_destroy(vu[4].u.headers);
            rd_kafka_error_destroy(error);
        }
        return e;
    }
    if (strcmp(how, "legacy") == 0) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        int r = rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value, strlen(value),
                                 key, strlen(key), NULL);
        rd_kafka_resp_err_t e = r == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error();
        rd_kafka_topic_destroy(rkt);
        return e;
    }
    fprintf(stderr, "kafka_client: unknown way to produce: %s\n", how);
    exit(1);
}

/* kcat's way: retry _QUEUE_FULL with the same list; the list must never grow. */
static int produce_retry(rd_kafka_t *rk, const char *topic, int n)
{
    int intact = 1, full = 0;
    for (int i = 0; i < n; i++) {
        char value[32];
        snprintf(value, sizeof value, "msg-%d", i);
        rd_kafka_headers_t *h = app_list(i, 0);
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, strlen(value)),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            full++;
            intact &= rd_kafka_header_cnt(h) == 1;
            rd_kafka_poll(rk, 10);
        }
        if (e) {
            printf("produce %d: %s\n", i, rd_kafka_err2name(e));
            rd_kafka_headers_destroy(h);
        }
    }
    printf("queue full seen: %s, list intact: %s\n", full > 0 ? "yes" : "no", intact ? "yes" : "no");
    return 0;
}

static int produce(const char *brokers, const char *topic, const char *how, int n)
{
    const char *retry_kv[] = { "queue.buffering.max.messages", "2", "linger.ms", "50", NULL };
    int retry = strcmp(how, "retry") == 0;
    rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, brokers, retry ? retry_kv : NULL, on_delivery);
    if (retry) {
        produce_retry(rk, topic, n);
    } else if (strcmp(how, "batch") == 0) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_message_t *msgs = calloc((size_t)n, sizeof *msgs);
        char (*values)[32] = calloc((size_t)n, 32);
        for (int i = 0; i < n; i++) {
            snprintf(values[i], 32, "msg-%d", i);
            msgs[i].payload = values[i];
            msgs[i].len = strlen(values[i]);
        }
        int r = rd_kafka_produce_batch(rkt, 0, RD_KAFKA_MSG_F_COPY, msgs, n);
        printf("batch: %d of %d enqueued\n", r, n);
        free(msgs);
        free(values);
        rd_kafka_topic_destroy(rkt);
    } else {
        for (int i = 0; i < n; i++) {
            rd_kafka_resp_err_t e = produce_one(rk, topic, how, i);
            printf("produce %d: %s\n", i, rd_kafka_err2name(e));
        }
    }
    rd_kafka_flush(rk, 20000);
    printf("delivered %d, failed %d\n", delivered, failed);
    rd_kafka_destroy(rk);
    return failed != 0;
}

/* ------------------------------------------------------------------ consumer */

static int redis_fd = -1;

/* A TCP connection to 127.0.0.1:port (Redis, or the HTTP peer of http_get). */
static int redis_connect(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("kafka_client: redis");
        exit(1);
    }
    return fd;
}

/* A PING while the message is processed: it should become the CONSUMER span's child. */
static void redis_ping(void)
{
    static const char ping[] = "*1\r\n$4\r\nPING\r\n";
    char buf[64];
    if (redis_fd < 0)
        return;
    if (write(redis_fd, ping, sizeof ping - 1) != (ssize_t)(sizeof ping - 1) || read(redis_fd, buf, sizeof buf) <= 0) {
        perror("kafka_client: redis ping");
        exit(1);
    }
}

/* With KAFKA_CLIENT_HTTP_PORT set: a GET to 127.0.0.1 on that port while the message is
 * processed (a connection per request, read to its close): it should carry the CONSUMER span's
 * context, and with `baggage` configured the message's baggage. */
static void http_get(void)
{
    static const char req[] = "GET /processed HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    const char *port = getenv("KAFKA_CLIENT_HTTP_PORT");
    char buf[512];
    if (port == NULL || *port == '\0')
        return;
    int fd = redis_connect(atoi(port));
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        perror("kafka_client: http");
        exit(1);
    }
    while (read(fd, buf, sizeof buf) > 0)
        ;
    close(fd);
}

static int seen;

static void show(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    int tp = 0;
    printf("p=%d o=%lld k=%.*s v=%.*s h=", (int)m->partition, (long long)m->offset, (int)m->key_len,
           m->key ? (const char *)m->key : "", (int)m->len, m->payload ? (const char *)m->payload : "");
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *v;
        size_t len;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &len) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
            if (strcmp(name, "traceparent") == 0 && (len != 55 || memcmp(v, OWN_TP, 55) != 0))
                tp++;                           /* the library's: counted, not shown */
            else
                printf("%s:%.*s,", name, (int)len, (const char *)v);
        }
    }
    printf(" tp=%d\n", tp);
    redis_ping();
    http_get();
    seen++;
}

static void on_message(rd_kafka_message_t *m, void *opaque)
{
    (void)opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        show(m);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void consume_group_poll(rd_kafka_t *rk, const char *topic, int n)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    for (double end = now_s() + 30; seen < n && now_s() < end;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (m == NULL)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
            show(m);
        rd_kafka_message_destroy(m);
    }
}

typedef struct { rd_kafka_t *rk; const char *topic; int n; } poller;

static void *poll_thread(void *arg)
{
    poller *p = arg;
    consume_group_poll(p->rk, p->topic, p->n);
    return NULL;
}

static void consume_simple(rd_kafka_t *rk, const char *topic, const char *how, int n)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING);
    for (double end = now_s() + 30; seen < n && now_s() < end;) {
        if (strcmp(how, "consume") == 0) {
            rd_kafka_message_t *m = rd_kafka_consume(rkt, 0, 200);
            if (m != NULL) {
                on_message(m, NULL);
                rd_kafka_message_destroy(m);
            }
        } else if (strcmp(how, "batch") == 0) {
            rd_kafka_message_t *ms[4];
            ssize_t k = rd_kafka_consume_batch(rkt, 0, 200, ms, 4);
            for (ssize_t i = 0; i < k; i++) {
                on_message(ms[i], NULL);
                rd_kafka_message_destroy(ms[i]);
            }
        } else {
            rd_kafka_consume_callback(rkt, 0, 200, on_message, NULL);
        }
    }
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
}

static int consume(const char *brokers, const char *topic, const char *how, int n, const char *group)
{
    const char *kv[] = { "group.id", group, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                         "enable.partition.eof", "false", NULL };
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, kv, NULL);
    if (strcmp(how, "poll") == 0) {
        rd_kafka_poll_set_consumer(rk);
        consume_group_poll(rk, topic, n);
        rd_kafka_consumer_close(rk);
    } else if (strcmp(how, "thread") == 0) {
        poller p = { rk, topic, n };
        pthread_t t;
        rd_kafka_poll_set_consumer(rk);
        if (pthread_create(&t, NULL, poll_thread, &p) != 0 || pthread_join(t, NULL) != 0)
            exit(1);
        rd_kafka_consumer_close(rk);
    } else {
        consume_simple(rk, topic, how, n);
    }
    rd_kafka_destroy(rk);
    printf("consumed %d\n", seen);
    return seen >= n ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], argv[3], argv[4], atoi(argv[5]));
    if (argc >= 7 && strcmp(argv[1], "consume") == 0) {
        if (argc >= 8)
            redis_fd = redis_connect(atoi(argv[7]));
        int rc = consume(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
        if (redis_fd >= 0)
            close(redis_fd);
        return rc;
    }
    fprintf(stderr, "usage: kafka_client produce <brokers> <topic> <how> <n>\n"
                    "       kafka_client consume <brokers> <topic> <how> <n> <group> [redis_port]\n");
    return 1;
}
