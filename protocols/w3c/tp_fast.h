/* tp_fast.h — traceparent values on a request path, fast: the common version-00 value
 * decoded and formatted with tables. Anything else goes to the shared W3C parser (w3c.h),
 * so the accepted set is exactly ga_traceparent_parse's. */
#ifndef GA_W3C_TP_FAST_H
#define GA_W3C_TP_FAST_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/w3c/w3c.h"

/* As ga_traceparent_parse: 0 and *out filled (valid, remote), or -1. */
int ga_tp_parse(const char *s, size_t n, ga_span_ctx *out);

/* `00-<trace>-<span>-<flags>` (55 bytes, not NUL-terminated) for ids; flags: sampled bit. */
void ga_tp_format(const ga_span_ids *ids, char *out);

#endif
