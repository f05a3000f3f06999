/* nats_ctx.c — trace context fields of NATS header blocks, written and read (contracts in
 * nats_ctx.h). The values are those of protocols/w3c: the traceparent text of the fast
 * formatter, the B3 ones cut from it (as Kafka's record headers), and on the way in the shared
 * W3C and B3 parsers, so the accepted sets are theirs. */
#include <string.h>
#include "protocols/nats/nats_ctx.h"
#include "protocols/nats/nats.h"
#include "protocols/w3c/b3.h"
#include "protocols/w3c/tp_fast.h"

/* GA_NATS_XH_*: the X-B3 fields of a block seen so far. */
#define GA_NATS_XH_TSEEN    0x01    /* an X-B3-TraceId came (the first counts) */
#define GA_NATS_XH_TID      0x02    /* ... and was valid: in x->trace_id */
#define GA_NATS_XH_SSEEN    0x04
#define GA_NATS_XH_SID      0x08
#define GA_NATS_XH_SMP      0x10    /* an X-B3-Sampled came: in x->sampled */
#define GA_NATS_XH_SBAD     0x20    /* ... and was not a sampling state */
#define GA_NATS_XH_DEBUG    0x40    /* X-B3-Flags: 1 */

/* Cold, as ga_nats_xorder_set: only the plug-in's set-up in the constructor calls them, and
 * cold code is placed next to the constructor (preload/ga.h, GA_INIT_PATH). */
__attribute__((cold)) size_t ga_nats_ctx_len(unsigned fmt)
{
    return ((fmt & GA_NATS_FMT_TC) ? GA_NATS_TP_FIELD : 0) +
           ((fmt & GA_NATS_FMT_B3) ? GA_NATS_B3_FIELD : 0) +
           ((fmt & GA_NATS_FMT_B3M) ? GA_NATS_B3M_FIELDS : 0);
}

/* The B3 lines, from t: a traceparent text of the same ids (its digits are the B3 ids). */
static uint8_t *ga__b3_lines(uint8_t *out, const char *t, unsigned fmt)
{
    char smp = t[54] == '1' ? '1' : '0';        /* the flags' sampled bit */
    if (fmt & GA_NATS_FMT_B3) {
        memcpy(out, "b3: ", 4);
        memcpy(out + 4, t + 3, 50);             /* {32 trace}-{16 span}- */
        out[54] = (uint8_t)smp;
        memcpy(out + 55, "\r\n", 2);
        out += GA_NATS_B3_FIELD;
    }
    if (fmt & GA_NATS_FMT_B3M) {
        memcpy(out, "X-B3-TraceId: ", 14);
        memcpy(out + 14, t + 3, 32);
        memcpy(out + 46, "\r\nX-B3-SpanId: ", 15);
        memcpy(out + 61, t + 36, 16);
        memcpy(out + 77, "\r\nX-B3-Sampled: ", 16);
        out[93] = (uint8_t)smp;
        memcpy(out + 94, "\r\n", 2);
        out += GA_NATS_B3M_FIELDS;
    }
    return out;
}

uint8_t *ga_nats_ctx_write(uint8_t *out, const ga_span_ids *ids, unsigned fmt)
{
    char tmp[55];
    const char *t = tmp;
    if (fmt & GA_NATS_FMT_TC) {
        memcpy(out, "traceparent: ", 13);
        ga_tp_format(ids, (char *)out + 13);
        t = (const char *)out + 13;
        memcpy(out + 68, "\r\n", 2);
        out += GA_NATS_TP_FIELD;
    }
    if (!(fmt & (GA_NATS_FMT_B3 | GA_NATS_FMT_B3M)))
        return out;
    if (t == tmp)
        ga_tp_format(ids, tmp);
    return ga__b3_lines(out, t, fmt);
}

