/* metrics_otlp.c — instruments → ExportMetricsServiceRequest (contract in metrics_otlp.h).
 * The protobuf-c message tree lives in an arena (otlp_common.h) reset after packing; bucket
 * counts, bounds, exemplar ids and attribute keys point into the series themselves, which do
 * not change while the request is built and packed. */
#include <stdlib.h>
#include <string.h>
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "proto/otlp_optional.h"
#include "exporter/metrics_otlp.h"
#include "exporter/metrics_reg.h"
#include "exporter/otlp_common.h"
#include "exporter/resource.h"

static ga_pb_arena ga__ar;              /* exporter thread only; one chunk stays warm */

typedef Opentelemetry__Proto__Metrics__V1__Metric PbMetric;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint PbHdp;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint PbNdp;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar PbEx;

#define GA__CTOR(T, INIT) \
    static T *ga__new_##T(ga_pb_arena *ar) { \
        T *p = ga_pb_alloc(ar, sizeof *p); \
        if (p) { T v = INIT; *p = v; } \
        return p; }
GA__CTOR(PbMetric, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT)
GA__CTOR(PbHdp, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT)
GA__CTOR(PbNdp, OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT)
GA__CTOR(PbEx, OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT)

/* The latest exemplars of a histogram series, one per bucket that has one. */
static int ga__exemplars(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, PbHdp *dp)
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
        PbEx *x = ga__new_PbEx(ar);
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

static void *ga__hist_point(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    PbHdp *dp = ga__new_PbHdp(ar);
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
    if (ga__exemplars(ar, m, s, dp) < 0 || ar->failed)
        return NULL;
    return dp;
}

static void *ga__number_point(ga_pb_arena *ar, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    PbNdp *dp = ga__new_PbNdp(ar);
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
static int ga__points(ga_pb_arena *ar, const ga_instrument *m, uint64_t now, void ***out)
{
    int n = 0;
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s))
        n++;
    *out = ga_pb_alloc(ar, sizeof **out * (size_t)(n ? n : 1));
    if (*out == NULL)
        return -1;
    int i = 0;
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        void *p = m->kind == GA_MK_HISTOGRAM ? ga__hist_point(ar, m, s, now) : ga__number_point(ar, m, s, now);
        if (p == NULL)
            return -1;
        (*out)[i++] = p;
    }
    return n;
}

#define GA__CUMULATIVE OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE
typedef Opentelemetry__Proto__Metrics__V1__Histogram PbHist;
typedef Opentelemetry__Proto__Metrics__V1__Sum PbSum;
typedef Opentelemetry__Proto__Metrics__V1__Gauge PbGauge;
GA__CTOR(PbHist, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT)
GA__CTOR(PbSum, OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT)
GA__CTOR(PbGauge, OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT)

/* The data member of pm for m's kind, holding the n points pts. Returns 0 or -1. */
static int ga__data(ga_pb_arena *ar, PbMetric *pm, const ga_instrument *m, void **pts, int n)
{
    if (m->kind == GA_MK_HISTOGRAM) {
        if ((pm->histogram = ga__new_PbHist(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
        pm->histogram->n_data_points = (size_t)n;
        pm->histogram->data_points = (PbHdp **)pts;
        pm->histogram->aggregation_temporality = GA__CUMULATIVE;
    } else if (m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN) {
        if ((pm->sum = ga__new_PbSum(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
        pm->sum->n_data_points = (size_t)n;
        pm->sum->data_points = (PbNdp **)pts;
        pm->sum->aggregation_temporality = GA__CUMULATIVE;
        pm->sum->is_monotonic = m->kind == GA_MK_COUNTER;
    } else {
        if ((pm->gauge = ga__new_PbGauge(ar)) == NULL)
            return -1;
        pm->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
        pm->gauge->n_data_points = (size_t)n;
        pm->gauge->data_points = (PbNdp **)pts;
    }
    return 0;
}

static PbMetric *ga__metric(ga_pb_arena *ar, const ga_instrument *m, uint64_t now, int *npoints)
{
    PbMetric *pm = ga__new_PbMetric(ar);
    void **pts;
    int n = ga__points(ar, m, now, &pts);
    if (pm == NULL || n < 0 || ga__data(ar, pm, m, pts, n) < 0)
        return NULL;
    pm->name = (char *)m->name;
    pm->description = (char *)m->description;
    pm->unit = (char *)m->unit;
    *npoints += n;
    return pm;
}

/* Request → ResourceMetrics → ScopeMetrics → metrics, all in the arena. */
static int ga__build(ga_pb_arena *ar, uint64_t now, Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req)
{
    PbMetric **metrics = ga_pb_alloc(ar, sizeof *metrics * (size_t)ga_minst_count);
    int nm = 0, npoints = 0;
    if (metrics == NULL)
        return -1;
    for (int i = 0; i < ga_minst_count; i++) {
        if (ga_series_first(&ga_minst[i]) == NULL)
            continue;
        if ((metrics[nm] = ga__metric(ar, &ga_minst[i], now, &npoints)) == NULL)
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

int ga_metrics_otlp_encode(ga_buf *out, uint64_t now_ns)
{
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
    int n = ga__build(&ga__ar, now_ns, &req);
    if (n < 0 || ga_otlp_pack(&req.base, out) < 0) {
        ga_buf_reset(out);
        n = -1;
    }
    ga_pb_arena_reset(&ga__ar);
    return n;
}

void ga_metrics_otlp_after_fork(void)
{
    ga__ar = (ga_pb_arena){0};          /* the parent's chunks may be mid-use: leak them */
}
