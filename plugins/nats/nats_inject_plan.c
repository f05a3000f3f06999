/* nats_inject_plan.c — which message heads one send rewrites, found by a dry run of a copy of
 * the out parser over the bytes (contracts in nats_inject_int.h; the reasoning in
 * docs/messaging.md "Injection").
 *
 * A head is rewritten only when all of this holds: the server said "headers":true and the
 * client's CONNECT declared headers; the head (the control line, and for an HPUB its header
 * block) lies whole in one iovec of this call; an HPUB's block is a well-formed NATS/1.0 block
 * without a context field of a configured format (ga_nats_ctx.own); the rewritten message stays within the server's max_payload; the new
 * head fits the debt buffer; and no rewritten head of this message was begun by an earlier
 * call (next_ok). Everything else goes out as the application wrote it. */
#include <string.h>
#include "plugins/nats/nats_inject_int.h"
#include "plugins/nats/nats_rec.h"
#include "protocols/common/copy.h"
#include "protocols/nats/nats_strip.h"
#include "protocols/w3c/tp_fast.h"
#include "preload/inbound.h"

#define GA__DEFAULT_MAX_PAYLOAD 1048576u

typedef struct ga__finder {
    const ga_nats_state *st;
    ga_np_plan *pl;
    size_t seg_off, seg_len;        /* the iovec being fed: its call offset and length */
    const uint8_t *seg;             /* and its bytes */
    int cur;                        /* the HPUB whose header block is being read, or -1 */
} ga__finder;

/* Decimal digits of v. */
static size_t ga__digits(uint64_t v)
{
    size_t n = 1;
    while (v >= 10)
        v /= 10, n++;
    return n;
}

/* Two decimal digits of each value below 100. */
static const char ga__pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The decimal digits of v written backwards, two a step, so that the last ends just before
 * `end`; returns the first. */
static inline uint8_t *ga__put_u_back(uint8_t *end, uint64_t v)
{
    uint8_t *p = end;
    while (v >= 100) {
        p -= 2;
        memcpy(p, ga__pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, ga__pairs + 2 * v, 2);
    } else {
        *--p = (uint8_t)('0' + v);
    }
    return p;
}

/* The decimal digits of v at out; returns the end. Written backwards into a scratch word, then
 * copied: no count of the digits first. */
static uint8_t *ga__put_u(uint8_t *out, uint64_t v)
{
    uint8_t tmp[20], *p = ga__put_u_back(tmp + sizeof tmp, v);
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(out, p, n);
    return out + n;
}

/* May the head of m be rewritten at all (before looking at its size and block)? */
static int ga__may(const ga__finder *f, const ga_np_msg *m)
{
    const ga_np_plan *pl = f->pl;
    return m->line.in_place && f->st->srv_headers && pl->cli_headers == 1 && m->at >= pl->skip0 &&
           pl->base + m->at >= f->st->next_ok;
}

static uint32_t ga__max_payload(const ga__finder *f)
{
    return f->st->max_payload ? f->st->max_payload : GA__DEFAULT_MAX_PAYLOAD;
}

size_t ga_np_pub_size(const ga_nats_line *l, uint32_t max_payload)
{
    uint64_t t = l->total + ga_nats_ctx.hdr_new;
    if (t > (max_payload ? max_payload : GA__DEFAULT_MAX_PAYLOAD))
        return 0;                               /* near max_payload: sent untouched */
    size_t need = l->size_at + ga__digits(t) + ga_nats_ctx.pub_fixed;
    return need <= GA_NATS_OWE_CAP ? need : 0;
}

/* The PUB m may be rewritten: decide on its size. */
static void ga__decide_pub(ga__finder *f, ga_np_msg *m)
{
    size_t need = ga_np_pub_size(&m->line, f->st->max_payload);
    if (need == 0)
        return;
    m->head_new = (uint16_t)need;
    m->inject = 1;
    m->info |= GA_NATS_I_INJECTED;
    f->pl->injects = 1;
}

