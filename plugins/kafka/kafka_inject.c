/* kafka_inject.c — the tuples of a produce call and the context headers added to them: the
 * `traceparent`, and with b3/b3multi in OTEL_PROPAGATORS the `b3` / `X-B3-*` ones (contracts in
 * kafka_plugin.h).
 *
 * librdkafka's ownership rules (SPECS-2 §6.2) decide the shape:
 *  - a list passed with VTYPE_HEADERS belongs to the message only if the call succeeds; on
 *    failure the application still owns it (kcat retries with the same list, confluent-kafka
 *    destroys it). So the header is added to that list and removed again if the call fails:
 *    the application gets back exactly the list it passed. The list is never freed here.
 *  - no list (or VTYPE_HEADERS(NULL)): one more VTYPE_HEADER tuple; librdkafka copies it into
 *    a list of its own, which it frees on failure. Nothing is allocated here.
 *  - VTYPE_HEADER tuples: one more of them (librdkafka builds one list of all).
 *  - HEADER and HEADERS mixed, or an unknown vtype: the call is left exactly as it was.
 * A traceparent the application already set (its name in any case: `Traceparent` too) is never
 * replaced or duplicated: it becomes the parent of the PRODUCER span instead (an SDK in the
 * application). The same holds for its own `b3` / `X-B3-*` headers (any case) when a B3 format
 * is configured: a message that carries a context of a configured format gets nothing of ours. */
#include <stdlib.h>
#include <string.h>
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"
#include "preload/baggage.h"
#include "preload/config.h"
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/b3.h"
#include "protocols/w3c/tp_fast.h"

static const char ga__tp_name[] = "traceparent";
static const char ga__b3_name[] = "b3";
static const char *const ga__xb3_name[3] = { "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled" };
static const char ga__bag_name[] = "baggage";
#define GA__B3ANY (GA_PROP_B3 | GA_PROP_B3MULTI)

void ga_kf_msg_init(ga_kf_msg *m)
{
    *m = (ga_kf_msg){ .partition = GA_KF_PARTITION_UA };   /* stores, no memset call */
}

/* 1 when the NUL-terminated `name` (may be NULL) is `traceparent` in any ASCII case: a
 * `Traceparent` the application set is its context, as consumers that look the key up
 * case-insensitively (OpenTelemetry's Kafka getters, this library's) would read it; ours beside it
 * would be a second context in one record. Every tuple of every produce call passes here, so the
 * compare is specialised: every byte of `traceparent` is a lower-case letter, and c | 0x20 equals
 * one exactly when c is it or its upper case (a NUL becomes a space: the loop stops there, never
 * past the name's end). A name not starting with t/T costs one load and compare; the generic
 * ga_kafka_name_ieq folding both sides cost ~190 instructions more per matching name. */
static inline int ga__is_tp(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof ga__tp_name - 1; i++)
        if (((unsigned char)name[i] | 0x20) != (unsigned char)ga__tp_name[i])
            return 0;
    return name[sizeof ga__tp_name - 1] == '\0';
}

/* 1 for a B3 header name, any case: `b3` or `X-B3-*` (2 for `b3` itself); 0 otherwise. */
static int ga__b3_kind(const char *name)
{
    if (name == NULL)
        return 0;
    if ((name[0] | 0x20) == 'b')
        return name[1] == '3' && name[2] == '\0' ? 2 : 0;
    return (name[0] | 0x20) == 'x' && ga_kafka_name_ieq(name, "x-b3-", 5);
}

/* A VTYPE_HEADER tuple: counted; the application's first "traceparent" (any case) kept. Shared by
 * ga_kf_msg_note and ga_kf_pv_decode, so both read headers alike. */
static inline void ga__note_header(ga_kf_msg *m, const char *name, const void *val, ssize_t size)
{
    if (m->hdrs != NULL)
        m->conflict = 1;                        /* librdkafka: __CONFLICT */
    if (m->n_header < UINT8_MAX)
        m->n_header++;
    if (ga__is_tp(name) && !m->own_tp) {
        m->own_tp = 1;
        m->tp = val;
        m->tp_len = m->tp == NULL ? 0 : size >= 0 ? (size_t)size : strlen(m->tp);
        return;
    }
    if (name != NULL && (name[0] | 0x20) == 'b' && ga_kafka_name_ieq(name, ga__bag_name, sizeof ga__bag_name))
        m->own_bag = 1;                         /* (the compare takes in the NUL: the whole name) */
    int k = ga__b3_kind(name);
    if (k != 0) {
        m->own_b3 = 1;
        if (k == 2 && m->b3 == NULL && val != NULL) {
            m->b3 = val;
            m->b3_len = size >= 0 ? (size_t)size : strlen(m->b3);
        }
    }
}

