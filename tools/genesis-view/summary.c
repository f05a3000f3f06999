/* genesis-view: stdout summaries, e.g.
 *   metric http.server.request.duration [s] histogram CUMULATIVE (shop)
 *       http.request.method=GET  count=5 sum=0.123 min=0.001 max=0.05 buckets=[1,3,1] bounds=[0.01,0.1]
 *   process [shop] memory=52.4MiB virtual=135.0MiB threads=2 fds=7 cpu=0.31s(user)+0.04s(system) uptime=12.5s
 *   log [shop] INFO "connected"  peer=10.0.0.1
 * (log records that carry a trace id are printed under their trace's waterfall instead.)
 */
#include <string.h>

#include "tools/genesis-view/summary.h"

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/json.h"
#include "tools/genesis-view/text.h"
#include "tools/genesis-view/waterfall.h"

#define MAX_POINTS 10
#define MC(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x

static void point_attrs(struct gv_buf *b, size_t n, PbKeyValue *const *kv)
{
    gv_buf_adds(b, "    ");
    if (n)
        gv_text_attrs(b, n, kv, NULL, 8);
    else
        gv_buf_adds(b, "{}");
    gv_buf_adds(b, "  ");
}

static void number(struct gv_buf *b, const PbNumberPoint *p)
{
    point_attrs(b, p->n_attributes, p->attributes);
    gv_buf_adds(b, "value=");
    if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
        gj_i64(b, p->as_int);
    else
        gj_double(b, p->as_double);
    gv_buf_addc(b, '\n');
}

static void hist(struct gv_buf *b, const PbHistPoint *p)
{
    point_attrs(b, p->n_attributes, p->attributes);
    gv_buf_adds(b, "count=");
    gj_u64(b, p->count);
    if (OTLP_HDP_HAS_SUM(p)) { gv_buf_adds(b, " sum="); gj_double(b, p->sum); }
    if (OTLP_HDP_HAS_MIN(p)) { gv_buf_adds(b, " min="); gj_double(b, p->min); }
    if (OTLP_HDP_HAS_MAX(p)) { gv_buf_adds(b, " max="); gj_double(b, p->max); }
    gv_buf_adds(b, " buckets=[");
    for (size_t i = 0; i < p->n_bucket_counts; i++) {
        if (i) gv_buf_addc(b, ',');
        gj_u64(b, p->bucket_counts[i]);
    }
    gv_buf_adds(b, "] bounds=[");
    for (size_t i = 0; i < p->n_explicit_bounds; i++) {
        if (i) gv_buf_addc(b, ',');
        gj_double(b, p->explicit_bounds[i]);
    }
    gv_buf_adds(b, "]\n");
}

static void other(struct gv_buf *b, size_t n_attr, PbKeyValue *const *attr, uint64_t count, double sum)
{
    point_attrs(b, n_attr, attr);
    gv_buf_adds(b, "count=");
    gj_u64(b, count);
    gv_buf_adds(b, " sum=");
    gj_double(b, sum);
    gv_buf_addc(b, '\n');
}

static size_t point_count(const PbMetric *m)
{
    switch (m->data_case) {
    case MC(GAUGE): return m->gauge->n_data_points;
    case MC(SUM): return m->sum->n_data_points;
    case MC(HISTOGRAM): return m->histogram->n_data_points;
    case MC(EXPONENTIAL_HISTOGRAM): return m->exponential_histogram->n_data_points;
    case MC(SUMMARY): return m->summary->n_data_points;
    default: return 0;
    }
}

static void point(struct gv_buf *b, const PbMetric *m, size_t i)
{
    const PbExpHistPoint *e;
    const PbSummaryPoint *s;
    switch (m->data_case) {
    case MC(GAUGE): number(b, m->gauge->data_points[i]); break;
    case MC(SUM): number(b, m->sum->data_points[i]); break;
    case MC(HISTOGRAM): hist(b, m->histogram->data_points[i]); break;
    case MC(EXPONENTIAL_HISTOGRAM):
        e = m->exponential_histogram->data_points[i];
        other(b, e->n_attributes, e->attributes, e->count, e->sum);
        break;
    case MC(SUMMARY):
        s = m->summary->data_points[i];
        other(b, s->n_attributes, s->attributes, s->count, s->sum);
        break;
    default: break;
    }
}

static void points(struct gv_buf *b, const PbMetric *m)
{
    size_t n = point_count(m);
    for (size_t i = 0; i < n && i < MAX_POINTS; i++)
        point(b, m, i);
    if (n > MAX_POINTS)
        gv_buf_printf(b, "    ... %zu more points\n", n - MAX_POINTS);
}

static void metric(struct gv_buf *b, const PbMetric *m, const char *svc)
{
    static const char *const types[] = {[MC(GAUGE)] = "gauge", [MC(SUM)] = "sum",
        [MC(HISTOGRAM)] = "histogram", [MC(EXPONENTIAL_HISTOGRAM)] = "exponential_histogram",
        [MC(SUMMARY)] = "summary"};
    static const char *const temps[] = {"", " DELTA", " CUMULATIVE"};
    unsigned dc = (unsigned)m->data_case;
    const char *type = dc < sizeof types / sizeof types[0] && types[dc] ? types[dc] : "nodata";
    int t = m->data_case == MC(SUM) ? (int)m->sum->aggregation_temporality
          : m->data_case == MC(HISTOGRAM) ? (int)m->histogram->aggregation_temporality : 0;
    gv_buf_adds(b, "metric ");
    gv_text_add(b, m->name, 120);
    gv_buf_adds(b, " [");
    gv_text_add(b, m->unit, 30);
    gv_buf_printf(b, "] %s%s (", type, t >= 0 && t <= 2 ? temps[t] : "");
    gv_text_add(b, svc, 60);
    gv_buf_adds(b, ")\n");
    points(b, m);
}

