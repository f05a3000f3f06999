/* metrics_otlp.c — instruments → ExportMetricsServiceRequest (contract in metrics_otlp.h),
 * written in the protobuf wire format directly (exporter/pbw.h), in two passes over the same
 * instruments and series: the first computes the length of every nested message and keeps it
 * (ga__lens, in the order the messages are written), the second writes the request into a
 * buffer of exactly that size, taking the lengths back in the same order. Nothing changes the
 * series between the passes (exporter thread). The output is canonical, byte for byte what
 * protobuf-c packs for the same message tree (tests/unit/test_metrics_wire.c checks it): fields
 * in number order, proto3 zero values left out, oneof and `optional` members always written.
 *
 * Written (metrics.proto; [field number]):
 *   ExportMetricsServiceRequest { ResourceMetrics [1] }
 *   ResourceMetrics { Resource [1] { KeyValue attributes [1] }; ScopeMetrics [2] }
 *   ScopeMetrics { InstrumentationScope [1] { name [1], version [2] }; Metric [2]... }
 *   Metric { name [1], description [2], unit [3], gauge [5] | sum [7] | histogram [9] }
 *   Gauge { NumberDataPoint [1]... }
 *   Sum { NumberDataPoint [1]...; temporality [2] = CUMULATIVE; is_monotonic [3] }
 *   Histogram { HistogramDataPoint [1]...; temporality [2] = CUMULATIVE }
 *   NumberDataPoint { start [2], time [3], as_double [4] | as_int [6], attributes [7] }
 *   HistogramDataPoint { start [2], time [3], count [4], sum [5], bucket_counts [6] (packed),
 *       explicit_bounds [7] (packed), exemplars [8], attributes [9], min [11], max [12] }
 *   Exemplar { time [2], as_double [3], span_id [4], trace_id [5] }
 * Strings: metric names, descriptions, units and the scope are the library's own (written as
 * they are, up to their NUL); attribute values are repaired to UTF-8 by ga_pbw_kv(). */
#include <stdlib.h>
#include <string.h>
#include "exporter/metrics_otlp.h"
#include "exporter/metrics_reg.h"
#include "exporter/otlp_common.h"
#include "exporter/pbw.h"
#include "exporter/resource.h"

/* AggregationTemporality CUMULATIVE. */
#define GA__CUMULATIVE 2

/* The lengths of the request's nested messages, in write order; exporter thread only, kept
 * (and reused) from one push to the next. */
typedef struct ga__lenlist {
    uint32_t *v;
    size_t n, cap;
    size_t next;                /* the write pass's position */
    int failed;                 /* memory ran out in the size pass */
} ga__lenlist;
static ga__lenlist ga__lens;

/* ---- lengths kept between the passes -------------------------------------------------- */

/* A new slot for the length of the message about to be sized; its index. When memory is
 * short, failed is set and the index is one past the end (ga__len_set then ignores it). */
static size_t ga__len_open(void)
{
    if (ga__lens.n == ga__lens.cap && !ga__lens.failed) {
        size_t cap = ga__lens.cap ? 2 * ga__lens.cap : 256;
        uint32_t *v = realloc(ga__lens.v, cap * sizeof *v);
        if (v == NULL)
            ga__lens.failed = 1;
        else {
            ga__lens.v = v;
            ga__lens.cap = cap;
        }
    }
    if (ga__lens.failed)
        return ga__lens.n;
    return ga__lens.n++;
}

/* The length of slot i, once known. Lengths above 4 GiB are cut, but then the request is
 * far over GA_OTLP_MAX_REQUEST and never written. Returns len. */
static size_t ga__len_set(size_t i, size_t len)
{
    if (i < ga__lens.n)
        ga__lens.v[i] = (uint32_t)len;
    return len;
}

/* The next length in write order (the write pass opens them in the size pass's order; 0
 * past the end, which ga_metrics_otlp_encode() then finds as a disagreement). */
static uint32_t ga__len_take(void)
{
    if (ga__lens.next >= ga__lens.n) {
        ga__lens.next = ga__lens.n + 1;
        return 0;
    }
    return ga__lens.v[ga__lens.next++];
}

/* Tag and length of a length-delimited field whose message is `len` bytes; returns the end. */
static uint8_t *ga__open(uint8_t *p, uint8_t tag, size_t len)
{
    *p++ = tag;
    return ga_pb_varint(p, len);
}

/* A string field (not written when s is NULL or empty: a proto3 default). */
static size_t ga__str_size(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n ? ga_pb_field_size(n) : 0;
}