/* A VTYPE_HEADERS tuple: the list librdkafka will use (the last one). */
static inline void ga__note_headers(ga_kf_msg *m, rd_kafka_headers_t *hdrs)
{
    if (m->n_header > 0)
        m->conflict = 1;
    m->hdrs = hdrs;
}

void ga_kf_msg_note(ga_kf_msg *m, const ga_kf_vu *v)
{
    switch (v->vtype) {
    case GA_KF_VT_TOPIC:     m->topic = v->u.cstr; break;
    case GA_KF_VT_RKT:       m->rkt = v->u.rkt; break;
    case GA_KF_VT_PARTITION: m->partition = v->u.i32; break;
    case GA_KF_VT_VALUE:     m->value = v->u.mem.ptr; m->value_len = v->u.mem.size; break;
    case GA_KF_VT_KEY:
        m->key = v->u.mem.ptr;
        m->key_len = v->u.mem.size;
        m->has_key = v->u.mem.ptr != NULL;
        break;
    case GA_KF_VT_HEADER:
        ga__note_header(m, v->u.header.name, v->u.header.val, v->u.header.size);
        break;
    case GA_KF_VT_HEADERS:
        ga__note_headers(m, v->u.headers);
        break;
    case GA_KF_VT_OPAQUE: case GA_KF_VT_MSGFLAGS: case GA_KF_VT_TIMESTAMP:
        break;
    default:
        m->unknown = 1;
        break;
    }
}

/* One tuple from ap into *v and its slots into s (n slots free); returns the slots used, 0 at
 * END, -1 for an unknown vtype. */
static int ga__pv_tuple(va_list *ap, ga_kf_vu *v, uint64_t *s)
{
    v->vtype = va_arg(*ap, int);
    s[0] = (uint64_t)(int64_t)v->vtype;
    switch (v->vtype) {
    case GA_KF_VT_END:
        return 0;
    case GA_KF_VT_TOPIC: case GA_KF_VT_RKT: case GA_KF_VT_OPAQUE: case GA_KF_VT_HEADERS:
        v->u.ptr = va_arg(*ap, void *);
        s[1] = (uint64_t)(uintptr_t)v->u.ptr;
        return 2;
    case GA_KF_VT_PARTITION: case GA_KF_VT_MSGFLAGS:
        v->u.i = va_arg(*ap, int);
        s[1] = (uint64_t)(int64_t)v->u.i;
        return 2;
    case GA_KF_VT_VALUE: case GA_KF_VT_KEY:
        v->u.mem.ptr = va_arg(*ap, void *);
        v->u.mem.size = va_arg(*ap, size_t);
        s[1] = (uint64_t)(uintptr_t)v->u.mem.ptr;
        s[2] = v->u.mem.size;
        return 3;
    case GA_KF_VT_TIMESTAMP:
        v->u.i64 = va_arg(*ap, int64_t);
        s[1] = (uint64_t)v->u.i64;
        return 2;
    case GA_KF_VT_HEADER:
        v->u.header.name = va_arg(*ap, const char *);
        v->u.header.val = va_arg(*ap, const void *);
        v->u.header.size = va_arg(*ap, ssize_t);
        s[1] = (uint64_t)(uintptr_t)v->u.header.name;
        s[2] = (uint64_t)(uintptr_t)v->u.header.val;
        s[3] = (uint64_t)v->u.header.size;
        return 4;
    default:
        return -1;
    }
}

/* Each tuple is read once, straight into its slots and the message's facts: no ga_kf_vu in
 * between and no per-tuple copy (this runs on every producev; it was ~260 instructions for
 * four tuples, read into a zeroed 4-slot buffer, copied, then noted). The slots are what
 * ga__pv_tuple stores (ints sign-extended); the facts are what ga_kf_msg_note notes. */
