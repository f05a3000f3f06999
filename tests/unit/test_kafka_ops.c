/* test_kafka_ops.c — Kafka records as the application side fills them (plugins/kafka/kafka_send.c,
 * kafka_process.c) decoded by the exporter side (plugins/kafka/kafka_ops.c): span names, the
 * messaging semantic-convention attributes, errors, tombstones, keys (as text or hex, only when
 * asked), and the series attributes of the four messaging instruments (never offsets, keys or
 * sizes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/ops.h"
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"
#include "plugins/kafka/kafka_rec.h"
#include "preload/emit.h"

static const ga_attr *find(const ga_attr *a, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0)
            return &a[i];
    return NULL;
}

static void assert_str(const ga_attr *a, int n, const char *key, const char *want)
{
    const ga_attr *x = find(a, n, key);
    if (x == NULL)
        fail_msg("missing %s", key);
    assert_int_equal(x->type, GA_V_STR);
    if (x->slen != strlen(want) || memcmp(x->s, want, x->slen) != 0)
        fail_msg("%s = %.*s, want %s", key, (int)x->slen, x->s, want);
}

static void assert_int_attr(const ga_attr *a, int n, const char *key, int64_t want)
{
    const ga_attr *x = find(a, n, key);
    if (x == NULL)
        fail_msg("missing %s", key);
    assert_int_equal(x->type, GA_V_INT);
    assert_int_equal(x->i, want);
}

static ga_attr_scratch sc;

static void begin(ga_rec *r, int op)
{
    ga_span_ids ids = { .trace_id = {1}, .span_id = {2}, .flags = 1 };
    ga_rec_init(r, GA_PROTO_KAFKA, (uint8_t)op, op == GA_OP_KAFKA_SEND ? GA_KIND_PRODUCER : GA_KIND_CONSUMER,
                &ids, 1000, 5000);
}

static int decode(const ga_rec *r, ga_attr *a, char *name)
{
    ga_rec_span_name(r, name, 128);
    return ga_rec_attrs(r, a, GA_MAX_ATTRS, &sc);
}

static ga_kf_msg msg(const char *value, const char *key, int32_t partition)
{
    ga_kf_msg m;
    ga_kf_msg_init(&m);
    m.value = value;
    m.value_len = value ? strlen(value) : 0;
    m.key = key;
    m.key_len = key ? strlen(key) : 0;
    m.has_key = key != NULL;
    m.partition = partition;
    return m;
}

static void test_send(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kf_msg m = msg("hello", "user-1", GA_KF_PARTITION_UA);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, GA_KF_ERR_NO_ERROR, "orders", NULL);
    int n = decode(&r, a, name);
    assert_string_equal(name, "send orders");
    assert_int_equal(r.h.status, GA_STATUS_UNSET);
    assert_str(a, n, "messaging.system", "kafka");
    assert_str(a, n, "messaging.operation.name", "send");
    assert_str(a, n, "messaging.operation.type", "send");
    assert_str(a, n, "messaging.destination.name", "orders");
    assert_int_attr(a, n, "messaging.message.body.size", 5);
    assert_null(find(a, n, "messaging.destination.partition.id"));     /* the partitioner's choice */
    assert_null(find(a, n, "messaging.kafka.message.key"));           /* GENESIS_KAFKA_KEYS off */
    assert_null(find(a, n, "messaging.kafka.message.tombstone"));
    assert_null(find(a, n, "error.type"));
    assert_null(find(a, n, "messaging.kafka.offset"));
}

static void test_send_errors_and_partition(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kf_msg m = msg(NULL, NULL, 2);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, -184, "orders", "_QUEUE_FULL");
    int n = decode(&r, a, name);
    assert_int_equal(r.h.status, GA_STATUS_ERROR);
    assert_str(a, n, "error.type", "_QUEUE_FULL");
    assert_str(a, n, "messaging.destination.partition.id", "2");
    const ga_attr *t = find(a, n, "messaging.kafka.message.tombstone");
    assert_non_null(t);
    assert_int_equal(t->type, GA_V_BOOL);
    assert_int_equal(t->i, 1);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, -184, NULL, NULL);                      /* no name known */
    n = decode(&r, a, name);
    assert_string_equal(name, "send");
    assert_str(a, n, "error.type", "_OTHER");
}