/* Writes that string field at p (tag + length + bytes, or nothing); returns the end. */
static uint8_t *ga__str(uint8_t *p, uint8_t tag, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n ? ga_pb_bytes(p, tag, s, n) : p;
}

/* A fixed64 / double field that proto3 leaves out when it is 0 (tag + 8 bytes). */
static size_t ga__fixed_size(uint64_t v) { return v ? 9 : 0; }

/* Writes that field at p (nothing when v is 0); returns the end. */
static uint8_t *ga__fixed(uint8_t *p, uint8_t tag, uint64_t v)
{
    if (v == 0)
        return p;
    *p++ = tag;
    return ga_pb_fixed64(p, v);
}

/* A double field that is always written (a oneof or `optional` member). */
static uint8_t *ga__double(uint8_t *p, uint8_t tag, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    *p++ = tag;
    return ga_pb_fixed64(p, bits);
}

/* ---- attributes ------------------------------------------------------------------------ */

/* Bytes of n attributes as a repeated KeyValue field (tag, length, message each); those
 * without a key or of a type OTLP has no value for are not written. */
static size_t ga__kvs_size(const ga_attr *a, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++) {
        ga_pbw_kvsize z;
        ga_pbw_kv_size(&a[i], &z);
        if (z.kv)
            t += ga_pb_field_size(z.kv);
    }
    return t;
}

/* Writes those KeyValue fields at p, each under `tag` (sizes as ga__kvs_size() found them);
 * returns the end. */
static uint8_t *ga__kvs(uint8_t *p, uint8_t tag, const ga_attr *a, int n)
{
    for (int i = 0; i < n; i++) {
        ga_pbw_kvsize z;
        ga_pbw_kv_size(&a[i], &z);
        if (z.kv == 0)
            continue;
        p = ga__open(p, tag, z.kv);
        p = ga_pbw_kv(p, &a[i], &z);
    }
    return p;
}

/* ---- data points ----------------------------------------------------------------------- */

/* An Exemplar's length: time (when not 0), as_double, span_id (8 bytes), trace_id (16). */
static size_t ga__exemplar_size(const ga_exemplar *e)
{
    return ga__fixed_size(e->time_ns) + 9 + ga_pb_field_size(8) + ga_pb_field_size(16);
}

/* The exemplars of a histogram series, one per bucket that has one (field 8 of the point). */
static size_t ga__exemplars_size(const ga_instrument *m, const ga_series *s)
{
    size_t t = 0;
    for (int b = 0; s->ex != NULL && b <= m->nbounds; b++)
        if (s->ex[b].set)
            t += ga_pb_field_size(ga__exemplar_size(&s->ex[b]));
    return t;
}

/* Writes those Exemplar fields at p (time, as_double, span_id, trace_id); returns the end. */
static uint8_t *ga__exemplars(uint8_t *p, const ga_instrument *m, const ga_series *s)
{
    for (int b = 0; s->ex != NULL && b <= m->nbounds; b++) {
        const ga_exemplar *e = &s->ex[b];
        if (!e->set)
            continue;
        p = ga__open(p, GA_PB_TAG(8, GA_PB_LEN), ga__exemplar_size(e));
        p = ga__fixed(p, GA_PB_TAG(2, GA_PB_I64), e->time_ns);
        p = ga__double(p, GA_PB_TAG(3, GA_PB_I64), e->value);
        p = ga_pb_bytes(p, GA_PB_TAG(4, GA_PB_LEN), e->span_id, 8);
        p = ga_pb_bytes(p, GA_PB_TAG(5, GA_PB_LEN), e->trace_id, 16);
    }
    return p;
}

/* A HistogramDataPoint's length: start, time, count, sum, the per-bucket counts (nbounds + 1
 * fixed64, packed), the bounds (packed, none when there are none), exemplars, attributes,
 * min and max (when count > 0). */
static size_t ga__hist_point_size(const ga_instrument *m, const ga_series *s, uint64_t now)
{
    size_t t = ga__fixed_size(ga_metrics_start_ns) + ga__fixed_size(now) + ga__fixed_size(s->count) + 9;
    t += ga_pb_field_size(8 * ((size_t)m->nbounds + 1));
    if (m->nbounds > 0)
        t += ga_pb_field_size(8 * (size_t)m->nbounds);
    t += ga__exemplars_size(m, s) + ga__kvs_size(s->attrs, s->nattrs);
    return t + (s->count > 0 ? 18 : 0);
}

