/* metrics_conf.c — metrics/Prometheus environment settings (contract in metrics_conf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "exporter/metrics_conf.h"
#include "preload/log.h"

ga_metrics_conf ga_mconf;

/* Warning kinds, one per variable, in the configuration range of preload/log.h: 0..12 are
 * preload/config.c, 23..31 exporter/otlp_config.h; these take 18..22. */
enum { V_INTERVAL = GA_LK_CONFIG_FIRST + 18, V_TIMEOUT, V_EXEMPLAR, V_PROM_HOST, V_PROM_PORT };

static const char *const ga__names[] = {
    "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_METRICS_EXEMPLAR_FILTER",
    "OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT",
};
#define GA_NVARS (sizeof ga__names / sizeof ga__names[0])
static char ga__snap[GA_NVARS][256];
static char ga__snap_set[GA_NVARS];

__attribute__((constructor)) static void ga__metrics_conf_snapshot(void)
{
    for (size_t i = 0; i < GA_NVARS; i++) {
        const char *v = getenv(ga__names[i]);
        if (v != NULL && *v != '\0' && strlen(v) < sizeof ga__snap[i]) {
            strcpy(ga__snap[i], v);
            ga__snap_set[i] = 1;
        } else if (v != NULL && *v != '\0') {
            strcpy(ga__snap[i], "(too long)");   /* parsed as invalid: warning + default */
            ga__snap_set[i] = 1;
        }
    }
}

static const char *ga__snap_get(const char *name)
{
    for (size_t i = 0; i < GA_NVARS; i++)
        if (strcmp(ga__names[i], name) == 0)
            return ga__snap_set[i] ? ga__snap[i] : NULL;
    return NULL;
}

static long ga__num(int kind, const char *name, const char *v, long lo, long hi, long def)
{
    if (v == NULL)
        return def;
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || x < lo || x > hi) {
        ga_warn(kind, "%s=%s is not an integer in [%ld, %ld]; using %ld", name, v, lo, hi, def);
        return def;
    }
    return x;
}

static int ga__filter(const char *v)
{
    if (v == NULL || strcasecmp(v, "trace_based") == 0)
        return GA_EXF_TRACE_BASED;
    if (strcasecmp(v, "always_on") == 0)
        return GA_EXF_ALWAYS_ON;
    if (strcasecmp(v, "always_off") == 0)
        return GA_EXF_ALWAYS_OFF;
    ga_warn(V_EXEMPLAR, "OTEL_METRICS_EXEMPLAR_FILTER=%s is not always_on|always_off|trace_based; "
            "using trace_based", v);
    return GA_EXF_TRACE_BASED;
}

void ga_metrics_conf_load(ga_metrics_conf *c, const char *(*get)(const char *name))
{
    if (get == NULL)
        get = ga__snap_get;
    memset(c, 0, sizeof *c);
    c->interval_ms = (unsigned)ga__num(V_INTERVAL, ga__names[0], get(ga__names[0]), 1, 0x7fffffff, 60000);
    c->timeout_ms = (unsigned)ga__num(V_TIMEOUT, ga__names[1], get(ga__names[1]), 0, 0x7fffffff, 30000);
    c->exemplar_filter = ga__filter(get(ga__names[2]));
    const char *host = get(ga__names[3]);
    if (host != NULL && strlen(host) >= sizeof c->prom_host) {
        ga_warn(V_PROM_HOST, "OTEL_EXPORTER_PROMETHEUS_HOST is too long; using localhost");
        host = NULL;
    }
    snprintf(c->prom_host, sizeof c->prom_host, "%s", host ? host : "localhost");
    c->prom_port = (int)ga__num(V_PROM_PORT, ga__names[4], get(ga__names[4]), 1, 65535, 9464);
}
