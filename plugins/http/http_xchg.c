/* http_xchg.c — from parser events to exchanges: the FIFO of requests in flight on one
 * connection, what each request's span keeps (method, target, Host, ...), its identity
 * (extracted, injected or new) and its end when the matching response completes.
 * Runs on the application thread with the connection locked (hot-path rules). */
#include <string.h>
#include "plugins/http/http_xchg.h"
#include "plugins/http/http_active.h"
#include "plugins/http/http_rec.h"
#include "protocols/common/copy.h"
#include "protocols/w3c/tp_fast.h"
#include "preload/config.h"
#include "preload/emit.h"

#define GA__NONE 0xff

static ga_http_xchg *ga__cur(ga_http_state *st)
{
    return st->cur == GA__NONE ? NULL : ga_http_slot(st, st->cur);
}

/* Caps per text field; the target leaves room for Host and the rest in the shared area. */
static const uint8_t ga__txt_cap[GA_HT_COUNT] = { 16, GA_HTTP_TEXT_CAP - 64, 64, 64, 46 };

/* Append a piece of field f (a field's pieces come one after another; a repeated field
 * keeps its first value). */
static inline __attribute__((always_inline)) void ga__text(ga_http_xchg *x, int f, const uint8_t *p, size_t n)
{
    if (x->t_cur != f) {
        if (x->t_seen >> f & 1)
            return;
        x->t_seen |= (uint8_t)(1u << f);
        x->t_cur = (uint8_t)f;
        x->t_off[f] = x->t_used;
    }
    size_t room = ga__txt_cap[f] - x->t_len[f];
    if (room > (size_t)GA_HTTP_TEXT_CAP - x->t_used)
        room = (size_t)GA_HTTP_TEXT_CAP - x->t_used;
    if (n > room) {
        n = room;
        x->trunc |= f == GA_HT_TARGET ? GA_HTTP_TRUNC_TARGET : f == GA_HT_HOST ? GA_HTTP_TRUNC_HOST : 0;
    }
    ga_copy_small(x->text + x->t_used, p, n);
    if (f >= GA_HT_HOST && n > 0)               /* header values only: see ga__rq_head */
        x->ows |= p[n - 1] == ' ' || p[n - 1] == '\t';
    x->t_used = (uint8_t)(x->t_used + n);
    x->t_len[f] = (uint8_t)(x->t_len[f] + n);
}

static void ga__tp_append(ga_http_state *st, const uint8_t *p, size_t n)
{
    if (n > (size_t)GA_HTTP_TP_CAP - st->tp_len)
        n = (size_t)GA_HTTP_TP_CAP - st->tp_len;
    memcpy(st->tp + st->tp_len, p, n);
    st->tp_len = (uint8_t)(st->tp_len + n);
}

/* ---- requests ---- */

/* A free slot, borrowing the extension when the state's own are busy; -1 when none. */
static int ga__free_slot(ga_http_state *st)
{
    unsigned free = ~(unsigned)st->used & ((1u << GA_HTTP_ALL_SLOTS) - 1);
    if (free == 0)
        return -1;
    int i = __builtin_ctz(free);
    if (i >= GA_HTTP_SLOTS && st->ext == NULL &&
        (st->ext = ga_conn_alloc(st->fd, st->fd_gen, GA_PROTO_HTTP)) == NULL)
        return -1;
    return i;
}

/* The state whose request (response) parser ps is: the callbacks need no context. */
static inline ga_http_state *ga__of_rq(ga_h1_parser *ps)
{
    return (ga_http_state *)(void *)((char *)ps - offsetof(ga_http_state, rq));
}

static inline ga_http_state *ga__of_rs(ga_h1_parser *ps)
{
    return (ga_http_state *)(void *)((char *)ps - offsetof(ga_http_state, rs));
}

