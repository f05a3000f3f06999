/* kafka_rkm.c — a consumed message's producer context: its traceparent, and with b3/b3multi in
 * OTEL_PROPAGATORS its `b3` / `X-B3-*` headers (contracts and the why in kafka_rkm.h). */
#include <string.h>
#include "preload/config.h"
#include "protocols/w3c/b3.h"
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/tp_fast.h"
#include "plugins/kafka/kafka_rkm.h"
#include "plugins/kafka/kafka_lib.h"

static const char ga__tp_name[] = "traceparent";
_Atomic int ga_kf_rkm_layout;

int ga_kf_rkm_layout_known(int v)
{
    return sizeof(void *) == 8 && v >= 0x01060000 && v <= 0x020fffff;
}

void ga_kf_rkm_reset(void)
{
    atomic_store_explicit(&ga_kf_rkm_layout, 0, memory_order_relaxed);
}

static int ga__raw(void)
{
    int l = atomic_load_explicit(&ga_kf_rkm_layout, memory_order_relaxed);
    if (ga_likely(l != 0))
        return l == 1;
    ga_kf_rd_kafka_version_fn ver = GA_KF_HELPER(rd_kafka_version);
    l = ver != NULL && ga_kf_rkm_layout_known(ver()) ? 1 : 2;
    atomic_store_explicit(&ga_kf_rkm_layout, l, memory_order_relaxed);
    return l == 1;
}

/* The value of h's last header named `name` in any ASCII case, as ga_kafka_hdr_last reads an
 * unparsed block: through rd_kafka_header_get_all, since librdkafka's lookup by name
 * (rd_kafka_header_get_last) is exact. get_last, exact, only when get_all is missing (every
 * librdkafka with headers has both). Returns 1 with *v / *n set (a null value counts as
 * absent), 0 if none. */
static int ga__list_last(rd_kafka_headers_t *h, const char *name, const void **v, size_t *n)
{
    ga_kf_rd_kafka_header_get_all_fn all = GA_KF_HELPER(rd_kafka_header_get_all);
    size_t nl = strlen(name), kn;
    const char *k;
    const void *kv;
    int found = 0;
    if (all == NULL) {
        ga_kf_rd_kafka_header_get_last_fn get = GA_KF_HELPER(rd_kafka_header_get_last);
        return get != NULL && get(h, name, v, n) == GA_KF_ERR_NO_ERROR && *v != NULL;
    }
    for (size_t i = 0; all(h, i, &k, &kv, &kn) == GA_KF_ERR_NO_ERROR; i++)
        if (k != NULL && ga_kafka_name_ieq(k, name, nl) && k[nl] == '\0') {
            *v = kv;
            *n = kn;
            found = 1;
        }
    return found && *v != NULL;
}

void ga_kf_message_parent_public(const ga_kf_message *m, rd_kafka_headers_t *h, ga_span_ctx *p)
{
    ga_kf_rd_kafka_message_headers_fn mh = GA_KF_HELPER(rd_kafka_message_headers);
    const void *v = NULL;
    size_t len = 0;
    p->valid = 0;
    if (h == NULL && (mh == NULL || mh(m, &h) != GA_KF_ERR_NO_ERROR || h == NULL))
        return;
    if (ga__list_last(h, ga__tp_name, &v, &len))
        ga_tp_parse(v, len, p);
}

void ga_kf_message_parent_slow(const ga_kf_message *m, ga_span_ctx *p)
{
    if (ga__raw())
        ga_kf_message_parent_raw(m, p);     /* the layout is known now */
    else
        ga_kf_message_parent_public(m, NULL, p);
}

/* m's unparsed header block (*data may be NULL, *len <= 0: none) when the layout is known and
 * nobody parsed the block yet: 1; else 0 (the public list is the way). */
static int ga__block(const ga_kf_message *m, const uint8_t **data, int32_t *len)
{
    const char *base = (const char *)m;
    rd_kafka_headers_t *parsed;
    int32_t flags;
    if (!ga__raw())
        return 0;
    memcpy(&parsed, base + GA_KF_RKM_HEADERS, sizeof parsed);
    memcpy(&flags, base + GA_KF_RKM_FLAGS, sizeof flags);
    if (parsed != NULL || (flags & GA_KF_RKM_F_PRODUCER))
        return 0;
    memcpy(len, base + GA_KF_RKM_BINHDRS_LEN, sizeof *len);
    memcpy(data, base + GA_KF_RKM_BINHDRS_DATA, sizeof *data);
    return 1;
}

/* The value of m's last header `name` (any ASCII case): from the unparsed
 * block when the layout is known and nobody parsed it yet, else through the public list (built
 * now if it was not). Returns 1 with *v / *n set (a null value counts as absent), 0 if none. */
