/* http_inject_plan.c — planning and accounting of one injecting send (contracts in
 * http_inject_int.h; the reasoning in docs/http.md "Injection").
 *
 * Stream offsets: the request parser's `off` counts the app bytes it has been fed, which
 * are exactly the app bytes the application was told went out. A header is due before the
 * blank line at offset p of that stream if the request has no traceparent of its own and
 * p >= next_ok (no header was put there already). A traceparent value that is the one the
 * thread's active server request came with (a proxy forwarding it) is overwritten with ours,
 * byte for byte: the stream keeps its length, so those bytes count as the app's. */
#include <string.h>
#include "plugins/http/http_inject_int.h"
#include "plugins/http/http_replay.h"
#include "preload/config.h"
#include "protocols/w3c/b3.h"
#include "protocols/w3c/tp_fast.h"

typedef struct ga__finder {
    ga_inj_plan *pl;
    uint64_t next_ok;
    size_t tp_before;               /* traceparent value bytes of this request before here */
    const uint8_t *seg;             /* the segment being fed, at call offset seg_off */
    size_t seg_off;
} ga__finder;

static void ga__blank(void *ctx, ga_h1_parser *ps, uint64_t off)
{
    ga__finder *f = ctx;
    ga_inj_plan *pl = f->pl;
    unsigned pr = ga_cfg.propagators;
    /* a request that carries a context of a configured format already (the application's
     * own SDK) gets nothing of ours */
    uint16_t own = (uint16_t)(((pr & GA_PROP_TC) ? GA_H1_F_TP : 0) |
                              ((pr & (GA_PROP_B3 | GA_PROP_B3MULTI)) ? GA_H1_F_B3 : 0));
    if ((ps->flags & own) || off < f->next_ok || pl->nh >= GA_HTTP_INJ_POINTS)
        return;
    ga_inj_hdr *h = &pl->h[pl->nh++];
    h->at = (size_t)(off - pl->base);
    h->with_ts = !(ps->flags & GA_H1_F_TS);     /* never a second tracestate field */
    h->with_bag = !(ps->flags & GA_H1_F_BAG);   /* nor a second baggage field */
}

static void ga__begin(void *ctx, ga_h1_parser *ps)
{
    ((ga__finder *)ctx)->tp_before = 0;
    ga_http_rec_begin(ps);
}

static void ga__head(void *ctx, ga_h1_parser *ps)
{
    (void)ctx;
    ga_http_rec_head(ps);
}

static void ga__done(void *ctx, ga_h1_parser *ps)
{
    (void)ctx;
    ga_http_rec_done(ps);
}

