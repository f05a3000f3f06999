/* prom_text.c — text 0.0.4 and OpenMetrics 1.0 expositions of the instruments
 * (contract: ga_prom_render in prom.h; formats in SPECS §6.1–6.3).
 *
 * Differences handled here: OpenMetrics families are named without `_total`, carry UNIT
 * lines, quote-escaped HELP, canonical `le` numbers, exemplars on histogram buckets, the
 * `info` type for target and a final `# EOF`; text 0.0.4 names counters `x_total` in HELP/TYPE
 * (as client_golang does) and never carries exemplars. Every point gets the
 * otel_scope_name/otel_scope_version labels; target_info carries only resource attributes. */
#include <stdio.h>
#include <string.h>
#include "exporter/prom.h"
#include "exporter/metrics_reg.h"
#include "exporter/resource.h"

/* Labels of one point: `{attrs,otel_scope_*[,le="x"]}`; `le` is NULL for non-buckets. */
static void ga__labels(ga_buf *b, const ga_series *s, const char *le)
{
    ga_buf_puts(b, "{");
    ga_prom_put_labels(b, s->attrs, s->nattrs);
    ga_buf_puts(b, "otel_scope_name=\"" GA_METRICS_SCOPE_NAME "\",otel_scope_version=\"" GA_VERSION "\"");
    if (le != NULL)
        ga_buf_printf(b, ",le=\"%s\"", le);
    ga_buf_puts(b, "}");
}

static void ga__meta(ga_buf *b, const char *name, const char *type, const char *unit, const char *help, int om)
{
    if (om) {
        ga_buf_printf(b, "# TYPE %s %s\n", name, type);
        if (unit[0])
            ga_buf_printf(b, "# UNIT %s %s\n", name, unit);
    }
    ga_buf_printf(b, "# HELP %s ", name);
    ga_prom_put_help(b, help, om);
    ga_buf_puts(b, "\n");
    if (!om)
        ga_buf_printf(b, "# TYPE %s %s\n", name, type);
}

static void ga__target_info(ga_buf *b, int om)
{
    ga__meta(b, om ? "target" : "target_info", om ? "info" : "gauge", "", "Target metadata", om);
    ga_buf_puts(b, "target_info{");
    ga_prom_put_labels(b, ga_res.attrs, ga_res.n);
    if (b->len > 0 && b->data[b->len - 1] == ',')
        b->len--;                       /* no trailing comma (OpenMetrics forbids it) */
    ga_buf_puts(b, "} 1\n");
}

/* ` # {trace_id="…",span_id="…"} value timestamp` (OpenMetrics only). */
static void ga__exemplar(ga_buf *b, const ga_exemplar *e)
{
    char tid[33], sid[17], v[40];
    for (int i = 0; i < 16; i++)
        snprintf(tid + 2 * i, 3, "%02x", e->trace_id[i]);
    for (int i = 0; i < 8; i++)
        snprintf(sid + 2 * i, 3, "%02x", e->span_id[i]);
    ga_prom_float(e->value, 1, v, sizeof v);
    ga_buf_printf(b, " # {trace_id=\"%s\",span_id=\"%s\"} %s %llu.%03llu", tid, sid, v,
                  (unsigned long long)(e->time_ns / 1000000000u),
                  (unsigned long long)(e->time_ns / 1000000u % 1000u));
}

static void ga__histogram(ga_buf *b, const ga_instrument *m, const ga_series *s, const char *base, int om)
{
    uint64_t cum = 0;
    char le[40], v[40];
    for (int i = 0; i <= m->nbounds; i++) {
        cum += s->buckets[i];
        if (i < m->nbounds)
            ga_prom_float(m->bounds[i], om, le, sizeof le);
        else
            snprintf(le, sizeof le, "+Inf");
        ga_buf_printf(b, "%s_bucket", base);
        ga__labels(b, s, le);
        ga_buf_printf(b, " %llu", (unsigned long long)cum);
        if (om && s->ex != NULL && s->ex[i].set)
            ga__exemplar(b, &s->ex[i]);
        ga_buf_puts(b, "\n");
    }
    ga_prom_float(s->sum, om, v, sizeof v);
    ga_buf_printf(b, "%s_sum", base);
    ga__labels(b, s, NULL);
    ga_buf_printf(b, " %s\n%s_count", v, base);
    ga__labels(b, s, NULL);
    ga_buf_printf(b, " %llu\n", (unsigned long long)s->count);
}

static void ga__family(ga_buf *b, const ga_instrument *m, int om)
{
    char base[256], total[264], unit[64];
    ga_prom_base_name(m, base, sizeof base);
    snprintf(total, sizeof total, "%s_total", base);
    ga_prom_unit(m->unit, unit, sizeof unit);
    char suffix[72];
    snprintf(suffix, sizeof suffix, "_%s", unit);
    size_t bl = strlen(base), sl = strlen(suffix);
    if (!unit[0] || bl < sl || strcmp(base + bl - sl, suffix) != 0)
        unit[0] = '\0';                 /* UNIT only when the family name ends with it */
    int counter = m->kind == GA_MK_COUNTER;
    const char *type = m->kind == GA_MK_HISTOGRAM ? "histogram" : counter ? "counter" : "gauge";
    ga__meta(b, counter && !om ? total : base, type, unit, m->description, om);
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        if (m->kind == GA_MK_HISTOGRAM) {
            ga__histogram(b, m, s, base, om);
            continue;
        }
        ga_buf_puts(b, counter ? total : base);
        ga__labels(b, s, NULL);
        if (m->is_double) {
            char v[40];
            ga_prom_float(s->sum, om, v, sizeof v);
            ga_buf_printf(b, " %s\n", v);
        } else {
            ga_buf_printf(b, " %lld\n", (long long)s->value);
        }
    }
}

void ga_prom_render_list(ga_buf *b, int om, ga_instrument *const *list, int n)
{
    ga__target_info(b, om);
    for (int i = 0; i < n; i++)
        if (ga_series_first(list[i]) != NULL)
            ga__family(b, list[i], om);
    if (om)
        ga_buf_puts(b, "# EOF\n");
}

void ga_prom_render(ga_buf *b, int om)
{
    ga_instrument *list[GA_MI_MAX];
    for (int i = 0; i < ga_minst_count; i++)
        list[i] = &ga_minst[i];
    ga_prom_render_list(b, om, list, ga_minst_count);
}
