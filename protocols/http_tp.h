/* http_tp.h — traceparent values on the request path, fast: the common version-00 value
 * decoded and formatted with tables. Anything else goes to the shared W3C parser
 * (preload/context.h), so the accepted set is exactly ga_traceparent_parse's. */
#ifndef GA_HTTP_TP_H
#define GA_HTTP_TP_H

#include <stddef.h>
#include <stdint.h>
#include "preload/context.h"

/* As ga_traceparent_parse: 0 and *out filled (valid, remote), or -1. */
int ga_http_tp_parse(const char *s, size_t n, ga_span_ctx *out);

/* `00-<trace>-<span>-<flags>` (55 bytes, not NUL-terminated) for ids; flags: sampled bit. */
void ga_http_tp_format(const ga_span_ids *ids, char *out);

#endif
