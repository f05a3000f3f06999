/* nats_handler.c — the NATS plug-in's wire entry points (preload/plugin.h): detection of a
 * client connection whose server speaks first with `INFO {…}`, both directions' bytes through
 * the parser of protocols/nats/, and the end of what is in flight at close.
 *
 * What the application sends (out): CONNECT tells whether it declared headers and whether it
 * is libnats; SUB/UNSUB which subscriptions belong to a queue group; each PUB/HPUB that went
 * out is a PRODUCER record. The pre-send step (nats_inject.c) feeds this direction itself
 * when it makes the write, so data(out) only parses what it has not seen.
 * What the server sends (in): INFO tells whether it supports headers and its max_payload;
 * each MSG/HMSG, once complete, is a CONSUMER record (the delivery: a child of the context in
 * its header block, traceparent or B3 as OTEL_PROPAGATORS says: nats_ctx.h) whose context is the reading thread's active span until the thread reads the
 * connection again or the next message begins, so what the thread does meanwhile (a database
 * call, a publish) is its child. The record is made at once: a span left open until the next
 * read would be lost when the connection ends unseen (libuv closes with a raw syscall) and
 * would count the wait for the next message as processing. */
#include <string.h>
#include "plugins/nats/nats_state.h"
#include "plugins/nats/nats_rec.h"
#include "preload/config.h"
#include "preload/emit.h"

int ga_nats_detect(const ga_fd *e, int out, const uint8_t *p, size_t n)
{
    return e->role == GA_ROLE_CLIENT && !out && n >= 5 && ga_nats_info_prefix(p, n);
}

void ga_nats_state_init(ga_nats_state *st, const ga_fd *e, int fd, uint32_t gen)
{
    memset(st, 0, offsetof(ga_nats_state, owe));
    st->init = 1;
    st->cli_headers = -1;
    st->fd = fd;
    st->fd_gen = gen;
    st->peer = e->peer;
    st->rx.st = GA_NATS_RX_NONE;
    st->nqueues = 0;
    ga_nats_init(&st->out, GA_NATS_C2S);
    ga_nats_init(&st->in, GA_NATS_S2C);
}

void ga_nats_update_inject(ga_nats_state *st)
{
    int on = st->owe_off < st->owe_len ||
             (!st->dead && st->srv_headers && st->cli_headers != 0 &&
              ga_nats_ctx.fmt != 0);        /* a format to write (OTEL_PROPAGATORS) */
    atomic_store_explicit(&st->inject, (uint8_t)on, memory_order_relaxed);
}

/* ------------------------------------------------------------------ out: the application */

static void ga__remember_queue(ga_nats_state *st, const ga_nats_line *l)
{
    uint32_t sid = 0;
    for (size_t i = 0; i < l->sid_len && i < 9; i++)
        sid = sid * 10 + (uint32_t)(l->sid[i] - '0');
    int i = 0;
    while (i < st->nqueues && st->q[i].sid != sid)
        i++;
    if (l->op == GA_NATS_UNSUB || l->reply_len == 0) {
        if (i < st->nqueues)                    /* forget it: the last entry takes its place */
            st->q[i] = st->q[--st->nqueues];
        return;
    }
    if (i == st->nqueues) {
        if (st->nqueues == GA_NATS_QUEUES)
            i = GA_NATS_QUEUES - 1;             /* full: the newest replaces the last */
        else
            st->nqueues++;
    }
    st->q[i].sid = sid;
    st->q[i].len = (uint8_t)(l->reply_len < GA_NATS_QNAME_CAP ? l->reply_len : GA_NATS_QNAME_CAP);
    memcpy(st->q[i].name, l->reply, st->q[i].len);
}

static void ga__out_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    ga_nats_out_ctx *oc = ctx;
    ga_nats_state *st = oc->st;
    (void)ps;
    if (l->op == GA_NATS_SUB || l->op == GA_NATS_UNSUB) {
        ga__remember_queue(st, l);
        return;
    }
    if (l->op != GA_NATS_PUB && l->op != GA_NATS_HPUB)
        return;
    ga_span_ids ids;
    uint64_t start = st->send_ns ? st->send_ns : oc->now;
    uint8_t info = 0;
    if (oc->ids == NULL || !oc->ids(oc->ud, off, &ids, &start, &info))
        ga_nats_producer_ids(st, l, &ids, &start);
    ga_nats_emit_publish(st, l, &ids, start, oc->now, info);
}

static void ga__out_facts(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f)
{
    ga_nats_state *st = ((ga_nats_out_ctx *)ctx)->st;
    (void)ps;
    if (f->op != GA_NATS_CONNECT)
        return;
    st->cli_headers = f->headers == 1 || st->hdr_forced;
    st->lang_c = f->lang_len == 1 && f->lang[0] == 'C';
    ga_nats_update_inject(st);
}

void ga_nats_out_feed(ga_nats_out_ctx *oc, const uint8_t *p, size_t n)
{
    ga_nats_cb cb = { .ctx = oc, .line = ga__out_line, .facts = ga__out_facts };
    ga_nats_feed(&oc->st->out, p, n, &cb);
}

/* ------------------------------------------------------------------ in: the server */

typedef struct ga__in_ctx {
    ga_nats_state *st;
    uint64_t now;
} ga__in_ctx;

static uint64_t ga__now(ga__in_ctx *ic)
{
    if (ic->now == 0)
        ic->now = ga_now_ns();
    return ic->now;
}