static void test_send_batch_counts_its_messages(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kf_msg m = msg(NULL, NULL, 0);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 5, GA_KF_ERR_NO_ERROR, "orders", NULL);
    int n = decode(&r, a, name);
    assert_int_attr(a, n, "messaging.batch.message_count", 5);
    assert_null(find(a, n, "messaging.message.body.size"));
    assert_null(find(a, n, "messaging.kafka.message.tombstone"));
    const ga_op_desc *d = ga_op_find(&r);
    assert_ptr_equal(d->count, &ga_inst_msg_sent);
    assert_int_equal(d->count_n(&r), 5);
}

static void test_keys(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kafka_cfg.keys = 1;
    ga_kf_msg m = msg("v", "user-1", GA_KF_PARTITION_UA);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, GA_KF_ERR_NO_ERROR, "t", NULL);
    int n = decode(&r, a, name);
    assert_str(a, n, "messaging.kafka.message.key", "user-1");
    static const char bin[] = { 0x00, (char)0xff, 'a' };
    m.key = bin;
    m.key_len = sizeof bin;
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, GA_KF_ERR_NO_ERROR, "t", NULL);
    n = decode(&r, a, name);
    assert_str(a, n, "messaging.kafka.message.key", "00ff61");       /* not text: hex */
    char longkey[200];
    memset(longkey, 'k', sizeof longkey);
    m.key = longkey;
    m.key_len = sizeof longkey;
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, GA_KF_ERR_NO_ERROR, "t", NULL);
    n = decode(&r, a, name);
    assert_int_equal(find(a, n, "messaging.kafka.message.key")->slen, GA_KF_KEY_CAP);
    ga_kafka_cfg.keys = 0;
}

static ga_kf_message consumed(void)
{
    ga_kf_message m = { .partition = 3, .payload = "payload", .len = 7, .key = "k", .key_len = 1, .offset = 42 };
    return m;
}

static void test_process(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kf_message m = consumed();
    begin(&r, GA_OP_KAFKA_PROCESS);
    ga_kf_process_fill(&r, &m, "orders", "billing", 7, 0);
    int n = decode(&r, a, name);
    assert_string_equal(name, "process orders");
    assert_str(a, n, "messaging.operation.name", "process");
    assert_str(a, n, "messaging.operation.type", "process");
    assert_str(a, n, "messaging.destination.partition.id", "3");
    assert_str(a, n, "messaging.consumer.group.name", "billing");
    assert_int_attr(a, n, "messaging.kafka.offset", 42);
    assert_int_attr(a, n, "messaging.message.body.size", 7);
    assert_null(find(a, n, "messaging.batch.message_count"));
    assert_null(find(a, n, "messaging.kafka.message.key"));
    begin(&r, GA_OP_KAFKA_BATCH_MSG);
    ga_kf_process_fill(&r, &m, "orders", NULL, 0, 16);
    n = decode(&r, a, name);
    assert_string_equal(name, "process orders");
    assert_int_attr(a, n, "messaging.batch.message_count", 16);
    assert_null(find(a, n, "messaging.consumer.group.name"));
}

/* The series of every instrument: low-cardinality attributes only. */
static void assert_series(const ga_rec *r, int (*fn)(const ga_rec *, ga_attr *, int, ga_attr_scratch *),
                          int optype)
{
    ga_attr a[GA_MAX_ATTRS];
    int n = fn(r, a, GA_MAX_ATTRS, &sc);
    assert_str(a, n, "messaging.system", "kafka");
    assert_str(a, n, "messaging.destination.name", "orders");
    assert_true((find(a, n, "messaging.operation.type") != NULL) == optype);
    static const char *const never[] = { "messaging.kafka.offset", "messaging.kafka.message.key",
                                         "messaging.message.body.size", "messaging.batch.message_count",
                                         "messaging.kafka.message.tombstone" };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        assert_null(find(a, n, never[i]));
}

