/* nats_ctx.h — trace context in NATS header blocks, both ways: the field lines the injector
 * writes for the configured formats (W3C traceparent, B3 single, B3 multi), and the parent a
 * received block gives, read field by field as the parser reports them (nats.h: ga_nats_cb.field)
 * — the fields of one block may arrive in several reads, so what was found so far is kept in a
 * small fixed-size state. Pure code: no allocation, no global state. */
#ifndef GA_NATS_CTX_H
#define GA_NATS_CTX_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/w3c/w3c.h"

/* Formats, with the values of preload/config.h's GA_PROP_TC, _B3, _B3MULTI (the plug-in checks
 * that they agree). */
#define GA_NATS_FMT_TC      0x1
#define GA_NATS_FMT_B3      0x4
#define GA_NATS_FMT_B3M     0x8

#define GA_NATS_TP_FIELD    70      /* "traceparent: " + 55 + CR LF */
#define GA_NATS_B3_FIELD    57      /* "b3: " + 51 + CR LF */
#define GA_NATS_B3M_FIELDS  96      /* X-B3-TraceId (48), X-B3-SpanId (31), X-B3-Sampled (17) */
#define GA_NATS_CTX_MAX     (GA_NATS_TP_FIELD + GA_NATS_B3_FIELD + GA_NATS_B3M_FIELDS)

/* Bytes of the field lines ga_nats_ctx_write writes for fmt (GA_NATS_FMT_* bits; others
 * ignored): 0 for none. */
size_t ga_nats_ctx_len(unsigned fmt);

/* The field lines naming the span ids, for the formats in fmt, always in this order whatever
 * the order of the configured list (as Kafka's record headers): `traceparent:
 * 00-<trace>-<span>-<01|00>`, `b3: <trace>-<span>-<1|0>`, `X-B3-TraceId: <trace>`,
 * `X-B3-SpanId: <span>`, `X-B3-Sampled: <1|0>`, each ending in CR LF. Writes exactly
 * ga_nats_ctx_len(fmt) bytes at out; returns the end. */
uint8_t *ga_nats_ctx_write(uint8_t *out, const ga_span_ids *ids, unsigned fmt);

/* Which context a received block's fields give, by rank: the lower wins, GA_NATS_XR_OFF is
 * not read. Set by ga_nats_xorder_set. */
#define GA_NATS_XR_OFF      0xff
typedef struct ga_nats_xorder {
    uint8_t tc;                 /* traceparent */
    uint8_t b3;                 /* b3 (single) */
    uint8_t b3m;                /* X-B3-* (multi): always right after b3 */
} ga_nats_xorder;

/* Ranks for the configured list order[0..n) (GA_NATS_FMT_* values; others skipped, as
 * baggage): with a B3 format listed, the listed formats in their order, B3 single before
 * multi whichever of b3/b3multi is listed (as HTTP and Kafka extract); without one, the
 * traceparent alone whatever the list says (even with none: what the wire read before B3). */
void ga_nats_xorder_set(ga_nats_xorder *o, const uint8_t *order, size_t n);

/* The context fields of one block read so far. */
typedef struct ga_nats_xctx {
    ga_span_ctx best;           /* the best-ranked valid context so far (valid = 0: none) */
    uint8_t rank;               /* its rank, GA_NATS_XR_OFF for none */
    uint8_t defer;              /* best carries no sampling decision (B3 without one) */
    uint8_t have;               /* X-B3 fields so far: GA_NATS_XH_* bits */
    uint8_t sampled;            /* X-B3-Sampled so far (enum ga_b3_sampling) */
    uint8_t trace_id[16];       /* X-B3-TraceId, when GA_NATS_XH_TID */
    uint8_t span_id[8];         /* X-B3-SpanId, when GA_NATS_XH_SID */
} ga_nats_xctx;

/* A new block begins. */
static inline void ga_nats_x_start(ga_nats_xctx *x)
{
    x->best.valid = 0;
    x->rank = GA_NATS_XR_OFF;
    x->have = 0;
}

/* One field of the block: kind (enum ga_nats_field), value v[0..n) as the parser reports it.
 * Of fields of the same name the first valid traceparent / b3 counts, and the first of each
 * X-B3 name. */
void ga_nats_x_field(ga_nats_xctx *x, const ga_nats_xorder *o, int kind, const uint8_t *v,
                     size_t n);

/* The block ended: the context it gives into *out (valid = 0: none; remote = 1). Returns 1 when
 * that context carries no sampling decision (a B3 one without it): the caller's root sampler
 * decides its sampled flag, as for HTTP and Kafka; 0 otherwise. */
int ga_nats_x_end(const ga_nats_xctx *x, const ga_nats_xorder *o, ga_span_ctx *out);

#endif