/* Writes the fields of that HistogramDataPoint at p, in number order; returns the end. */
static uint8_t *ga__hist_point(uint8_t *p, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    p = ga__fixed(p, GA_PB_TAG(2, GA_PB_I64), ga_metrics_start_ns);
    p = ga__fixed(p, GA_PB_TAG(3, GA_PB_I64), now);
    p = ga__fixed(p, GA_PB_TAG(4, GA_PB_I64), s->count);
    p = ga__double(p, GA_PB_TAG(5, GA_PB_I64), s->sum);
    p = ga__open(p, GA_PB_TAG(6, GA_PB_LEN), 8 * ((size_t)m->nbounds + 1));
    for (int b = 0; b <= m->nbounds; b++)
        p = ga_pb_fixed64(p, s->buckets[b]);
    if (m->nbounds > 0) {
        p = ga__open(p, GA_PB_TAG(7, GA_PB_LEN), 8 * (size_t)m->nbounds);
        for (int b = 0; b < m->nbounds; b++) {
            uint64_t bits;                  /* packed: the values without tags */
            memcpy(&bits, &m->bounds[b], 8);
            p = ga_pb_fixed64(p, bits);
        }
    }
    p = ga__exemplars(p, m, s);
    p = ga__kvs(p, GA_PB_TAG(9, GA_PB_LEN), s->attrs, s->nattrs);
    if (s->count > 0) {
        p = ga__double(p, GA_PB_TAG(11, GA_PB_I64), s->min);
        p = ga__double(p, GA_PB_TAG(12, GA_PB_I64), s->max);
    }
    return p;
}

/* A NumberDataPoint's length: start (sums only), time, the value (as_double for instruments
 * of doubles, else as_int), attributes. */
static size_t ga__number_point_size(const ga_instrument *m, const ga_series *s, uint64_t now)
{
    int has_start = m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN;
    return ga__fixed_size(has_start ? ga_metrics_start_ns : 0) + ga__fixed_size(now) + 9 +
           ga__kvs_size(s->attrs, s->nattrs);
}

/* Writes the fields of that NumberDataPoint at p, in number order; returns the end. */
static uint8_t *ga__number_point(uint8_t *p, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    int has_start = m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN;
    p = ga__fixed(p, GA_PB_TAG(2, GA_PB_I64), has_start ? ga_metrics_start_ns : 0);
    p = ga__fixed(p, GA_PB_TAG(3, GA_PB_I64), now);
    if (m->is_double) {
        p = ga__double(p, GA_PB_TAG(4, GA_PB_I64), s->sum);
    } else {
        *p++ = GA_PB_TAG(6, GA_PB_I64);     /* sfixed64 */
        p = ga_pb_fixed64(p, (uint64_t)s->value);
    }
    return ga__kvs(p, GA_PB_TAG(7, GA_PB_LEN), s->attrs, s->nattrs);
}

/* ---- metrics --------------------------------------------------------------------------- */

/* The field number of m's data member: gauge 5, sum 7, histogram 9. */
static int ga__data_field(const ga_instrument *m)
{
    if (m->kind == GA_MK_HISTOGRAM)
        return 9;
    return m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN ? 7 : 5;
}

/* A Metric's length (name, description, unit, its data member), its data member's and its
 * points' lengths kept in that order; adds its points to *npoints. */
static size_t ga__metric_size(const ga_instrument *m, uint64_t now, int *npoints)
{
    size_t mi = ga__len_open(), di = ga__len_open();
    int field = ga__data_field(m);
    size_t data = 0;
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        size_t pi = ga__len_open();
        size_t pt = field == 9 ? ga__hist_point_size(m, s, now) : ga__number_point_size(m, s, now);
        data += ga_pb_field_size(ga__len_set(pi, pt));
        (*npoints)++;
    }
    if (field != 5)
        data += 2;                                      /* aggregation_temporality */
    if (m->kind == GA_MK_COUNTER)
        data += 2;                                      /* is_monotonic */
    size_t t = ga__str_size(m->name) + ga__str_size(m->description) + ga__str_size(m->unit) +
               ga_pb_field_size(ga__len_set(di, data));
    return ga__len_set(mi, t);
}