static void ga__rq_begin(void *ctx, ga_h1_parser *ps)
{
    ga_http_state *st = ga__of_rq(ps);
    (void)ctx;
    if (st->q_len >= GA_HTTP_QUEUE) {
        ga_h1_fail(ps);             /* too deep a pipeline: stop following this connection */
        return;
    }
    int slot = ga__free_slot(st);
    st->q[(st->q_head + st->q_len) % GA_HTTP_QUEUE] = (uint8_t)(slot + 1);
    st->q_len++;
    st->tp_len = 0;
    st->rq_begin = ps->off;
    if (st->side == GA_HTTP_SIDE_SERVER) {
        st->ts_len = 0;
        if (ga_cfg.propagators & ~GA_PROP_TC)
            ga_http_prop_begin(st);
    }
    st->cur = slot < 0 ? GA__NONE : (uint8_t)slot;
    if (slot < 0)
        return;
    st->used |= (uint16_t)(1u << slot);
    ga_http_xchg *x = ga_http_slot(st, slot);
    memset(x, 0, offsetof(ga_http_xchg, text));
    x->idx = (uint8_t)slot;
    x->t_cur = 0xff;
    x->start_ns = st->send_ns ? st->send_ns : ga_now_ns();    /* before the write, if known */
}

static void ga__rq_piece(void *ctx, ga_h1_parser *ps, int f, const uint8_t *p, size_t n)
{
    ga_http_state *st = ga__of_rq(ps);
    ga_http_xchg *x = ga__cur(st);
    (void)ctx;
    switch (f) {
    case GA_H1_FLD_METHOD:
        /* only a method that is not exactly a known one is kept (the fast path knows the
         * method before it reports the piece; the byte path does not yet) */
        if (x != NULL && (ps->method == GA_H1_M_NONE || ps->method == GA_H1_M_OTHER))
            ga__text(x, GA_HT_METHOD, p, n);
        break;
    case GA_H1_FLD_TARGET: if (x != NULL) ga__text(x, GA_HT_TARGET, p, n); break;
    case GA_H1_FLD_HOST:   if (x != NULL) ga__text(x, GA_HT_HOST, p, n); break;
    case GA_H1_FLD_UA:     if (x != NULL) ga__text(x, GA_HT_UA, p, n); break;
    case GA_H1_FLD_XFF:    if (x != NULL) ga__text(x, GA_HT_XFF, p, n); break;
    case GA_H1_FLD_TRACEPARENT:
        ga__tp_append(st, p, n);
        break;
    case GA_H1_FLD_TRACESTATE:
        if (st->side == GA_HTTP_SIDE_SERVER && st->ts_len != UINT16_MAX) {
            if (st->ts_len + n > GA_HTTP_TS_CAP) {
                st->ts_len = UINT16_MAX;    /* too long to keep whole: not kept */
            } else {
                memcpy(st->u.ts + st->ts_len, p, n);
                st->ts_len = (uint16_t)(st->ts_len + n);
            }
        }
        break;
    case GA_H1_FLD_B3: case GA_H1_FLD_BAGGAGE: case GA_H1_FLD_XB3_TRACEID:
    case GA_H1_FLD_XB3_SPANID: case GA_H1_FLD_XB3_SAMPLED: case GA_H1_FLD_XB3_FLAGS:
        if (st->side == GA_HTTP_SIDE_SERVER)
            ga_http_prop_piece(st, f, p, n);
        break;
    default:
        break;
    }
}

static size_t ga__trim(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Client: a traceparent the injector wrote into this request's header section (it ends
 * at stream offset `end`) gives the request its ids; older entries are stale. */
static void ga__take_injected(ga_http_state *st, ga_http_xchg *x, uint64_t end)
{
    ga_http_inj *in = &st->u.inj;
    while (in->n_injected > 0 && in->injected[0].pos < end) {
        if (in->injected[0].pos >= st->rq_begin && x != NULL) {
            x->ids = in->injected[0].ids;
            x->has_ids = 1;
        }
        in->n_injected--;
        memmove(&in->injected[0], &in->injected[1], in->n_injected * sizeof in->injected[0]);
    }
}

