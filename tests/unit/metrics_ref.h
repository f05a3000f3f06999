/* metrics_ref.h — the reference OTLP metrics encoder of the unit tests: the encoder the
 * library used before it wrote the wire format itself (exporter/metrics_otlp.c), a protobuf-c
 * tree (ExportMetricsServiceRequest → ResourceMetrics → ScopeMetrics → Metric → data points →
 * KeyValue / Exemplar) built in an arena from the same instruments and series, packed by
 * protobuf_c_message_pack(). protobuf-c is the oracle: the library's bytes must equal these.
 * Test helper, included by one test file. */
#ifndef GA_TEST_METRICS_REF_H
#define GA_TEST_METRICS_REF_H

#include <stdlib.h>
#include <string.h>
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "proto/otlp_optional.h"
#include "exporter/metrics_reg.h"
#include "exporter/resource.h"
#include "tests/unit/otlp_pbc.h"

/* One constructor per message type, each a zeroed node in the arena with its INIT values. */
typedef Opentelemetry__Proto__Metrics__V1__Metric PbMetric;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint PbHdp;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint PbNdp;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar PbEx;

#define REF_CTOR(T, INIT) \
    static GA_PBC_UNUSED T *ref__new_##T(ga_pb_arena *ar) { \
        T *p = ga_pb_alloc(ar, sizeof *p); \
        if (p) { T v = INIT; *p = v; } \
        return p; }
REF_CTOR(PbMetric, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT)
REF_CTOR(PbHdp, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT)
REF_CTOR(PbNdp, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT)
REF_CTOR(PbEx, OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT)

/* The latest exemplars of a histogram series, one per bucket that has one. */
static GA_PBC_UNUSED int ref__exemplars(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, PbHdp *dp)
{
    if (s->ex == NULL)
        return 0;
    dp->exemplars = ga_pb_alloc(ar, sizeof *dp->exemplars * (size_t)(m->nbounds + 1));
    if (dp->exemplars == NULL)
        return -1;
    for (int b = 0; b <= m->nbounds; b++) {
        const ga_exemplar *e = &s->ex[b];
        if (!e->set)
            continue;
        PbEx *x = ref__new_PbEx(ar);
        if (x == NULL)
            return -1;
        x->time_unix_nano = e->time_ns;
        x->value_case = OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE;
        x->as_double = e->value;
        x->trace_id = ga_otlp_bytes(e->trace_id, 16);     /* series outlive the packing */
        x->span_id = ga_otlp_bytes(e->span_id, 8);
        dp->exemplars[dp->n_exemplars++] = x;
    }
    return 0;
}

/* A HistogramDataPoint for series s of histogram m; NULL on allocation failure. */
static GA_PBC_UNUSED void *ref__hist_point(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    PbHdp *dp = ref__new_PbHdp(ar);
    if (dp == NULL)
        return NULL;
    dp->attributes = ga_otlp_kvs(ar, s->attrs, s->nattrs, &dp->n_attributes);
    dp->start_time_unix_nano = ga_metrics_start_ns;
    dp->time_unix_nano = now;
    dp->count = s->count;
    OTLP_HDP_SET_SUM(dp, s->sum);
    if (s->count > 0) {
        OTLP_HDP_SET_MIN(dp, s->min);
        OTLP_HDP_SET_MAX(dp, s->max);
    }
    dp->n_bucket_counts = (size_t)m->nbounds + 1;
    dp->bucket_counts = s->buckets;
    dp->n_explicit_bounds = (size_t)m->nbounds;
    dp->explicit_bounds = (double *)(uintptr_t)m->bounds;
    if (ref__exemplars(ar, m, s, dp) < 0 || ar->failed)
        return NULL;
    return dp;
}

/* A NumberDataPoint for series s of counter / up-down / gauge m; NULL on failure. */
static GA_PBC_UNUSED void *ref__number_point(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    PbNdp *dp = ref__new_PbNdp(ar);
    if (dp == NULL)
        return NULL;
    dp->attributes = ga_otlp_kvs(ar, s->attrs, s->nattrs, &dp->n_attributes);
    if (m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN)
        dp->start_time_unix_nano = ga_metrics_start_ns;
    dp->time_unix_nano = now;
    if (m->is_double) {
        dp->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
        dp->as_double = s->sum;
    } else {
        dp->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
        dp->as_int = s->value;
    }
    return ar->failed ? NULL : dp;
}

/* Every series of m as data points; returns the count or -1. */
static GA_PBC_UNUSED int ref__points(ga_pb_arena *ar, const ga_instrument *m, uint64_t now, void ***out)
{
    int n = 0;
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s))
        n++;
    *out = ga_pb_alloc(ar, sizeof **out * (size_t)(n ? n : 1));
    if (*out == NULL)
        return -1;
    int i = 0;
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        void *p = m->kind == GA_MK_HISTOGRAM ? ref__hist_point(ar, m, s, now) : ref__number_point(ar, m, s, now);
        if (p == NULL)
            return -1;
        (*out)[i++] = p;
    }
    return n;
}

