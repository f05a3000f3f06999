/* config.h — the core's configuration, parsed once in the constructor from the configuration
 * table (preload/env.h, preload/vars.h).
 *
 * Standard OTEL_* variables first, GENESIS_* for what OpenTelemetry has no name for
 * (docs/configuration.md lists them all). A bad value produces one `genesis:` warning and
 * the default is used; nothing here can make the host fail. */
#ifndef GA_CONFIG_H
#define GA_CONFIG_H

#include <stdint.h>
#include "preload/context.h"

/* Exporter selection bits for OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER. */
#define GA_EXP_OTLP       0x1
#define GA_EXP_CONSOLE    0x2
#define GA_EXP_PROMETHEUS 0x4

/* OTEL_PROPAGATORS members (bits); prop_order keeps the listed order for extraction. */
#define GA_PROP_TC        0x1       /* traceparent, tracestate */
#define GA_PROP_BAGGAGE   0x2       /* baggage */
#define GA_PROP_B3        0x4       /* b3 (single header) */
#define GA_PROP_B3MULTI   0x8       /* X-B3-TraceId, X-B3-SpanId, X-B3-Sampled */
#define GA_PROP_MAX       4

#define GA_MAX_RESOURCE_ATTRS 32

typedef struct ga_kv {
    const char *key;        /* both point into ga_config.res_buf */
    const char *value;
} ga_kv;

typedef struct ga_config {
    int disabled;                   /* OTEL_SDK_DISABLED / GENESIS_DISABLED / excluded */
    int sampler;                    /* enum ga_sampler */
    double sampler_ratio;
    unsigned traces_exporters;      /* GA_EXP_* */
    unsigned metrics_exporters;
    unsigned logs_exporters;        /* OTEL_LOGS_EXPORTER (otlp, console) */
    int logs_capture;               /* GENESIS_LOGS */
    int propagate;                  /* GENESIS_PROPAGATE: inject trace context (default on) */
    unsigned propagators;           /* OTEL_PROPAGATORS: GA_PROP_* (0: none) */
    uint8_t prop_order[GA_PROP_MAX];/* the members in listed order, deduplicated */
    unsigned exit_flush_ms;
    uint32_t queue_size;            /* ring capacity, power of two */
    ga_span_ctx env_parent;         /* TRACEPARENT, valid=0 when absent/invalid */
    char tracestate[512];           /* TRACESTATE, only kept with a valid TRACEPARENT */
    char service_name[256];         /* OTEL_SERVICE_NAME, empty when unset */
    char console_file[512];         /* GENESIS_CONSOLE_FILE, empty = stderr */
    int n_resource_attrs;
    ga_kv resource_attrs[GA_MAX_RESOURCE_ATTRS];  /* OTEL_RESOURCE_ATTRIBUTES, decoded */
    char res_buf[2048];
} ga_config;

extern ga_config ga_cfg;

/* Read the environment block envp into the configuration table (ga_env_read) and fill `cfg`
 * from the core's variables, with defaults for anything unset or invalid (one warning each).
 * `exe` is the executable's short name, matched against GENESIS_INCLUDE/EXCLUDE. */
void ga_config_load(ga_config *cfg, const char *exe, char *const *envp);

/* Parse OTEL_RESOURCE_ATTRIBUTES syntax into cfg->resource_attrs (percent-decoded).
 * Returns 0, or -1 (and stores nothing) when any member is malformed. */
int ga_config_parse_resource(ga_config *cfg, const char *s);

/* 1 when `name` matches one of the comma-separated fnmatch globs in `list`. */
int ga_config_glob_match(const char *list, const char *name);

#endif
