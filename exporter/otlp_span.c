/* otlp_span.c — the OTLP trace request written from records (contract in otlp_span.h).
 *
 * Field numbers (trace.proto): ExportTraceServiceRequest.resource_spans = 1;
 * ResourceSpans { resource = 1; scope_spans = 2 }; ScopeSpans { scope = 1; spans = 2 };
 * Span { trace_id = 1; span_id = 2; trace_state = 3; parent_span_id = 4; name = 5; kind = 6;
 * start_time_unix_nano = 7 (fixed64); end_time_unix_nano = 8 (fixed64); attributes = 9;
 * status = 15; flags = 16 (fixed32) }; Status { code = 3 }; Resource { attributes = 1 };
 * InstrumentationScope { name = 1; version = 2 }. */
#include <string.h>
#include "exporter/otlp_common.h"
#include "exporter/otlp_span.h"
#include "exporter/pbw.h"
#include "exporter/utf8.h"
#include "preload/config.h"
#include "preload/context.h"

#define GA__HEAD_VARINTS (4 * (1 + 5))  /* the head's four tags and four lengths, at most */

/* A string field of a message: tag, length, bytes; nothing for an empty string. */
static uint8_t *ga__str(uint8_t *p, uint8_t tag, const char *s, size_t n)
{
    return n ? ga_pb_bytes(p, tag, s, n) : p;
}

/* Repeated KeyValue field `tag` for every attribute of a[0..n) into b. 0 or -1. */
static int ga__put_kvs(ga_buf *b, uint8_t tag, const ga_attr *a, int n)
{
    for (int i = 0; i < n; i++) {
        ga_pbw_kvsize z;
        ga_pbw_kv_size(&a[i], &z);
        if (z.kv == 0)
            continue;
        uint8_t *p = ga_buf_room(b, 1 + 10 + z.kv);
        if (p == NULL)
            return -1;
        uint8_t *e = p;
        *e++ = tag;
        e = ga_pb_varint(e, z.kv);
        e = ga_pbw_kv(e, &a[i], &z);
        b->len += (size_t)(e - p);
    }
    return 0;
}

int ga_otlp_tr_init(ga_otlp_tr *t, const ga_attr *res, int nres, const char *scope_name,
                    const char *scope_version)
{
    ga_buf_reset(&t->res);
    ga_buf_reset(&t->scope);
    if (ga__put_kvs(&t->res, GA_PB_TAG(1, GA_PB_LEN), res, nres) < 0)
        return -1;
    size_t nl = strlen(scope_name), vl = strlen(scope_version);
    uint8_t *p = ga_buf_room(&t->scope, 2 * (1 + 10) + nl + vl);
    if (p == NULL)
        return -1;
    uint8_t *e = ga__str(p, GA_PB_TAG(1, GA_PB_LEN), scope_name, nl);
    e = ga__str(e, GA_PB_TAG(2, GA_PB_LEN), scope_version, vl);
    t->scope.len = (size_t)(e - p);
    t->head_room = t->res.len + t->scope.len + GA__HEAD_VARINTS;
    return 0;
}

void ga_otlp_tr_free(ga_otlp_tr *t)
{
    ga_buf_free(&t->res);
    ga_buf_free(&t->scope);
}

void ga_otlp_tr_begin(const ga_otlp_tr *t, ga_buf *out)
{
    ga_buf_reset(out);
    if (ga_buf_room(out, t->head_room + 4096) != NULL)
        out->len = t->head_room;
}

int ga_otlp_tr_end(const ga_otlp_tr *t, ga_buf *out, size_t *start)
{
    if (out->failed || out->len < t->head_room)
        return -1;
    size_t spans = out->len - t->head_room;
    size_t scope = ga_pb_field_size(t->scope.len);
    size_t ss = scope + spans;
    size_t rs = ga_pb_field_size(t->res.len) + ga_pb_field_size(ss);
    size_t head = 1 + ga_pb_varint_size(rs) + ga_pb_field_size(t->res.len) + 1 +
                  ga_pb_varint_size(ss) + scope;
    if (head + spans > GA_OTLP_MAX_REQUEST)
        return -1;
    *start = t->head_room - head;
    uint8_t *p = (uint8_t *)out->data + *start;
    *p++ = GA_PB_TAG(1, GA_PB_LEN);                         /* resource_spans */
    p = ga_pb_varint(p, rs);
    p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), t->res.data, t->res.len);   /* resource */
    *p++ = GA_PB_TAG(2, GA_PB_LEN);                         /* scope_spans */
    p = ga_pb_varint(p, ss);
    ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), t->scope.data, t->scope.len);  /* scope */
    return 0;
}

/* The span's tracestate: its record's, else TRACESTATE when the span belongs to the trace the
 * process continues from TRACEPARENT; NULL when none. */
static const char *ga__trace_state(const ga_rec *r, size_t *len)
{
    size_t off = 0;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, len))
        if (key == GA_A_TRACESTATE && type == GA_AT_STR && *len > 0)
            return (const char *)v;
    if (ga_cfg.tracestate[0] && ga_cfg.env_parent.valid &&
        memcmp(ga_cfg.env_parent.trace_id, r->h.trace_id, 16) == 0) {
        *len = strlen(ga_cfg.tracestate);
        return ga_cfg.tracestate;
    }
    return NULL;
}

