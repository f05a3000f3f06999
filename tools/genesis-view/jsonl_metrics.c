/* genesis-view: metric data points → JSON Lines, one object per point (see jsonl.h). */
#include "tools/genesis-view/jsonl.h"

#include "tools/genesis-view/json.h"

#define MC(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x

static const char *temporality_name(int t)
{
    static const char *const names[] = {"UNSPECIFIED", "DELTA", "CUMULATIVE"};
    return t >= 0 && t <= 2 ? names[t] : "UNSPECIFIED";
}

static void u64_array(struct gv_buf *b, size_t n, const uint64_t *v)
{
    gv_buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) gv_buf_addc(b, ',');
        gj_u64(b, v[i]);
    }
    gv_buf_addc(b, ']');
}

static void double_array(struct gv_buf *b, size_t n, const double *v)
{
    gv_buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) gv_buf_addc(b, ',');
        gj_double(b, v[i]);
    }
    gv_buf_addc(b, ']');
}

static void exemplars(struct gv_buf *b, size_t n, PbExemplar *const *ex)
{
    gv_buf_adds(b, ",\"exemplars\":[");
    for (size_t i = 0; i < n; i++) {
        const PbExemplar *e = ex[i];
        gv_buf_adds(b, i ? ",{" : "{");
        gj_key(b, "filtered_attributes"); gj_attrs(b, e->n_filtered_attributes, e->filtered_attributes);
        gj_key(b, "time_unix_nano"); gj_u64(b, e->time_unix_nano);
        gj_key(b, "value");
        if (e->value_case == OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT) gj_i64(b, e->as_int);
        else if (e->value_case == OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE)
            gj_double(b, e->as_double);
        else gv_buf_adds(b, "null");
        gj_key(b, "trace_id"); gj_hex(b, &e->trace_id);
        gj_key(b, "span_id"); gj_hex(b, &e->span_id);
        gv_buf_addc(b, '}');
    }
    gv_buf_addc(b, ']');
}

/* attributes, times, flags: common to every point type */
static void point_head(struct gv_buf *b, const struct gv_buf *prefix, size_t n_attr,
                       PbKeyValue *const *attr, uint64_t start, uint64_t time, uint32_t flags)
{
    gv_buf_add(b, prefix->p, prefix->len);
    gj_key(b, "attributes"); gj_attrs(b, n_attr, attr);
    gj_key(b, "start_time_unix_nano"); gj_u64(b, start);
    gj_key(b, "time_unix_nano"); gj_u64(b, time);
    gj_key(b, "flags"); gj_u64(b, flags);
}

static void number_point(struct gv_buf *b, const struct gv_buf *prefix, const PbNumberPoint *p)
{
    point_head(b, prefix, p->n_attributes, p->attributes, p->start_time_unix_nano,
               p->time_unix_nano, p->flags);
    gj_key(b, "value");
    if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
        gj_i64(b, p->as_int);
    else if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE)
        gj_double(b, p->as_double);
    else
        gv_buf_adds(b, "null");
    exemplars(b, p->n_exemplars, p->exemplars);
    gv_buf_adds(b, "}\n");
}

static void hist_point(struct gv_buf *b, const struct gv_buf *prefix, const PbHistPoint *p)
{
    point_head(b, prefix, p->n_attributes, p->attributes, p->start_time_unix_nano,
               p->time_unix_nano, p->flags);
    gj_key(b, "count"); gj_u64(b, p->count);
    if (OTLP_HDP_HAS_SUM(p)) { gj_key(b, "sum"); gj_double(b, p->sum); }
    if (OTLP_HDP_HAS_MIN(p)) { gj_key(b, "min"); gj_double(b, p->min); }
    if (OTLP_HDP_HAS_MAX(p)) { gj_key(b, "max"); gj_double(b, p->max); }
    gj_key(b, "bucket_counts"); u64_array(b, p->n_bucket_counts, p->bucket_counts);
    gj_key(b, "explicit_bounds"); double_array(b, p->n_explicit_bounds, p->explicit_bounds);
    exemplars(b, p->n_exemplars, p->exemplars);
    gv_buf_adds(b, "}\n");
}

static void exp_buckets(struct gv_buf *b, const char *key, const PbExpBuckets *k)
{
    gj_key(b, key);
    gv_buf_adds(b, "{\"offset\":");
    gj_i64(b, k ? k->offset : 0);
    gv_buf_adds(b, ",\"bucket_counts\":");
    u64_array(b, k ? k->n_bucket_counts : 0, k ? k->bucket_counts : NULL);
    gv_buf_addc(b, '}');
}