/* The traceparent of the request just read, if exactly one valid one came. */
static int ga__incoming(ga_http_state *st, const ga_h1_parser *ps, ga_span_ctx *ctx)
{
    if ((ps->flags & (GA_H1_F_TP | GA_H1_F_TP_DUP)) != GA_H1_F_TP || st->tp_len >= GA_HTTP_TP_CAP)
        return 0;
    return ga_tp_parse(st->tp, ga__trim(st->tp, st->tp_len), ctx) == 0;
}

/* The incoming context in OTEL_PROPAGATORS order: the first format that yields a valid one
 * wins (*tc: it was the traceparent). `none` extracts nothing. */
static int ga__extract(ga_http_state *st, const ga_h1_parser *ps, ga_span_ctx *in, int *tc)
{
    *tc = 0;
    for (int k = 0; k < GA_PROP_MAX && ga_cfg.prop_order[k]; k++) {
        unsigned b = ga_cfg.prop_order[k];
        if (b == GA_PROP_TC && ga__incoming(st, ps, in))
            return *tc = 1;
        if ((b & (GA_PROP_B3 | GA_PROP_B3MULTI)) && ga_http_b3_incoming(st, ps, in))
            return 1;
    }
    return 0;
}

/* Server: ids from the incoming context; the request becomes the thread's active span. */
static void ga__server_head(ga_http_state *st, ga_http_xchg *x, const ga_h1_parser *ps)
{
    ga_span_ctx in;
    unsigned pr = ga_cfg.propagators;
    int tc, valid = pr == GA_PROP_TC ? (tc = ga__incoming(st, ps, &in)) : ga__extract(st, ps, &in, &tc);
    ga_http_server_ids(&x->ids, valid ? &in : NULL);
    size_t tsl = tc && st->ts_len != UINT16_MAX ? ga__trim(st->u.ts, st->ts_len) : 0;
    st->ts_len = (uint16_t)tsl;
    st->ts_slot = tsl ? st->cur : GA__NONE;
    int raw55 = tc && ga__trim(st->tp, st->tp_len) == 55;
    ga_http_set_active(&x->ids, st->u.ts, tsl, raw55 ? st->tp : NULL);
    if (pr & GA_PROP_BAGGAGE)
        ga_http_prop_baggage(st, ps, &x->ids);
}

/* Client: the ids the injector put on the wire, else a child of the application's own
 * traceparent, else a child of the thread's active span (or a root). */
static void ga__client_head(ga_http_state *st, ga_http_xchg *x, const ga_h1_parser *ps)
{
    ga__take_injected(st, x, ps->off);
    if (x == NULL || x->has_ids)
        return;
    ga_span_ctx in;
    int valid = ga__incoming(st, ps, &in);
    if (valid)
        in.remote = 0;              /* the application's own SDK span, in this process */
    ga_span_start(&x->ids, valid ? &in : NULL);
}

static void ga__rq_head(void *ctx, ga_h1_parser *ps)
{
    ga_http_state *st = ga__of_rq(ps);
    (void)ctx;
    uint8_t *qe = &st->q[(st->q_head + st->q_len - 1) % GA_HTTP_QUEUE];
    *qe = (uint8_t)((*qe & 0x0f) | ps->method << 4);
    ga_http_xchg *x = ga__cur(st);
    if (x != NULL) {
        x->method = ps->method;
        x->version = ps->version;
        if (ps->method != GA_H1_M_OTHER)
            x->t_len[GA_HT_METHOD] = 0;     /* known methods are exact: no _original */
        if (ga_unlikely(x->ows))            /* trailing whitespace is not the value's */
            for (int f = GA_HT_HOST; f < GA_HT_COUNT; f++)
                x->t_len[f] = (uint8_t)ga__trim(ga_http_txt(x, f), x->t_len[f]);
    }
    if (st->side == GA_HTTP_SIDE_CLIENT) {
        ga__client_head(st, x, ps);
    } else if (x != NULL) {
        ga__server_head(st, x, ps);
        ga_http_active_add(x->method, 1);       /* undone in ga_http_pop */
    }
    if (x != NULL)
        x->has_ids = 1;
}