int ga_otlp_tr_span(ga_buf *out, const ga_rec *r)
{
    char name[256];
    ga_attr at[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    size_t nl = ga_rec_span_name(r, name, sizeof name), tl = 0;
    int n = ga_rec_attrs(r, at, GA_MAX_ATTRS, &sc);
    const char *ts = ga__trace_state(r, &tl);
    return ga_otlp_tr_span_with(out, r, name, nl, at, n, ts, tl);
}

/* Lengths of the parts of one Span computed before it is written. */
typedef struct ga__sizes {
    ga_pbw_str name, ts;
    ga_pbw_kvsize kv[GA_MAX_ATTRS];
    size_t span;                        /* the Span message */
} ga__sizes;

static void ga__size(ga__sizes *z, const ga_rec *r, const char *name, size_t nl, const ga_attr *a,
                     int n, const char *ts, size_t tl)
{
    z->name.len = ga_utf8_pb_len(name, nl, &z->name.used);
    z->ts.len = z->ts.used = 0;
    if (ts != NULL)
        z->ts.len = ga_utf8_pb_len(ts, tl, &z->ts.used);
    size_t s = 18 + 10;                                     /* trace_id, span_id */
    s += z->ts.len ? ga_pb_field_size(z->ts.len) : 0;
    s += r->h.has_parent ? 10 : 0;
    s += z->name.len ? ga_pb_field_size(z->name.len) : 0;
    s += 2 + (r->h.start_ns ? 9 : 0) + (r->h.end_ns ? 9 : 0) + 6;    /* kind, times, flags */
    s += r->h.status != GA_STATUS_UNSET ? (r->h.status <= GA_STATUS_ERROR ? 4 : 2) : 0;
    for (int i = 0; i < n; i++) {
        ga_pbw_kv_size(&a[i], &z->kv[i]);
        if (z->kv[i].kv)
            s += ga_pb_field_size(z->kv[i].kv);
    }
    z->span = s;
}

/* A string field as checked by ga_utf8_pb_len(); nothing when it is empty. */
static uint8_t *ga__text(uint8_t *p, uint8_t tag, const char *s, const ga_pbw_str *z)
{
    if (z->len == 0)
        return p;
    *p++ = tag;
    p = ga_pb_varint(p, z->len);
    if (z->len == z->used)
        ga_pb_copy(p, s, z->len);
    else
        ga_utf8_repair((char *)p, s, z->used);
    return p + z->len;
}

int ga_otlp_tr_span_with(ga_buf *out, const ga_rec *r, const char *name, size_t name_len,
                         const ga_attr *a, int n, const char *ts, size_t ts_len)
{
    ga__sizes z;
    ga__size(&z, r, name, name_len, a, n, ts, ts_len);
    uint8_t *p0 = ga_buf_room(out, 1 + 10 + z.span), *p = p0;
    if (p == NULL)
        return -1;
    *p++ = GA_PB_TAG(2, GA_PB_LEN);                         /* ScopeSpans.spans */
    p = ga_pb_varint(p, z.span);
    p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), r->h.trace_id, 16);
    p = ga_pb_bytes(p, GA_PB_TAG(2, GA_PB_LEN), r->h.span_id, 8);
    p = ga__text(p, GA_PB_TAG(3, GA_PB_LEN), ts, &z.ts);
    if (r->h.has_parent)
        p = ga_pb_bytes(p, GA_PB_TAG(4, GA_PB_LEN), r->h.parent_id, 8);
    p = ga__text(p, GA_PB_TAG(5, GA_PB_LEN), name, &z.name);
    *p++ = GA_PB_TAG(6, GA_PB_VARINT);
    *p++ = r->h.kind ? r->h.kind : GA_KIND_INTERNAL;
    if (r->h.start_ns) {
        *p++ = GA_PB_TAG(7, GA_PB_I64);
        p = ga_pb_fixed64(p, r->h.start_ns);
    }
    if (r->h.end_ns) {
        *p++ = GA_PB_TAG(8, GA_PB_I64);
        p = ga_pb_fixed64(p, r->h.end_ns);
    }
    for (int i = 0; i < n; i++) {
        if (z.kv[i].kv == 0)
            continue;
        *p++ = GA_PB_TAG(9, GA_PB_LEN);
        p = ga_pb_varint(p, z.kv[i].kv);
        p = ga_pbw_kv(p, &a[i], &z.kv[i]);
    }
    if (r->h.status != GA_STATUS_UNSET) {
        *p++ = GA_PB_TAG(15, GA_PB_LEN);
        if (r->h.status <= GA_STATUS_ERROR) {
            *p++ = 2;
            *p++ = GA_PB_TAG(3, GA_PB_VARINT);
            *p++ = r->h.status;
        } else {
            *p++ = 0;                                       /* Status {} (code UNSET) */
        }
    }
    *p++ = (uint8_t)((16 << 3) | GA_PB_I32);                /* flags: field 16, two-byte tag */
    *p++ = 0x01;
    p = ga_pb_fixed32(p, r->h.trace_flags | GA_SF_HAS_IS_REMOTE |
                             (r->h.has_parent && r->h.parent_remote ? GA_SF_IS_REMOTE : 0));
    out->len += (size_t)(p - p0);
    return 0;
}