/* The HPUB's block ends at call offset `end`: rewrite its head? */
static void ga__decide_hpub(ga__finder *f, ga_np_msg *m, size_t end)
{
    const ga_nats_line *l = &m->line;
    const uint8_t *blk = l->raw + l->len;
    size_t fl = ga_nats_ctx.fields;
    if ((m->info & GA_NATS_I_OWN_CTX) || !ga__may(f, m) || end > f->seg_off + f->seg_len ||
        l->hdr < 12 || memcmp(blk, "NATS/1.0", 8) != 0 || memcmp(blk + l->hdr - 4, "\r\n\r\n", 4) != 0 ||
        l->total + fl > ga__max_payload(f))
        return;
    size_t num_len = ga__digits(l->hdr + fl) + 1 + ga__digits(l->total + fl) + 2;
    size_t need = l->size_at + num_len + (l->hdr - 2) + fl + 2;
    if (need > GA_NATS_OWE_CAP)
        return;
    m->head_new = (uint16_t)need;
    m->inject = 1;
    m->info |= GA_NATS_I_INJECTED;
    f->pl->injects = 1;
}

static void ga__f_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    ga__finder *f = ctx;
    ga_np_plan *pl = f->pl;
    (void)ps;
    if (l->op == GA_NATS_PING || l->op == GA_NATS_PONG)
        return;
    if (l->op != GA_NATS_PUB && l->op != GA_NATS_HPUB) {
        pl->refeed = 1;                         /* SUB, UNSUB: the real parser must see them */
        return;
    }
    ga_np_msg *m = &pl->m[pl->nmsg++];
    m->line = *l;
    m->at = (size_t)(off - pl->base);
    m->head_len = l->len;
    m->inject = 0;
    m->info = 0;
    if (!l->in_place)
        pl->refeed = 1;                         /* its texts are not in the caller's memory */
    f->cur = l->op == GA_NATS_HPUB ? pl->nmsg - 1 : -1;
    if (l->op == GA_NATS_PUB && ga__may(f, m))
        ga__decide_pub(f, m);
}

static size_t ga__strip_fn(void *st, uint8_t *b, size_t n, size_t *tail)
{
    return ga_nats_strip_run(st, b, n, tail);
}

_Static_assert(sizeof(ga_nats_strip) <= GA_INBOUND_STATE, "the strip state fits a slot");
_Static_assert(GA_NATS_STRIP_LINE + GA_INBOUND_SMALL <= GA_INBOUND_CAP, "a slot holds a tail");

/* Where `"headers":true` goes into the CONNECT line l[0..n): before the object's closing
 * brace, after a comma unless the object is empty. The server reads the JSON with Go's
 * encoding/json, where the last of two equal keys wins, so an earlier "headers":false is
 * overridden without being looked for. Returns the brace's offset, or 0 (not rewritten). */
static size_t ga__connect_brace(const uint8_t *l, size_t n, int *comma)
{
    size_t q = n;
    while (q > 0 && (l[q - 1] == '\n' || l[q - 1] == '\r' || l[q - 1] == ' ' || l[q - 1] == '\t'))
        q--;
    if (q < 10 || l[q - 1] != '}')
        return 0;
    size_t b = --q;
    while (b > 0 && (l[b - 1] == ' ' || l[b - 1] == '\t'))
        b--;
    if (b == 0)
        return 0;
    *comma = l[b - 1] != '{';
    return q;
}

/* The CONNECT line that just ended declares no headers: plan its rewrite, attaching the
 * inbound rewrite that will turn the HMSG this makes the server send back into MSG. */
