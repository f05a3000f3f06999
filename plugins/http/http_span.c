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
    if (in != NULL && in->valid) {
        memcpy(ids->trace_id, in->trace_id, 16);
        memcpy(ids->parent_id, in->span_id, 8);
        ids->has_parent = 1;
        ids->parent_remote = 1;
    } else {
        in = NULL;                  /* no or invalid traceparent: a new trace (W3C) */
        ga_random_trace_id(ids->trace_id);
        memset(ids->parent_id, 0, 8);
        ids->has_parent = 0;
        ids->parent_remote = 0;
    }
    ga_random_span_id(ids->span_id);
    ids->flags = ga_sample(ids->trace_id, in) ? GA_TF_SAMPLED : 0;
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
    memcpy(ga__ts, ts, ts_len);
    ga__ts_len = (uint16_t)ts_len;
    memcpy(ga__ts_span, ids->span_id, 8);
    ga__tp_in_ok = tp != NULL;
    if (tp != NULL)
        memcpy(ga__tp_in, tp, sizeof ga__tp_in);
}

int ga_http_forwarded_tp(const uint8_t *v)
{
    return ga_tls_active.valid && ga__tp_in_ok && memcmp(ga_tls_active.span_id, ga__ts_span, 8) == 0 &&
           memcmp(v, ga__tp_in, sizeof ga__tp_in) == 0;
}

void ga_http_clear_active(const ga_span_ids *ids)
{
    if (ga_tls_active.valid && memcmp(ga_tls_active.span_id, ids->span_id, 8) == 0)
        memset(&ga_tls_active, 0, sizeof ga_tls_active);
}

size_t ga_http_outgoing_tracestate(const char **ts)
{
    if (ga_tls_active.valid) {
        if (ga__ts_len == 0 || memcmp(ga_tls_active.span_id, ga__ts_span, 8) != 0)
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

static void ga__put_str(ga_rec *r, uint8_t key, const char *s, size_t n)
{
    if (n > 0)
        ga_rec_put(r, key, GA_AT_STR, s, n);
}

/* Integers first (they are dropped, not cut, when room runs out), then texts by value. */
static void ga__attrs(ga_rec *r, const ga_http_state *st, const ga_http_xchg *x, int err,
                      uint64_t resp_body)
{
    ga_rec_put_int(r, GA_A_HTTP_METHOD, x->method ? x->method : GA_H1_M_OTHER);
    if (x->status)
        ga_rec_put_int(r, GA_A_HTTP_STATUS, x->status);
    if (x->version)
        ga_rec_put_int(r, GA_A_HTTP_VERSION, x->version);
    if (err)
        ga_rec_put_int(r, GA_A_HTTP_ERROR, err);
    ga_rec_put_int(r, GA_A_HTTP_REQ_BODY, (int64_t)x->req_body);
    if (x->status)
        ga_rec_put_int(r, GA_A_HTTP_RESP_BODY, (int64_t)resp_body);
    if (x->trunc)
        ga_rec_put_int(r, GA_A_HTTP_TRUNC, x->trunc);
    if (st->peer.family)
        ga_rec_put_addr(r, GA_A_PEER, &st->peer);
    static const uint8_t keys[GA_HT_COUNT] = {
        [GA_HT_METHOD] = GA_A_HTTP_METHOD_ORIG, [GA_HT_HOST] = GA_A_HTTP_HOST,
        [GA_HT_TARGET] = GA_A_HTTP_TARGET, [GA_HT_XFF] = GA_A_HTTP_XFF, [GA_HT_UA] = GA_A_HTTP_UA };
    static const uint8_t order[] = { GA_HT_METHOD, GA_HT_HOST, GA_HT_TARGET, GA_HT_XFF, GA_HT_UA };
    for (size_t i = 0; i < sizeof order; i++)
        ga__put_str(r, keys[order[i]], ga_http_txt(x, order[i]), x->t_len[order[i]]);
    if (st->side == GA_HTTP_SIDE_SERVER && st->ts_slot == x->idx && st->ts_len > 0 &&
        GA_REC_ATTR_CAP - r->h.attr_len >= 4u + st->ts_len)
        ga__put_str(r, GA_A_TRACESTATE, st->u.ts, st->ts_len);    /* whole or not at all */
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
    ga__attrs(r, st, x, err, resp_body);
    ga_emit_commit(r);
}
