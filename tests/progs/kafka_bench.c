/* kafka_bench.c — the workloads whose instructions scripts/bench-kafka.sh counts with callgrind
 * (the main thread only): n produce calls, or n messages consumed, against tests/progs/kafka_mock.
 * The application does nothing else: no delivery-report callback, never reads headers, so what
 * the library adds to a call is all that differs between a bare and a preloaded run.
 *
 *   kafka_bench produce <brokers> <topic> <n>       rd_kafka_producev, 16-byte values, no headers
 *   kafka_bench produce-dr <brokers> <topic> <n>    the same with a delivery-report callback
 *                                                   served by rd_kafka_poll(rk, 0) after each call
 *                                                   (confluent-kafka's and kcat's way)
 *   kafka_bench produce-hdr <brokers> <topic> <n>   produce, the application adding a 55-byte
 *                                                   traceparent header itself (what injecting
 *                                                   by hand costs librdkafka)
 *   kafka_bench produce-list <brokers> <topic> <n>  the same header in a list the application
 *                                                   builds per message (rd_kafka_headers_new(1),
 *                                                   rd_kafka_header_add, RD_KAFKA_V_HEADERS):
 *                                                   the other way to hand librdkafka a header
 *   kafka_bench consume <brokers> <topic> <n>       rd_kafka_consume (simple consumer, partition 0)
 *   kafka_bench poll    <brokers> <topic> <n>       rd_kafka_consumer_poll (a consumer group)
 *
 * Prints the number of messages produced or consumed; exit 0 when all n were. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

static int delivered;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk; (void)opaque;
    delivered += m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_t *make(rd_kafka_type_t type, const char *brokers, const char *group, int dr)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (dr)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err);
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", err, sizeof err);
    } else {
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    }
    if (group != NULL)
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "kafka_bench: %s\n", err);
        exit(1);
    }
    return rk;
}

/* One message with the header in a list of its own: the message owns the list once the call
 * succeeds (rdkafka.h), so it cannot be built once and reused; destroyed here if the call fails. */
static int produce_list(rd_kafka_t *rk, const char *topic, char *value, size_t len, const char *tp)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(1);
    rd_kafka_header_add(h, "traceparent", -1, tp, 55);
    rd_kafka_resp_err_t err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, len),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_headers_destroy(h);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* hdr: 0 none, 1 a VTYPE_HEADER tuple, 2 a list of the application's. */
static int produce(const char *brokers, const char *topic, int n, int dr, int hdr)
{
    static const char tp[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    rd_kafka_t *rk = make(RD_KAFKA_PRODUCER, brokers, NULL, dr);
    char value[16] = "0123456789abcde";
    int ok = 0;
    for (int i = 0; i < n; i++) {
        if (hdr == 2)
            ok += produce_list(rk, topic, value, sizeof value, tp);
        else if (hdr)
            ok += rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, sizeof value),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_HEADER("traceparent", tp, 55), RD_KAFKA_V_END) == 0;
        else
            ok += rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, sizeof value),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == 0;
        if (dr)
            rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    printf("%d\n", ok);
    return ok == n ? 0 : 1;
}

static int consume(const char *brokers, const char *topic, int n, int poll)
{
    char group[64];
    snprintf(group, sizeof group, "bench-%d", rand());
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, poll ? group : NULL, 0);
    int got = 0, idle = 0;
    rd_kafka_topic_t *rkt = NULL;
    if (poll) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    } else {
        rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING);
    }
    while (got < n && idle < 100) {
        rd_kafka_message_t *m = poll ? rd_kafka_consumer_poll(rk, 100) : rd_kafka_consume(rkt, 0, 100);
        if (m == NULL) {
            idle++;
            continue;
        }
        got += m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_message_destroy(m);
        if (got == 1)
            usleep(500000);
    }
    if (poll) {
        rd_kafka_consumer_close(rk);
    } else {
        rd_kafka_consume_stop(rkt, 0);
        rd_kafka_topic_destroy(rkt);
    }
    rd_kafka_destroy(rk);
    printf("%d\n", got);
    return got == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: kafka_bench produce|produce-dr|produce-hdr|produce-list|consume|poll <brokers> <topic> <n>\n");
        return 1;
    }
    /* stdout's buffer is given, not malloc'd at the final printf: that first 4 KiB malloc
     * consolidates every small chunk librdkafka's threads freed into the main arena's fastbins
     * meanwhile, a one-off that grows with the run and comes or not with thread timing (it
     * swung the per-message figures by ~320 instructions from run to run). */
    static char out[256];
    setvbuf(stdout, out, _IOFBF, sizeof out);
    int n = atoi(argv[4]);
    if (strncmp(argv[1], "produce", 7) == 0)
        return produce(argv[2], argv[3], n, strcmp(argv[1], "produce-dr") == 0,
                       strcmp(argv[1], "produce-hdr") == 0 ? 1 : strcmp(argv[1], "produce-list") == 0 ? 2 : 0);
    return consume(argv[2], argv[3], n, strcmp(argv[1], "poll") == 0);
}
