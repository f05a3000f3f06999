/* otlp_span.c — the OTLP trace request written from records (contract in otlp_span.h).
 *
 * Field numbers (trace.proto): ExportTraceServiceRequest.resource_spans = 1;
 * ResourceSpans { resource = 1; scope_spans = 2 }; ScopeSpans { scope = 1; spans = 2 };
 * Span { trace_id = 1; span_id = 2; trace_state = 3; parent_span_id = 4; name = 5; kind = 6;
 * start_time_unix_nano = 7 (fixed64); end_time_unix_nano = 8 (fixed64); attributes = 9;
 * status = 15; flags = 16 (fixed32) }; Status { code = 3 }; Resource { attributes = 1 };
 * InstrumentationScope { name = 1; version = 2 }. */
#include <stddef.h>
#include <string.h>
#include "exporter/otlp_common.h"
#include "exporter/memo.h"
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

/* ---- one Span ----------------------------------------------------------------------------
 * Written in one pass: the ScopeSpans.spans tag, two bytes reserved for the Span's length,
 * the fields before the attributes, each attribute as the decoders hand it over (wire-mode
 * writer), status and flags; then the length goes into the reserved bytes (the body moves by
 * one byte in the rare cases where it needs one or three). */

#define GA__SPAN_ROOM 8192              /* a span's bytes, nearly always enough */
#define GA__TAIL 16                     /* status and flags */

/* A string field of n bytes of s, checked for UTF-8 and cut at a NUL; nothing when empty. */
static uint8_t *ga__text(uint8_t *p, uint8_t tag, const char *s, size_t n)
{
    size_t used, len = ga_utf8_pb_len(s, n, &used);
    if (len == 0)
        return p;
    *p++ = tag;
    p = ga_pb_varint(p, len);
    if (len == used)
        ga_pb_copy(p, s, len);
    else
        ga_utf8_repair((char *)p, s, used);
    return p + len;
}

/* Span fields 1 to 8: ids, tracestate, parent, name, kind, times. */
static uint8_t *ga__head(uint8_t *p, const ga_rec *r, const char *name, size_t nl, const char *ts,
                         size_t tl)
{
    p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), r->h.trace_id, 16);
    p = ga_pb_bytes(p, GA_PB_TAG(2, GA_PB_LEN), r->h.span_id, 8);
    if (ts != NULL)
        p = ga__text(p, GA_PB_TAG(3, GA_PB_LEN), ts, tl);
    if (r->h.has_parent)
        p = ga_pb_bytes(p, GA_PB_TAG(4, GA_PB_LEN), r->h.parent_id, 8);
    p = ga__text(p, GA_PB_TAG(5, GA_PB_LEN), name, nl);
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
    return p;
}

/* Span fields 15 and 16: status (when set), flags. */
static uint8_t *ga__tail(uint8_t *p, const ga_rec *r)
{
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
    return ga_pb_fixed32(p, r->h.trace_flags | GA_SF_HAS_IS_REMOTE |
                                (r->h.has_parent && r->h.parent_remote ? GA_SF_IS_REMOTE : 0));
}

/* The Span's tag and length in front of its body at p0 + 3 .. end (three bytes were left free
 * before it, the body starting at p0 + 3 with its length unknown then); returns the end of the
 * field. The room has one spare byte at the end for a 3-byte length. */
static uint8_t *ga__frame(uint8_t *p0, uint8_t *end)
{
    uint8_t *body = p0 + 3;
    size_t len = (size_t)(end - body);
    size_t vs = ga_pb_varint_size(len);
    if (vs != 2) {
        memmove(p0 + 1 + vs, body, len);
        end = p0 + 1 + vs + len;
    }
    p0[0] = GA_PB_TAG(2, GA_PB_LEN);                        /* ScopeSpans.spans */
    ga_pb_varint(p0 + 1, len);
    return end;
}

/* What a span record's content gives, kept per distinct content: its name and the bytes of
 * its attributes fields are a function of (protocol, op, the record's attribute bytes), and
 * records repeat (one endpoint on one connection: the same page, the same Redis key, the same
 * prepared statement). A record seen before costs a hash, a comparison and a copy. */
#define GA__MEMO_BYTES 1280

typedef struct ga__span_memo {
    uint16_t name_len, attrs_len;
    uint16_t ts_off;                    /* the TRACESTATE value's offset in the record's TLV, */
    uint16_t ts_len;                    /* or ts_len 0 */
    uint8_t ok;                         /* filled (it fitted) */
    uint8_t bytes[GA__MEMO_BYTES];      /* the name, then the attributes fields */
} ga__span_memo;

_Static_assert(offsetof(ga__span_memo, ok) < GA_MEMO_ZEROED, "ok must start zeroed");

static ga_memo ga__spans = GA_MEMO_INIT(GA_REC_ATTR_CAP, sizeof(ga__span_memo), 128);

/* The tracestate of a record whose TLV holds none: TRACESTATE for the trace continued from
 * TRACEPARENT, else none. */