static void exphist_point(struct gv_buf *b, const struct gv_buf *prefix, const PbExpHistPoint *p)
{
    point_head(b, prefix, p->n_attributes, p->attributes, p->start_time_unix_nano,
               p->time_unix_nano, p->flags);
    gj_key(b, "count"); gj_u64(b, p->count);
    if (OTLP_EHDP_HAS_SUM(p)) { gj_key(b, "sum"); gj_double(b, p->sum); }
    if (OTLP_EHDP_HAS_MIN(p)) { gj_key(b, "min"); gj_double(b, p->min); }
    if (OTLP_EHDP_HAS_MAX(p)) { gj_key(b, "max"); gj_double(b, p->max); }
    gj_key(b, "scale"); gj_i64(b, p->scale);
    gj_key(b, "zero_count"); gj_u64(b, p->zero_count);
    gj_key(b, "zero_threshold"); gj_double(b, p->zero_threshold);
    exp_buckets(b, "positive", p->positive);
    exp_buckets(b, "negative", p->negative);
    exemplars(b, p->n_exemplars, p->exemplars);
    gv_buf_adds(b, "}\n");
}

static void summary_point(struct gv_buf *b, const struct gv_buf *prefix, const PbSummaryPoint *p)
{
    point_head(b, prefix, p->n_attributes, p->attributes, p->start_time_unix_nano,
               p->time_unix_nano, p->flags);
    gj_key(b, "count"); gj_u64(b, p->count);
    gj_key(b, "sum"); gj_double(b, p->sum);
    gj_key(b, "quantile_values");
    gv_buf_addc(b, '[');
    for (size_t i = 0; i < p->n_quantile_values; i++) {
        gv_buf_adds(b, i ? ",{\"quantile\":" : "{\"quantile\":");
        gj_double(b, p->quantile_values[i]->quantile);
        gv_buf_adds(b, ",\"value\":");
        gj_double(b, p->quantile_values[i]->value);
        gv_buf_addc(b, '}');
    }
    gv_buf_adds(b, "]}\n");
}

/* Metric-level keys after the resource/scope prefix; returns 0 for a metric without data. */
static int metric_prefix(struct gv_buf *b, const PbMetric *m)
{
    static const char *const types[] = {[MC(GAUGE)] = "gauge", [MC(SUM)] = "sum",
        [MC(HISTOGRAM)] = "histogram", [MC(EXPONENTIAL_HISTOGRAM)] = "exponential_histogram",
        [MC(SUMMARY)] = "summary"};
    unsigned dc = (unsigned)m->data_case;
    if (dc >= sizeof types / sizeof types[0] || !types[dc])
        return 0;
    gj_key(b, "name"); gj_str(b, m->name);
    gj_key(b, "description"); gj_str(b, m->description);
    gj_key(b, "unit"); gj_str(b, m->unit);
    gj_key(b, "type"); gj_str(b, types[dc]);
    if (m->n_metadata) { gj_key(b, "metadata"); gj_attrs(b, m->n_metadata, m->metadata); }
    int temp = m->data_case == MC(SUM) ? (int)m->sum->aggregation_temporality
             : m->data_case == MC(HISTOGRAM) ? (int)m->histogram->aggregation_temporality
             : m->data_case == MC(EXPONENTIAL_HISTOGRAM)
                 ? (int)m->exponential_histogram->aggregation_temporality : -1;
    if (temp >= 0) { gj_key(b, "aggregation_temporality"); gj_str(b, temporality_name(temp)); }
    if (m->data_case == MC(SUM)) {
        gj_key(b, "is_monotonic"); gv_buf_adds(b, m->sum->is_monotonic ? "true" : "false");
    }
    return 1;
}

static void metric_lines(struct gv_buf *out, const struct gv_buf *pre, const PbMetric *m)
{
    size_t i;
    switch (m->data_case) {
    case MC(GAUGE):
        for (i = 0; i < m->gauge->n_data_points; i++) number_point(out, pre, m->gauge->data_points[i]);
        break;
    case MC(SUM):
        for (i = 0; i < m->sum->n_data_points; i++) number_point(out, pre, m->sum->data_points[i]);
        break;
    case MC(HISTOGRAM):
        for (i = 0; i < m->histogram->n_data_points; i++) hist_point(out, pre, m->histogram->data_points[i]);
        break;
    case MC(EXPONENTIAL_HISTOGRAM):
        for (i = 0; i < m->exponential_histogram->n_data_points; i++)
            exphist_point(out, pre, m->exponential_histogram->data_points[i]);
        break;
    case MC(SUMMARY):
        for (i = 0; i < m->summary->n_data_points; i++) summary_point(out, pre, m->summary->data_points[i]);
        break;
    default:
        break;
    }
}

void gv_jsonl_metrics(struct gv_buf *out, const PbMetricsReq *req)
{
    struct gv_buf scope = {0}, pre = {0};
    for (size_t i = 0; i < req->n_resource_metrics; i++) {
        const PbResourceMetrics *rm = req->resource_metrics[i];
        for (size_t j = 0; j < rm->n_scope_metrics; j++) {
            const PbScopeMetrics *sm = rm->scope_metrics[j];
            gv_buf_clear(&scope);
            gv_jsonl_prefix(&scope, "metric", rm->resource, rm->schema_url, sm->scope, sm->schema_url);
            for (size_t k = 0; k < sm->n_metrics; k++) {
                gv_buf_clear(&pre);
                gv_buf_add(&pre, scope.p, scope.len);
                if (metric_prefix(&pre, sm->metrics[k]))
                    metric_lines(out, &pre, sm->metrics[k]);
            }
        }
    }
    gv_buf_free(&scope);
    gv_buf_free(&pre);
}
