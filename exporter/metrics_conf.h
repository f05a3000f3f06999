/* metrics_conf.h — the metrics and Prometheus settings from the environment:
 * OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT, OTEL_METRICS_EXEMPLAR_FILTER,
 * OTEL_EXPORTER_PROMETHEUS_HOST, OTEL_EXPORTER_PROMETHEUS_PORT.
 *
 * The values come from the configuration table (preload/env.h: read by the constructor, so
 * the exporter thread never calls getenv); they are parsed when the metrics component opens,
 * where a bad value produces one `genesis:` warning and the default. */
#ifndef GA_METRICS_CONF_H
#define GA_METRICS_CONF_H

enum ga_exemplar_filter { GA_EXF_TRACE_BASED = 0, GA_EXF_ALWAYS_ON, GA_EXF_ALWAYS_OFF };

typedef struct ga_metrics_conf {
    unsigned interval_ms;           /* OTLP push period, default 60000 */
    unsigned timeout_ms;            /* bound of one push, default 30000 */
    int exemplar_filter;            /* enum ga_exemplar_filter, default trace_based */
    char prom_host[256];            /* default "localhost" */
    int prom_port;                  /* default 9464 */
} ga_metrics_conf;

extern ga_metrics_conf ga_mconf;

/* Parse the settings from the configuration table. */
void ga_metrics_conf_load(ga_metrics_conf *c);

#endif