#define REF_CUMULATIVE OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE
typedef Opentelemetry__Proto__Metrics__V1__Histogram PbHist;
typedef Opentelemetry__Proto__Metrics__V1__Sum PbSum;
typedef Opentelemetry__Proto__Metrics__V1__Gauge PbGauge;
REF_CTOR(PbHist, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT)
REF_CTOR(PbSum, OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT)
REF_CTOR(PbGauge, OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT)

/* The data member of pm for m's kind, holding the n points pts. Returns 0 or -1. */
static GA_PBC_UNUSED int ref__data(ga_pb_arena *ar, PbMetric *pm, const ga_instrument *m, void **pts, int n)
{
    if (m->kind == GA_MK_HISTOGRAM) {
        if ((pm->histogram = ref__new_PbHist(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
        pm->histogram->n_data_points = (size_t)n;
        pm->histogram->data_points = (PbHdp **)pts;
        pm->histogram->aggregation_temporality = REF_CUMULATIVE;
    } else if (m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN) {
        if ((pm->sum = ref__new_PbSum(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
        pm->sum->n_data_points = (size_t)n;
        pm->sum->data_points = (PbNdp **)pts;
        pm->sum->aggregation_temporality = REF_CUMULATIVE;
        pm->sum->is_monotonic = m->kind == GA_MK_COUNTER;
    } else {
        if ((pm->gauge = ref__new_PbGauge(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
        pm->gauge->n_data_points = (size_t)n;
        pm->gauge->data_points = (PbNdp **)pts;
    }
    return 0;
}

/* The Metric of m with all its series; adds them to *npoints; NULL on failure. */
static GA_PBC_UNUSED PbMetric *ref__metric(ga_pb_arena *ar, const ga_instrument *m, uint64_t now, int *npoints)
{
    PbMetric *pm = ref__new_PbMetric(ar);
    void **pts;
    int n = ref__points(ar, m, now, &pts);
    if (pm == NULL || n < 0 || ref__data(ar, pm, m, pts, n) < 0)
        return NULL;
    pm->name = (char *)m->name;
    pm->description = (char *)m->description;
    pm->unit = (char *)m->unit;
    *npoints += n;
    return pm;
}

/* Request → ResourceMetrics → ScopeMetrics → metrics, all in the arena. */
static GA_PBC_UNUSED int ref__build(ga_pb_arena *ar, uint64_t now, Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req)
{
    PbMetric **metrics = ga_pb_alloc(ar, sizeof *metrics * (size_t)ga_minst_count);
    int nm = 0, npoints = 0;
    if (metrics == NULL)
        return -1;
    for (int i = 0; i < ga_minst_count; i++) {
        if (ga_series_first(&ga_minst[i]) == NULL)
            continue;
        if ((metrics[nm] = ref__metric(ar, &ga_minst[i], now, &npoints)) == NULL)
            return -1;
        nm++;
    }
    Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = ga_pb_alloc(ar, sizeof *sm), smv =
        OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
    Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = ga_pb_alloc(ar, sizeof *rm), rmv =
        OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
    void **rms = ga_pb_alloc(ar, sizeof *rms), **sms = ga_pb_alloc(ar, sizeof *sms);
    if (sm == NULL || rm == NULL || rms == NULL || sms == NULL)
        return -1;
    *sm = smv;
    *rm = rmv;
    sm->scope = ga_otlp_scope(ar, GA_METRICS_SCOPE_NAME, GA_VERSION);
    rm->resource = ga_otlp_resource(ar, ga_res.attrs, ga_res.n);
    if (sm->scope == NULL || rm->resource == NULL)
        return -1;
    sm->n_metrics = (size_t)nm;
    sm->metrics = metrics;
    sms[0] = sm;
    rm->n_scope_metrics = 1;
    rm->scope_metrics = (Opentelemetry__Proto__Metrics__V1__ScopeMetrics **)sms;
    rms[0] = rm;
    req->n_resource_metrics = 1;
    req->resource_metrics = (Opentelemetry__Proto__Metrics__V1__ResourceMetrics **)rms;
    return npoints;
}

/* The request for every instrument with series, packed into out; the number of data points,
 * or -1 (memory, size limit). Uses and resets the arena ar. */
static GA_PBC_UNUSED int ref_metrics_encode(ga_pb_arena *ar, ga_buf *out, uint64_t now_ns)
{
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
    int n = ref__build(ar, now_ns, &req);
    if (n < 0 || ga_otlp_pack(&req.base, out) < 0) {
        ga_buf_reset(out);
        n = -1;
    }
    ga_pb_arena_reset(ar);
    return n;
}

#endif
