/* otlp_ref.h — the reference OTLP trace encoder of the unit tests, and a canonical text dump of
 * decoded spans.
 *
 * The reference is the encoder the library used before it wrote the wire format itself: a
 * protobuf-c object tree (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span →
 * KeyValue → AnyValue) built in an arena from ga_rec_span_name() and ga_rec_attrs(), packed by
 * protobuf_c_message_pack(). protobuf-c is the oracle: what the library's encoder writes must
 * decode, with protobuf-c, to the same fields. Test helper, included by one test file. */
#ifndef GA_TEST_OTLP_REF_H
#define GA_TEST_OTLP_REF_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "exporter/attrs.h"
#include "exporter/buf.h"
#include "tests/unit/otlp_pbc.h"
#include "exporter/resource.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "preload/config.h"
#include "preload/context.h"

typedef Opentelemetry__Proto__Trace__V1__Span ref_span_t;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ref_scope_spans_t;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ref_resource_spans_t;
typedef Opentelemetry__Proto__Trace__V1__Status ref_status_t;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest ref_req_t;
typedef Opentelemetry__Proto__Common__V1__AnyValue ref_any_t;

static __attribute__((unused)) char *ref_trace_state(ga_pb_arena *a, const ga_rec *r)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        if (key == GA_A_TRACESTATE && type == GA_AT_STR && len > 0)
            return ga_otlp_str(a, (const char *)v, len);
    if (ga_cfg.tracestate[0] && ga_cfg.env_parent.valid &&
        memcmp(ga_cfg.env_parent.trace_id, r->h.trace_id, 16) == 0)
        return ga_otlp_str(a, ga_cfg.tracestate, strlen(ga_cfg.tracestate));
    return NULL;
}

/* A Span from its parts (the name and the tracestate repaired, C strings as protobuf-c takes). */
static __attribute__((unused)) ref_span_t *ref_span_parts(ga_pb_arena *a, const ga_rec *r,
                                                          const char *name, size_t nl,
                                                          const ga_attr *at, int n,
                                                          const char *ts, size_t tl)
{
    ref_span_t *s = ga_pb_alloc(a, sizeof *s);
    if (s == NULL)
        return NULL;
    opentelemetry__proto__trace__v1__span__init(s);
    s->trace_id = ga_otlp_bytes(r->h.trace_id, 16);
    s->span_id = ga_otlp_bytes(r->h.span_id, 8);
    if (r->h.has_parent)
        s->parent_span_id = ga_otlp_bytes(r->h.parent_id, 8);
    s->flags = r->h.trace_flags | GA_SF_HAS_IS_REMOTE |
               (r->h.has_parent && r->h.parent_remote ? GA_SF_IS_REMOTE : 0);
    s->trace_state = ts ? ga_otlp_str(a, ts, tl) : NULL;
    s->name = ga_otlp_str(a, name, nl);
    s->kind = r->h.kind ? r->h.kind : GA_KIND_INTERNAL;
    s->start_time_unix_nano = r->h.start_ns;
    s->end_time_unix_nano = r->h.end_ns;
    s->attributes = ga_otlp_kvs(a, at, n, &s->n_attributes);
    if (r->h.status != GA_STATUS_UNSET) {
        ref_status_t *st = ga_pb_alloc(a, sizeof *st);
        if (st != NULL) {
            opentelemetry__proto__trace__v1__status__init(st);
            st->code = r->h.status <= GA_STATUS_ERROR ? r->h.status : GA_STATUS_UNSET;
            s->status = st;
        }
    }
    return a->failed ? NULL : s;
}