void ga_kf_pv_decode(ga_kf_pv *pv, va_list ap)
{
    va_list a;
    va_copy(a, ap);
    ga_kf_msg *m = &pv->m;
    uint64_t *s = pv->s;
    int n = 0;
    ga_kf_msg_init(m);
    pv->status = GA_KF_PV_OK;
    for (;;) {
        int vt = va_arg(a, int);
        if (vt == GA_KF_VT_END)
            break;
        if ((unsigned)vt < GA_KF_VT_COUNT && n + 4 > GA_KF_PV_CAP - 1) {
            pv->status = GA_KF_PV_OVERFLOW;     /* keep one slot for END */
            break;
        }
        s[n] = (uint64_t)(int64_t)vt;
        switch (vt) {
        case GA_KF_VT_TOPIC: {
            const char *t = va_arg(a, const char *);
            m->topic = t;
            s[n + 1] = (uint64_t)(uintptr_t)t;
            n += 2;
            break;
        }
        case GA_KF_VT_RKT: {
            rd_kafka_topic_t *t = va_arg(a, rd_kafka_topic_t *);
            m->rkt = t;
            s[n + 1] = (uint64_t)(uintptr_t)t;
            n += 2;
            break;
        }
        case GA_KF_VT_OPAQUE:
            s[n + 1] = (uint64_t)(uintptr_t)va_arg(a, void *);
            n += 2;
            break;
        case GA_KF_VT_HEADERS: {
            rd_kafka_headers_t *h = va_arg(a, rd_kafka_headers_t *);
            ga__note_headers(m, h);
            s[n + 1] = (uint64_t)(uintptr_t)h;
            n += 2;
            break;
        }
        case GA_KF_VT_PARTITION: {
            int p = va_arg(a, int);
            m->partition = p;
            s[n + 1] = (uint64_t)(int64_t)p;
            n += 2;
            break;
        }
        case GA_KF_VT_MSGFLAGS:
            s[n + 1] = (uint64_t)(int64_t)va_arg(a, int);
            n += 2;
            break;
        case GA_KF_VT_VALUE: {
            const void *v = va_arg(a, const void *);
            size_t len = va_arg(a, size_t);
            m->value = v;
            m->value_len = len;
            s[n + 1] = (uint64_t)(uintptr_t)v;
            s[n + 2] = len;
            n += 3;
            break;
        }
        case GA_KF_VT_KEY: {
            const void *k = va_arg(a, const void *);
            size_t len = va_arg(a, size_t);
            m->key = k;
            m->key_len = len;
            m->has_key = k != NULL;
            s[n + 1] = (uint64_t)(uintptr_t)k;
            s[n + 2] = len;
            n += 3;
            break;
        }
        case GA_KF_VT_TIMESTAMP:
            s[n + 1] = (uint64_t)va_arg(a, int64_t);
            n += 2;
            break;
        case GA_KF_VT_HEADER: {
            const char *name = va_arg(a, const char *);
            const void *val = va_arg(a, const void *);
            ssize_t size = va_arg(a, ssize_t);
            ga__note_header(m, name, val, size);
            s[n + 1] = (uint64_t)(uintptr_t)name;
            s[n + 2] = (uint64_t)(uintptr_t)val;
            s[n + 3] = (uint64_t)size;
            n += 4;
            break;
        }
        default:
            /* Forward the vtype and a window of raw slots after it: a newer librdkafka that
             * knows it reads what it needs and stops at the caller's END. */
            m->unknown = 1;
            pv->status = GA_KF_PV_UNKNOWN;
            n++;
            for (int w = 0; w < GA_KF_PV_RAW && n < GA_KF_PV_CAP; w++)
                s[n++] = va_arg(a, uint64_t);
            goto out;
        }
    }
out:
    pv->n = n;
    va_end(a);
}

ga_kf_vu *ga_kf_pv_vus(va_list ap, size_t *n)
{
    va_list a;
    va_copy(a, ap);
    size_t cap = 64, k = 0;
    ga_kf_vu *v = malloc(cap * sizeof *v);
    for (;;) {
        uint64_t t[4];
        if (v == NULL)
            break;
        if (k == cap) {
            ga_kf_vu *nv = realloc(v, 2 * cap * sizeof *v);
            if (nv == NULL) {
                free(v);
                v = NULL;
                break;
            }
            v = nv;
            cap *= 2;
        }
        int r = ga__pv_tuple(&a, &v[k], t);
        if (r == 0)
            break;
        if (r < 0) {
            free(v);
            v = NULL;
            break;
        }
        k++;
    }
    va_end(a);
    *n = k;
    return v;
}

/* The application's single `b3` value as the PRODUCER span's parent (a span of its own SDK in
 * this process): *p untouched unless it parses. An undecided sampling is ours, as for a root. */