static const char *ga__env_trace_state(const ga_rec *r, size_t *len)
{
    if (ga_cfg.tracestate[0] && ga_cfg.env_parent.valid &&
        memcmp(ga_cfg.env_parent.trace_id, r->h.trace_id, 16) == 0) {
        *len = strlen(ga_cfg.tracestate);
        return ga_cfg.tracestate;
    }
    return NULL;
}

/* The Span of a record seen before, from its memo. */
static int ga__span_from_memo(ga_buf *out, const ga_rec *r, const ga__span_memo *m)
{
    size_t tl = m->ts_len;
    const char *ts = tl ? (const char *)r->attrs + m->ts_off : ga__env_trace_state(r, &tl);
    uint8_t *p0 = ga_buf_room(out, 96 + 3 * (m->name_len + tl) + m->attrs_len + GA__TAIL + 1);
    if (p0 == NULL)
        return -1;
    uint8_t *p = ga__head(p0 + 3, r, (const char *)m->bytes, m->name_len, ts, tl);
    memcpy(p, m->bytes + m->name_len, m->attrs_len);
    p = ga__frame(p0, ga__tail(p + m->attrs_len, r));
    out->len += (size_t)(p - p0);
    return 0;
}

/* Keep what this record gave (when it fits). */
static void ga__span_to_memo(ga__span_memo *m, const ga_rec *r, const char *name, size_t nl,
                             const char *ts, size_t tl, const uint8_t *attrs, size_t al)
{
    if (nl + al > GA__MEMO_BYTES)
        return;
    m->name_len = (uint16_t)nl;
    m->attrs_len = (uint16_t)al;
    m->ts_len = 0;
    if (ts != NULL && ts >= (const char *)r->attrs && ts < (const char *)r->attrs + GA_REC_ATTR_CAP) {
        m->ts_off = (uint16_t)(ts - (const char *)r->attrs);
        m->ts_len = (uint16_t)tl;
    }
    memcpy(m->bytes, name, nl);
    memcpy(m->bytes + nl, attrs, al);
    m->ok = 1;
}

int ga_otlp_tr_span(ga_buf *out, const ga_rec *r)
{
    int fresh;
    size_t tlv = r->h.attr_len <= GA_REC_ATTR_CAP ? r->h.attr_len : 0;
    ga__span_memo *m = ga_memo_get_tagged(&ga__spans, r->h.proto | (uint32_t)r->h.op << 8,
                                          r->attrs, tlv, &fresh);
    if (m != NULL && !fresh && m->ok)
        return ga__span_from_memo(out, r, m);
    char name[256];
    ga_attr_scratch sc;
    size_t nl = ga_rec_span_name(r, name, sizeof name), tl = 0;
    const char *ts = ga__trace_state(r, &tl);
    for (size_t room = GA__SPAN_ROOM; room <= (1u << 20); room *= 4) {
        uint8_t *p0 = ga_buf_room(out, room + 1);
        if (p0 == NULL)
            return -1;
        uint8_t *p = ga__head(p0 + 3, r, name, nl, ts, tl);
        ga_aw w = { .max = GA_MAX_ATTRS, .p = p, .end = p0 + room - GA__TAIL, .sc = &sc };
        ga_rec_attrs_w(r, &w);
        if (w.overflow)
            continue;                                       /* a huge span: more room */
        if (m != NULL && fresh)
            ga__span_to_memo(m, r, name, nl, ts, tl, p, (size_t)(w.p - p));
        p = ga__frame(p0, ga__tail(w.p, r));
        out->len += (size_t)(p - p0);
        return 0;
    }
    return -1;
}

int ga_otlp_tr_span_with(ga_buf *out, const ga_rec *r, const char *name, size_t name_len,
                         const ga_attr *a, int n, const char *ts, size_t ts_len)
{
    size_t room = 96 + 3 * (name_len + ts_len) + GA__TAIL;
    ga_pbw_kvsize z[GA_MAX_ATTRS];
    n = n < GA_MAX_ATTRS ? n : GA_MAX_ATTRS;
    for (int i = 0; i < n; i++) {
        ga_pbw_kv_size(&a[i], &z[i]);
        room += 1 + 5 + z[i].kv;
    }
    uint8_t *p0 = ga_buf_room(out, room + 1), *p;
    if (p0 == NULL)
        return -1;
    p = ga__head(p0 + 3, r, name, name_len, ts, ts_len);
    for (int i = 0; i < n; i++) {
        if (z[i].kv == 0)
            continue;
        *p++ = GA_PB_TAG(9, GA_PB_LEN);
        p = ga_pb_varint(p, z[i].kv);
        p = ga_pbw_kv(p, &a[i], &z[i]);
    }
    p = ga__frame(p0, ga__tail(p, r));
    out->len += (size_t)(p - p0);
    return 0;
}

/* ---- the wire-mode attribute writer (attrs.h) -------------------------------------------- */

