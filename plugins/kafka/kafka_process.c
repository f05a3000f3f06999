/* kafka_process.c — CONSUMER spans `process <topic>`: one per message handed to the application,
 * a child of the producer's span named by the message's `traceparent` header (or its `b3` /
 * `X-B3-*` headers, as OTEL_PROPAGATORS says), and the thread's
 * active context while the application processes it, so that the calls it makes meanwhile
 * (a Redis command, an HTTP request, a produce) become its children (contracts in
 * kafka_plugin.h).
 *
 * A poll-style API cannot tell when processing ends; the span ends at the thread's next consume
 * call (the application is done with the message when it asks for the next one), at consumer
 * close or destroy, or when the thread exits. Until then the span's record waits in the
 * thread's own state (malloc'd once per consuming thread, freed at its exit): the ring slot is
 * only taken when the span ends, because a slot held open would stall the exporter.
 * Callback APIs (rd_kafka_consume_callback) get exact spans: the callback's run. Batch APIs
 * hand over many messages at once: each gets a span of the instant of the hand-over (the
 * processing of one message cannot be told from the others'), none becomes active. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "preload/baggage.h"
#include "preload/config.h"
#include "preload/emit.h"
#include "preload/plugins.h"
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"
#include "plugins/kafka/kafka_rec.h"
#include "plugins/kafka/kafka_rkm.h"

/* The producer's context of m into *p: the traceparent alone in the default configuration
 * (one flag tested on top), every configured format in order with b3/b3multi. */
static inline void ga__parent(const ga_kf_message *m, ga_span_ctx *p)
{
    if (ga_unlikely(ga_kafka_cfg.extract_b3))
        ga_kf_message_parent_prop(m, p);
    else
        ga_kf_message_parent(m, p);
}

/* Bytes of a message's traceparent kept undecoded for a pending span (a W3C value is 55). */
#define GA_KF_TP_CAP 64

typedef struct ga_kf_thread {
    ga_rec rec;                     /* the open span's record: its header (ids set at the end,
                                     * ga__hdr_ids) and attributes, copied out whole at its end */
    ga_span_ids ids;                /* (not drawn yet while `pending`) */
    ga_span_ctx prev;               /* the thread's active context before the span opened */
    uint64_t serial;                /* of the open span: a pending active context names it */
    uint8_t open;
    uint8_t pending;                /* the open span's ids are not drawn (ga__resolve) */
    uint8_t tp_len;                 /* its parent's traceparent, undecoded (0: a root): the last */
    uint16_t tp_at;                 /* attribute of rec (GA_A_PARENT_TP), its text at tp_at */
    uint8_t bag_saved;              /* bag_prev holds the outer span's baggage */
    ga_bag bag_prev;                /* (OTEL_PROPAGATORS with baggage) */
    /* The consumer group of the last consumer handle seen on this thread. */
    rd_kafka_t *g_rk;
    uint32_t g_gen;
    uint16_t g_len;
    char g_name[GA_KF_GROUP_CAP];
    /* The last queue taken from a consumer on this thread (rd_kafka_queue_get_consumer). */
    rd_kafka_queue_t *q;
    rd_kafka_t *q_rk;
} ga_kf_thread;

static GA_TLS ga_kf_thread *ga__t;
static pthread_key_t ga__key;
static pthread_once_t ga__key_once = PTHREAD_ONCE_INIT;
static int ga__key_ok;
static _Atomic uint32_t ga__gen;            /* bumped when a handle is destroyed */

/* Thread exit: the open span ends, the state goes. */
static void ga__thread_exit(void *p)
{
    if (p == ga__t) {
        ga_kf_process_end();
        ga__t = NULL;
    }
    free(p);
}

static void ga__make_key(void)
{
    ga__key_ok = pthread_key_create(&ga__key, ga__thread_exit) == 0;
}

