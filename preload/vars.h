/* vars.h — the core's and the exporter's entries of the configuration table (preload/env.h):
 * one line per variable, X(NAME, TYPE, default, meaning[, type arguments]). Plug-ins declare
 * theirs in their own folder. docs/configuration.md lists the same set; a unit test
 * (tests/unit/test_config_doc.c) fails when the two disagree. */
#ifndef GA_VARS_H
#define GA_VARS_H

#include "preload/env.h"

/* The OTLP exporter options, generic (S empty) and per signal (S = _TRACES, ...). */
#define GA_OTLP_OPTION_VARS(X, S)                                                              \
    X(OTEL_EXPORTER_OTLP##S##_ENDPOINT, STR, "http://localhost:4318",                          \
      "OTLP/HTTP endpoint: a base URL (generic) or the exact URL of one signal")               \
    X(OTEL_EXPORTER_OTLP##S##_HEADERS, STR, "", "extra request headers, name=value,...")       \
    X(OTEL_EXPORTER_OTLP##S##_TIMEOUT, INT, "10000", "ms for one export, retries included",    \
      0, 2147483647)                                                                           \
    X(OTEL_EXPORTER_OTLP##S##_COMPRESSION, ENUM, "none", "request body compression",         \
      "none|gzip")                                                                             \
    X(OTEL_EXPORTER_OTLP##S##_PROTOCOL, STR, "http/protobuf", "transport protocol")            \
    X(OTEL_EXPORTER_OTLP##S##_CERTIFICATE, STR, "", "CA bundle for https")                     \
    X(OTEL_EXPORTER_OTLP##S##_CLIENT_KEY, STR, "", "client key for mutual TLS")                \
    X(OTEL_EXPORTER_OTLP##S##_CLIENT_CERTIFICATE, STR, "", "client certificate for mutual TLS")

/* Log capture (preload/logcap.h, exporter/logs_*.c; docs/logs.md). */
#define GA_LOGS_VARS(X)                                                                        \
    X(GENESIS_LOGS, BOOL, "true", "capture stdout, stderr, syslog and GENESIS_LOGS_FILES as logs") \
    X(GENESIS_LOGS_FILES, STR, "", "globs of log files captured when opened, path,...")         \
    X(GENESIS_LOGS_INJECT, ENUM, "off", "add trace_id/span_id to lines written in a span",      \
      "off|json|text|auto")                                                                    \
    X(OTEL_LOGS_EXPORTER, STR, "otlp", "where log records go: otlp, console, none")            \
    X(OTEL_BLRP_SCHEDULE_DELAY, INT, "1000", "ms a log record waits at most before it is sent", \
      0, 2147483647)                                                                           \
    X(OTEL_BLRP_EXPORT_TIMEOUT, INT, "30000", "ms bound of one logs export", 0, 2147483647)    \
    X(OTEL_BLRP_MAX_QUEUE_SIZE, INT, "2048", "log records waiting to be sent", 1, 2147483647)  \
    X(OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, INT, "512", "log records per request", 1, 2147483647)

#define GA_CORE_VARS(X)                                                                        \
    X(OTEL_SDK_DISABLED, BOOL, "false", "the library is a pure pass-through")                  \
    X(GENESIS_DISABLED, BOOL, "false", "same as OTEL_SDK_DISABLED")                            \
    X(GENESIS_INCLUDE, STR, "", "globs on the executable name: only these are observed")       \
    X(GENESIS_EXCLUDE, STR, "", "globs on the executable name: these are not observed")        \
    X(GENESIS_LOG_LEVEL, ENUM, "warn", "the library's own messages on stderr",                 \
      "warn|off|error|info|debug|warning|none")                                                \
    X(OTEL_LOG_LEVEL, ENUM, "warn", "used when GENESIS_LOG_LEVEL is unset",                    \
      "warn|off|error|info|debug|warning|none")                                                \
    X(OTEL_SERVICE_NAME, STR, "unknown_service:<exe>", "service.name")                         \
    X(OTEL_RESOURCE_ATTRIBUTES, STR, "", "extra resource attributes, key=value,...")           \
    X(OTEL_TRACES_SAMPLER, ENUM, "parentbased_always_on", "which spans are kept",              \
      "parentbased_always_on|always_on|always_off|traceidratio|parentbased_always_off|"        \
      "parentbased_traceidratio")                                                              \
    X(OTEL_TRACES_SAMPLER_ARG, STR, "1.0", "ratio of the ratio samplers")                      \
    X(GENESIS_TAIL_SAMPLING, ENUM, "off", "keep head-dropped local segments that failed or "   \
      "were slow", "off|errors|slow|errors,slow|slow,errors")                                  \
    X(GENESIS_TAIL_SLOW_MS, INT, "1000", "a local root lasting longer is slow, ms",            \
      0, 86400000)                                                                             \
    X(GENESIS_TAIL_BUFFER, INT, "2048", "spans held until their local root ends", 16, 1048576) \
    X(OTEL_TRACES_EXPORTER, STR, "otlp", "where spans go: otlp, console, none")                \
    X(OTEL_METRICS_EXPORTER, STR, "otlp", "where metrics go: otlp, prometheus, console, none") \
    X(TRACEPARENT, STR, "", "parent of the process's root spans")                              \
    X(TRACESTATE, STR, "", "tracestate of that parent")                                        \
    X(BAGGAGE, STR, "", "baggage sent where no active span gives one (with baggage propagated)") \
    X(GENESIS_PROPAGATE, BOOL, "true", "add trace context to outgoing requests")               \
    X(OTEL_PROPAGATORS, STR, "tracecontext", "header formats: tracecontext,baggage,b3,b3multi") \
    X(GENESIS_STACKS, ENUM, "slow,errors", "client operations that get a call-site stack",    \
      "slow,errors|errors|off")                                                                \
    X(GENESIS_STACK_SLOW_MS, INT, "100", "ms from which a client operation is slow for stacks",\
      0, 86400000)                                                                             \
    X(GENESIS_EXIT_FLUSH_MS, INT, "300", "longest time spent exporting at exit, ms", 0, 60000) \
    X(GENESIS_QUEUE_SIZE, INT, "4096", "operations queued for the exporter thread",            \
      2, 4194304)                                                                              \
    X(GENESIS_CONSOLE_FILE, STR, "", "where the console exporter writes (%p = pid)")           \
    X(OTEL_SEMCONV_STABILITY_OPT_IN, STR, "", "database/dup, http/dup: older names too")       \
    GA_OTLP_OPTION_VARS(X, )                                                                   \
    GA_OTLP_OPTION_VARS(X, _TRACES)                                                            \
    GA_OTLP_OPTION_VARS(X, _METRICS)                                                           \
    GA_OTLP_OPTION_VARS(X, _LOGS)                                                              \
    GA_LOGS_VARS(X)                                                                            \
    X(OTEL_BSP_SCHEDULE_DELAY, INT, "5000", "ms a span waits at most before it is sent",       \
      0, 2147483647)                                                                           \
    X(OTEL_BSP_EXPORT_TIMEOUT, INT, "30000", "ms bound of one span export", 0, 2147483647)     \
    X(OTEL_BSP_MAX_QUEUE_SIZE, INT, "2048", "spans waiting to be sent", 1, 2147483647)         \
    X(OTEL_BSP_MAX_EXPORT_BATCH_SIZE, INT, "512", "spans per request", 1, 2147483647)          \
    X(GENESIS_LIBCURL, STR, "libcurl.so.4", "the libcurl the exporter thread loads")           \
    X(OTEL_METRIC_EXPORT_INTERVAL, INT, "60000", "ms between two OTLP metrics pushes",         \
      1, 2147483647)                                                                           \
    X(OTEL_METRIC_EXPORT_TIMEOUT, INT, "30000", "ms bound of one metrics push", 0, 2147483647) \
    X(OTEL_METRICS_EXEMPLAR_FILTER, ENUM, "trace_based", "which measurements keep exemplars",  \
      "trace_based|always_on|always_off")                                                      \
    X(OTEL_EXPORTER_PROMETHEUS_HOST, STR, "localhost", "listen address of the endpoint")       \
    X(OTEL_EXPORTER_PROMETHEUS_PORT, INT, "9464", "listen port of the endpoint", 1, 65535)

enum ga_core_var { GA_CORE_VARS(GA_VAR_ID) GA_V_COUNT };

/* The core's table (entries indexed by enum ga_core_var, then their string pool; env.h). */
GA_VAR_TABLE_TYPE(ga_core_vtab, GA_CORE_VARS, GA_V_COUNT);
extern struct ga_core_vtab ga_core_vtab;
#define GA_VAR(N) (&ga_core_vtab.v[GA_V_##N])

/* The OTLP option `opt` (0 = ENDPOINT .. 7 = CLIENT_CERTIFICATE) of scope 0 (generic) .. 3
 * (logs), in the order GA_OTLP_OPTION_VARS declares them. */
#define GA_OTLP_NOPTS 8
static inline ga_var *ga_otlp_var(int opt, int scope)
{
    return &ga_core_vtab.v[GA_V_OTEL_EXPORTER_OTLP_ENDPOINT + scope * GA_OTLP_NOPTS + opt];
}

#endif
