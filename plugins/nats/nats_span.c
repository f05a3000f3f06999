/* nats_span.c — NATS span identity and records on the application thread: PRODUCER spans for
 * messages that went out, CONSUMER spans for messages delivered, and the thread's active span
 * while a delivered message is being processed. Only raw facts go into the records;
 * nats_ops.c makes names and attributes of them. */
#include <string.h>
#include "plugins/nats/nats_state.h"
#include "plugins/nats/nats_rec.h"
#include "plugins/nats/nats_hint.h"
#include "preload/context.h"
#include "preload/emit.h"

void ga_nats_consumer_ids(ga_span_ids *ids, const ga_span_ctx *parent)
{
    ga_span_start_own(ids, parent);     /* no context: the message starts a trace */
}

void ga_nats_producer_ids(const ga_nats_state *st, const ga_nats_line *l, ga_span_ids *ids,
                          uint64_t *start_ns)
{
    ga_span_ctx parent;
    uint64_t t;
    if (st->lang_c &&
        ga_nats_hint_take(l->subj, l->subj_len, l->total - l->hdr, *start_ns, &parent, &t)) {
        ga_span_start(ids, &parent);
        if (t < *start_ns)
            *start_ns = t;
        return;
    }
    ga_span_start(ids, NULL);
}

void ga_nats_set_active(const ga_span_ids *ids)
{
    memcpy(ga_tls_active.trace_id, ids->trace_id, 16);
    memcpy(ga_tls_active.span_id, ids->span_id, 8);
    ga_tls_active.flags = ids->flags;
    ga_tls_active.remote = 0;
    ga_tls_active.valid = 1;
}

void ga_nats_clear_active(const ga_span_ids *ids)
{
    if (ga_tls_active.valid == 1 && memcmp(ga_tls_active.span_id, ids->span_id, 8) == 0)
        memset(&ga_tls_active, 0, sizeof ga_tls_active);
}

/* A fixed-size TLV entry at p (record.h's layout: key, type, length in host order, value);
 * returns the byte after it. For a record's first entries, whose room is certain: the caller
 * checks nothing per entry. */
static uint8_t *ga__tlv(uint8_t *p, uint8_t key, uint8_t type, const void *v, uint16_t len)
{
    p[0] = key;
    p[1] = type;
    memcpy(p + 2, &len, 2);
    memcpy(p + 4, v, len);
    return p + 4 + len;
}

/* The entries every NATS record starts with, into a record just begun (attr_len 0): INFO and
 * BODY, then the peer when known. 48 bytes at most, far under the attribute area: written
 * without ga_rec_put's room checks. */
static void ga__rec_head(ga_rec *r, uint8_t info, uint64_t body, const ga_addr *peer)
{
    _Static_assert(GA_REC_ATTR_CAP >= 2 * (4 + 8) + 4 + sizeof(ga_addr), "the fixed entries fit");
    int64_t iv = info, bv = (int64_t)body;
    uint8_t *p = r->attrs;
    p = ga__tlv(p, GA_A_NATS_INFO, GA_AT_INT, &iv, 8);
    p = ga__tlv(p, GA_A_NATS_BODY, GA_AT_INT, &bv, 8);
    if (peer != NULL && peer->family)
        p = ga__tlv(p, GA_A_PEER, GA_AT_ADDR, peer, sizeof *peer);
    r->h.attr_len = (uint16_t)(p - r->attrs);
}

void ga_nats_emit_publish(const ga_nats_state *st, const ga_nats_line *l, const ga_span_ids *ids,
                          uint64_t start_ns, uint64_t end_ns, uint8_t info)
{
    ga_rec *r = ga_emit_begin(GA_PROTO_NATS, GA_OP_NATS_PUBLISH, GA_KIND_PRODUCER, ids, start_ns,
                              end_ns);
    if (r == NULL)
        return;
    if (l->reply_len)
        info |= GA_NATS_I_REPLY;
    if (l->op == GA_NATS_HPUB)
        info |= GA_NATS_I_HEADERS;
    ga__rec_head(r, info, l->total - l->hdr, &st->peer);
    ga_rec_put(r, GA_A_NATS_SUBJECT, GA_AT_STR, l->subj, l->subj_len);   /* last: may be cut */
    ga_emit_commit(r);
}