static void test_instruments(void **state)
{
    (void)state;
    ga_rec r;
    ga_kafka_cfg.keys = 1;
    ga_kf_msg m = msg("v", "key", 1);
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, GA_KF_ERR_NO_ERROR, "orders", NULL);
    const ga_op_desc *d = ga_op_find(&r);
    assert_ptr_equal(d->metric, &ga_inst_msg_client_duration);
    assert_ptr_equal(d->count, &ga_inst_msg_sent);
    assert_int_equal(d->count_n(&r), 1);
    assert_series(&r, d->metric_attrs, 1);
    assert_series(&r, d->count_attrs, 0);
    ga_kf_message c = consumed();
    begin(&r, GA_OP_KAFKA_PROCESS);
    ga_kf_process_fill(&r, &c, "orders", "billing", 7, 0);
    d = ga_op_find(&r);
    assert_ptr_equal(d->metric, &ga_inst_msg_process_duration);
    assert_ptr_equal(d->count, &ga_inst_msg_consumed);
    assert_series(&r, d->metric_attrs, 0);
    assert_series(&r, d->count_attrs, 0);
    begin(&r, GA_OP_KAFKA_BATCH_MSG);
    ga_kf_process_fill(&r, &c, "orders", "billing", 7, 4);
    d = ga_op_find(&r);
    assert_null(d->metric);                             /* an instant: no processing time */
    assert_ptr_equal(d->count, &ga_inst_msg_consumed);
    assert_series(&r, d->count_attrs, 0);
    ga_kafka_cfg.keys = 0;
}

/* A fake rd_kafka_err2name: librdkafka's name for -184, an unknown code's text for others. */
static const char *fake_err2name(ga_kf_err err)
{
    return err == -184 ? "_QUEUE_FULL" : "ERR_-1?";
}

/* The hooks record only a failed call's code: error.type is librdkafka's name for it, looked
 * up on the exporter side (here, the fake), and `_OTHER` when no rd_kafka_err2name answers. */
static void test_send_error_named_on_the_exporter_side(void **state)
{
    (void)state;
    ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    char name[128];
    ga_kf_msg m = msg("v", NULL, GA_KF_PARTITION_UA);
    void *saved = ga_kf_fn[GA_KF_S_rd_kafka_err2name];
    ga_kf_fn[GA_KF_S_rd_kafka_err2name] = (void *)fake_err2name;
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, -184, "orders", NULL);
    int n = decode(&r, a, name);
    assert_int_equal(r.h.status, GA_STATUS_ERROR);
    assert_str(a, n, "error.type", "_QUEUE_FULL");
    begin(&r, GA_OP_KAFKA_SEND);
    ga_kf_send_fill(&r, &m, 0, -1, "orders", NULL);
    n = decode(&r, a, name);
    assert_str(a, n, "error.type", "ERR_-1?");
    ga_attr series[GA_MAX_ATTRS];
    const ga_op_desc *d = ga_op_find(&r);                   /* the duration's series too */
    assert_non_null(d);
    assert_non_null(d->metric_attrs);
    int k = d->metric_attrs(&r, series, GA_MAX_ATTRS, &sc);
    assert_str(series, k, "error.type", "ERR_-1?");
    ga_kf_fn[GA_KF_S_rd_kafka_err2name] = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send),
        cmocka_unit_test(test_send_errors_and_partition),
        cmocka_unit_test(test_send_error_named_on_the_exporter_side),
        cmocka_unit_test(test_send_batch_counts_its_messages),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_process),
        cmocka_unit_test(test_instruments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