static const char *service_of(const PbResource *r)
{
    const char *s = r ? gj_attr_str(r->n_attributes, r->attributes, "service.name") : NULL;
    return s ? s : "?";
}

/* The value of a number point (int or double). */
static double num_value(const PbNumberPoint *p)
{
    return p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT
         ? (double)p->as_int : p->as_double;
}

/* The first point of metric `name` in rm whose attribute `key` is `val` (key NULL: the first
 * point); NULL when absent. */
static const PbNumberPoint *find_point(const PbResourceMetrics *rm, const char *name, const char *key,
                                       const char *val)
{
    for (size_t j = 0; j < rm->n_scope_metrics; j++)
        for (size_t k = 0; k < rm->scope_metrics[j]->n_metrics; k++) {
            const PbMetric *m = rm->scope_metrics[j]->metrics[k];
            if (m->name == NULL || strcmp(m->name, name) != 0)
                continue;
            size_t n = m->data_case == MC(SUM) ? m->sum->n_data_points
                     : m->data_case == MC(GAUGE) ? m->gauge->n_data_points : 0;
            for (size_t i = 0; i < n; i++) {
                const PbNumberPoint *p = m->data_case == MC(SUM) ? m->sum->data_points[i]
                                                                 : m->gauge->data_points[i];
                const char *v = key ? gj_attr_str(p->n_attributes, p->attributes, key) : NULL;
                if (key == NULL || (v != NULL && strcmp(v, val) == 0))
                    return p;
            }
        }
    return NULL;
}

/* One line of the process metrics (process.*) of a resource, when it has them. */
static void process_line(struct gv_buf *b, const PbResourceMetrics *rm, const char *svc)
{
    const PbNumberPoint *rss = find_point(rm, "process.memory.usage", NULL, NULL);
    if (rss == NULL)
        return;
    const PbNumberPoint *p;
    gv_buf_adds(b, "process [");
    gv_text_add(b, svc, 60);
    gv_buf_printf(b, "] memory=%.1fMiB", num_value(rss) / 1048576.0);
    if ((p = find_point(rm, "process.memory.virtual", NULL, NULL)) != NULL)
        gv_buf_printf(b, " virtual=%.1fMiB", num_value(p) / 1048576.0);
    if ((p = find_point(rm, "process.thread.count", NULL, NULL)) != NULL)
        gv_buf_printf(b, " threads=%.0f", num_value(p));
    if ((p = find_point(rm, "process.unix.file_descriptor.count", NULL, NULL)) != NULL)
        gv_buf_printf(b, " fds=%.0f", num_value(p));
    const PbNumberPoint *u = find_point(rm, "process.cpu.time", "cpu.mode", "user");
    const PbNumberPoint *s = find_point(rm, "process.cpu.time", "cpu.mode", "system");
    if (u != NULL && s != NULL)
        gv_buf_printf(b, " cpu=%.2fs(user)+%.2fs(system)", num_value(u), num_value(s));
    if ((p = find_point(rm, "process.uptime", NULL, NULL)) != NULL)
        gv_buf_printf(b, " uptime=%.1fs", num_value(p));
    gv_buf_addc(b, '\n');
}

void gv_summary_metrics(FILE *out, const PbMetricsReq *req)
{
    struct gv_buf b = {0};
    for (size_t i = 0; i < req->n_resource_metrics; i++) {
        const PbResourceMetrics *rm = req->resource_metrics[i];
        for (size_t j = 0; j < rm->n_scope_metrics; j++)
            for (size_t k = 0; k < rm->scope_metrics[j]->n_metrics; k++)
                metric(&b, rm->scope_metrics[j]->metrics[k], service_of(rm->resource));
        process_line(&b, rm, service_of(rm->resource));
    }
    if (b.len) fwrite(b.p, 1, b.len, out);
    if (b.len) fflush(out);
    gv_buf_free(&b);
}

static void log_line(struct gv_buf *b, const PbLogRecord *r, const char *svc)
{
    gv_buf_adds(b, "log [");
    gv_text_add(b, svc, 60);
    gv_buf_adds(b, "] ");
    if (r->severity_text && r->severity_text[0]) gv_text_add(b, r->severity_text, 20);
    else gv_buf_printf(b, "sev=%d", (int)r->severity_number);
    gv_buf_addc(b, ' ');
    gv_text_value(b, r->body, 200);
    if (r->n_attributes) {
        gv_buf_adds(b, "  ");
        gv_text_attrs(b, r->n_attributes, r->attributes, NULL, 6);
    }
    gv_buf_addc(b, '\n');
}

void gv_summary_logs(FILE *out, const PbLogsReq *req)
{
    struct gv_buf b = {0};
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        const PbResourceLogs *rl = req->resource_logs[i];
        for (size_t j = 0; j < rl->n_scope_logs; j++)
            for (size_t k = 0; k < rl->scope_logs[j]->n_log_records; k++)
                if (!gv_wf_log_has_trace(rl->scope_logs[j]->log_records[k]))
                    log_line(&b, rl->scope_logs[j]->log_records[k], service_of(rl->resource));
    }
    if (b.len) fwrite(b.p, 1, b.len, out);
    if (b.len) fflush(out);
    gv_buf_free(&b);
}
