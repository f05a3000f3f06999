/* components.h — the list of exporter components, in the order they see each record.
 * Adding a component: define a `const ga_component` in its own file and list it in
 * exporter/components.c. */
#ifndef GA_COMPONENTS_H
#define GA_COMPONENTS_H

#include "exporter/exporter.h"

#define GA_MAX_COMPONENTS 8

/* GA_MAX_COMPONENTS slots; unused or absent ones are NULL. */
extern const ga_component *const ga_all_components[GA_MAX_COMPONENTS];

#endif