static void ga__rq_done(void *ctx, ga_h1_parser *ps)
{
    ga_http_state *st = ga__of_rq(ps);
    (void)ctx;
    ga_http_xchg *x = ga__cur(st);
    if (x != NULL)
        x->req_body = ps->body;
    st->cur = GA__NONE;
}

/* ---- responses ---- */

static void ga__rs_begin(void *ctx, ga_h1_parser *ps)
{
    ga_http_state *st = ga__of_rs(ps);
    (void)ctx;
    ps->method = st->q_len ? (uint8_t)(st->q[st->q_head] >> 4) : GA_H1_M_GET;
}

static ga_http_xchg *ga__front(ga_http_state *st)
{
    int slot = st->q_len ? (st->q[st->q_head] & 0x0f) - 1 : -1;
    return slot >= 0 ? ga_http_slot(st, slot) : NULL;
}

static void ga__rs_head(void *ctx, ga_h1_parser *ps)
{
    ga_http_xchg *x = ga__front(ga__of_rs(ps));
    (void)ctx;
    if (x != NULL && (ps->status >= 200 || ps->status == 101)) {
        x->status = ps->status;
        if (ps->version && (x->version == 0 || ps->version < x->version))
            x->version = ps->version;   /* negotiated: the lower of the two */
    }
}

/* The oldest request is over: its record, its slot back, the thread's context. */
void ga_http_pop(ga_http_state *st, int err, uint64_t resp_body)
{
    if (st->q_len == 0)
        return;
    int slot = (st->q[st->q_head] & 0x0f) - 1;
    st->q_head = (uint8_t)((st->q_head + 1) % GA_HTTP_QUEUE);
    st->q_len--;
    if (slot < 0)
        return;
    ga_http_xchg *x = ga_http_slot(st, slot);
    if (st->side == GA_HTTP_SIDE_SERVER && x->has_ids)
        ga_http_active_add(x->method, -1);
    if (!x->has_ids)
        ga_http_server_ids(&x->ids, NULL);      /* closed before its head was complete */
    ga_http_emit(st, x, ga_now_ns(), err, resp_body);
    if (st->side == GA_HTTP_SIDE_SERVER)
        ga_http_clear_active(&x->ids);
    st->used &= (uint16_t)~(1u << slot);
    if (st->cur == slot)
        st->cur = GA__NONE;
    if (st->ts_slot == slot)
        st->ts_slot = GA__NONE;
}

static void ga__rs_done(void *ctx, ga_h1_parser *ps)
{
    ga_http_state *st = ga__of_rs(ps);
    (void)ctx;
    int connect = st->q_len && (st->q[st->q_head] >> 4) == GA_H1_M_CONNECT;
    ga_http_pop(st, GA_HTTP_ERR_NONE, ps->body);
    if (connect && ps->status / 100 != 2)
        ga_h1_resume(&st->rq);      /* refused tunnel: more requests may follow */
}

static const ga_h1_cb ga__rq_cb = { NULL, ga__rq_begin, ga__rq_piece, NULL, ga__rq_head, ga__rq_done,
                                    .other_method_only = 1 };
static const ga_h1_cb ga__rs_cb = { NULL, ga__rs_begin, NULL, NULL, ga__rs_head, ga__rs_done, 0 };

void ga_http_feed(ga_http_state *st, int request, const uint8_t *p, size_t n)
{
    if (request)
        ga_h1_feed(&st->rq, p, n, &ga__rq_cb);
    else
        ga_h1_feed(&st->rs, p, n, &ga__rs_cb);
}

const ga_h1_cb *ga_http_request_cb(void)
{
    return &ga__rq_cb;
}

int ga_http_response_eof(ga_http_state *st)
{
    return ga_h1_eof(&st->rs, &ga__rs_cb);
}
