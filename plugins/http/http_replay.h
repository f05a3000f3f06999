/* http_replay.h — one scan of a client's outgoing head: the injector's dry run over a write's
 * bytes (http_inject_plan.c) records the request parser's events and its final state; when
 * the data hook then brings exactly those bytes (same connection, stream offset, buffer and
 * length — the write went out whole), the events are replayed to the exchange bookkeeping
 * (http_xchg.c) and the parser takes the recorded state, instead of parsing the bytes again.
 * Anything else (a short write, several buffers, too many events) is fed as before.
 *
 * The record is per thread: the write hook calls the pre-send step and then the data hook on
 * the same thread, with nothing of this thread in between but a signal handler's own write,
 * whose pre-send step replaces the record (the outer data hook then finds no match). */
#ifndef GA_HTTP_REPLAY_H
#define GA_HTTP_REPLAY_H

#include "preload/ga.h"
#include "plugins/http/http_state.h"

enum { GA_HTTP_EV_BEGIN = 1, GA_HTTP_EV_PIECE, GA_HTTP_EV_HEAD, GA_HTTP_EV_DONE };

#define GA_HTTP_EVS 16              /* a request or two per write; more: parsed again */

typedef struct ga_http_ev {
    uint8_t kind;
    uint8_t field;                  /* PIECE: the field */
    uint8_t method;                 /* the parser's method at the event */
    uint8_t version;                /* HEAD */
    uint16_t flags;                 /* HEAD */
    uint32_t at;                    /* PIECE: offset in the buffer; BEGIN, HEAD: off - base */
    uint32_t len;                   /* PIECE: length; DONE: body bytes */
} ga_http_ev;

typedef struct ga_http_rec {
    const ga_http_state *st;        /* NULL: no record (or it overflowed) */
    const uint8_t *p;
    size_t n;
    uint64_t base;                  /* st->rq.off when the dry run began */
    int nev;
    ga_h1_parser end;
    ga_http_ev ev[GA_HTTP_EVS];
} ga_http_rec;

extern GA_TLS ga_http_rec ga_http_rec_tls;

/* Begin a record of the dry run of st's request parser over p[0..n) (the dry parser starts
 * as a copy of st->rq). Any earlier record is dropped. */
void ga_http_rec_start(const ga_http_state *st, const uint8_t *p, size_t n);

/* Drop the record (a write whose bytes will not reach the data hook as recorded). */
static inline void ga_http_rec_drop(void)
{
    ga_http_rec_tls.st = NULL;
}

/* The next event, or NULL when nothing is being recorded (a full record is dropped). */
static inline ga_http_ev *ga_http_rec_ev(int kind, const ga_h1_parser *ps)
{
    ga_http_rec *r = &ga_http_rec_tls;
    if (r->st == NULL)
        return NULL;
    if (r->nev >= GA_HTTP_EVS) {
        r->st = NULL;
        return NULL;
    }
    ga_http_ev *e = &r->ev[r->nev++];
    e->kind = (uint8_t)kind;
    e->method = ps->method;
    return e;
}

/* The dry parser's callbacks report here (ps: the dry parser; p: a piece's bytes, inside
 * the recorded buffer). */
static inline void ga_http_rec_begin(const ga_h1_parser *ps)
{
    ga_http_ev *e = ga_http_rec_ev(GA_HTTP_EV_BEGIN, ps);
    if (e != NULL)
        e->at = (uint32_t)(ps->off - ga_http_rec_tls.base);
}

static inline void ga_http_rec_piece(const ga_h1_parser *ps, int field, const uint8_t *p, size_t n)
{
    ga_http_ev *e = ga_http_rec_ev(GA_HTTP_EV_PIECE, ps);
    if (e == NULL)
        return;
    e->field = (uint8_t)field;
    e->at = (uint32_t)(p - ga_http_rec_tls.p);
    e->len = (uint32_t)n;
}

static inline void ga_http_rec_head(const ga_h1_parser *ps)
{
    ga_http_ev *e = ga_http_rec_ev(GA_HTTP_EV_HEAD, ps);
    if (e == NULL)
        return;
    e->at = (uint32_t)(ps->off - ga_http_rec_tls.base);
    e->version = ps->version;
    e->flags = ps->flags;
}

static inline void ga_http_rec_done(const ga_h1_parser *ps)
{
    ga_http_ev *e = ga_http_rec_ev(GA_HTTP_EV_DONE, ps);
    if (e == NULL)
        return;
    if (ps->body > UINT32_MAX)
        ga_http_rec_tls.st = NULL;
    e->len = (uint32_t)ps->body;
}

/* The dry run is over: its parser's final state. */
static inline void ga_http_rec_end(const ga_h1_parser *dry)
{
    if (ga_http_rec_tls.st != NULL)
        ga_http_rec_tls.end = *dry;
}

/* The data hook brings request bytes p[0..n) of st (connection locked): when they are the
 * recorded ones, replay the events through cb (the request callbacks, which find st from
 * st->rq), give st->rq its recorded state and return 1; else 0 (feed them). The record is
 * dropped either way. */
int ga_http_replay(ga_http_state *st, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* For tests: 0 turns replaying off (every write is parsed again, as the reference). */
extern int ga_http_replay_on;

#endif
