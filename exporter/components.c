/* components.c — which components the exporter thread runs, in the order they see each
 * record (see components.h). Components defined in optional files are weak references:
 * a build without them simply leaves their slot NULL. */
#include <stddef.h>
#include "exporter/components.h"

#pragma weak ga_metrics_component_get
#pragma weak ga_otlp_traces_component_get
#pragma weak ga_prom_component_get
#pragma weak ga_logs_component_get
#pragma weak ga_otlp_logs_component_get

void (*const ga_all_components[GA_MAX_COMPONENTS])(ga_component *c) = {
    ga_metrics_component_get,          /* first: every record feeds the metrics */
    ga_otlp_traces_component_get,
    ga_prom_component_get,
    ga_logs_component_get,             /* log lines: assembled before the log exporters flush */
    ga_otlp_logs_component_get,
    ga_console_component_get,          /* last: its self line counts the others' exit flush */
};