static int ga__plan_connect(ga__finder *f, const ga_nats_parser *ps)
{
    ga_np_plan *pl = f->pl;
    const ga_nats_state *st = f->st;
    size_t at = (size_t)(ps->line_off - pl->base);
    if (!ga_nats_connect_rewrite || !st->srv_headers || pl->nmsg == GA_NP_MSGS ||
        ps->line_off < pl->base || at < f->seg_off || at < pl->skip0 ||
        pl->base + at < st->next_ok)
        return 0;
    const uint8_t *l = f->seg + (at - f->seg_off), *end = f->seg + f->seg_len;
    const uint8_t *nl = memchr(l, '\n', (size_t)(end - l));
    int comma = 0;
    size_t len = nl ? (size_t)(nl - l) + 1 : 0, q = len ? ga__connect_brace(l, len, &comma) : 0;
    size_t ins = comma ? 15 : 14;               /* ,"headers":true */
    if (q == 0 || len + ins > GA_NATS_OWE_CAP)
        return 0;
    ga_fd *e = ga_fd_peek(st->fd);
    if (e == NULL || atomic_load_explicit(&e->gen, memory_order_relaxed) != st->fd_gen)
        return 0;
    if (atomic_load_explicit(&e->xin, memory_order_relaxed) == 0) {
        ga_nats_strip sx;
        ga_nats_strip_init(&sx, !(st->in.phase == GA_NATS_P_LINE && st->in.line_len == 0));
        if (!ga_inbound_attach(e, st->fd_gen, ga__strip_fn, &sx, sizeof sx))
            return 0;                           /* no slot: sent as written, nothing injected */
    }
    ga_np_msg *m = &pl->m[pl->nmsg++];
    memset(&m->line, 0, sizeof m->line);
    m->line.op = GA_NATS_CONNECT;
    m->line.in_place = 1;
    m->line.raw = l;
    m->line.len = (uint16_t)len;
    m->line.size_at = (uint16_t)q;              /* the closing brace */
    m->line.hdr = (uint64_t)comma;
    m->at = at;
    m->head_len = len;
    m->head_new = (uint16_t)(len + ins);
    m->inject = 1;
    m->info = 0;
    pl->injects = 1;
    return 1;
}

static void ga__f_facts(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f)
{
    ga__finder *fd = ctx;
    if (f->op == GA_NATS_CONNECT) {
        fd->pl->cli_headers = f->headers == 1;
        if (f->headers != 1 && ga__plan_connect(fd, ps))
            fd->pl->cli_headers = 1;            /* what the server will believe */
    }
    fd->pl->refeed = 1;
}

/* A context field in the block of the HPUB being read: one of a configured format makes the
 * message's context its own (nothing of ours is added; an application's b3 with tracecontext
 * alone changes nothing, as for Kafka). */
static void ga__f_field(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n)
{
    ga__finder *f = ctx;
    (void)ps, (void)v, (void)n;
    if (f->cur >= 0 && (ga_nats_ctx.own & (1u << kind)))
        f->pl->m[f->cur].info |= GA_NATS_I_OWN_CTX;
}

static void ga__f_hdr_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    ga__finder *f = ctx;
    (void)ps;
    if (f->cur < 0)
        return;
    ga_np_msg *m = &f->pl->m[f->cur];
    size_t end = (size_t)(off - f->pl->base);
    m->head_len = end - m->at;
    ga__decide_hpub(f, m, end);
    f->cur = -1;
}

static void ga__f_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    ga__finder *f = ctx;
    (void)off;
    if (f->pl->nmsg == GA_NP_MSGS)
        ps->stop = 1;                           /* the plan is full: the rest waits */
}

int ga_np_fast_off;                 /* tests: 1 = always the dry run */

/* The dry run's shortcut, for the write most clients make: whole PUB messages, in upper case,
 * in the round's one iovec, the out parser between messages, nothing owed. Fills the plan as
 * the dry run would (messages, decisions, pl->end, the parser after them) and returns 1; 0
 * when the bytes are anything else (the caller then runs the dry run over them, from the
 * start). test_nats_find_fast.c compares the two on random streams. */
