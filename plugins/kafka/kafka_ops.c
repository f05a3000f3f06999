/* kafka_ops.c — Kafka records → spans and metric points, on the exporter thread (exporter/ops.h;
 * record layout in kafka_rec.h). Messaging semantic conventions (SPECS-2 §4, Kafka):
 *
 *  send      PRODUCER `send <topic>`: messaging.system=kafka, messaging.operation.name/type=send,
 *            messaging.destination.name, messaging.destination.partition.id (when the call
 *            chose one), messaging.message.body.size (one message) or
 *            messaging.batch.message_count (produce_batch),
 *            messaging.kafka.message.key (GENESIS_KAFKA_KEYS), messaging.kafka.message.tombstone,
 *            error.type (librdkafka's error name). Feeds messaging.client.operation.duration and
 *            messaging.client.sent.messages (by the messages of the call).
 *  process   CONSUMER `process <topic>`, operation name/type process, the partition, the
 *            message's messaging.kafka.offset, messaging.consumer.group.name. Feeds
 *            messaging.process.duration and messaging.client.consumed.messages.
 *  batch msg the same span for one message of a batch consume (an instant: no process
 *            duration), with messaging.batch.message_count of its batch; counted in
 *            messaging.client.consumed.messages.
 * Metric series carry only the conventions' low-cardinality attributes: never offsets, keys or
 * sizes. */
#include <stdio.h>
#include <string.h>
#include "exporter/fmt.h"
#include "exporter/ops.h"
#include "plugins/kafka/kafka_lib.h"
#include "plugins/kafka/kafka_rec.h"
#include "protocols/w3c/w3c.h"

/* The facts of one record. */
typedef struct ga__kf {
    int64_t info, partition, offset, body, batch, errcode;
    uint8_t has_partition, has_offset, has_body, has_batch, has_err;
    const char *topic, *group, *error, *key;
    size_t topic_len, group_len, error_len, key_len;
} ga__kf;

static void ga__read(const ga_rec *r, ga__kf *x)
{
    memset(x, 0, sizeof *x);
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        switch (key) {
        case GA_A_KF_FACTS: {
            ga_kf_facts f;
            if (len != sizeof f)
                break;
            memcpy(&f, v, sizeof f);
            x->info = f.info;
            x->has_partition = (f.info & GA_KF_I_PARTITION) != 0;
            x->partition = f.partition;
            x->has_offset = (f.info & GA_KF_I_OFFSET) != 0;
            x->offset = f.offset;
            x->has_body = (f.info & GA_KF_I_BODY) != 0;
            x->body = f.body;
            x->has_batch = (f.info & GA_KF_I_BATCH) != 0;
            x->batch = f.batch;
            x->has_err = (f.info & GA_KF_I_ERR) != 0;
            x->errcode = f.errcode;
            break;
        }
        case GA_A_KF_TOPIC: x->topic = (const char *)v; x->topic_len = len; break;
        case GA_A_KF_GROUP: x->group = (const char *)v; x->group_len = len; break;
        case GA_A_KF_ERROR: x->error = (const char *)v; x->error_len = len; break;
        case GA_A_KF_KEY: x->key = (const char *)v; x->key_len = len; break;
        default: break;
        }
    }
}

static const char *ga__opname(const ga_rec *r)
{
    return r->h.op == GA_OP_KAFKA_SEND ? "send" : "process";
}

static size_t ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__kf x;
    ga__read(r, &x);
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_puts(&b, ga__opname(r));
    if (x.topic_len > 0) {
        ga_sb_put(&b, " ", 1);
        ga_sb_put(&b, x.topic, x.topic_len);
    }
    return b.len;
}

/* 1 when s[0..n) is valid UTF-8 without control characters (a key that reads as text). */
static int ga__is_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 && c <= 0xf4 ? 4 : 0;
        if (k == 0 || i + k > n || (k == 1 && (c < 0x20 || c == 0x7f)))
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

/* messaging.kafka.message.key: as text when it is text, else as lowercase hex. */
static void ga__key(const ga__kf *x, ga_aw *w)
{
    if (ga__is_text((const unsigned char *)x->key, x->key_len)) {
        ga_aw_str(w, GA_K("messaging.kafka.message.key"), x->key, x->key_len);
        return;
    }
    char *p = ga_attr_scratch_get(w->sc, 2 * x->key_len + 1);
    if (p == NULL)
        return;
    ga_hex((const uint8_t *)x->key, x->key_len, p);
    ga_aw_str(w, GA_K("messaging.kafka.message.key"), p, 2 * x->key_len);
}

/* error.type of a failed call from its code: librdkafka's name (rd_kafka_err2name, of the
 * librdkafka the hooks found: a static table, or for a code it does not know a text in a
 * buffer of the calling thread, hence copied to the scratch), looked up here rather than on the
 * application thread; `_OTHER` when no librdkafka answers. */
