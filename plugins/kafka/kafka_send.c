/* kafka_send.c — PRODUCER spans `send <topic>`: one per produce call, from the call to its
 * return (contracts in kafka_plugin.h).
 *
 * The span ends when librdkafka has accepted the message into its queue (or refused it), not
 * at its delivery report: reports arrive only if the application registered a callback and
 * polls, on whatever thread polls, and matching them to spans would need per-message state
 * and a change to the application's per-message opaque. So the span and
 * messaging.client.operation.duration measure the enqueue, and error.type is an enqueue error
 * (`_QUEUE_FULL`, `_UNKNOWN_TOPIC`, `MSG_SIZE_TOO_LARGE`...); a failed delivery is not seen.
 * Only the error's code is recorded here: its name is librdkafka's, looked up on the exporter
 * thread (kafka_ops.c), since a producer retrying _QUEUE_FULL fails many calls in a row. */
#include <string.h>
#include "preload/emit.h"
#include "preload/plugins.h"
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"
#include "plugins/kafka/kafka_rec.h"

static void ga__put_str(ga_rec *r, uint8_t key, const char *v, size_t cap)
{
    if (v != NULL)
        ga_rec_put(r, key, GA_AT_STR, v, strnlen(v, cap));
}

void ga_kf_send_fill(ga_rec *r, const ga_kf_msg *m, int batch, ga_kf_err err, const char *topic,
                     const char *ename)
{
    ga_kf_facts f = { .partition = m->partition, .errcode = err };
    f.info = (batch == 0 && m->value == NULL ? GA_KF_I_TOMBSTONE : 0) |
             (m->partition != GA_KF_PARTITION_UA ? GA_KF_I_PARTITION : 0) |
             (batch > 0 ? GA_KF_I_BATCH : GA_KF_I_BODY) |
             (err != GA_KF_ERR_NO_ERROR ? GA_KF_I_ERR : 0);
    if (batch > 0)
        f.batch = batch;
    else
        f.body = (int64_t)m->value_len;
    if (err != GA_KF_ERR_NO_ERROR)
        r->h.status = GA_STATUS_ERROR;
    ga_kf_put_facts(r, &f);
    ga__put_str(r, GA_A_KF_TOPIC, topic, 255);
    ga__put_str(r, GA_A_KF_ERROR, ename, 64);
    if (ga_kafka_cfg.keys && m->has_key)
        ga_rec_put(r, GA_A_KF_KEY, GA_AT_STR, m->key, m->key_len < GA_KF_KEY_CAP ? m->key_len : GA_KF_KEY_CAP);
}

void ga_kf_send_end(const ga_kf_send *s, const ga_kf_msg *m, ga_kf_err err)
{
    uint64_t end = ga_now_ns();
    const char *topic = m->topic;
    if (topic == NULL && m->rkt != NULL) {
        ga_kf_rd_kafka_topic_name_fn name = GA_KF_HELPER(rd_kafka_topic_name);
        topic = name != NULL ? name(m->rkt) : NULL;
    }
    ga_rec *r = ga_emit_begin(GA_PROTO_KAFKA, GA_OP_KAFKA_SEND, GA_KIND_PRODUCER, &s->ids,
                              s->start_ns, end);
    if (r != NULL) {
        ga_kf_send_fill(r, m, s->batch, err, topic, NULL);    /* named by kafka_ops.c */
        ga_emit_commit(r);
    }
}