/* The start of a traceparent value: overwrite it if it is a forwarded one, whole here. */
static void ga__piece(void *ctx, ga_h1_parser *ps, int field, const uint8_t *p, size_t n)
{
    ga__finder *f = ctx;
    ga_http_rec_piece(ps, field, p, n);
    if (field != GA_H1_FLD_TRACEPARENT)
        return;
    size_t before = f->tp_before;
    f->tp_before += n;
    if (before > 0 || f->pl->rep || n < GA_INJ_TP_VAL)
        return;
    for (size_t i = GA_INJ_TP_VAL; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return;                 /* a longer value: not the one we forward */
    if (!ga_http_forwarded_tp(p))
        return;
    f->pl->rep = 2;
    f->pl->rep_pos = f->pl->base + f->seg_off + (size_t)(p - f->seg);
}

/* Copy the debt and an overwrite still under way; dry-run the rest. */
int ga_inj_find(ga_http_state *st, const struct iovec *iov, size_t cnt, ga_inj_plan *pl)
{
    ga_http_inj *in = &st->u.inj;
    pl->owe_len = in->owe_off < in->owe_len ? (size_t)(in->owe_len - in->owe_off) : 0;
    memcpy(pl->owe, in->owe + in->owe_off, pl->owe_len);
    pl->base = st->rq.off;
    pl->nh = 0;
    pl->rep = 0;
    if (in->rep_on && pl->base >= in->rep_pos + GA_INJ_TP_VAL)
        in->rep_on = 0;
    if (in->rep_on) {
        pl->rep = 1;
        pl->rep_pos = in->rep_pos;
        pl->rep_ids = in->rep_ids;
    }
    ga_http_rec_drop();
    if (!st->dead) {
        ga_h1_parser dry = st->rq;              /* a copy: the real one sees only what is sent */
        ga__finder f = { pl, in->next_ok, ga_h1_phase(&dry) == GA_H1_HEAD ? st->tp_len : 0, NULL, 0 };
        ga_h1_cb cb = { .ctx = &f, .begin = ga__begin, .piece = ga__piece, .blank = ga__blank,
                        .head = ga__head, .done = ga__done,
                        .other_method_only = 1 };     /* what it records is replayed to http_xchg.c */
        size_t one = cnt, nonempty = 0;
        for (size_t i = 0; i < cnt; i++)
            if (iov[i].iov_len > 0)
                one = i, nonempty++;
        if (nonempty == 1)                      /* the data hook may then replay this scan */
            ga_http_rec_start(st, iov[one].iov_base, iov[one].iov_len);
        for (size_t i = 0; i < cnt && pl->nh < GA_HTTP_INJ_POINTS; i++) {
            f.seg = iov[i].iov_base;
            if (ga_h1_feed(&dry, iov[i].iov_base, iov[i].iov_len, &cb) >= GA_H1_PAUSED)
                break;
            f.seg_off += iov[i].iov_len;
        }
        ga_http_rec_end(&dry);
    }
    return pl->owe_len > 0 || pl->nh > 0 || pl->rep;
}

/* A new client span's traceparent value (55 bytes) into out. */
static void ga__value(ga_span_ids *ids, char *out, int fresh)
{
    if (fresh)
        ga_span_start(ids, NULL);
    ga_tp_format(ids, out);
}

static int ga__add(ga_inj_plan *pl, const void *p, size_t n, int kind)
{
    if (n == 0)
        return 1;
    if (pl->nv >= GA_INJ_MAXV)
        return 0;
    pl->v[pl->nv] = (struct iovec){ (void *)p, n };
    pl->kind[pl->nv++] = (int8_t)kind;
    return 1;
}

/* Header j with other formats configured (see ga__add_header). */
static __attribute__((noinline)) int ga__add_header_all(ga_inj_plan *pl, int j)
{
    ga_inj_hdr *h = &pl->h[j];
    if (pl->nv + 4 > GA_INJ_MAXV)
        return 0;
    size_t room = GA_HTTP_OWE_CAP - h->tp_len - h->xtra_len;
    ga__add(pl, h->tp, h->tp_len, j);
    if (h->with_ts && pl->ts_line_len <= room) {
        ga__add(pl, pl->ts_line, pl->ts_line_len, j);
        room -= pl->ts_line_len;
    }
    ga__add(pl, h->xtra, h->xtra_len, j);
    if (h->with_bag && pl->bag_line_len <= room)
        ga__add(pl, pl->bag_line, pl->bag_line_len, j);
    return 1;
}

/* Header j: its line(s); 0 when the plan is full. The lines of one header never exceed
 * what the connection can owe (GA_HTTP_OWE_CAP): traceparent and the B3 lines always fit;
 * a tracestate, then a baggage line, that would not is left out of this request. */
static int ga__add_header(ga_inj_plan *pl, int j)
{
    if (pl->other)
        return ga__add_header_all(pl, j);
    if (pl->nv + 2 > GA_INJ_MAXV)
        return 0;
    ga__add(pl, pl->h[j].tp, GA_INJ_TP_LEN, j);     /* the default: traceparent (+ tracestate) */
    if (pl->h[j].with_ts)
        ga__add(pl, pl->ts_line, pl->ts_line_len, j);
    return 1;
}

/* The B3 line(s) of header h (its ids are set): b3 and/or X-B3-*, as configured. */
static void ga__b3_lines(ga_inj_hdr *h, unsigned pr)
{
    char *o = h->xtra;
    char v[GA_B3_LEN];
    ga_b3_format(&h->ids, v);                   /* trace-span-sampled */
    if (pr & GA_PROP_B3) {
        memcpy(o, "b3: ", 4);
        memcpy(o + 4, v, GA_B3_LEN);
        memcpy(o + 4 + GA_B3_LEN, "\r\n", 2);
        o += GA_INJ_B3_LEN;
    }
    if (pr & GA_PROP_B3MULTI) {
        memcpy(o, "X-B3-TraceId: ", 14);
        memcpy(o + 14, v, 32);
        memcpy(o + 46, "\r\nX-B3-SpanId: ", 15);
        memcpy(o + 61, v + 33, 16);
        memcpy(o + 77, "\r\nX-B3-Sampled: ", 16);
        o[93] = v[50];
        memcpy(o + 94, "\r\n", 2);
        o += GA_INJ_B3M_LEN;
    }
    h->xtra_len = (uint8_t)(o - h->xtra);
}

/* The header lines of the other formats' configurations (see ga__texts). */
static __attribute__((noinline)) void ga__texts_other(ga_inj_plan *pl, unsigned pr)
{
    pl->bag_line_len = 0;
    if (pl->nh && (pr & GA_PROP_BAGGAGE)) {
        const char *bag;
        size_t bl = ga_baggage_outgoing(&bag);
        if (bl > 0 && bl <= GA_HTTP_BAG_CAP) {
            memcpy(pl->bag_line, "baggage: ", 9);
            memcpy(pl->bag_line + 9, bag, bl);
            memcpy(pl->bag_line + 9 + bl, "\r\n", 2);
            pl->bag_line_len = 11 + bl;
        }
    }
    for (int j = 0; j < pl->nh; j++) {
        ga_inj_hdr *h = &pl->h[j];
        h->tp_len = 0;
        h->xtra_len = 0;
        if (pr & GA_PROP_TC) {
            memcpy(h->tp, "traceparent: ", 13);
            ga__value(&h->ids, h->tp + 13, 1);
            memcpy(h->tp + 68, "\r\n", 2);
            h->tp_len = GA_INJ_TP_LEN;
        } else {
            ga_span_start(&h->ids, NULL);
        }
        if (pr & (GA_PROP_B3 | GA_PROP_B3MULTI))
            ga__b3_lines(h, pr);
    }
}

/* Texts: the shared tracestate line, each header line, the overwriting value. With the
 * default (`tracecontext` alone) the header lines are traceparent lines only. */
static void ga__texts(ga_inj_plan *pl)
{
    const char *ts;
    unsigned pr = ga_cfg.propagators;
    size_t tl = pl->nh && (pr & GA_PROP_TC) ? ga_http_outgoing_tracestate(&ts) : 0;
    pl->ts_line_len = 0;
    if (tl > 0) {
        memcpy(pl->ts_line, "tracestate: ", 12);
        memcpy(pl->ts_line + 12, ts, tl);
        memcpy(pl->ts_line + 12 + tl, "\r\n", 2);
        pl->ts_line_len = 14 + tl;
    }
    pl->other = pr != GA_PROP_TC;
    if (pl->other) {
        ga__texts_other(pl, pr);
    } else {
        for (int j = 0; j < pl->nh; j++) {
            memcpy(pl->h[j].tp, "traceparent: ", 13);
            ga__value(&pl->h[j].ids, pl->h[j].tp + 13, 1);
            memcpy(pl->h[j].tp + 68, "\r\n", 2);
        }
    }
    if (pl->rep)
        ga__value(&pl->rep_ids, pl->rep_val, pl->rep == 2);
}

/* One app segment b[0..len) at call offset pos: app bytes, with the headers due inside it
 * inserted (header j goes before call offset h[j].at) and the overwritten range
 * [r0, r1) (call offsets) taken from rep_val. Returns 0 when the plan is full. */
static int ga__segment(ga_inj_plan *pl, const uint8_t *b, size_t len, size_t pos, int *j,
                       int64_t r0, int64_t r1)
{
    size_t s = 0;
    while (s < len) {
        int64_t cur = (int64_t)(pos + s);
        if (*j < pl->nh && pl->h[*j].at == (size_t)cur) {
            if (!ga__add_header(pl, *j))
                return 0;
            (*j)++;
            continue;
        }
        size_t next = len;
        if (pl->rep && cur >= r0 && cur < r1) {
            size_t k = (size_t)(r1 - cur) < len - s ? (size_t)(r1 - cur) : len - s;
            if (!ga__add(pl, pl->rep_val + (cur - r0), k, GA_INJ_REP))
                return 0;
            s += k;
            continue;
        }
        if (*j < pl->nh && pl->h[*j].at - pos < next)
            next = pl->h[*j].at - pos;
        if (pl->rep && r0 > cur && (size_t)(r0 - (int64_t)pos) < next)
            next = (size_t)(r0 - (int64_t)pos);
        if (!ga__add(pl, b + s, next - s, GA_INJ_APP))
            return 0;
        s = next;
    }
    return 1;
}

/* The common call composed directly: one buffer, one header due in it, nothing owed or
 * overwritten, tracecontext alone. The same iovecs as ga__segment makes of it. */
int ga_inj_one_on = 1;

static inline int ga__compose_one(ga_inj_plan *pl, const struct iovec *iov, size_t cnt)
{
    if (!ga_inj_one_on || cnt != 1 || pl->nh != 1 || pl->owe_len != 0 || pl->rep || pl->other)
        return 0;
    const uint8_t *b = iov[0].iov_base;
    size_t len = iov[0].iov_len, at = pl->h[0].at;
    int nv = 0;
    if (at > 0) {
        pl->v[nv] = (struct iovec){ (void *)b, at };
        pl->kind[nv++] = GA_INJ_APP;
    }
    pl->v[nv] = (struct iovec){ pl->h[0].tp, GA_INJ_TP_LEN };
    pl->kind[nv++] = 0;
    if (pl->h[0].with_ts && pl->ts_line_len > 0) {
        pl->v[nv] = (struct iovec){ pl->ts_line, pl->ts_line_len };
        pl->kind[nv++] = 0;
    }
    if (len > at) {
        pl->v[nv] = (struct iovec){ (void *)(b + at), len - at };
        pl->kind[nv++] = GA_INJ_APP;
    }
    pl->nv = nv;
    pl->app_total = len;
    pl->one_total = len + GA_INJ_TP_LEN + (pl->h[0].with_ts ? pl->ts_line_len : 0);
    return 1;
}

void ga_inj_compose(ga_inj_plan *pl, const struct iovec *iov, size_t cnt)
{
    ga__texts(pl);
    if (ga__compose_one(pl, iov, cnt))
        return;
    pl->one_total = 0;
    pl->nv = 0;
    ga__add(pl, pl->owe, pl->owe_len, GA_INJ_OWED);
    int64_t r0 = (int64_t)pl->rep_pos - (int64_t)pl->base, r1 = r0 + GA_INJ_TP_VAL;
    size_t pos = 0;
    int j = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!ga__segment(pl, iov[i].iov_base, iov[i].iov_len, pos, &j, r0, r1))
            break;
        pos += iov[i].iov_len;
    }
    pl->nh = j;                                 /* headers beyond a full plan wait */
    pl->app_total = 0;
    for (int k = 0; k < pl->nv; k++)
        if (pl->kind[k] == GA_INJ_APP || pl->kind[k] == GA_INJ_REP)
            pl->app_total += pl->v[k].iov_len;
}