/* The Span of a record the way the library derived it before (name, attributes, tracestate). */
static __attribute__((unused)) ref_span_t *ref_span(ga_pb_arena *a, const ga_rec *r)
{
    char name[256];
    ga_attr at[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    ga_rec_span_name(r, name, sizeof name);
    int n = ga_rec_attrs(r, at, GA_MAX_ATTRS, &sc);
    const char *ts = ref_trace_state(a, r);
    return ref_span_parts(a, r, name, strlen(name), at, n, ts, ts ? strlen(ts) : 0);
}

/* The request holding spans[0..n) (resource ga_res, scope genesis-auto) into out; 0 or -1. */
static __attribute__((unused)) int ref_request(ref_span_t **spans, unsigned n, ga_pb_arena *a, ga_buf *out)
{
    ref_scope_spans_t *ss = ga_pb_alloc(a, sizeof *ss);
    ref_resource_spans_t *rs = ga_pb_alloc(a, sizeof *rs);
    if (ss == NULL || rs == NULL)
        return -1;
    opentelemetry__proto__trace__v1__scope_spans__init(ss);
    ss->scope = ga_otlp_scope(a, GA_SDK_NAME, GA_VERSION);
    ss->n_spans = n;
    ss->spans = spans;
    opentelemetry__proto__trace__v1__resource_spans__init(rs);
    rs->resource = ga_otlp_resource(a, ga_res.attrs, ga_res.n);
    rs->n_scope_spans = 1;
    rs->scope_spans = &ss;
    ref_req_t req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.n_resource_spans = 1;
    req.resource_spans = &rs;
    if (a->failed)
        return -1;
    return ga_otlp_pack(&req.base, out);
}

/* The request for recs[0..n) into out; 0 or -1. */
static __attribute__((unused)) int ref_encode(const ga_rec *recs, unsigned n, ga_pb_arena *a, ga_buf *out)
{
    ga_pb_arena_reset(a);
    ref_span_t **spans = ga_pb_alloc(a, (n ? n : 1) * sizeof *spans);
    if (spans == NULL)
        return -1;
    for (unsigned i = 0; i < n; i++)
        if ((spans[i] = ref_span(a, &recs[i])) == NULL)
            return -1;
    return ref_request(spans, n, a, out);
}

/* ---- canonical text of decoded messages -------------------------------------------------- */

static __attribute__((unused)) void ref_hex(ga_buf *b, const ProtobufCBinaryData *d)
{
    char h[3];
    for (size_t i = 0; i < d->len; i++) {
        snprintf(h, sizeof h, "%02x", d->data[i]);
        ga_buf_put(b, h, 2);
    }
}

static __attribute__((unused)) void ref_any(ga_buf *b, const ref_any_t *v)
{
    if (v == NULL) {
        ga_buf_puts(b, "(no value)");
        return;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        ga_buf_puts(b, "str:");
        ga_json_str(b, v->string_value, strlen(v->string_value));
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        ga_buf_printf(b, "int:%" PRId64, v->int_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        ga_buf_printf(b, "double:%.17g", v->double_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        ga_buf_printf(b, "bool:%d", (int)v->bool_value);
        break;
    default:
        ga_buf_printf(b, "case:%d", (int)v->value_case);
        break;
    }
}

static __attribute__((unused)) void ref_kvs(ga_buf *b, Opentelemetry__Proto__Common__V1__KeyValue **kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ga_buf_puts(b, "  ");
        ga_buf_puts(b, kv[i]->key);
        ga_buf_puts(b, " = ");
        ref_any(b, kv[i]->value);
        ga_buf_puts(b, "\n");
    }
}

/* One decoded span as text: every field, attributes in order. */
static __attribute__((unused)) void ref_dump_span(ga_buf *b, const ref_span_t *s)
{
    ga_buf_puts(b, "span ");
    ga_json_str(b, s->name ? s->name : "", s->name ? strlen(s->name) : 0);
    ga_buf_printf(b, " kind=%d\n  trace=", (int)s->kind);
    ref_hex(b, &s->trace_id);
    ga_buf_puts(b, " span=");
    ref_hex(b, &s->span_id);
    ga_buf_puts(b, " parent=");
    ref_hex(b, &s->parent_span_id);
    ga_buf_printf(b, " flags=0x%x\n  start=%" PRIu64 " end=%" PRIu64 " dropped=%u events=%zu links=%zu\n",
                  s->flags, s->start_time_unix_nano, s->end_time_unix_nano,
                  s->dropped_attributes_count, s->n_events, s->n_links);
    if (s->trace_state && s->trace_state[0]) {
        ga_buf_puts(b, "  tracestate=");
        ga_json_str(b, s->trace_state, strlen(s->trace_state));
        ga_buf_puts(b, "\n");
    }
    if (s->status)
        ga_buf_printf(b, "  status code=%d message=[%s]\n", (int)s->status->code,
                      s->status->message ? s->status->message : "");
    ref_kvs(b, s->attributes, s->n_attributes);
}

/* The resource and scope of a decoded request as text. */
static __attribute__((unused)) void ref_dump_head(ga_buf *b, const ref_req_t *req)
{
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const ref_resource_spans_t *rs = req->resource_spans[i];
        ga_buf_printf(b, "resource_spans schema=[%s]\n", rs->schema_url ? rs->schema_url : "");
        if (rs->resource) {
            ga_buf_printf(b, "resource dropped=%u\n", rs->resource->dropped_attributes_count);
            ref_kvs(b, rs->resource->attributes, rs->resource->n_attributes);
        }
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            const ref_scope_spans_t *ss = rs->scope_spans[j];
            if (ss->scope)
                ga_buf_printf(b, "scope [%s] [%s] attrs=%zu\n", ss->scope->name ? ss->scope->name : "",
                              ss->scope->version ? ss->scope->version : "", ss->scope->n_attributes);
            ga_buf_printf(b, "spans=%zu schema=[%s]\n", ss->n_spans, ss->schema_url ? ss->schema_url : "");
        }
    }
}

/* Every span of a decoded request as text (the resource and scope: ref_dump_head). */
static __attribute__((unused)) void ref_dump_spans(ga_buf *b, const ref_req_t *req)
{
    for (size_t i = 0; i < req->n_resource_spans; i++)
        for (size_t j = 0; j < req->resource_spans[i]->n_scope_spans; j++) {
            const ref_scope_spans_t *ss = req->resource_spans[i]->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++)
                ref_dump_span(b, ss->spans[k]);
        }
}

#endif