__attribute__((cold)) void ga_nats_xorder_set(ga_nats_xorder *o, const uint8_t *order, size_t n)
{
    uint8_t r = 0;
    *o = (ga_nats_xorder){ GA_NATS_XR_OFF, GA_NATS_XR_OFF, GA_NATS_XR_OFF };
    for (size_t k = 0; k < n; k++) {
        if (order[k] == GA_NATS_FMT_TC && o->tc == GA_NATS_XR_OFF) {
            o->tc = r;
            r = (uint8_t)(r + 2);
        } else if ((order[k] == GA_NATS_FMT_B3 || order[k] == GA_NATS_FMT_B3M) &&
                   o->b3 == GA_NATS_XR_OFF) {
            o->b3 = r;
            o->b3m = (uint8_t)(r + 1);
            r = (uint8_t)(r + 2);
        }
    }
    if (o->b3 == GA_NATS_XR_OFF)
        o->tc = 0;                              /* no B3: the traceparent, as always */
}

/* An X-B3 field into x's multi state (the first of each name counts). */
static void ga__x_multi(ga_nats_xctx *x, int kind, const char *v, size_t n)
{
    switch (kind) {
    case GA_NATS_F_XTID:
        if (!(x->have & GA_NATS_XH_TSEEN))
            x->have |= GA_NATS_XH_TSEEN | (ga_b3_trace_id(v, n, x->trace_id) ? GA_NATS_XH_TID : 0);
        break;
    case GA_NATS_F_XSID:
        if (!(x->have & GA_NATS_XH_SSEEN))
            x->have |= GA_NATS_XH_SSEEN | (ga_b3_span_id(v, n, x->span_id) ? GA_NATS_XH_SID : 0);
        break;
    case GA_NATS_F_XSMP:
        if (!(x->have & GA_NATS_XH_SMP)) {
            int st = ga_b3_sampled(v, n);
            x->have |= GA_NATS_XH_SMP | (st < 0 ? GA_NATS_XH_SBAD : 0);
            x->sampled = (uint8_t)(st < 0 ? GA_B3_DEFER : st);
        }
        break;
    case GA_NATS_F_XFLG:
        if (ga_b3_flags(v, n) == GA_B3_DEBUG)
            x->have |= GA_NATS_XH_DEBUG;
        break;
    default:
        break;
    }
}

void ga_nats_x_field(ga_nats_xctx *x, const ga_nats_xorder *o, int kind, const uint8_t *v,
                     size_t n)
{
    const char *s = (const char *)v;
    ga_span_ctx c, *into = x->rank == GA_NATS_XR_OFF ? &x->best : &c;   /* nothing to lose */
    int smp = GA_B3_DEFER;
    if (kind == GA_NATS_F_TP) {
        if (o->tc < x->rank && ga_tp_parse(s, n, into) == 0) {
            x->best = *into;
            x->rank = o->tc;
            x->defer = 0;
        }
    } else if (kind == GA_NATS_F_B3) {
        if (o->b3 < x->rank && ga_b3_parse(s, n, into, &smp) == 0) {
            x->best = *into;
            x->rank = o->b3;
            x->defer = smp == GA_B3_DEFER;
        }
    } else if (o->b3m < x->rank) {              /* else a better context is in hand already */
        ga__x_multi(x, kind, s, n);
    }
}

int ga_nats_x_end(const ga_nats_xctx *x, const ga_nats_xorder *o, ga_span_ctx *out)
{
    const uint8_t ids = GA_NATS_XH_TID | GA_NATS_XH_SID;
    int debug = (x->have & GA_NATS_XH_DEBUG) != 0;
    if ((x->have & ids) == ids && o->b3m < x->rank && (debug || !(x->have & GA_NATS_XH_SBAD))) {
        int st = debug ? GA_B3_DEBUG : (x->have & GA_NATS_XH_SMP) ? x->sampled : GA_B3_DEFER;
        memcpy(out->trace_id, x->trace_id, 16);
        memcpy(out->span_id, x->span_id, 8);
        out->flags = st == GA_B3_ACCEPT || st == GA_B3_DEBUG ? GA_TF_SAMPLED : 0;
        out->valid = 1;
        out->remote = 1;
        return st == GA_B3_DEFER;
    }
    if (x->rank == GA_NATS_XR_OFF) {
        out->valid = 0;
        return 0;
    }
    *out = x->best;
    return x->defer;
}