/* This thread's state, allocated on its first consumed message; NULL if that fails. */
static ga_kf_thread *ga__thread(void)
{
    ga_kf_thread *t = ga__t;
    if (ga_likely(t != NULL))
        return t;
    pthread_once(&ga__key_once, ga__make_key);
    if (!ga__key_ok || (t = calloc(1, sizeof *t)) == NULL)
        return NULL;
    if (pthread_setspecific(ga__key, t) != 0) {
        free(t);
        return NULL;
    }
    return ga__t = t;
}

/* Look rk's group.id up into t's cache (a handle not seen on this thread, or one destroyed
 * since): out of line, the per-message path only compares. */
static __attribute__((noinline)) void ga__group_lookup(ga_kf_thread *t, rd_kafka_t *rk, uint32_t gen)
{
    t->g_rk = rk;
    t->g_gen = gen;
    t->g_len = 0;
    ga_kf_rd_kafka_conf_fn conf = GA_KF_HELPER(rd_kafka_conf);
    ga_kf_rd_kafka_conf_get_fn get = GA_KF_HELPER(rd_kafka_conf_get);
    const rd_kafka_conf_t *c = conf != NULL && get != NULL ? conf(rk) : NULL;
    char buf[256];
    size_t sz = sizeof buf;
    if (c != NULL && get(c, "group.id", buf, &sz) == GA_KF_CONF_OK && sz > 1 && sz <= sizeof buf) {
        t->g_len = (uint16_t)(sz - 1 < sizeof t->g_name ? sz - 1 : sizeof t->g_name);
        memcpy(t->g_name, buf, t->g_len);
    }
}

/* The consumer group of rk (group.id), cached per thread and handle. */
static inline size_t ga__group(ga_kf_thread *t, rd_kafka_t *rk, const char **name)
{
    uint32_t gen = atomic_load_explicit(&ga__gen, memory_order_relaxed);
    if (rk == NULL)
        return 0;
    if (ga_unlikely(t->g_rk != rk || t->g_gen != gen))
        ga__group_lookup(t, rk, gen);
    *name = t->g_name;
    return t->g_len;
}

/* ga_kf_process_fill's body, inlined into the consume path (the exported function is the
 * same for tests): three calls' register saves were ~30 instructions a message. */
static inline __attribute__((always_inline)) void ga__fill(ga_rec *r, const ga_kf_message *m,
                                                          const char *topic, const char *group,
                                                          size_t glen, ssize_t batch)
{
    ga_kf_facts f = { .offset = m->offset, .body = (int64_t)m->len, .batch = batch > 0 ? batch : 0,
                      .partition = m->partition };
    f.info = (m->payload == NULL ? GA_KF_I_TOMBSTONE : 0) | GA_KF_I_PARTITION | GA_KF_I_OFFSET |
             GA_KF_I_BODY | (batch > 0 ? GA_KF_I_BATCH : 0);
    ga_kf_put_facts(r, &f);
    if (topic != NULL)
        ga_rec_put(r, GA_A_KF_TOPIC, GA_AT_STR, topic, strnlen(topic, 255));
    if (glen > 0)
        ga_rec_put(r, GA_A_KF_GROUP, GA_AT_STR, group, glen);
    if (ga_kafka_cfg.keys && m->key != NULL)
        ga_rec_put(r, GA_A_KF_KEY, GA_AT_STR, m->key, m->key_len < GA_KF_KEY_CAP ? m->key_len : GA_KF_KEY_CAP);
}

void ga_kf_process_fill(ga_rec *r, const ga_kf_message *m, const char *topic, const char *group,
                        size_t glen, ssize_t batch)
{
    ga__fill(r, m, topic, group, glen, batch);
}

/* The attributes of message m into r, with its topic and rk's group looked up. */
static inline __attribute__((always_inline)) void ga__attrs(ga_rec *r, ga_kf_thread *t,
                                                           const ga_kf_message *m, rd_kafka_t *rk,
                                                           ssize_t batch)
{
    ga_kf_rd_kafka_topic_name_fn tn = GA_KF_HELPER(rd_kafka_topic_name);
    const char *topic = m->rkt != NULL && tn != NULL ? tn(m->rkt) : NULL;
    const char *group = NULL;
    size_t glen = ga__group(t, rk, &group);
    r->h.attr_len = 0;
    ga__fill(r, m, topic, group, glen, batch);
}