static void ga__error_name(const ga__kf *x, ga_aw *w)
{
    ga_kf_rd_kafka_err2name_fn n = GA_KF_HELPER(rd_kafka_err2name);
    const char *name = n != NULL ? n((ga_kf_err)x->errcode) : NULL;
    size_t len = name != NULL ? strnlen(name, 64) : 0;
    char *b = len > 0 ? ga_attr_scratch_get(w->sc, len) : NULL;
    if (b != NULL) {
        memcpy(b, name, len);
        ga_aw_str(w, GA_K("error.type"), b, len);
    } else {
        ga_aw_str(w, GA_K("error.type"), "_OTHER", 6);
    }
}

/* The attributes spans and metric series share: system, operation, destination, partition,
 * group (consumers), error. `optype`: messaging.operation.type too. */
static void ga__common(const ga_rec *r, const ga__kf *x, ga_aw *w, int optype)
{
    const char *op = ga__opname(r);
    ga_aw_str(w, GA_K("messaging.system"), "kafka", 5);
    ga_aw_str(w, GA_K("messaging.operation.name"), op, strlen(op));
    if (optype)
        ga_aw_str(w, GA_K("messaging.operation.type"), op, strlen(op));
    if (x->topic_len > 0)
        ga_aw_str(w, GA_K("messaging.destination.name"), x->topic, x->topic_len);
    if (x->has_partition && x->partition >= 0) {
        char *b = ga_attr_scratch_get(w->sc, 24);
        if (b != NULL)
            ga_aw_str(w, GA_K("messaging.destination.partition.id"), b, ga_fmt_i64(b, x->partition));
    }
    if (x->group_len > 0)
        ga_aw_str(w, GA_K("messaging.consumer.group.name"), x->group, x->group_len);
    if (x->error_len > 0)
        ga_aw_str(w, GA_K("error.type"), x->error, x->error_len);
    else if (x->has_err)
        ga__error_name(x, w);
}

/* Everything is decoded at the FACTS key (always present, first); the others add nothing. */
static void ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                     ga_aw *w)
{
    (void)type; (void)v; (void)len;
    if (key != GA_A_KF_FACTS)
        return;
    ga__kf x;
    ga__read(r, &x);
    ga__common(r, &x, w, 1);
    if (x.has_offset)
        ga_aw_int(w, GA_K("messaging.kafka.offset"), x.offset);
    if (x.has_batch)
        ga_aw_int(w, GA_K("messaging.batch.message_count"), x.batch);
    if (x.has_body)
        ga_aw_int(w, GA_K("messaging.message.body.size"), x.body);
    if (x.info & GA_KF_I_TOMBSTONE)
        ga_aw_bool(w, GA_K("messaging.kafka.message.tombstone"), 1);
    if (x.key != NULL)
        ga__key(&x, w);
}

/* The metric attributes into out[0 .. max): the common set, with or without the type. */
static int ga__series(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc, int optype)
{
    ga__kf x;
    ga__read(r, &x);
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    ga__common(r, &x, &w, optype);
    return w.n;
}

/* messaging.client.operation.duration: with messaging.operation.type. */
static int ga__duration_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    return ga__series(r, out, max, sc, 1);
}

/* messaging.process.duration and the message counters: without it. */
static int ga__count_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    return ga__series(r, out, max, sc, 0);
}

/* A produce_batch call sent its messages; every other record is one message. */
static int64_t ga__count_n(const ga_rec *r)
{
    ga__kf x;
    ga__read(r, &x);
    return x.has_batch && r->h.op == GA_OP_KAFKA_SEND ? (x.batch > 0 ? x.batch : 0) : 1;
}

/* The descriptors of the plug-in's ops into o[0 .. nops), when the exporter reads its first
 * record (ops.h: a function, not a table of pointers the loader would relocate). */
static void ga__ops(ga_op_desc *o)
{
    o[GA_OP_KAFKA_SEND - 1] = (ga_op_desc){
        .name = ga__name, .attr = ga__attr,
        .metric = &ga_inst_msg_client_duration, .metric_attrs = ga__duration_attrs,
        .count = &ga_inst_msg_sent, .count_attrs = ga__count_attrs, .count_n = ga__count_n };
    o[GA_OP_KAFKA_PROCESS - 1] = (ga_op_desc){
        .name = ga__name, .attr = ga__attr,
        .metric = &ga_inst_msg_process_duration, .metric_attrs = ga__count_attrs,
        .count = &ga_inst_msg_consumed, .count_attrs = ga__count_attrs };
    o[GA_OP_KAFKA_BATCH_MSG - 1] = (ga_op_desc){
        .name = ga__name, .attr = ga__attr,
        .count = &ga_inst_msg_consumed, .count_attrs = ga__count_attrs };
}

const struct ga_plugin_exp ga_kafka_exp = { .fill = ga__ops, .nops = GA_OP_KAFKA_COUNT - 1 };