static void ga__b3_parent(const char *v, size_t n, ga_span_ctx *p)
{
    ga_span_ctx c;
    int sampling = GA_B3_DEFER;
    if (v == NULL || ga_b3_parse(v, n, &c, &sampling) != 0)
        return;
    if (sampling == GA_B3_DEFER)
        c.flags = ga_sample(c.trace_id, NULL) ? GA_TF_SAMPLED : 0;
    c.remote = 0;
    *p = c;
}

/* The plan for the application's list h (fmt: ga_kafka_cfg.inject), from one walk of it by
 * index: librdkafka's lookup by name (rd_kafka_header_get_last) is exact, and a `Traceparent`,
 * `B3` or `x-b3-spanid` of the application's is its context all the same. Its last traceparent
 * (any case, the one get_last would pick were it spelt so) parents *p; else, with a B3 format
 * configured, its first `b3` that parses. NONE when the list holds a context of a configured
 * format, or cannot be walked (nothing is added then); else LIST (NONE when fmt is 0). */
static int ga__list_plan(rd_kafka_headers_t *h, unsigned fmt, ga_span_ctx *p)
{
    ga_kf_rd_kafka_header_get_all_fn all = GA_KF_HELPER(rd_kafka_header_get_all);
    const char *name;
    const void *v, *tp = NULL;
    size_t len, tp_len = 0;
    int has_tp = 0, has_b3 = 0;
    ga_span_ctx b3p;
    b3p.valid = 0;
    if (all == NULL)
        return GA_KF_INJ_NONE;
    for (size_t i = 0; all(h, i, &name, &v, &len) == GA_KF_ERR_NO_ERROR; i++) {
        if (ga__is_tp(name)) {
            has_tp = 1;
            tp = v;
            tp_len = len;
        } else if (fmt & GA__B3ANY) {
            int k = ga__b3_kind(name);
            if (k == 2 && !b3p.valid)
                ga__b3_parent(v, len, &b3p);
            has_b3 |= k != 0;
        }
    }
    if (has_tp && tp != NULL && ga_tp_parse(tp, tp_len, p) == 0)
        p->remote = 0;
    if (has_tp && (fmt == 0 || (fmt & GA_PROP_TC)))
        return GA_KF_INJ_NONE;
    if (has_b3) {
        if (!p->valid && b3p.valid)
            *p = b3p;
        return GA_KF_INJ_NONE;
    }
    return fmt ? GA_KF_INJ_LIST : GA_KF_INJ_NONE;
}

int ga_kf_inject_plan_slow(const ga_kf_msg *m, ga_span_ctx *app_parent)
{
    unsigned fmt = ga_kafka_cfg.inject;
    int own = 0;                            /* a context of a configured format is there */
    app_parent->valid = 0;
    if (m->conflict || m->unknown)
        return GA_KF_INJ_NONE;
    if (m->own_tp) {
        if (m->tp != NULL && ga_tp_parse(m->tp, m->tp_len, app_parent) == 0)
            app_parent->remote = 0;
        own = fmt == 0 || (fmt & GA_PROP_TC);
    }
    if (m->own_b3 && (fmt & GA__B3ANY)) {
        if (!app_parent->valid)
            ga__b3_parent(m->b3, m->b3_len, app_parent);
        own = 1;
    }
    if (own)
        return GA_KF_INJ_NONE;
    if (m->hdrs != NULL)
        return ga__list_plan(m->hdrs, fmt, app_parent);
    return fmt ? GA_KF_INJ_TUPLE : GA_KF_INJ_NONE;
}

int ga_kf_inject_list(const ga_kf_msg *m, const char *tp)
{
    ga_kf_rd_kafka_header_add_fn add = GA_KF_HELPER(rd_kafka_header_add);
    ga_kf_rd_kafka_header_remove_fn rm = GA_KF_HELPER(rd_kafka_header_remove);
    if (add == NULL || rm == NULL)          /* no undo possible: do not start */
        return GA_KF_INJ_NONE;
    return add(m->hdrs, ga__tp_name, (ssize_t)(sizeof ga__tp_name - 1), tp, 55) == GA_KF_ERR_NO_ERROR
               ? GA_KF_INJ_LIST : GA_KF_INJ_NONE;
}