/* The unsent rest of header j from v[k] + `sent` on becomes the new debt. */
static void ga__owe_rest(ga_http_inj *in, const ga_inj_plan *pl, int k, size_t sent)
{
    size_t n = 0;
    for (int j = pl->kind[k]; k < pl->nv && pl->kind[k] == j; k++, sent = 0) {
        size_t len = pl->v[k].iov_len - sent;
        if (n + len > sizeof in->owe)
            len = sizeof in->owe - n;           /* cannot happen: a header fits the buffer */
        memcpy(in->owe + n, (const uint8_t *)pl->v[k].iov_base + sent, len);
        n += len;
    }
    in->owe_off = 0;
    in->owe_len = (uint16_t)n;
}

static void ga__injected(ga_http_inj *in, uint64_t pos, const ga_span_ids *ids)
{
    if (in->n_injected == GA_HTTP_INJ_WAIT) {    /* cannot happen: at most one waits */
        in->n_injected--;
        memmove(&in->injected[0], &in->injected[1], in->n_injected * sizeof in->injected[0]);
    }
    in->injected[in->n_injected].pos = pos;
    in->injected[in->n_injected++].ids = *ids;
}

/* Some bytes of our own went out at v[k]: remember what the stream now carries. */
static void ga__ours_sent(ga_http_inj *in, const ga_inj_plan *pl, int k, size_t take, int *last_hdr)
{
    int kind = pl->kind[k];
    if (kind == GA_INJ_OWED) {
        in->owe_off = (uint16_t)(in->owe_off + take);
        if (in->owe_off >= in->owe_len)
            in->owe_off = in->owe_len = 0;
    } else if (kind == GA_INJ_REP) {
        if (pl->rep == 2 && !in->rep_on) {      /* a new overwrite has begun */
            in->rep_on = 1;
            in->rep_pos = pl->rep_pos;
            in->rep_ids = pl->rep_ids;
            ga__injected(in, pl->rep_pos, &pl->rep_ids);
        }
    } else if (kind != *last_hdr) {             /* header `kind` has begun */
        ga__injected(in, pl->base + pl->h[kind].at, &pl->h[kind].ids);
        in->next_ok = pl->base + pl->h[kind].at + 1;
        *last_hdr = kind;
    }
}

size_t ga_inj_account(ga_http_state *st, const ga_inj_plan *pl, size_t w)
{
    ga_http_inj *in = st != NULL ? &st->u.inj : NULL;
    if (pl->one_total != 0 && w == pl->one_total) {     /* a direct call, sent whole */
        if (in != NULL) {
            ga__injected(in, pl->base + pl->h[0].at, &pl->h[0].ids);
            in->next_ok = pl->base + pl->h[0].at + 1;
        }
        return pl->app_total;
    }
    size_t app = 0;
    int last_hdr = -1;
    for (int k = 0; k < pl->nv; k++) {
        size_t len = pl->v[k].iov_len, take = w < len ? w : len;
        int kind = pl->kind[k];
        w -= take;
        if (kind == GA_INJ_APP || kind == GA_INJ_REP)
            app += take;
        if (in != NULL && kind != GA_INJ_APP && (take > 0 || kind == last_hdr))
            ga__ours_sent(in, pl, k, take, &last_hdr);
        if (take < len) {
            if (in != NULL && kind >= 0 && kind == last_hdr)
                ga__owe_rest(in, pl, k, take);   /* header cut short: the rest is owed */
            break;
        }
    }
    return app;
}
