/* http_span.c — HTTP span identity and records on the application thread: server span ids
 * from an incoming traceparent, the thread's active server span (and its tracestate) that
 * client spans started on the thread descend from, and the record of a finished request.
 * Only raw facts go into the record; http_ops.c makes attributes of them. */
#include <string.h>
#include "plugins/http/http_state.h"
#include "plugins/http/http_rec.h"
#include "preload/config.h"
#include "preload/emit.h"

/* The tracestate of the thread's active server span, and which span it belongs to. */
static GA_TLS char ga__ts[GA_HTTP_TS_CAP];
static GA_TLS uint16_t ga__ts_len;
static GA_TLS uint8_t ga__ts_span[8];
static GA_TLS char ga__tp_in[55];
static GA_TLS uint8_t ga__tp_in_ok;

void ga_http_server_ids(ga_span_ids *ids, const ga_span_ctx *in)
{
    ga_span_start_own(ids, in);         /* no or invalid traceparent: a new trace (W3C) */
    ids->parent_remote = ids->has_parent;
}

void ga_http_set_active(const ga_span_ids *ids, const char *ts, size_t ts_len, const char *tp)
{
    memcpy(ga_tls_active.trace_id, ids->trace_id, 16);
    memcpy(ga_tls_active.span_id, ids->span_id, 8);
    ga_tls_active.flags = ids->flags;
    ga_tls_active.remote = 0;
    ga_tls_active.valid = 1;
    if (ts_len > sizeof ga__ts)
        ts_len = 0;
    if (ts_len > 0)
        memcpy(ga__ts, ts, ts_len);             /* ts may be NULL when empty */
    ga__ts_len = (uint16_t)ts_len;
    memcpy(ga__ts_span, ids->span_id, 8);
    ga__tp_in_ok = tp != NULL;
    if (tp != NULL)
        memcpy(ga__tp_in, tp, sizeof ga__tp_in);
}

int ga_http_forwarded_tp(const uint8_t *v)
{
    return ga_tls_active.valid == 1 && ga__tp_in_ok && memcmp(ga_tls_active.span_id, ga__ts_span, 8) == 0 &&
           memcmp(v, ga__tp_in, sizeof ga__tp_in) == 0;
}

void ga_http_clear_active(const ga_span_ids *ids)
{
    if (ga_tls_active.valid == 1 && memcmp(ga_tls_active.span_id, ids->span_id, 8) == 0)
        memset(&ga_tls_active, 0, sizeof ga_tls_active);
}

size_t ga_http_outgoing_tracestate(const char **ts)
{
    if (ga_tls_active.valid) {                 /* a pending span (a message's) has none */
        if (ga__ts_len == 0 || ga_tls_active.valid != 1 ||
            memcmp(ga_tls_active.span_id, ga__ts_span, 8) != 0)
            return 0;
        *ts = ga__ts;
        return ga__ts_len;
    }
    if (!ga_cfg.env_parent.valid || ga_cfg.tracestate[0] == '\0')
        return 0;
    *ts = ga_cfg.tracestate;
    size_t n = strnlen(ga_cfg.tracestate, sizeof ga_cfg.tracestate);
    return n <= GA_HTTP_TS_CAP ? n : 0;
}

/* TLV entries written as ga_rec_put writes them (preload/record.h), without its checks where
 * the room is known and without a library call for short texts. */
static inline uint8_t *ga__tlv(ga_rec *r, uint8_t key, uint8_t type, size_t len)
{
    uint8_t *p = r->attrs + r->h.attr_len;
    uint16_t l16 = (uint16_t)len;
    p[0] = key;
    p[1] = type;
    memcpy(p + 2, &l16, 2);
    r->h.attr_len = (uint16_t)(r->h.attr_len + 4 + len);
    return p + 4;
}

/* An integer; the caller knows there is room (the integers come first). */
static inline void ga__int(ga_rec *r, uint8_t key, int64_t v)
{
    memcpy(ga__tlv(r, key, GA_AT_INT, sizeof v), &v, sizeof v);
}

/* A text, cut to the room left (as ga_rec_put does); nothing when empty or no room. */
static inline __attribute__((always_inline)) void ga__str(ga_rec *r, uint8_t key, const char *s, size_t n)
{
    size_t room = GA_REC_ATTR_CAP - r->h.attr_len;
    if (n == 0 || room < 5)
        return;
    if (n > room - 4)
        n = room - 4;
    uint8_t *d = ga__tlv(r, key, GA_AT_STR, n);
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            memcpy(d + i, s + i, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = (uint8_t)s[i];
    }
}

/* The record's attributes: the exchange's facts copied as they are, the transport failure and
 * the response body size, the peer, and the tracestate of a server request. */
void ga_http_rec_fill(ga_rec *r, const ga_http_state *st, const ga_http_xchg *x, int err,
                      uint64_t resp_body)
{
    _Static_assert(2 * 12 + 4 + sizeof(ga_addr) + 4 + GA_HTTP_FACTS_HEAD + GA_HTTP_TEXT_CAP <=
                   GA_REC_ATTR_CAP, "the facts always fit");
    if (err)
        ga__int(r, GA_A_HTTP_ERROR, err);
    if (x->status)
        ga__int(r, GA_A_HTTP_RESP_BODY, (int64_t)resp_body);
    if (st->peer.family)
        memcpy(ga__tlv(r, GA_A_PEER, GA_AT_ADDR, sizeof st->peer), &st->peer, sizeof st->peer);
    size_t n = GA_HTTP_FACTS_HEAD + x->t_used;
    memcpy(ga__tlv(r, GA_A_HTTP_FACTS, GA_AT_STR, n), (const char *)x + GA_HTTP_FACTS_AT, n);
    if (st->side == GA_HTTP_SIDE_SERVER && st->ts_slot == x->idx && st->ts_len > 0 &&
        GA_REC_ATTR_CAP - r->h.attr_len >= 4u + st->ts_len)
        ga__str(r, GA_A_TRACESTATE, st->u.ts, st->ts_len);      /* whole or not at all */
}

static int ga__status(const ga_http_state *st, const ga_http_xchg *x, int err)
{
    if (err || x->status >= 500)
        return GA_STATUS_ERROR;
    if (st->side == GA_HTTP_SIDE_CLIENT && x->status >= 400)
        return GA_STATUS_ERROR;     /* 4xx: Error for clients, Unset for servers (semconv) */
    return GA_STATUS_UNSET;
}

void ga_http_emit(const ga_http_state *st, const ga_http_xchg *x, uint64_t end_ns,
                  int err, uint64_t resp_body)
{
    int server = st->side == GA_HTTP_SIDE_SERVER;
    ga_rec *r = ga_emit_begin(GA_PROTO_HTTP, server ? GA_OP_HTTP_SERVER : GA_OP_HTTP_CLIENT,
                              server ? GA_KIND_SERVER : GA_KIND_CLIENT, &x->ids, x->start_ns, end_ns);
    if (r == NULL)
        return;
    r->h.status = (uint8_t)ga__status(st, x, err);
    ga_http_rec_fill(r, st, x, err, resp_body);
    ga_emit_commit(r);
}