/* Metric field [2] of ScopeMetrics, with the lengths of ga__metric_size(). */
static uint8_t *ga__metric(uint8_t *p, const ga_instrument *m, uint64_t now)
{
    int field = ga__data_field(m);
    p = ga__open(p, GA_PB_TAG(2, GA_PB_LEN), ga__len_take());
    p = ga__str(p, GA_PB_TAG(1, GA_PB_LEN), m->name);
    p = ga__str(p, GA_PB_TAG(2, GA_PB_LEN), m->description);
    p = ga__str(p, GA_PB_TAG(3, GA_PB_LEN), m->unit);
    p = ga__open(p, GA_PB_TAG(field, GA_PB_LEN), ga__len_take());
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        p = ga__open(p, GA_PB_TAG(1, GA_PB_LEN), ga__len_take());
        p = field == 9 ? ga__hist_point(p, m, s, now) : ga__number_point(p, m, s, now);
    }
    if (field != 5) {
        *p++ = GA_PB_TAG(2, GA_PB_VARINT);
        *p++ = GA__CUMULATIVE;
    }
    if (m->kind == GA_MK_COUNTER) {
        *p++ = GA_PB_TAG(3, GA_PB_VARINT);
        *p++ = 1;
    }
    return p;
}

/* ---- the request ----------------------------------------------------------------------- */

/* The InstrumentationScope's length: name and version. */
static size_t ga__scope_size(void)
{
    return ga__str_size(GA_METRICS_SCOPE_NAME) + ga__str_size(GA_VERSION);
}

/* The request's length, every nested length kept; adds the points to *npoints. */
static size_t ga__request_size(uint64_t now, int *npoints)
{
    size_t rmi = ga__len_open(), smi = ga__len_open();
    size_t sm = ga_pb_field_size(ga__scope_size());
    for (int i = 0; i < ga_minst_count; i++)
        if (ga_series_first(&ga_minst[i]) != NULL)
            sm += ga_pb_field_size(ga__metric_size(&ga_minst[i], now, npoints));
    size_t rm = ga_pb_field_size(ga__kvs_size(ga_res.attrs, ga_res.n)) +
                ga_pb_field_size(ga__len_set(smi, sm));
    return ga_pb_field_size(ga__len_set(rmi, rm));
}

/* The request, with the lengths of ga__request_size(). Returns the end. */
static uint8_t *ga__request(uint8_t *p, uint64_t now)
{
    p = ga__open(p, GA_PB_TAG(1, GA_PB_LEN), ga__len_take());       /* ResourceMetrics */
    p = ga__open(p, GA_PB_TAG(1, GA_PB_LEN), ga__kvs_size(ga_res.attrs, ga_res.n));
    p = ga__kvs(p, GA_PB_TAG(1, GA_PB_LEN), ga_res.attrs, ga_res.n);
    p = ga__open(p, GA_PB_TAG(2, GA_PB_LEN), ga__len_take());       /* ScopeMetrics */
    p = ga__open(p, GA_PB_TAG(1, GA_PB_LEN), ga__scope_size());
    p = ga__str(p, GA_PB_TAG(1, GA_PB_LEN), GA_METRICS_SCOPE_NAME);
    p = ga__str(p, GA_PB_TAG(2, GA_PB_LEN), GA_VERSION);
    for (int i = 0; i < ga_minst_count; i++)
        if (ga_series_first(&ga_minst[i]) != NULL)
            p = ga__metric(p, &ga_minst[i], now);
    return p;
}

/* (metrics_otlp.h) The size pass, one buffer of exactly that size, the write pass; a
 * disagreement between the passes (which would be a bug) sends nothing. */
int ga_metrics_otlp_encode(ga_buf *out, uint64_t now_ns)
{
    int npoints = 0;
    ga_buf_reset(out);
    ga__lens.n = ga__lens.next = 0;
    ga__lens.failed = 0;
    size_t len = ga__request_size(now_ns, &npoints);
    uint8_t *p0 = NULL;
    if (!ga__lens.failed && len <= GA_OTLP_MAX_REQUEST)
        p0 = ga_buf_room(out, len);
    if (p0 == NULL) {
        ga_buf_reset(out);
        return -1;
    }
    uint8_t *p = ga__request(p0, now_ns);
    if ((size_t)(p - p0) != len || ga__lens.next != ga__lens.n) {
        ga_buf_reset(out);              /* the passes disagree: never send such a request */
        return -1;
    }
    out->len = len;
    return npoints;
}

/* (metrics_otlp.h) */
void ga_metrics_otlp_after_fork(void)
{
    ga__lens = (ga__lenlist){0};   /* the parent's array may be mid-use: leak it */
}
