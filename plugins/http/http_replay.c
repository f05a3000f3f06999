/* http_replay.c — the recorded dry run of a client's outgoing bytes and its replay (see
 * http_replay.h; the recording helpers are inline there). Application thread, hot path: no
 * lock of its own (the connection's is held by the callers), no allocation; the record lives
 * in this thread's TLS.
 *
 * What the request callbacks (http_xchg.c) read of the parser is restored for each event:
 * off (begin, head), method (every event), version and flags (head), body (done). Only the
 * begin callback may fail the parser (a too deep pipeline): the replay then stops where the
 * feed would have. */
#include <string.h>
#include "plugins/http/http_replay.h"

GA_TLS ga_http_rec ga_http_rec_tls;

int ga_http_replay_on = 1;

void ga_http_rec_start(const ga_http_state *st, const uint8_t *p, size_t n)
{
    ga_http_rec *r = &ga_http_rec_tls;
    r->st = ga_http_replay_on && n <= UINT32_MAX ? st : NULL;
    r->p = p;
    r->n = n;
    r->base = st->rq.off;
    r->nev = 0;
}

int ga_http_replay(ga_http_state *st, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    const ga_http_rec *r = &ga_http_rec_tls;
    if (r->st != st || r->p != p || r->n != n || st->rq.off != r->base) {
        ga_http_rec_drop();
        return 0;
    }
    ga_http_rec_drop();
    ga_h1_parser *ps = &st->rq;
    const uint64_t base = r->base;
    for (const ga_http_ev *e = r->ev, *end = r->ev + r->nev; e < end; e++) {
        ps->method = e->method;
        if (e->kind == GA_HTTP_EV_PIECE) {
            cb->piece(NULL, ps, e->field, p + e->at, e->len);
        } else if (e->kind == GA_HTTP_EV_BEGIN) {
            ps->off = base + e->at;
            cb->begin(NULL, ps);
            if (ga_h1_phase(ps) == GA_H1_ERROR) {
                ps->off = base + n;         /* as the feed leaves a parser it failed */
                return 1;
            }
        } else if (e->kind == GA_HTTP_EV_HEAD) {
            ps->off = base + e->at;
            ps->version = e->version;
            ps->flags = e->flags;
            cb->head(NULL, ps);
        } else {
            ps->body = e->len;
            cb->done(NULL, ps);
        }
    }
    *ps = r->end;
    return 1;
}