static int ga__find_fast(const ga_nats_state *st, const ga_np_src *src, ga_np_plan *pl)
{
    if (ga_np_fast_off || src->i + 1 != src->cnt || pl->refeed || !ga_np_between(st))
        return 0;
    const uint8_t *p = (const uint8_t *)src->v[src->i].iov_base + src->off;
    size_t n = pl->total, at = 0;
    ga__finder f = { st, pl, 0, n, p, -1 };
    while (at < n && pl->nmsg < GA_NP_MSGS) {
        ga_np_msg *m = &pl->m[pl->nmsg];
        size_t len = ga_np_pub_at(p + at, n - at, &m->line);
        if (len == 0)
            return 0;                           /* the dry run takes it */
        m->at = at;
        m->head_len = m->line.len;
        m->inject = 0;
        m->info = 0;
        pl->nmsg++;
        if (ga__may(&f, m))
            ga__decide_pub(&f, m);
        pl->after.line_off = pl->base + at;
        at += len;
    }
    pl->fast = 1;
    pl->after.off = pl->base + at;              /* the rest of the parser as it was */
    pl->after.op = GA_NATS_PUB;
    pl->after.hdr_left = pl->after.body_left = 0;
    pl->end = at;
    return 1;
}

int ga_np_find(ga_nats_state *st, const ga_np_src *src, ga_np_plan *pl)
{
    pl->base = st->out.off;
    pl->owe_len = st->owe_off < st->owe_len ? (size_t)(st->owe_len - st->owe_off) : 0;
    if (pl->owe_len > 0)
        memcpy(pl->owe, st->owe + st->owe_off, pl->owe_len);
    pl->total = 0;
    for (size_t i = src->i; i < src->cnt; i++)
        pl->total += src->v[i].iov_len - (i == src->i ? src->off : 0);
    pl->skip0 = st->del_len < pl->total ? st->del_len : pl->total;
    pl->refeed = pl->owe_len > 0 || pl->skip0 > 0;
    pl->injects = 0;
    pl->nmsg = 0;
    pl->nv = 0;
    pl->fast = 0;
    pl->cli_headers = st->cli_headers;
    ga_nats_copy(&pl->after, &st->out);
    pl->end = pl->total;
    if (st->dead)
        return pl->owe_len > 0 || pl->skip0 > 0;
    if (ga__find_fast(st, src, pl))
        return pl->injects || pl->end < pl->total;
    pl->nmsg = 0;                               /* what the shortcut began is done again */
    pl->injects = 0;
    ga_nats_copy(&pl->after, &st->out);
    ga__finder f = { st, pl, 0, 0, NULL, -1 };
    ga_nats_cb cb = { .ctx = &f, .line = ga__f_line, .facts = ga__f_facts, .field = ga__f_field,
                      .hdr_end = ga__f_hdr_end, .msg_end = ga__f_end };
    size_t pos = 0;
    for (size_t i = src->i; i < src->cnt; i++) {
        size_t o = i == src->i ? src->off : 0;
        f.seg_off = pos;
        f.seg_len = src->v[i].iov_len - o;
        f.seg = (const uint8_t *)src->v[i].iov_base + o;
        size_t k = ga_nats_feed(&pl->after, (const uint8_t *)src->v[i].iov_base + o, f.seg_len, &cb);
        pos += k;
        /* the plan is full when its last message ended, even exactly at the end of this
         * iovec: feeding the next one would record a message past GA_NP_MSGS */
        if (k < f.seg_len || pl->after.phase == GA_NATS_P_ERROR || pl->nmsg == GA_NP_MSGS)
            break;
    }
    if (pl->after.phase == GA_NATS_P_ERROR)
        pl->refeed = 1, pos = pl->total;        /* the real parser will find the same error */
    pl->end = pos;
    return pl->owe_len > 0 || pl->skip0 > 0 || pl->injects || pl->end < pl->total;
}

/* ------------------------------------------------------------------ composing */

