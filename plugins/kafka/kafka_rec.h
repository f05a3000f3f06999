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
    GA_A_KF_INFO = GA_A_PLUGIN_FIRST,   /* int: GA_KF_I_* flags (always present, first) */
    GA_A_KF_PARTITION,                  /* int: partition (absent: left to the partitioner) */
    GA_A_KF_OFFSET,                     /* int: the message's offset (consumed messages) */
    GA_A_KF_BODY,                       /* int: value bytes (a single message) */
    GA_A_KF_BATCH,                      /* int: messages in the call (batches) */
    GA_A_KF_ERRCODE,                    /* int: ga_kf_err of a failed call */
    GA_A_KF_TOPIC,                      /* str: topic name */
    GA_A_KF_GROUP,                      /* str: consumer group (group.id) */
    GA_A_KF_ERROR,                      /* str: rd_kafka_err2name() of the error */
    GA_A_KF_KEY,                        /* str: message key bytes (GENESIS_KAFKA_KEYS=true) */
};

/* GA_A_KF_INFO bits. */
#define GA_KF_I_TOMBSTONE 0x1           /* null value */

/* Bytes of a key copied into a record (longer keys are cut). */
#define GA_KF_KEY_CAP 64
/* Bytes of a consumer group name copied into a record. */
#define GA_KF_GROUP_CAP 128

#endif
