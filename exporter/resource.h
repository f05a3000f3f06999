/* resource.h — the OpenTelemetry resource describing this process, built once per
 * exporter start (so a forked child gets its own pid and service.instance.id). */
#ifndef GA_RESOURCE_H
#define GA_RESOURCE_H

#include "exporter/attrs.h"

typedef struct ga_resource {
    int n;
    ga_attr attrs[GA_MAX_ATTRS + 16];
    char strings[4096];             /* storage for the values above */
    size_t used;
    char instance_id[37];
} ga_resource;

extern ga_resource ga_res;

/* Fill ga_res from the process and the configuration (exporter thread). */
void ga_resource_build(ga_resource *res);

/* A random UUID v4 string (36 chars + NUL). */
void ga_uuid4(char out[37]);

#endif
