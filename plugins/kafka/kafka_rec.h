/* kafka_rec.h — the Kafka record format: the plug-in's ops and attribute keys, written on the
 * application thread (kafka_send.c, kafka_process.c) and decoded on the exporter thread
 * (kafka_ops.c). */
#ifndef GA_KAFKA_REC_H
#define GA_KAFKA_REC_H

#include "preload/record.h"

enum {
    GA_OP_KAFKA_SEND = 1,       /* a produce call: PRODUCER span `send <topic>` */
    GA_OP_KAFKA_PROCESS,        /* one message handed to the application: CONSUMER `process <topic>` */
    GA_OP_KAFKA_BATCH_MSG,      /* one message of a batch consume: CONSUMER `process <topic>`, no duration */
    GA_OP_KAFKA_COUNT
};

enum ga_kafka_attr_key {
    GA_A_KF_FACTS = GA_A_PLUGIN_FIRST,  /* ga_kf_facts (always present, first) */
    GA_A_KF_TOPIC,                      /* str: topic name */
    GA_A_KF_GROUP,                      /* str: consumer group (group.id) */
    GA_A_KF_ERROR,                      /* str: rd_kafka_err2name() of the error */
    GA_A_KF_KEY,                        /* str: message key bytes (GENESIS_KAFKA_KEYS=true) */
};

/* The numbers of a record, as one attribute of raw bytes: one bounds check and one fixed-size
 * copy on the application thread where one TLV per number cost a check, a header and a copy
 * each (~80 instructions a record). `info` says which fields hold something. */
typedef struct ga_kf_facts {
    int64_t offset;                     /* the message's offset (GA_KF_I_OFFSET) */
    int64_t body;                       /* value bytes of a single message (GA_KF_I_BODY) */
    int64_t batch;                      /* messages in the call or batch (GA_KF_I_BATCH) */
    int32_t partition;                  /* GA_KF_I_PARTITION: absent = left to the partitioner */
    int32_t errcode;                    /* ga_kf_err of a failed call (GA_KF_I_ERR) */
    uint32_t info;                      /* GA_KF_I_* */
    uint32_t pad;                       /* 0 */
} ga_kf_facts;

_Static_assert(sizeof(ga_kf_facts) == 40, "ga_kf_facts has no hidden padding");

/* ga_kf_facts.info bits. */
#define GA_KF_I_TOMBSTONE 0x01          /* null value */
#define GA_KF_I_PARTITION 0x02
#define GA_KF_I_OFFSET    0x04
#define GA_KF_I_BODY      0x08
#define GA_KF_I_BATCH     0x10
#define GA_KF_I_ERR       0x20

/* f as the record's GA_A_KF_FACTS attribute (write it first: the exporter decodes the record
 * at that key); dropped whole if it does not fit, as ga_rec_put drops fixed types. Not
 * ga_rec_put itself: its cut of a too-long value makes every copy variable-length, a loop
 * where this is five stores. */
static inline void ga_kf_put_facts(ga_rec *r, const ga_kf_facts *f)
{
    const uint16_t len = (uint16_t)sizeof *f;
    if (GA_REC_ATTR_CAP - r->h.attr_len < 4u + sizeof *f)
        return;
    uint8_t *p = r->attrs + r->h.attr_len;
    p[0] = GA_A_KF_FACTS;
    p[1] = GA_AT_STR;
    memcpy(p + 2, &len, 2);
    memcpy(p + 4, f, sizeof *f);
    r->h.attr_len = (uint16_t)(r->h.attr_len + 4 + sizeof *f);
}

/* Bytes of a key copied into a record (longer keys are cut). */
#define GA_KF_KEY_CAP 64
/* Bytes of a consumer group name copied into a record. */
#define GA_KF_GROUP_CAP 128

#endif
