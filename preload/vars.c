/* vars.c — the core's and the exporter's table entries, generated from preload/vars.h. */
#include "preload/vars.h"

#define GA__VAR_ENTRY(N, T, ...) [GA_V_##N] = GA_VAR_##T(#N, __VA_ARGS__),
ga_var ga_vars[GA_V_COUNT + 1] = {
    GA_CORE_VARS(GA__VAR_ENTRY)
};

_Static_assert(GA_V_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT == GA_V_OTEL_EXPORTER_OTLP_ENDPOINT + GA_OTLP_NOPTS &&
               GA_V_OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE ==
                   GA_V_OTEL_EXPORTER_OTLP_ENDPOINT + 4 * GA_OTLP_NOPTS - 1,
               "ga_otlp_var() relies on the scope-major order of the OTLP options");