/* KeyValue field (Span.attributes) with key `key` and an AnyValue of `any` bytes whose
 * content the caller writes: the field's size, or 0 when it does not fit before w->end
 * (w->overflow is then set). *kl gets the key's length. */
GA_PB_INLINE uint8_t *ga__kv_head(ga_aw *w, const char *key, uint8_t klen, size_t any)
{
    size_t kl = klen ? klen : strlen(key);
    size_t kv = (kl ? ga_pb_field_size(kl) : 0) + ga_pb_field_size(any);
    if ((size_t)(w->end - w->p) < ga_pb_field_size(kv)) {
        w->overflow = 1;
        return NULL;
    }
    uint8_t *p = w->p;
    *p++ = GA_PB_TAG(9, GA_PB_LEN);
    p = ga_pb_varint(p, kv);
    if (kl)
        p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), key, kl);
    *p++ = GA_PB_TAG(2, GA_PB_LEN);
    return ga_pb_varint(p, any);
}

/* Any attribute: every length computed, strings repaired, keys measured. */
static __attribute__((noinline)) void ga__wire_str_any(ga_aw *w, const char *key, uint8_t klen,
                                                       const char *s, size_t len)
{
    size_t used, sl = ga_utf8_pb_len(s, len, &used);
    uint8_t *p;
    if (key == NULL || (p = ga__kv_head(w, key, klen, ga_pb_field_size(sl))) == NULL)
        return;
    *p++ = GA_PB_TAG(1, GA_PB_LEN);                         /* AnyValue.string_value */
    p = ga_pb_varint(p, sl);
    if (sl == used)
        ga_pb_copy(p, s, sl);
    else
        ga_utf8_repair((char *)p, s, used);
    w->p = p + sl;
}

static __attribute__((noinline)) void ga__wire_int_any(ga_aw *w, const char *key, uint8_t klen,
                                                       int64_t v)
{
    uint8_t *p;
    if (key == NULL || (p = ga__kv_head(w, key, klen, 1 + ga_pb_varint_size((uint64_t)v))) == NULL)
        return;
    *p++ = GA_PB_TAG(3, GA_PB_VARINT);                      /* AnyValue.int_value */
    w->p = ga_pb_varint(p, (uint64_t)v);
}

void ga_aw_wire_bool(ga_aw *w, const char *key, uint8_t klen, int v)
{
    uint8_t *p;
    w->n++;
    if (key == NULL || (p = ga__kv_head(w, key, klen, 2)) == NULL)
        return;
    *p++ = GA_PB_TAG(2, GA_PB_VARINT);                      /* AnyValue.bool_value */
    *p++ = v ? 1 : 0;
    w->p = p;
}

/* The common cases in one go: a literal key, a plain ASCII value, every length one byte:
 *   0x4a kv 0x0a klen key... 0x12 any 0x0a len value...   (string)
 *   0x4a kv 0x0a klen key... 0x12 any 0x18 varint          (integer) */
void ga_aw_wire_str(ga_aw *w, const char *key, uint8_t klen, const char *s, size_t len)
{
    uint8_t *p = w->p;
    w->n++;
    if (klen == 0 || len + klen >= 120 || (size_t)(w->end - p) < 8 + (size_t)klen + len ||
        !ga_utf8_plain(s, len)) {
        ga__wire_str_any(w, key, klen, s, len);
        return;
    }
    p[0] = GA_PB_TAG(9, GA_PB_LEN);
    p[1] = (uint8_t)(6 + klen + len);
    p[2] = GA_PB_TAG(1, GA_PB_LEN);
    p[3] = klen;
    ga_pb_copy(p + 4, key, klen);
    p += 4 + klen;
    p[0] = GA_PB_TAG(2, GA_PB_LEN);
    p[1] = (uint8_t)(2 + len);
    p[2] = GA_PB_TAG(1, GA_PB_LEN);
    p[3] = (uint8_t)len;
    ga_pb_copy(p + 4, s, len);
    w->p = p + 4 + len;
}

void ga_aw_wire_int(ga_aw *w, const char *key, uint8_t klen, int64_t v)
{
    uint8_t *p = w->p;
    w->n++;
    if (klen == 0 || klen >= 100 || (uint64_t)v >= (1u << 14) ||
        (size_t)(w->end - p) < 10 + (size_t)klen) {
        ga__wire_int_any(w, key, klen, v);
        return;
    }
    size_t vs = v < 0x80 ? 1 : 2;
    p[0] = GA_PB_TAG(9, GA_PB_LEN);
    p[1] = (uint8_t)(5 + klen + vs);
    p[2] = GA_PB_TAG(1, GA_PB_LEN);
    p[3] = klen;
    ga_pb_copy(p + 4, key, klen);
    p += 4 + klen;
    p[0] = GA_PB_TAG(2, GA_PB_LEN);
    p[1] = (uint8_t)(1 + vs);
    p[2] = GA_PB_TAG(3, GA_PB_VARINT);
    w->p = ga_pb_varint(p + 3, (uint64_t)v);
}
