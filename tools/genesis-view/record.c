/* genesis-view: sends one decoded export to the outputs (JSONL, waterfall, summaries) and keeps
 * the counters / --count-file. */
#include "tools/genesis-view/ctx.h"

#include <inttypes.h>
#include <stdio.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/jsonl.h"
#include "tools/genesis-view/summary.h"

#define MC(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x

static uint64_t metric_points(const PbMetric *m)
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

static uint64_t count_items(enum gv_signal sig, const void *msg)
{
    uint64_t n = 0;
    if (sig == GV_TRACES) {
        const PbTraceReq *r = msg;
        for (size_t i = 0; i < r->n_resource_spans; i++)
            for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++)
                n += r->resource_spans[i]->scope_spans[j]->n_spans;
    } else if (sig == GV_METRICS) {
        const PbMetricsReq *r = msg;
        for (size_t i = 0; i < r->n_resource_metrics; i++)
            for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++)
                for (size_t k = 0; k < r->resource_metrics[i]->scope_metrics[j]->n_metrics; k++)
                    n += metric_points(r->resource_metrics[i]->scope_metrics[j]->metrics[k]);
    } else {
        const PbLogsReq *r = msg;
        for (size_t i = 0; i < r->n_resource_logs; i++)
            for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
                n += r->resource_logs[i]->scope_logs[j]->n_log_records;
    }
    return n;
}

static void write_jsonl(FILE *f, enum gv_signal sig, const void *msg)
{
    struct gv_buf b = {0};
    if (sig == GV_TRACES) gv_jsonl_traces(&b, msg);
    else if (sig == GV_METRICS) gv_jsonl_metrics(&b, msg);
    else gv_jsonl_logs(&b, msg);
    if (b.len) fwrite(b.p, 1, b.len, f);
    fflush(f); /* tests read the file while we run */
    gv_buf_free(&b);
}

uint64_t gv_record(struct gv_ctx *c, enum gv_signal sig, const void *msg, int64_t now_ms)
{
    if (c->jsonl)
        write_jsonl(c->jsonl, sig, msg);
    if (c->text && sig == GV_TRACES) gv_wf_add(&c->wf, msg, now_ms);
    if (c->text && sig == GV_METRICS) gv_summary_metrics(c->text, msg);
    if (c->text && sig == GV_LOGS) {
        gv_wf_add_logs(&c->wf, msg, now_ms); /* records of a trace: under its waterfall */
        gv_summary_logs(c->text, msg);       /* the others: now */
    }
    return count_items(sig, msg);
}

void gv_counts_write(const struct gv_ctx *c)
{
    const char *path = c->opts->count_path;
    if (!path)
        return;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    const struct gv_counts *k = &c->counts;
    fprintf(f, "{\"requests\":%" PRIu64 ",\"trace_requests\":%" PRIu64 ",\"metric_requests\":%" PRIu64
            ",\"log_requests\":%" PRIu64 ",\"accepted\":%" PRIu64 ",\"failed\":%" PRIu64
            ",\"spans\":%" PRIu64 ",\"metric_points\":%" PRIu64 ",\"log_records\":%" PRIu64
            ",\"bytes\":%" PRIu64 "}\n",
            k->requests, k->exports[GV_TRACES], k->exports[GV_METRICS], k->exports[GV_LOGS],
            k->accepted, k->failed, k->items[GV_TRACES], k->items[GV_METRICS], k->items[GV_LOGS],
            k->bytes);
    if (fclose(f) == 0)
        rename(tmp, path);
}