static void ga__in_facts(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f)
{
    ga_nats_state *st = ((ga__in_ctx *)ctx)->st;
    (void)ps;
    if (f->op != GA_NATS_INFO)
        return;
    if (f->headers >= 0)
        st->srv_headers = f->headers == 1;
    if (f->max_payload > 0)
        st->max_payload = f->max_payload > 0x7fffffff ? 0x7fffffff : (uint32_t)f->max_payload;
    ga_nats_update_inject(st);
}

static void ga__in_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    ga__in_ctx *ic = ctx;
    ga_nats_state *st = ic->st;
    ga_nats_rx *rx = &st->rx;
    (void)ps, (void)off;
    if (l->op != GA_NATS_MSG && l->op != GA_NATS_HMSG)
        return;
    if (rx->st == GA_NATS_RX_ACTIVE)
        ga_nats_rx_release(st);                 /* the next message begins */
    if (st->lang_c && atomic_load_explicit(&ga_nats_lib_consumes, memory_order_relaxed)) {
        rx->st = GA_NATS_RX_NONE;               /* the libnats hooks make this span: nothing to */
        return;                                 /* keep, its context not even parsed */
    }
    rx->st = GA_NATS_RX_RECEIVING;
    rx->info = (uint8_t)((l->reply_len ? GA_NATS_I_REPLY : 0) |
                         (l->op == GA_NATS_HMSG ? GA_NATS_I_HEADERS : 0) |
                         (l->subj_len > GA_NATS_SUBJ_CAP ? GA_NATS_I_CUT : 0));
    rx->subj_len = (uint8_t)(l->subj_len < GA_NATS_SUBJ_CAP ? l->subj_len : GA_NATS_SUBJ_CAP);
    memcpy(rx->subj, l->subj, rx->subj_len);
    rx->sid = 0;                                /* read only to find a queue group: a later
                                                 * SUB cannot be this message's subscription */
    for (size_t i = 0; st->nqueues > 0 && i < l->sid_len && i < 9; i++)
        rx->sid = rx->sid * 10 + (uint32_t)(l->sid[i] - '0');
    rx->body = l->total - l->hdr;
    ga_nats_x_start(&rx->x);
}

/* A context field of the message's header block: kept in rx->x until the message ends (its
 * fields may come in several reads). */
static void ga__in_field(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n)
{
    ga_nats_rx *rx = &((ga__in_ctx *)ctx)->st->rx;
    (void)ps;
    if (rx->st == GA_NATS_RX_RECEIVING)
        ga_nats_x_field(&rx->x, &ga_nats_ctx.xo, kind, v, n);
}

static void ga__in_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    ga__in_ctx *ic = ctx;
    ga_nats_state *st = ic->st;
    ga_nats_rx *rx = &st->rx;
    (void)ps, (void)off;
    if (rx->st != GA_NATS_RX_RECEIVING)
        return;                                 /* none, or the libnats hooks make this span */
    ga_nats_rx_deliver(st, ga__now(ic));
}

static void ga__in_feed(ga_nats_state *st, const uint8_t *p, size_t n)
{
    ga__in_ctx ic = { st, 0 };
    if (st->rx.st == GA_NATS_RX_ACTIVE)
        ga_nats_rx_release(st);                 /* the thread reads the connection again */
    ga_nats_cb cb = { .ctx = &ic, .line = ga__in_line, .facts = ga__in_facts, .field = ga__in_field,
                      .msg_end = ga__in_end };
    ga_nats_feed(&st->in, p, n, &cb);
}

/* ------------------------------------------------------------------ entry points */

static void ga__give_up(ga_nats_state *st, ga_fd *e)
{
    st->dead = 1;
    ga_nats_update_inject(st);
    if (st->owe_off >= st->owe_len)
        atomic_store_explicit(&e->proto, GA_PROTO_NONE, memory_order_relaxed);
}

void ga_nats_out_sent(ga_nats_state *st, ga_fd *e, size_t n)
{
    if (!st->init || st->dead)
        return;
    st->out_fed += n;                           /* the pre-send step fed them: data() skips */
    st->send_ns = 0;
    if (st->out.phase == GA_NATS_P_ERROR || st->in.phase == GA_NATS_P_ERROR)
        ga__give_up(st, e);
}

void ga_nats_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n)
{
    ga_nats_state *st = ga_nats_st(c);
    if (!st->init)
        ga_nats_state_init(st, e, fd, c->fd_gen);
    if (st->dead || n == 0)
        return;
    if (p == NULL) {                            /* bytes we cannot see (sendfile) */
        ga__give_up(st, e);
        return;
    }
    if (out) {
        uint64_t ahead = st->out.off - st->out_fed;
        size_t skip = ahead < n ? (size_t)ahead : n;
        st->out_fed += n;
        if (skip < n) {
            ga_nats_out_ctx oc = { .st = st, .now = ga_now_ns() };
            ga_nats_out_feed(&oc, p + skip, n - skip);
        }
        st->send_ns = 0;
    } else {
        ga__in_feed(st, p, n);
    }
    if (st->out.phase == GA_NATS_P_ERROR || st->in.phase == GA_NATS_P_ERROR)
        ga__give_up(st, e);
}

void ga_nats_closed(ga_conn *c)
{
    ga_nats_state *st = ga_nats_st(c);
    if (!st->init)
        return;
    ga_nats_rx_release(st);
}
