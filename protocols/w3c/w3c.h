/* w3c.h — W3C Trace Context: the identity of a span as it travels between processes
 * (trace id, span id, flags), the `traceparent` value's parser and formatter, and lowercase
 * hex. Pure code shared by the core (preload/context.h) and every protocol that carries
 * trace context on its wire (HTTP headers, SQL comments, message headers). */
#ifndef GA_W3C_H
#define GA_W3C_H

#include <stddef.h>
#include <stdint.h>

/* W3C trace flags. */
#define GA_TF_SAMPLED 0x01

typedef struct ga_span_ctx {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t flags;      /* W3C trace flags */
    uint8_t valid;      /* 1 when trace_id/span_id hold a valid context */
    uint8_t remote;     /* 1 when it came from another process (traceparent) */
} ga_span_ctx;

/* Identity of a new span: ids, parent, sampled flag (the core fills it: ga_span_start). */
typedef struct ga_span_ids {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    uint8_t flags;          /* W3C trace flags of this span */
    uint8_t has_parent;
    uint8_t parent_remote;
} ga_span_ids;

/* Parse a W3C traceparent value (OWS around it tolerated). Returns 0 and fills `out`
 * (valid=1, remote=1) on success, -1 when invalid per the W3C rules. */
int ga_traceparent_parse(const char *s, size_t len, ga_span_ctx *out);

/* Format `00-<trace>-<span>-<flags>` into buf (at least 56 bytes); returns 55. */
int ga_traceparent_format(const uint8_t trace_id[16], const uint8_t span_id[8],
                          uint8_t flags, char *buf);

/* Lowercase hex of n bytes into out (2n chars, NUL-terminated). */
void ga_hex(const uint8_t *in, size_t n, char *out);

#endif