static int ga__hdr(const ga_kf_message *m, const char *name, const char **v, size_t *n)
{
    const uint8_t *data, *val;
    int32_t len;
    if (ga__block(m, &data, &len)) {
        if (len <= 0 || data == NULL ||
            ga_kafka_hdr_last(data, (size_t)len, name, strlen(name), &val, n) != GA_KAFKA_HDR_FOUND ||
            val == NULL)
            return 0;
        *v = (const char *)val;
        return 1;
    }
    ga_kf_rd_kafka_message_headers_fn mh = GA_KF_HELPER(rd_kafka_message_headers);
    rd_kafka_headers_t *h = NULL;
    const void *pv = NULL;
    if (mh == NULL || mh(m, &h) != GA_KF_ERR_NO_ERROR || h == NULL || !ga__list_last(h, name, &pv, n))
        return 0;
    *v = pv;
    return 1;
}

size_t ga_kf_message_baggage(const ga_kf_message *m, const char **v)
{
    const uint8_t *d;
    int32_t len;
    size_t n = 0;
    /* The usual record (what this library's producers write): one header, a traceparent — a
     * count of 1 and a key length of 11, zigzag varints 2 and 22. No baggage, no scan. */
    if (ga__block(m, &d, &len) && (len <= 0 || d == NULL ||
                                   (len > 13 && d[0] == 2 && d[1] == 22 && memcmp(d + 2, ga__tp_name, 11) == 0)))
        return 0;
    return ga__hdr(m, "baggage", v, &n) ? n : 0;
}

/* ga_b3_parse for a value of the usual shape `{32 hex}-{16 hex}-{1|0|d}` (what this library,
 * Brave and the OpenTelemetry SDKs write), through the table-driven traceparent decoder: the
 * same ids as a `00-…-01|00` traceparent, at a fifth of the B3 parser's per-digit cost. Any
 * other shape, or one that decoder refuses (upper-case hex), goes to ga_b3_parse: the accepted
 * set and the result are ga_b3_parse's. */
static int ga__b3_single(const char *v, size_t n, ga_span_ctx *p, int *sampling)
{
    char tp[55];
    if (n == GA_B3_LEN && v[32] == '-' && v[49] == '-' && (v[50] == '1' || v[50] == '0' || v[50] == 'd')) {
        memcpy(tp, "00-", 3);
        memcpy(tp + 3, v, 50);              /* trace-span- */
        tp[53] = '0';
        tp[54] = v[50] == '0' ? '0' : '1';  /* debug is sampled */
        if (ga_tp_parse(tp, sizeof tp, p) == 0) {
            *sampling = v[50] == '1' ? GA_B3_ACCEPT : v[50] == '0' ? GA_B3_DENY : GA_B3_DEBUG;
            return 0;
        }
    }
    return ga_b3_parse(v, n, p, sampling);
}

/* m's B3 context into *p: the `b3` header first, then the X-B3 ones — each name in any case, so
 * that the Java SDKs' and Brave's `X-B3-TraceId` and the Go, Python and JS SDKs' `x-b3-traceid`
 * are both read (the header lookups fold case). Returns 1 when one is valid. An undecided
 * sampling is ours, as for a root (as HTTP). */
static int ga__b3_ctx(const ga_kf_message *m, ga_span_ctx *p)
{
    static const char names[4][13] = { "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled", "X-B3-Flags" };
    const char *v, *x[4] = { NULL, NULL, NULL, NULL };
    size_t n, xn[4] = { 0, 0, 0, 0 };
    int sampling = GA_B3_DEFER, ok = 0;
    if (ga__hdr(m, "b3", &v, &n))
        ok = ga__b3_single(v, n, p, &sampling) == 0;
    if (!ok && ga__hdr(m, names[0], &x[0], &xn[0])) {
        for (int k = 1; k < 4; k++)
            if (!ga__hdr(m, names[k], &x[k], &xn[k]))
                x[k] = NULL, xn[k] = 0;
        ok = ga_b3_parse_multi(x[0], xn[0], x[1], xn[1], x[2], xn[2], x[3], xn[3], p, &sampling) == 0;
    }
    if (ok && sampling == GA_B3_DEFER)
        p->flags = ga_sample(p->trace_id, NULL) ? GA_TF_SAMPLED : 0;
    if (!ok)
        p->valid = 0;
    return ok;
}

void ga_kf_message_parent_prop(const ga_kf_message *m, ga_span_ctx *p)
{
    p->valid = 0;
    for (int k = 0; k < GA_PROP_MAX && ga_cfg.prop_order[k]; k++) {
        unsigned b = ga_cfg.prop_order[k];
        if (b == GA_PROP_TC) {
            ga_kf_message_parent(m, p);
            if (p->valid)
                return;
        } else if ((b & (GA_PROP_B3 | GA_PROP_B3MULTI)) && ga__b3_ctx(m, p)) {
            return;
        }
    }
}