size_t ga_nats_encode_server(uint8_t *out, const char *host, size_t host_len, int port)
{
    uint8_t *p = out;
    int64_t pv = port;
    if (host_len > GA_NATS_HOST_CAP)
        host_len = GA_NATS_HOST_CAP;
    if (port > 0)
        p = ga__tlv(p, GA_A_NATS_PORT, GA_AT_INT, &pv, 8);
    if (host_len > 0)
        p = ga__tlv(p, GA_A_NATS_HOST, GA_AT_STR, host, (uint16_t)host_len);
    return (size_t)(p - out);
}

/* The body of ga_nats_emit_process(), inlined into the wire's delivery too: there its
 * constant arguments (no server entries) fold away and the thirteen are not marshalled. */
static inline __attribute__((always_inline)) void
ga__emit_process(int op, const ga_span_ids *ids, uint64_t start_ns, uint64_t end_ns,
                 const char *subj, size_t subj_len, uint64_t body, uint8_t info,
                 const char *queue, size_t queue_len, const ga_addr *peer,
                 const uint8_t *srv, size_t srv_len)
{
    _Static_assert(GA_REC_ATTR_CAP >= 48 + GA_NATS_SRV_CAP, "the server entries always fit");
    ga_rec *r = ga_emit_begin(GA_PROTO_NATS, (uint8_t)op, GA_KIND_CONSUMER, ids, start_ns, end_ns);
    if (r == NULL)
        return;
    ga__rec_head(r, info, body, peer);
    if (srv_len > 0) {                          /* after the head's 48 bytes at most: room */
        memcpy(r->attrs + r->h.attr_len, srv, srv_len);
        r->h.attr_len = (uint16_t)(r->h.attr_len + srv_len);
    }
    if (queue_len > 0)
        ga_rec_put(r, GA_A_NATS_QUEUE, GA_AT_STR, queue, queue_len);
    ga_rec_put(r, GA_A_NATS_SUBJECT, GA_AT_STR, subj, subj_len);      /* last: may be cut */
    ga_emit_commit(r);
}

void ga_nats_emit_process(int op, const ga_span_ids *ids, uint64_t start_ns, uint64_t end_ns,
                          const char *subj, size_t subj_len, uint64_t body, uint8_t info,
                          const char *queue, size_t queue_len, const ga_addr *peer,
                          const uint8_t *srv, size_t srv_len)
{
    ga__emit_process(op, ids, start_ns, end_ns, subj, subj_len, body, info, queue, queue_len,
                     peer, srv, srv_len);
}

/* The queue group of subscription sid on this connection, or NULL. */
static const ga_nats_queue *ga__queue(const ga_nats_state *st, uint32_t sid)
{
    for (int i = 0; i < st->nqueues; i++)
        if (st->q[i].sid == sid)
            return &st->q[i];
    return NULL;
}

void ga_nats_ctx_parent(const ga_nats_xctx *x, ga_span_ctx *parent)
{
    if (ga_nats_x_end(x, &ga_nats_ctx.xo, parent))
        parent->flags = ga_sample(parent->trace_id, NULL) ? GA_TF_SAMPLED : 0;
}

/* The parent the received message's header block gave (valid = 0: none). Inline for the two
 * common cases: a plain MSG (or no context fields) costs two loads, a traceparent or a sampled
 * b3 a copy; X-B3 fields and undecided sampling take the full call. */
static inline void ga__rx_parent(const ga_nats_rx *rx, ga_span_ctx *parent)
{
    if (rx->x.have != 0)
        ga_nats_ctx_parent(&rx->x, parent);
    else if (rx->x.rank == GA_NATS_XR_OFF)
        parent->valid = 0;
    else if (!rx->x.defer)
        *parent = rx->x.best;
    else
        ga_nats_ctx_parent(&rx->x, parent);
}

void ga_nats_rx_deliver(ga_nats_state *st, uint64_t now)
{
    ga_nats_rx *rx = &st->rx;
    const ga_nats_queue *q = ga__queue(st, rx->sid);
    ga_span_ctx parent;
    ga__rx_parent(rx, &parent);
    ga_nats_consumer_ids(&rx->ids, &parent);    /* rx->x is gone from here on */
    ga__emit_process(GA_OP_NATS_DELIVER, &rx->ids, now, now, rx->subj, rx->subj_len, rx->body,
                     rx->info, q ? q->name : NULL, q ? q->len : 0, &st->peer, NULL, 0);
    ga_nats_set_active(&rx->ids);
    rx->st = GA_NATS_RX_ACTIVE;
}

void ga_nats_rx_release(ga_nats_state *st)
{
    if (st->rx.st == GA_NATS_RX_ACTIVE)
        ga_nats_clear_active(&st->rx.ids);
    st->rx.st = GA_NATS_RX_NONE;
}
