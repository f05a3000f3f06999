/* metrics_conf.c — metrics/Prometheus settings from the configuration table (contract in
 * metrics_conf.h). */
#include <stdio.h>
#include <string.h>
#include "exporter/metrics_conf.h"
#include "preload/vars.h"

ga_metrics_conf ga_mconf;

void ga_metrics_conf_load(ga_metrics_conf *c)
{
    /* In the order of the variable's choices: trace_based|always_on|always_off. */
    static const int filters[] = { GA_EXF_TRACE_BASED, GA_EXF_ALWAYS_ON, GA_EXF_ALWAYS_OFF };
    memset(c, 0, sizeof *c);
    c->interval_ms = (unsigned)ga_var_int(GA_VAR(OTEL_METRIC_EXPORT_INTERVAL));
    c->timeout_ms = (unsigned)ga_var_int(GA_VAR(OTEL_METRIC_EXPORT_TIMEOUT));
    c->exemplar_filter = filters[ga_var_enum(GA_VAR(OTEL_METRICS_EXEMPLAR_FILTER))];
    ga_var *hv = GA_VAR(OTEL_EXPORTER_PROMETHEUS_HOST);
    const char *host = ga_var_raw(hv);
    if (host != NULL && strlen(host) >= sizeof c->prom_host) {
        ga_var_warn_hidden(hv, "a host name of at most 255 bytes", "localhost");
        host = NULL;
    }
    snprintf(c->prom_host, sizeof c->prom_host, "%s", host ? host : "localhost");
    c->prom_port = (int)ga_var_int(GA_VAR(OTEL_EXPORTER_PROMETHEUS_PORT));
}