/* With `baggage` configured: the message's baggage becomes the open span's (none: none), the
 * outer span's kept for the end. Out of line: the default configuration does not pay for it. */
static __attribute__((noinline)) void ga__bag_in(ga_kf_thread *t, const ga_kf_message *m)
{
    const char *v = NULL;
    t->bag_saved = ga_tls_bag.len > 0;
    if (t->bag_saved)
        ga_baggage_save(&t->bag_prev);
    size_t n = ga_kf_message_baggage(m, &v);
    ga_baggage_set(t->ids.span_id, v, n);
}

/* The span ends: the outer span's baggage back when `restore` (its span is active again). */
static __attribute__((noinline)) void ga__bag_out(ga_kf_thread *t, int restore)
{
    if (restore)
        ga_baggage_restore(&t->bag_prev);
    t->bag_saved = 0;
}

/* The open span, with its ids, becomes the thread's active context. */
static inline void ga__active_set(const ga_kf_thread *t)
{
    memcpy(ga_tls_active.trace_id, t->ids.trace_id, 16);
    memcpy(ga_tls_active.span_id, t->ids.span_id, 8);
    ga_tls_active.flags = t->ids.flags;
    ga_tls_active.remote = 0;
    ga_tls_active.valid = 1;
}

/* The open span's record header as it opens at `start`: a CONSUMER span of `process`, its ids
 * zero (pending: the exporter thread draws them, from the GA_A_PARENT_TP attribute when
 * has_parent is GA_PARENT_RAW) until its end sets drawn ones (ga__hdr_ids). The first word
 * (proto .. reserved) in one store; tid and end_ns are ga_emit_copy's. */
static inline void ga__hdr_open(ga_rec_hdr *h, uint8_t has_parent, uint64_t start)
{
    uint64_t w0 = (uint64_t)GA_PROTO_KAFKA | (uint64_t)GA_OP_KAFKA_PROCESS << 8 |
                  (uint64_t)GA_KIND_CONSUMER << 16 | (uint64_t)has_parent << 40;
    memcpy(h, &w0, 8);
    h->start_ns = start;
    memset((uint8_t *)h + offsetof(ga_rec_hdr, trace_id), 0, 32);  /* and span_id, parent_id */
}

_Static_assert(offsetof(ga_rec_hdr, parent_id) - offsetof(ga_rec_hdr, trace_id) == 24,
               "trace_id, span_id, parent_id are 32 contiguous bytes");

/* The drawn ids of the open span into its record header. */
static inline void ga__hdr_ids(ga_rec_hdr *h, const ga_span_ids *ids)
{
    h->trace_flags = ids->flags;
    h->has_parent = ids->has_parent;
    h->parent_remote = ids->parent_remote;
    memcpy(h->trace_id, ids->trace_id, 16);
    memcpy(h->span_id, ids->span_id, 8);
    memcpy(h->parent_id, ids->parent_id, 8);
}

/* The open span's ids, drawn now from its traceparent tp[0 .. n) (none, or an invalid one: a
 * root, since no fallback parent existed when it opened: ga__lazy_ok). */
static void ga__draw(ga_kf_thread *t, const uint8_t *tp, size_t n)
{
    ga_span_ctx parent;
    parent.valid = 0;
    if (n > 0)
        ga_tp_parse((const char *)tp, n, &parent);
    ga_span_start_own(&t->ids, &parent);
    t->pending = 0;
}

/* ga_tls_resolve while a message's span is pending: something on the thread asked for the
 * active context (a child span, an injection, a log line). A stale pending context (one saved
 * and put back after its span ended) resolves to none. */
static void ga__resolve(void)
{
    ga_kf_thread *t = ga__t;
    uint64_t serial;
    memcpy(&serial, ga_tls_active.span_id, 8);
    if (t == NULL || !t->open || serial != t->serial) {
        ga_tls_active.valid = 0;
        return;
    }
    if (t->pending)
        ga__draw(t, t->rec.attrs + t->tp_at, t->tp_len);
    ga__active_set(t);
}

