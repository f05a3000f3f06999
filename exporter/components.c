/* components.c — which components the exporter thread runs, in the order they see each
 * record (see components.h). Components defined in optional files are weak references:
 * a build without them simply leaves their slot NULL. */
#include <stddef.h>
#include "exporter/components.h"

extern const ga_component ga_metrics_component __attribute__((weak));
extern const ga_component ga_otlp_traces_component __attribute__((weak));
extern const ga_component ga_prom_component __attribute__((weak));
extern const ga_component ga_logs_component __attribute__((weak));
extern const ga_component ga_otlp_logs_component __attribute__((weak));

const ga_component *const ga_all_components[GA_MAX_COMPONENTS] = {
    &ga_metrics_component,          /* first: every record feeds the metrics */
    &ga_otlp_traces_component,
    &ga_prom_component,
    &ga_logs_component,             /* log lines: assembled before the log exporters flush */
    &ga_otlp_logs_component,
    &ga_console_component,          /* last: its self line counts the others' exit flush */
};
