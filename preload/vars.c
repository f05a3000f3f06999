/* vars.c — the core's and the exporter's table entries, generated from preload/vars.h. */
#define GA_VAR_TABLE_T struct ga_core_vtab
#include "preload/vars.h"

struct ga_core_vtab ga_core_vtab = GA_VAR_TABLE_INIT(GA_CORE_VARS);
GA_VAR_TABLE_CHECK(ga_core_vtab);

_Static_assert(GA_V_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT == GA_V_OTEL_EXPORTER_OTLP_ENDPOINT + GA_OTLP_NOPTS &&
               GA_V_OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE ==
                   GA_V_OTEL_EXPORTER_OTLP_ENDPOINT + 4 * GA_OTLP_NOPTS - 1,
               "ga_otlp_var() relies on the scope-major order of the OTLP options");