/* May m's span leave its identity to whoever asks for it (ga__resolve) or to the exporter
 * thread? In the default configuration (tracecontext alone, no baggage), when the message's
 * header block can be read in place, and when no fallback parent exists: with no active span on
 * the thread and no TRACEPARENT for the process, a message without a valid traceparent is a
 * root, which the exporter thread can draw as well. Then *v, *n: the traceparent (n 0: none). */
static inline int ga__lazy_ok(const ga_kf_message *m, const uint8_t **v, size_t *n)
{
    return ga_kafka_cfg.lazy && !ga_tls_active.valid && ga_kf_message_tp_raw(m, v, n) &&
           *n <= GA_KF_TP_CAP;
}

/* The traceparent v[0 .. n) (0 < n <= GA_KF_TP_CAP) as r's last attribute, GA_A_PARENT_TP:
 * 1, or 0 when it does not fit (nothing written). The usual 55 bytes take a fixed-size copy. */
static inline int ga__put_tp(ga_rec *r, const uint8_t *v, size_t n)
{
    if (GA_REC_ATTR_CAP - r->h.attr_len < 4 + n)
        return 0;
    uint8_t *p = r->attrs + r->h.attr_len;
    uint16_t l16 = (uint16_t)n;
    p[0] = GA_A_PARENT_TP;
    p[1] = GA_AT_STR;
    memcpy(p + 2, &l16, 2);
    if (ga_likely(n == 55))
        memcpy(p + 4, v, 55);
    else
        memcpy(p + 4, v, n);
    r->h.attr_len = (uint16_t)(r->h.attr_len + 4 + n);
    return 1;
}

/* A CONSUMER record whose identity the exporter thread draws (preload/context.h:
 * ga_rec_draw_ids): ids zero, the attributes of `a` (with a parent: its traceparent last). */
static inline void ga__emit_raw(uint8_t op, const ga_rec *a, int has_tp, uint64_t start, uint64_t end)
{
    static const ga_span_ids root, child = { .has_parent = GA_PARENT_RAW };
    ga_rec *r = ga_emit_begin(GA_PROTO_KAFKA, op, GA_KIND_CONSUMER, has_tp ? &child : &root,
                              start, end);
    if (r == NULL)
        return;
    memcpy(r->attrs, a->attrs, a->h.attr_len);
    r->h.attr_len = a->h.attr_len;
    ga_emit_commit(r);
}

void ga_kf_process_begin(const ga_kf_message *m, rd_kafka_t *rk)
{
    if (m == NULL || m->err != GA_KF_ERR_NO_ERROR)
        return;                             /* nothing to process: an error event */
    ga_kf_thread *t = ga__thread();
    if (t == NULL)
        return;
    if (t->open)
        ga_kf_process_end();                /* a nested consume inside a callback */
    const uint8_t *v;
    size_t vn;
    if (ga__lazy_ok(m, &v, &vn)) {
        ga__hdr_open(&t->rec.h, vn > 0 ? GA_PARENT_RAW : 0, ga_now_ns());
        ga__attrs(&t->rec, t, m, rk, 0);
        t->serial++;
        t->prev.valid = 0;                      /* (ga__lazy_ok: no active span) */
        t->tp_len = (uint8_t)vn;
        t->tp_at = (uint16_t)(t->rec.h.attr_len + 4);
        t->pending = vn == 0 || ga__put_tp(&t->rec, v, vn);
        if (t->pending) {
            memcpy(ga_tls_active.span_id, &t->serial, 8);
            ga_tls_active.valid = GA_CTX_PENDING;
            ga_tls_resolve = ga__resolve;
        } else {
            ga__draw(t, v, vn);                 /* no room left for the text: the ids now */
            ga__active_set(t);
        }
        t->open = 1;
        return;
    }
    t->pending = 0;
    t->serial++;
    ga_span_ctx parent;
    ga__parent(m, &parent);
    ga_span_start(&t->ids, &parent);
    ga__hdr_open(&t->rec.h, 0, ga_now_ns());
    ga__attrs(&t->rec, t, m, rk, 0);
    t->prev = ga_tls_active;
    if (ga_unlikely(ga_kafka_cfg.bag_in))
        ga__bag_in(t, m);
    memcpy(ga_tls_active.trace_id, t->ids.trace_id, 16);
    memcpy(ga_tls_active.span_id, t->ids.span_id, 8);
    ga_tls_active.flags = t->ids.flags;
    ga_tls_active.remote = 0;
    ga_tls_active.valid = 1;
    t->open = 1;
}