void ga_kf_hset_fill(ga_kf_hset *h, const ga_span_ids *ids, unsigned fmt)
{
    int n = 0;
    /* One traceparent text, made by the table-driven formatter, holds every value: the B3
     * ones are its trace and span digits (ga_b3_format's byte loop cost ~200 more). */
    ga_tp_format(ids, h->tp);
    if (fmt & GA_PROP_TC) {
        h->name[n] = ga__tp_name;
        h->val[n] = h->tp;
        h->len[n++] = 55;
    }
    if (fmt & GA__B3ANY) {
        memcpy(h->b3, h->tp + 3, 50);       /* {32 trace}-{16 span}- */
        h->b3[50] = (ids->flags & GA_TF_SAMPLED) ? '1' : '0';
    }
    if (fmt & GA_PROP_B3) {
        h->name[n] = ga__b3_name;
        h->val[n] = h->b3;
        h->len[n++] = GA_B3_LEN;
    }
    if (fmt & GA_PROP_B3MULTI) {
        static const uint8_t off[3] = { 0, 33, 50 }, len[3] = { 32, 16, 1 };
        for (int k = 0; k < 3; k++) {
            h->name[n] = ga__xb3_name[k];
            h->val[n] = h->b3 + off[k];
            h->len[n++] = len[k];
        }
    }
    h->n = n;
}

int ga_kf_hset_slots(const ga_kf_hset *h, uint64_t *s, int n, int cap)
{
    if (n + 4 * h->n >= cap)                /* keep one slot for END */
        return n;
    for (int k = 0; k < h->n; k++, n += 4) {
        s[n] = GA_KF_VT_HEADER;
        s[n + 1] = (uint64_t)(uintptr_t)h->name[k];
        s[n + 2] = (uint64_t)(uintptr_t)h->val[k];
        s[n + 3] = h->len[k];
    }
    return n;
}

/* 1 when the list h holds a header named `baggage`, any case. */
static int ga__list_has_bag(rd_kafka_headers_t *h)
{
    ga_kf_rd_kafka_header_get_all_fn all = GA_KF_HELPER(rd_kafka_header_get_all);
    const char *name;
    const void *v;
    size_t len;
    if (all == NULL)
        return 1;                               /* cannot tell: add nothing */
    for (size_t i = 0; all(h, i, &name, &v, &len) == GA_KF_ERR_NO_ERROR; i++)
        if (name != NULL && ga_kafka_name_ieq(name, ga__bag_name, sizeof ga__bag_name))
            return 1;
    return 0;
}

void ga_kf_hset_bag(ga_kf_hset *h, const ga_kf_msg *m)
{
    const char *bag;
    size_t n;
    if (!ga_kafka_cfg.bag || m->own_bag || h->n >= GA_KF_HSET_MAX ||
        (n = ga_baggage_outgoing(&bag)) == 0 || (m->hdrs != NULL && ga__list_has_bag(m->hdrs)))
        return;
    h->name[h->n] = ga__bag_name;
    h->val[h->n] = bag;
    h->len[h->n++] = (uint16_t)n;
}

int ga_kf_inject_list_set(ga_kf_msg *m, const ga_kf_hset *h)
{
    ga_kf_rd_kafka_header_add_fn add = GA_KF_HELPER(rd_kafka_header_add);
    ga_kf_rd_kafka_header_remove_fn rm = GA_KF_HELPER(rd_kafka_header_remove);
    if (add == NULL || rm == NULL || h->n == 0)
        return GA_KF_INJ_NONE;
    for (int k = 0; k < h->n; k++) {
        if (add(m->hdrs, h->name[k], -1, h->val[k], h->len[k]) != GA_KF_ERR_NO_ERROR) {
            while (k-- > 0)                 /* none of these names was there before ours */
                rm(m->hdrs, h->name[k]);
            return GA_KF_INJ_NONE;
        }
        if (h->name[k] == ga__bag_name)
            m->bag_added = 1;
    }
    return GA_KF_INJ_LIST;
}

void ga_kf_inject_remove(const ga_kf_msg *m)
{
    ga_kf_rd_kafka_header_remove_fn rm = GA_KF_HELPER(rd_kafka_header_remove);
    unsigned fmt = ga_kafka_cfg.inject;
    if (rm == NULL)
        return;
    if (fmt & GA_PROP_TC)
        rm(m->hdrs, ga__tp_name);           /* there was none before ours */
    if (fmt & GA_PROP_B3)
        rm(m->hdrs, ga__b3_name);           /* nor any B3 header, any case */
    if (fmt & GA_PROP_B3MULTI)
        for (int k = 0; k < 3; k++)
            rm(m->hdrs, ga__xb3_name[k]);
    if (m->bag_added)
        rm(m->hdrs, ga__bag_name);          /* nor a baggage (ga_kf_hset_bag) */
}
