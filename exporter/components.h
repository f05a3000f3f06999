/* components.h — the list of exporter components, in the order they see each record.
 * Adding a component: define its `void ga_<name>_component_get(ga_component *c)`, which
 * describes it, in its own file and list it in exporter/components.c. */
#ifndef GA_COMPONENTS_H
#define GA_COMPONENTS_H

#include "exporter/exporter.h"

#define GA_MAX_COMPONENTS 8

/* Each component's description (defined in its own file; weak in components.c). */
void ga_metrics_component_get(ga_component *c);
void ga_otlp_traces_component_get(ga_component *c);
void ga_prom_component_get(ga_component *c);
void ga_logs_component_get(ga_component *c);
void ga_otlp_logs_component_get(ga_component *c);

/* GA_MAX_COMPONENTS slots, each the function that describes a component; unused or absent
 * ones are NULL. */
extern void (*const ga_all_components[GA_MAX_COMPONENTS])(ga_component *c);

#endif
