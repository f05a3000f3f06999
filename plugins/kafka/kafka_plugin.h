/* kafka_plugin.h — what the Kafka plug-in's files share on the application thread: its
 * configuration, the produce side (kafka_send.c: PRODUCER spans; kafka_inject.c: the tuples of
 * a produce call and the traceparent header added to them) and the consume side
 * (kafka_process.c: CONSUMER spans and the thread's active context). The hooks themselves are
 * hook_rdkafka_produce.c and hook_rdkafka_consume.c. */
#ifndef GA_KAFKA_PLUGIN_H
#define GA_KAFKA_PLUGIN_H

#include <stdarg.h>
#include "preload/context.h"
#include "preload/record.h"
#include "preload/emit.h"
#include "plugins/kafka/kafka_rdk.h"

typedef struct ga_kafka_cfg_t {
    uint8_t keys;               /* GENESIS_KAFKA_KEYS: messaging.kafka.message.key */
    uint8_t inject;             /* GENESIS_PROPAGATE and a trace exporter: the GA_PROP_TC, _B3,
                                 * _B3MULTI formats of OTEL_PROPAGATORS to add (0: none) */
    uint8_t extract_b3;         /* b3 or b3multi configured: consumers read those headers too */
    uint8_t bag;                /* `baggage` configured with a context format (inject != 0):
                                 * the outgoing baggage goes into a `baggage` header too */
    uint8_t other;              /* inject is not just GA_PROP_TC, or bag: the general path */
    uint8_t bag_in;             /* `baggage` configured: consumers keep a message's baggage */
    uint8_t lazy;               /* neither extract_b3 nor bag_in, and no TRACEPARENT for the
                                 * process: a consumed message's span may be pending
                                 * (kafka_process.c, ga__lazy_ok) */
} ga_kafka_cfg_t;

extern ga_kafka_cfg_t ga_kafka_cfg;

/* ------------------------------------------------------------------ the message to produce */

/* What the tuples of one produce call say (kafka_inject.c). */
typedef struct ga_kf_msg {
    const char *topic;              /* VTYPE_TOPIC */
    rd_kafka_topic_t *rkt;          /* VTYPE_RKT */
    const void *key, *value;
    size_t key_len, value_len;
    rd_kafka_headers_t *hdrs;       /* the list librdkafka will use (the last VTYPE_HEADERS) */
    const char *tp;                 /* its own VTYPE_HEADER "traceparent" value (any case) */
    size_t tp_len;
    uint8_t own_tp;                 /* it set one (tp may still be NULL) */
    uint8_t own_b3;                 /* it set a `b3` or `X-B3-*` tuple (any case) */
    uint8_t own_bag;                /* it set a `baggage` header (any case): ours is not added */
    uint8_t bag_added;              /* ours went into the application's list (undo removes it) */
    const char *b3;                 /* its first `b3` value (any case; NULL: none) */
    size_t b3_len;
    int32_t partition;              /* GA_KF_PARTITION_UA when not given */
    uint8_t has_key;
    uint8_t n_header;               /* VTYPE_HEADER tuples */
    uint8_t conflict;               /* HEADER and HEADERS mixed: librdkafka refuses the call */
    uint8_t unknown;                /* a vtype this library does not know: left untouched */
} ga_kf_msg;

void ga_kf_msg_init(ga_kf_msg *m);
/* Note one tuple (a produceva element, or one decoded from producev's arguments). */
void ga_kf_msg_note(ga_kf_msg *m, const ga_kf_vu *v);

/* Forwarding producev's arguments: its tuples as 8-byte argument slots, the way the LP64
 * calling conventions of x86-64 and AArch64 pass every integer and pointer vararg, so that the
 * real rd_kafka_producev can be called again with the same slots plus ours. */
#define GA_KF_PV_CAP   128          /* slots of the largest forwarded call */
#define GA_KF_PV_RAW   32           /* raw slots forwarded after an unknown vtype */
enum { GA_KF_PV_OK = 0, GA_KF_PV_UNKNOWN, GA_KF_PV_OVERFLOW };
typedef struct ga_kf_pv {
    uint64_t s[GA_KF_PV_CAP];
    int n;                          /* slots before END (not stored: the caller pads) */
    int status;                     /* GA_KF_PV_*: UNKNOWN = raw slots after an unknown vtype */
    ga_kf_msg m;
} ga_kf_pv;

/* Read producev's tuples from ap (after rk) up to VTYPE_END. OVERFLOW: more than fit (nothing
 * usable: decode again with ga_kf_pv_vus). UNKNOWN: an unknown vtype; the slots after it are
 * copied raw up to the capacity, for a library that knows it. */
void ga_kf_pv_decode(ga_kf_pv *pv, va_list ap);
/* The same tuples as a produceva array of *n elements (malloc'd; NULL when out of memory or
 * a vtype is unknown). */
ga_kf_vu *ga_kf_pv_vus(va_list ap, size_t *n);

/* How the traceparent travels with one message. */
enum {
    GA_KF_INJ_NONE = 0,             /* not at all: the application's own, off, or impossible */
    GA_KF_INJ_TUPLE,                /* one more VTYPE_HEADER tuple: librdkafka owns the copy */
    GA_KF_INJ_LIST,                 /* added to the application's list: removed if the call fails */
};

/* The general case of ga_kf_inject_plan (kafka_inject.c): headers, conflicts, unknown tuples. */
int ga_kf_inject_plan_slow(const ga_kf_msg *m, ga_span_ctx *app_parent);

/* Decide (and for GA_KF_INJ_LIST, not yet act): the application's own traceparent (its name in
 * any case), if any, is parsed into *app_parent (valid = 0 otherwise). Reads the application's
 * list only through rd_kafka_header_get_all. A call without headers (the usual one) is decided
 * here, inline. */