static int ga__add(ga_np_plan *pl, int kind, const void *p, size_t len, size_t app, int msg)
{
    if (pl->nv >= GA_NP_PIECES)
        return 0;
    ga_np_piece *c = &pl->pc[pl->nv++];
    c->p = p;
    c->len = len;
    c->app = app;
    c->kind = (uint8_t)kind;
    c->msg = (int8_t)msg;
    if (len > 0)
        pl->v[pl->niov++] = (struct iovec){ (void *)p, len };
    pl->wire_total += len;
    pl->app_total += app;
    return 1;
}

/* A walk over the round's iovecs by call offset (offsets only grow). */
typedef struct ga__walk {
    const ga_np_src *src;
    size_t i, seg_start;            /* current iovec and the call offset of its first byte */
} ga__walk;

static size_t ga__seg_len(const ga__walk *w)
{
    return w->src->v[w->i].iov_len - (w->i == w->src->i ? w->src->off : 0);
}

static const uint8_t *ga__seg_ptr(const ga__walk *w)
{
    return (const uint8_t *)w->src->v[w->i].iov_base + (w->i == w->src->i ? w->src->off : 0);
}

/* APP pieces for call offsets [from, to); 0 when the plan is full (pl->end is cut there). */
static int ga__add_app(ga_np_plan *pl, ga__walk *w, size_t from, size_t to)
{
    while (from < to) {
        while (from >= w->seg_start + ga__seg_len(w)) {
            w->seg_start += ga__seg_len(w);
            w->i++;
        }
        size_t in = from - w->seg_start, k = ga__seg_len(w) - in;
        if (k > to - from)
            k = to - from;
        if (!ga__add(pl, GA_NP_APP, ga__seg_ptr(w) + in, k, k, -1)) {
            pl->end = from;
            return 0;
        }
        from += k;
    }
    return 1;
}

/* The piece of message j's new head, then the deletion of its old one. */
static int ga__add_head(ga_np_plan *pl, int j)
{
    ga_np_msg *m = &pl->m[j];
    if (pl->nv + 2 > GA_NP_PIECES)
        return 0;
    ga__add(pl, GA_NP_OURS, m->head, m->head_new, 0, j);
    ga__add(pl, GA_NP_DEL, NULL, 0, m->head_len, j);
    return 1;
}

/* The context fields of ids in the configured format, then the CR LF that ends the block. */
static inline void ga__fields(uint8_t *h, const ga_span_ids *ids)
{
    if (ga_likely(ga_nats_ctx.fmt == GA_NATS_FMT_TC)) {    /* the default, as written before B3 */
        memcpy(h, "traceparent: ", 13);
        ga_tp_format(ids, (char *)h + 13);
        memcpy(h + 68, "\r\n\r\n", 4);
        return;
    }
    h = ga_nats_ctx_write(h, ids, ga_nats_ctx.fmt);
    memcpy(h, "\r\n", 2);
}

void ga_np_pub_text(uint8_t *h, const ga_nats_line *l, const ga_span_ids *ids, size_t need)
{
    const ga_nats_ctxcfg *cx = &ga_nats_ctx;
    *h++ = 'H';
    if (ga_likely(l->size_at <= 64))
        ga_copy_small(h, l->raw, l->size_at);
    else
        memcpy(h, l->raw, l->size_at);
    h += l->size_at;
    memcpy(h, cx->hdr_txt, sizeof cx->hdr_txt);                 /* fixed size: one move */
    h += cx->hdr_txt_len;
    /* the total's digits, as many as ga_np_pub_size counted, written in place */
    uint8_t *end = h + (need - l->size_at - cx->pub_fixed);
    ga__put_u_back(end, l->total + cx->hdr_new);
    memcpy(end, "\r\nNATS/1.0\r\n", 12);
    ga__fields(end + 12, ids);
}

/* Message m's span identity and its new head (m->head_new bytes, as the dry run measured):
 * for a PUB, ga_np_pub_text; for an HPUB, the line up to its counts + the counts + its header
 * block but the final CR LF + our fields (nats_ctx.h) and that CR LF; for a CONNECT, the line
 * with "headers":true before its brace. The texts of the line and the block are the
 * application's, as written. */
