/* kafka_rdk.h — the part of librdkafka's public ABI the Kafka plug-in uses, declared here so the
 * library builds without librdkafka's headers (it never links librdkafka: the hooks find it at
 * run time, kafka_lib.c). Layouts and values are those of rdkafka.h, stable since v0.11
 * (headers) and v1.6 (rd_kafka_produceva); checked against 2.0.2 by the unit tests. */
#ifndef GA_KAFKA_RDK_H
#define GA_KAFKA_RDK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef int ga_kf_err;              /* rd_kafka_resp_err_t */

/* rd_kafka_message_t: a consumed message, or an element of rd_kafka_produce_batch(). Named
 * apart (like ga_kf_err, ga_kf_vu) so that a test can hold it next to rdkafka.h's. */
typedef struct ga_kf_message_s {
    ga_kf_err err;                  /* != 0: an error event, not a message */
    rd_kafka_topic_t *rkt;
    int32_t partition;
    void *payload;
    size_t len;
    void *key;
    size_t key_len;
    int64_t offset;
    void *_private;
} ga_kf_message;

typedef void (*ga_kf_consume_cb)(ga_kf_message *rkmessage, void *opaque);

/* rd_kafka_vtype_t: the tuples of rd_kafka_producev() / rd_kafka_produceva(). */
enum {
    GA_KF_VT_END = 0,       /* sentinel */
    GA_KF_VT_TOPIC,         /* const char * */
    GA_KF_VT_RKT,           /* rd_kafka_topic_t * */
    GA_KF_VT_PARTITION,     /* int32_t */
    GA_KF_VT_VALUE,         /* void *, size_t */
    GA_KF_VT_KEY,           /* void *, size_t */
    GA_KF_VT_OPAQUE,        /* void * */
    GA_KF_VT_MSGFLAGS,      /* int */
    GA_KF_VT_TIMESTAMP,     /* int64_t */
    GA_KF_VT_HEADER,        /* const char *, const void *, ssize_t */
    GA_KF_VT_HEADERS,       /* rd_kafka_headers_t * */
    GA_KF_VT_COUNT
};

/* rd_kafka_vu_t: one tuple of rd_kafka_produceva(). */
typedef struct ga_kf_vu {
    int vtype;
    union {
        const char *cstr;
        rd_kafka_topic_t *rkt;
        int i;
        int32_t i32;
        int64_t i64;
        struct { void *ptr; size_t size; } mem;
        struct { const char *name; const void *val; ssize_t size; } header;
        rd_kafka_headers_t *headers;
        void *ptr;
        char _pad[64];
    } u;
} ga_kf_vu;

_Static_assert(sizeof(ga_kf_vu) == 72, "rd_kafka_vu_t layout");

#define GA_KF_PARTITION_UA ((int32_t)-1)
#define GA_KF_MSG_F_PARTITION 0x8

enum {
    GA_KF_ERR_NO_ERROR = 0,
    GA_KF_ERR__FAIL = -196,
    GA_KF_ERR__PARTITION_EOF = -191,
    GA_KF_ERR__NOENT = -156,
};

#define GA_KF_CONF_OK 0             /* RD_KAFKA_CONF_OK */

#endif