static inline int ga_kf_inject_plan(const ga_kf_msg *m, ga_span_ctx *app_parent)
{
    if (!(m->conflict | m->unknown | m->own_tp | m->own_b3) && m->hdrs == NULL) {
        app_parent->valid = 0;
        return ga_kafka_cfg.inject ? GA_KF_INJ_TUPLE : GA_KF_INJ_NONE;
    }
    return ga_kf_inject_plan_slow(m, app_parent);
}
/* GA_KF_INJ_LIST: add `tp` (55 bytes) to m->hdrs; returns the plan that holds afterwards
 * (NONE when librdkafka refused: a read-only list). */
int ga_kf_inject_list(const ga_kf_msg *m, const char *tp);

/* The headers of one injection when OTEL_PROPAGATORS is not just `tracecontext`: per format of
 * ga_kafka_cfg.inject, in this order, `traceparent`, `b3`, then X-B3-TraceId, X-B3-SpanId,
 * X-B3-Sampled. The values are slices of tp and b3 (not NUL-terminated: lengths given). */
#define GA_KF_HSET_MAX 6
typedef struct ga_kf_hset {
    int n;
    const char *name[GA_KF_HSET_MAX];
    const char *val[GA_KF_HSET_MAX];
    uint16_t len[GA_KF_HSET_MAX];
    char tp[56];
    char b3[51];                    /* GA_B3_LEN: {trace}-{span}-{1|0} */
} ga_kf_hset;

/* Fill *h for the span `ids` with the formats `fmt` (GA_PROP_* bits; others ignored). */
void ga_kf_hset_fill(ga_kf_hset *h, const ga_span_ids *ids, unsigned fmt);
/* With ga_kafka_cfg.bag: the thread's outgoing baggage (preload/baggage.h) as a last `baggage`
 * header of h, unless the message m has one of its own or there is none. The value points into
 * the thread's state, which the produce call does not change. */
void ga_kf_hset_bag(ga_kf_hset *h, const ga_kf_msg *m);
/* Append h's headers as VTYPE_HEADER tuples to the slots s[0..n) (cap slots in all, one kept
 * for END); returns the new n (unchanged when they do not all fit: nothing is added then). */
int ga_kf_hset_slots(const ga_kf_hset *h, uint64_t *s, int n, int cap);
/* GA_KF_INJ_LIST with h: every header added to m->hdrs, or none (a refused add undoes the
 * others); returns the plan that holds afterwards, as ga_kf_inject_list. */
int ga_kf_inject_list_set(ga_kf_msg *m, const ga_kf_hset *h);

/* The removal of ga_kf_inject_undo (kafka_inject.c): the names of the configured formats. */
void ga_kf_inject_remove(const ga_kf_msg *m);

/* After the call: a failed GA_KF_INJ_LIST call leaves the application's list as it was. The
 * test is inline: every produce call makes it, nearly none needs the removal. */
static inline void ga_kf_inject_undo(const ga_kf_msg *m, int plan, ga_kf_err err)
{
    if (ga_unlikely(plan == GA_KF_INJ_LIST && err != GA_KF_ERR_NO_ERROR))
        ga_kf_inject_remove(m);             /* success: the list is the message's now */
}

/* ------------------------------------------------------------------ PRODUCER spans */

typedef struct ga_kf_send {
    ga_span_ids ids;
    uint64_t start_ns;
    int batch;                      /* messages of a produce_batch call; 0 = one message */
} ga_kf_send;

/* Identity (a child of `parent` if valid, else of the thread's active span) and start. Inline:
 * the hooks call it on every produce. */
static inline void ga_kf_send_begin(ga_kf_send *s, const ga_span_ctx *parent)
{
    ga_span_start(&s->ids, parent);
    s->start_ns = ga_now_ns();
    s->batch = 0;
}
/* Emit the span of a finished call: m's facts, err (0 = enqueued). rkt/topic are read here. */
void ga_kf_send_end(const ga_kf_send *s, const ga_kf_msg *m, ga_kf_err err);
/* Its attributes into r (pure): `batch` messages of produce_batch (0 = one message), the topic
 * and librdkafka's name of err (both may be NULL). */
void ga_kf_send_fill(ga_rec *r, const ga_kf_msg *m, int batch, ga_kf_err err, const char *topic,
                     const char *ename);

/* ------------------------------------------------------------------ CONSUMER spans */

/* The thread's open process span (if any) ends now: at its next consume call, consumer close,
 * destroy, thread exit. The thread's previous active context comes back. */
void ga_kf_process_end(void);
/* A message handed to the application (NULL and error events are skipped): its process span
 * opens and becomes the thread's active context. `rk` (may be NULL) names the consumer group. */
void ga_kf_process_begin(const ga_kf_message *m, rd_kafka_t *rk);
/* A batch of n messages handed over at once: one span per message, no active context. */
void ga_kf_process_batch(ga_kf_message **msgs, ssize_t n, rd_kafka_t *rk);
/* The attributes of a consumed message into r (pure): its topic, the group (glen bytes, 0 =
 * none), the size of its batch (0 = handed over alone). */
void ga_kf_process_fill(ga_rec *r, const ga_kf_message *m, const char *topic, const char *group,
                        size_t glen, ssize_t batch);
/* rk is being destroyed: forget what was remembered of it. */
void ga_kf_forget(rd_kafka_t *rk);
/* The consumer handle a queue was taken from (rd_kafka_queue_get_consumer), for the group. */
void ga_kf_note_queue(rd_kafka_queue_t *q, rd_kafka_t *rk);
rd_kafka_t *ga_kf_queue_owner(rd_kafka_queue_t *q);
/* In the child after fork: the parent's open span is the parent's. */
void ga_kf_process_after_fork(void);

#endif
