/* kafka_mock.c — a Kafka "broker" for the integration tests: librdkafka's own mock cluster
 * (rd_kafka_mock_cluster_new, rdkafka_mock.h), listening on TCP 127.0.0.1, hosted by this
 * program so that producers and consumers can be separate processes (Debian has no Kafka broker
 * package). Never run under the library.
 *
 * Prints `<host:port,...>\n` (the bootstrap servers) on stdout once the brokers listen and the
 * topics exist, then serves until stdin reaches end of file or SIGTERM/SIGINT arrives.
 *
 * usage: kafka_mock <brokers> <topic[:partitions]>...   (exit 0 after a clean stop, 1 on error) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Create `name[:partitions]` (default 1 partition, replication factor 1). */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec)
{
    char name[256];
    int parts = 1;
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, spec, n);
    name[n] = '\0';
    if (colon != NULL)
        parts = atoi(colon + 1);
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts > 0 ? parts : 1, 1);
    if (err) {
        fprintf(stderr, "kafka_mock: topic %s: %s\n", name, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kafka_mock <brokers> <topic[:partitions]>...\n");
        return 1;
    }
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "kafka_mock: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, atoi(argv[1]));
    if (mc == NULL) {
        fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 2; i < argc; i++)
        if (create_topic(mc, argv[i]) != 0)
            return 1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    while (!stop) {
        struct pollfd p = { .fd = 0, .events = POLLIN };
        int r = poll(&p, 1, 200);
        if (r > 0) {
            char b[64];
            if (read(0, b, sizeof b) <= 0)
                break;
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
