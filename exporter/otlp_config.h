/* otlp_config.h — configuration of the OTLP/HTTP exporters: OTEL_EXPORTER_OTLP_* (generic and
 * per signal: TRACES, METRICS, LOGS), OTEL_BSP_* (span batching) and GENESIS_LIBCURL.
 *
 * The values come from the configuration table (preload/env.h, read by the constructor) and
 * are parsed by whichever component needs them. Parsing follows SPECS §1.5 and §4: empty =
 * unset; a per-signal variable overrides the generic one; a bad value gives one `genesis:`
 * warning (per variable) and the default (or the generic value) is used. No allocation. */
#ifndef GA_OTLP_CONFIG_H
#define GA_OTLP_CONFIG_H

#include <stddef.h>

enum ga_otlp_signal { GA_OTLP_TRACES, GA_OTLP_METRICS, GA_OTLP_LOGS, GA_OTLP_NSIG };

#define GA_OTLP_URL_MAX      1024
#define GA_OTLP_MAX_HEADERS  32
#define GA_OTLP_PATH_MAX     512
#define GA_OTLP_DEFAULT_BASE "http://localhost:4318"
#define GA_OTLP_DEFAULT_TIMEOUT_MS 10000u
#define GA_BSP_QUEUE_LIMIT   65536u     /* OTEL_BSP_MAX_QUEUE_SIZE above this is clamped */

/* A header: offsets of its NUL-terminated name and value in ga_otlp_cfg.header_buf. */
typedef struct ga_otlp_header {
    unsigned short name, value;
} ga_otlp_header;

/* Everything one signal's transport needs. Self-contained (no pointers), so it may be
 * copied by value. */
typedef struct ga_otlp_cfg {
    int signal;                     /* enum ga_otlp_signal */
    char url[GA_OTLP_URL_MAX];      /* the exact URL to POST to */
    unsigned timeout_ms;            /* per export, retries included; 0 = no limit */
    int gzip;                       /* OTEL_EXPORTER_OTLP_COMPRESSION=gzip */
    int n_headers;
    ga_otlp_header headers[GA_OTLP_MAX_HEADERS];
    char header_buf[4096];          /* decoded names and values, NUL-terminated */
    char certificate[GA_OTLP_PATH_MAX];         /* PEM paths for https; empty = none */
    char client_key[GA_OTLP_PATH_MAX];
    char client_certificate[GA_OTLP_PATH_MAX];
} ga_otlp_cfg;

/* The batch span processor (OTEL_BSP_*), already checked: 1 <= batch <= queue. */
typedef struct ga_bsp_cfg {
    unsigned schedule_delay_ms;     /* default 5000 */
    unsigned export_timeout_ms;     /* default 30000; 0 = no limit */
    unsigned max_queue_size;        /* default 2048, at most GA_BSP_QUEUE_LIMIT */
    unsigned max_export_batch_size; /* default 512 */
} ga_bsp_cfg;


/* The configuration of one signal's exporter, from the snapshot. Warns (once per option)
 * about bad values. Safe on any thread once the snapshot exists. */
void ga_otlp_cfg_load(int signal, ga_otlp_cfg *out);

/* Name and value of header i (0 <= i < n_headers). */
static inline const char *ga_otlp_header_name(const ga_otlp_cfg *c, int i)
{
    return c->header_buf + c->headers[i].name;
}
static inline const char *ga_otlp_header_value(const ga_otlp_cfg *c, int i)
{
    return c->header_buf + c->headers[i].value;
}

/* OTEL_BSP_* from the snapshot (warnings as above). */
void ga_bsp_cfg_load(ga_bsp_cfg *out);

/* GENESIS_LIBCURL: the libcurl to dlopen (default "libcurl.so.4"). */
const char *ga_otlp_libcurl_name(void);

/* --- pure helpers (unit-tested) ------------------------------------------------------- */

/* The URL to POST `signal` to (SPECS §1.5): a per-signal URL (`signal_url`, may be NULL) is
 * used as is, with "/" as path when it has none; otherwise `base` gets "v1/<signal>"
 * appended after ensuring it ends with "/". Returns 0, or -1 when the URL chosen is not an
 * absolute http:// or https:// URL with a host, or does not fit in `cap`. */
int ga_otlp_url(const char *signal_url, const char *base, int signal, char *out, size_t cap);

/* `url` for messages: credentials in it (`user:pass@`) become `REDACTED@`. Returns buf. */
const char *ga_otlp_url_redacted(const char *url, char *buf, size_t cap);

/* 1 when `url` is an absolute http:// or https:// URL with a non-empty host. */
int ga_otlp_url_valid(const char *url);

/* Parse OTEL_EXPORTER_OTLP_HEADERS syntax (`k1=v1,k2=v2`, W3C-baggage-like, keys and values
 * percent-decoded, spaces around them trimmed, empty members skipped) into out->headers.
 * Returns 0, or -1 (and stores no header) when any member is malformed: no `=`, a name that
 * is not an HTTP token, a bad escape, a control character in a value, too many or too long. */
int ga_otlp_parse_headers(const char *s, ga_otlp_cfg *out);

#endif