void ga_kf_process_end(void)
{
    ga_kf_thread *t = ga__t;
    if (ga_likely(t == NULL || !t->open))
        return;
    t->open = 0;
    uint64_t end = ga_now_ns();
    uint64_t serial;
    memcpy(&serial, ga_tls_active.span_id, 8);
    if (ga_tls_active.valid == GA_CTX_PENDING ? serial == t->serial
                                              : ga_tls_active.valid == 1 && !t->pending &&
                                                memcmp(ga_tls_active.span_id, t->ids.span_id, 8) == 0) {
        ga_tls_active = t->prev;
        if (ga_unlikely(t->bag_saved))
            ga__bag_out(t, 1);                  /* the outer span's baggage, active again */
    } else if (ga_unlikely(t->bag_saved)) {
        ga__bag_out(t, 0);
    }
    if (!t->pending)
        ga__hdr_ids(&t->rec.h, &t->ids);        /* drawn when it opened, or since (ga__resolve) */
    ga_emit_copy(&t->rec, end);
}

void ga_kf_process_batch(ga_kf_message **msgs, ssize_t n, rd_kafka_t *rk)
{
    ga_kf_thread *t = ga__thread();
    if (t == NULL || msgs == NULL)
        return;
    uint64_t now = ga_now_ns();
    for (ssize_t i = 0; i < n; i++) {
        const ga_kf_message *m = msgs[i];
        if (m == NULL || m->err != GA_KF_ERR_NO_ERROR)
            continue;
        const uint8_t *v;
        size_t vn;
        if (ga__lazy_ok(m, &v, &vn)) {          /* nothing descends from these spans */
            ga__attrs(&t->rec, t, m, rk, n);
            if (vn == 0 || ga__put_tp(&t->rec, v, vn)) {
                ga__emit_raw(GA_OP_KAFKA_BATCH_MSG, &t->rec, vn > 0, now, now);
                continue;
            }
        }
        ga_span_ctx parent;
        ga_span_ids ids;
        ga__parent(m, &parent);
        ga_span_start(&ids, &parent);
        ga_rec *r = ga_emit_begin(GA_PROTO_KAFKA, GA_OP_KAFKA_BATCH_MSG, GA_KIND_CONSUMER, &ids, now, now);
        if (r == NULL)
            continue;
        ga__attrs(r, t, m, rk, n);
        ga_emit_commit(r);
    }
}

void ga_kf_forget(rd_kafka_t *rk)
{
    atomic_fetch_add_explicit(&ga__gen, 1, memory_order_relaxed);
    ga_kf_thread *t = ga__t;
    if (t != NULL && t->q_rk == rk) {
        t->q = NULL;
        t->q_rk = NULL;
    }
}

void ga_kf_note_queue(rd_kafka_queue_t *q, rd_kafka_t *rk)
{
    ga_kf_thread *t = ga__thread();
    if (t != NULL) {
        t->q = q;
        t->q_rk = rk;
    }
}

rd_kafka_t *ga_kf_queue_owner(rd_kafka_queue_t *q)
{
    ga_kf_thread *t = ga__t;
    return t != NULL && q != NULL && t->q == q ? t->q_rk : NULL;
}

GA_FORK_PATH void ga_kf_process_after_fork(void)
{
    if (ga__t != NULL)
        ga__t->open = 0;                    /* the parent ends and reports it */
}
