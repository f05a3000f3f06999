/* nats_inject_acct.c — after a real send: how many of the application's bytes went out, what
 * is owed to the socket, and the out parser and PRODUCER records for what went out (contracts
 * in nats_inject_int.h).
 *
 * The application is told a byte of its own went out only when the wire carries it or what
 * replaced it: an APP byte when it was sent, an original head (DEL) when every byte of its new
 * head was sent. A new head cut short becomes the debt: its unsent rest is sent first by the
 * next call, then the application's original head — which it sends again, having been told
 * it did not go out — is dropped (ODEL). The message keeps the identity it was given. */
#include <string.h>
#include "plugins/nats/nats_inject_int.h"
#include "plugins/nats/nats_rec.h"

/* The new head of message j was cut inside piece k after `sent` bytes: the rest is owed. */
static void ga__owe_rest(ga_nats_state *st, const ga_np_plan *pl, int k, size_t sent)
{
    size_t n = 0;
    int j = pl->pc[k].msg;
    for (; k < pl->nv && pl->pc[k].kind == GA_NP_OURS && pl->pc[k].msg == j; k++, sent = 0) {
        size_t len = pl->pc[k].len - sent;
        if (n + len > sizeof st->owe)
            len = sizeof st->owe - n;           /* cannot happen: a head fits (ga__decide_*) */
        memcpy(st->owe + n, pl->pc[k].p + sent, len);
        n += len;
    }
    st->owe_off = 0;
    st->owe_len = (uint16_t)n;
    st->del_len = (uint32_t)pl->m[j].head_len;
}

size_t ga_np_account(ga_nats_state *st, ga_np_plan *pl, size_t w)
{
    size_t app = 0;
    int begun = -1;                             /* the message whose new head is going out */
    pl->cut = -1;
    pl->conn_sent = 0;
    if (w == pl->wire_total) {                  /* the common case: everything went out */
        for (int j = 0; j < pl->nmsg; j++)
            if (pl->m[j].inject && pl->m[j].line.op == GA_NATS_CONNECT)
                pl->conn_sent = 1;
        if (st != NULL && pl->owe_len > 0)
            st->owe_off = st->owe_len = 0;
        if (st != NULL)
            st->del_len -= (uint32_t)pl->skip0;
        return pl->app_total;
    }
    for (int k = 0; k < pl->nv; k++) {
        ga_np_piece *c = &pl->pc[k];
        size_t take = w < c->len ? w : c->len;
        w -= take;
        switch (c->kind) {
        case GA_NP_APP:
            app += take;
            break;
        case GA_NP_OWE:
            if (st != NULL) {
                st->owe_off = (uint16_t)(st->owe_off + take);
                if (st->owe_off >= st->owe_len)
                    st->owe_off = st->owe_len = 0;
            }
            break;
        case GA_NP_ODEL:
        case GA_NP_DEL:
            app += c->app;
            if (c->kind == GA_NP_ODEL && st != NULL)
                st->del_len -= (uint32_t)c->app;
            continue;
        case GA_NP_OURS:
            if (take > 0)
                begun = c->msg;
            if (take > 0 && pl->m[c->msg].line.op == GA_NATS_CONNECT)
                pl->conn_sent = 1;
            if (take < c->len && begun == c->msg) {
                if (st != NULL)
                    ga__owe_rest(st, pl, k, take);
                pl->cut = c->msg;
            }
            break;
        }
        if (take < c->len)
            break;
    }
    return app;
}

typedef struct ga__look {
    ga_nats_state *st;
    ga_np_plan *pl;
} ga__look;

/* The identity of the message at stream offset pos, if its head was rewritten. */
static int ga__lookup(void *ud, uint64_t pos, ga_span_ids *ids, uint64_t *start, uint8_t *info)
{
    ga__look *lk = ud;
    ga_nats_cut *cut = &lk->st->cut;
    if (cut->on && cut->pos == pos) {
        *ids = cut->ids;
        *start = cut->start_ns;
        *info = GA_NATS_I_INJECTED;
        cut->on = 0;
        return 1;
    }
    for (int j = 0; j < lk->pl->nmsg; j++) {
        const ga_np_msg *m = &lk->pl->m[j];
        if (m->inject && lk->pl->base + m->at == pos) {
            *ids = m->ids;
            *start = m->start_ns;
            *info = m->info;
            return 1;
        }
    }
    return 0;
}

/* The real out parser over application bytes [0, app) of the round. */
static void ga__refeed(ga_nats_state *st, ga_np_plan *pl, const ga_np_src *src, size_t app,
                       uint64_t now)
{
    ga__look lk = { st, pl };
    ga_nats_out_ctx oc = { .st = st, .now = now, .ids = ga__lookup, .ud = &lk };
    for (size_t i = src->i; i < src->cnt && app > 0; i++) {
        size_t o = i == src->i ? src->off : 0, k = src->v[i].iov_len - o;
        if (k > app)
            k = app;
        ga_nats_out_feed(&oc, (const uint8_t *)src->v[i].iov_base + o, k);
        app -= k;
    }
}

void ga_np_commit(ga_nats_state *st, ga_np_plan *pl, const ga_np_src *src, size_t app,
                  uint64_t now)
{
    if (pl->conn_sent)
        st->hdr_forced = 1;                     /* before the out parser reads that CONNECT */
    if (pl->refeed || app != pl->end) {
        ga__refeed(st, pl, src, app, now);
    } else {
        ga_nats_copy(&st->out, &pl->after);     /* the dry run saw exactly what went out */
        for (int j = 0; j < pl->nmsg; j++) {
            ga_np_msg *m = &pl->m[j];
            if (m->line.op == GA_NATS_CONNECT)
                continue;
            if (!m->inject) {
                m->start_ns = pl->now;
                ga_nats_producer_ids(st, &m->line, &m->ids, &m->start_ns);
            }
            ga_nats_emit_publish(st, &m->line, &m->ids, m->start_ns, now, m->info);
        }
    }
    if (pl->cut >= 0) {                         /* its original head is yet to be counted */
        const ga_np_msg *m = &pl->m[pl->cut];
        if (m->line.op != GA_NATS_CONNECT)
            st->cut = (ga_nats_cut){ .on = 1, .pos = pl->base + m->at, .start_ns = m->start_ns,
                                     .ids = m->ids };
        st->next_ok = pl->base + m->at + 1;
    }
    ga_nats_update_inject(st);
}
