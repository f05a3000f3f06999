/* prom.h — the Prometheus endpoint: OTel → Prometheus naming (SPECS §6.3), the text 0.0.4
 * and OpenMetrics 1.0 expositions of the instruments in metrics_reg.h, and the small HTTP
 * request parser of the listener (prom_server.c). Exporter thread only. */
#ifndef GA_PROM_H
#define GA_PROM_H

#include <stddef.h>
#include "exporter/attrs.h"
#include "exporter/buf.h"
#include "exporter/metrics.h"

/* ---- names and values (prom_names.c) ------------------------------------------------ */

/* The metric name with its unit suffix (`_seconds`, `_bytes`, `_ratio` for unit-1 gauges),
 * without `_total`: chars outside [a-zA-Z0-9_:] become `_`, runs of `_` collapse, a leading
 * digit gets a `_` prefix. For counters the exposed sample name is this plus `_total`
 * (a name already ending in `_total` keeps it out of the base). An instrument's prom_name,
 * when set, is used as it is. Returns the length. */
size_t ga_prom_base_name(const ga_instrument *m, char *out, size_t cap);

/* The Prometheus unit word for a UCUM unit ("s" → "seconds", "By" → "bytes", "m/s" →
 * "meters_per_second"; bracketed annotations dropped → ""). */
void ga_prom_unit(const char *ucum, char *out, size_t cap);

/* A label name from an attribute key: invalid chars → `_`, runs collapse, leading digit →
 * `key_` prefix, leading `__` (reserved) → single `_`. */
void ga_prom_label_name(const char *key, char *out, size_t cap);

/* Append a label value / HELP text, escaped. Invalid UTF-8 becomes U+FFFD so the
 * exposition always parses. HELP escapes `"` only in OpenMetrics (om != 0). */
void ga_prom_put_label_value(ga_buf *b, const char *s, size_t n);
void ga_prom_put_help(ga_buf *b, const char *s, int om);

/* Shortest round-trip decimal form of v, as Go's strconv.FormatFloat(v, 'g', -1, 64):
 * "0.0001", "1e-05", "1e+06", "+Inf", "NaN". With canonical != 0 (OpenMetrics canonical
 * numbers for `le`), ".0" is added when the result has neither '.' nor an exponent. */
void ga_prom_float(double v, int canonical, char *out, size_t cap);

/* Attributes → label pairs: stringified values (ints and doubles as JSON numbers, bools
 * true/false), sanitized names sorted, empty values dropped, keys that collide after
 * sanitizing merged with `;` in the order of their original keys. Writes `name="value",...`
 * (no braces, trailing comma) into b. */
void ga_prom_put_labels(ga_buf *b, const ga_attr *a, int n);

/* ---- exposition (prom_text.c) -------------------------------------------------------- */

/* Render every instrument (after ga_metrics_collect) and target_info. om = OpenMetrics 1.0
 * (with exemplars, UNIT lines and `# EOF`), else text 0.0.4. */
void ga_prom_render(ga_buf *b, int om);

/* The same for the instruments list[0..n) (a forked family's sums, metrics_family.h). */
void ga_prom_render_list(ga_buf *b, int om, ga_instrument *const *list, int n);

#define GA_PROM_CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define GA_PROM_CT_OM   "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* ---- HTTP requests (prom_req.c) ------------------------------------------------------- */

enum ga_prom_method { GA_PROM_OTHER = 0, GA_PROM_GET, GA_PROM_HEAD };

typedef struct ga_prom_req {
    int method;                     /* enum ga_prom_method */
    int path_ok;                    /* "/metrics" or "/" (query string ignored) */
    int om;                         /* Accept prefers application/openmetrics-text */
} ga_prom_req;

/* Parse what was received so far: 0 = headers incomplete, 1 = complete (req filled),
 * -1 = malformed (answer 400). Only the request line and Accept are interpreted. */
int ga_prom_parse_request(const char *buf, size_t len, ga_prom_req *req);

/* Content negotiation on an Accept value: 1 when application/openmetrics-text (version
 * absent, 1.0.0 or 0.0.1) has a higher q than every text/plain or wildcard range we could
 * serve instead; 0 (text 0.0.4, also the fallback) otherwise. */
int ga_prom_accept_om(const char *v, size_t n);

#endif
