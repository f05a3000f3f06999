/* metrics_console.c — the console metrics exporter (OTEL_METRICS_EXPORTER=console): every
 * OTEL_METRIC_EXPORT_INTERVAL ms and once more at exit, one JSON object per data point, per
 * line, written where the console span exporter writes (GENESIS_CONSOLE_FILE, else stderr;
 * exporter/console.c owns that descriptor). The points are the cumulative series of
 * metrics_reg.h, as the OTLP push sends them:
 *
 *   {"type":"metric","name":…,"unit":…,"kind":"histogram"|"sum"|"gauge","monotonic":…,
 *    "start_time_unix_nano":…,"time_unix_nano":…,"attributes":{…},
 *    "count":…,"sum":…,"min":…,"max":…,"explicit_bounds":[…],"bucket_counts":[…]   histogram
 *    "value":…                                                                      sum, gauge
 *    ,"resource":{…}}
 *
 * Exporter thread only; a few hundred bytes of formatting per point, no application cost. */
#include <stdio.h>
#include <string.h>
#include "exporter/buf.h"
#include "exporter/console.h"
#include "exporter/exporter.h"
#include "exporter/metrics_reg.h"
#include "exporter/resource.h"
#include "preload/emit.h"   /* ga_now_ns */

static ga_buf ga__mc_buf;
static ga_buf ga__mc_res;           /* the resource object, rendered once */

static const char *ga__kind(int k)
{
    return k == GA_MK_HISTOGRAM ? "histogram" : k == GA_MK_GAUGE ? "gauge" : "sum";
}

static void ga__point(ga_buf *b, const ga_instrument *m, const ga_series *s, uint64_t now)
{
    ga_buf_puts(b, "{\"type\":\"metric\",\"name\":");
    ga_json_str(b, m->name, strlen(m->name));
    ga_buf_puts(b, ",\"unit\":");
    ga_json_str(b, m->unit, strlen(m->unit));
    ga_buf_printf(b, ",\"kind\":\"%s\"", ga__kind(m->kind));
    if (m->kind == GA_MK_COUNTER || m->kind == GA_MK_UPDOWN)
        ga_buf_printf(b, ",\"monotonic\":%s", m->kind == GA_MK_COUNTER ? "true" : "false");
    if (m->kind != GA_MK_GAUGE)
        ga_buf_printf(b, ",\"start_time_unix_nano\":%llu", (unsigned long long)ga_metrics_start_ns);
    ga_buf_printf(b, ",\"time_unix_nano\":%llu,\"attributes\":", (unsigned long long)now);
    ga_console_json_attrs(b, s->attrs, s->nattrs);
    if (m->kind == GA_MK_HISTOGRAM) {
        ga_buf_printf(b, ",\"count\":%llu,\"sum\":%.17g", (unsigned long long)s->count, s->sum);
        if (s->count > 0)
            ga_buf_printf(b, ",\"min\":%.17g,\"max\":%.17g", s->min, s->max);
        ga_buf_puts(b, ",\"explicit_bounds\":[");
        for (int i = 0; i < m->nbounds; i++)
            ga_buf_printf(b, "%s%.17g", i ? "," : "", m->bounds[i]);
        ga_buf_puts(b, "],\"bucket_counts\":[");
        for (int i = 0; i <= m->nbounds; i++)
            ga_buf_printf(b, "%s%llu", i ? "," : "",
                          (unsigned long long)(s->buckets != NULL ? s->buckets[i] : 0));
        ga_buf_puts(b, "]");
    } else if (m->is_double) {
        /* A whole number keeps its ".0": the line says the point is a double (a cpu time of 0). */
        char num[40];
        int n = snprintf(num, sizeof num, "%.17g", s->sum);
        int whole = n > 0 && n < (int)sizeof num && strpbrk(num, ".eEn") == NULL;
        ga_buf_printf(b, ",\"value\":%s%s", num, whole ? ".0" : "");
    } else {
        ga_buf_printf(b, ",\"value\":%lld", (long long)s->value);
    }
    ga_buf_puts(b, ",\"resource\":");
    ga_buf_put(b, ga__mc_res.data, ga__mc_res.len);
    ga_buf_puts(b, "}\n");
}

void ga_metrics_console_export(void)
{
    ga_buf *b = &ga__mc_buf;
    if (ga__mc_res.len == 0)
        ga_console_json_attrs(&ga__mc_res, ga_res.attrs, ga_res.n);
    ga_metrics_collect();
    uint64_t now = ga_now_ns();
    for (int i = 0; i < ga_minst_count; i++) {
        const ga_instrument *m = &ga_minst[i];
        for (const ga_series *s = ga_series_first(m); s != NULL; s = ga_series_next(m, s)) {
            ga__point(b, m, s, now);
            if (b->len > 60000 && !b->failed) {
                ga_console_write(b->data, b->len);
                ga_buf_reset(b);
            }
        }
    }
    if (b->failed)
        ga_self_export_failed(GA_FAIL_ENCODE);
    else if (b->len > 0)
        ga_console_write(b->data, b->len);
    ga_buf_reset(b);
}

void ga_metrics_console_after_fork(void)
{
    ga__mc_buf = (ga_buf){0};       /* the parent's may have been mid-update: leak them */
    ga__mc_res = (ga_buf){0};
}