static void ga__texts(const ga_nats_state *st, ga_np_plan *pl, ga_np_msg *m)
{
    const ga_nats_line *l = &m->line;
    if (l->op == GA_NATS_CONNECT) {             /* the line, "headers":true before its brace */
        size_t q = l->size_at, ins = l->hdr ? 15 : 14;
        memcpy(m->head, l->raw, q);
        memcpy(m->head + q, &",\"headers\":true"[l->hdr ? 0 : 1], ins);
        memcpy(m->head + q + ins, l->raw + q, l->len - q);
        return;
    }
    m->start_ns = pl->now;
    ga_nats_producer_ids(st, l, &m->ids, &m->start_ns);
    if (l->op == GA_NATS_PUB) {
        ga_np_pub_text(m->head, l, &m->ids, m->head_new);
        return;
    }
    const ga_nats_ctxcfg *cx = &ga_nats_ctx;
    uint8_t *h = m->head;
    memcpy(h, l->raw, l->size_at);
    h = ga__put_u(h + l->size_at, l->hdr + cx->fields);
    *h++ = ' ';
    h = ga__put_u(h, l->total + cx->fields);
    *h++ = '\r';
    *h++ = '\n';
    memcpy(h, l->raw + l->len, l->hdr - 2);
    ga__fields(h + l->hdr - 2, &m->ids);
}

void ga_np_compose(const ga_nats_state *st, ga_np_plan *pl, const ga_np_src *src)
{
    pl->nv = pl->niov = 0;
    pl->wire_total = pl->app_total = 0;
    if (pl->owe_len > 0)
        ga__add(pl, GA_NP_OWE, pl->owe, pl->owe_len, 0, -1);
    if (pl->skip0 > 0)
        ga__add(pl, GA_NP_ODEL, NULL, 0, pl->skip0, -1);
    ga__walk w = { src, src->i, 0 };
    size_t pos = pl->skip0;
    for (int j = 0; j < pl->nmsg; j++) {
        ga_np_msg *m = &pl->m[j];
        if (!m->inject)
            continue;
        int ok = ga__add_app(pl, &w, pos, m->at);
        if (ok)
            ga__texts(st, pl, m);
        if (!ok || !ga__add_head(pl, j)) {
            if (ok)
                pl->end = m->at;
            pl->refeed = 1;
            for (int k = j; k < pl->nmsg; k++)
                pl->m[k].inject = 0;            /* planned again in the next round */
            return;
        }
        pos = m->at + m->head_len;
    }
    if (!ga__add_app(pl, &w, pos, pl->end))
        pl->refeed = 1;
}

void ga_np_plan_one(ga_np_plan *pl, const ga_np_one_msg *om, const ga_np_src *src)
{
    size_t n = src->v[src->i].iov_len - src->off;
    pl->base = om->base;
    pl->total = pl->end = n;
    pl->skip0 = pl->owe_len = 0;
    pl->now = om->now;
    pl->refeed = 1;                             /* a short send: the real parser is fed what
                                                 * went out (pl->after is not made) */
    pl->conn_sent = 0;
    pl->fast = pl->injects = 1;
    pl->cli_headers = 1;
    pl->nmsg = 1;
    pl->cut = -1;
    ga_np_msg *m = &pl->m[0];
    m->line = om->line;
    m->at = 0;
    m->head_len = om->line.len;
    m->inject = 1;
    m->info = GA_NATS_I_INJECTED;
    m->head_new = (uint16_t)om->head_new;
    m->start_ns = om->start_ns;
    m->ids = om->ids;
    memcpy(m->head, om->head, om->head_new);
    pl->nv = pl->niov = 0;
    pl->wire_total = pl->app_total = 0;
    ga__add(pl, GA_NP_OURS, m->head, m->head_new, 0, 0);
    ga__add(pl, GA_NP_DEL, NULL, 0, m->head_len, 0);
    ga__walk w = { src, src->i, 0 };
    ga__add_app(pl, &w, m->head_len, n);
}
