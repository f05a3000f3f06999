/* context.h — trace context on the application thread: span identity, the thread's active
 * span, id generation, sampling, and W3C traceparent parsing/formatting.
 *
 * Ids come from a per-thread xoshiro256** generator seeded from getrandom(), reseeded
 * after fork, so the hot path never makes a syscall. Sampling decisions are taken here
 * because the sampled flag has to travel on the wire with the traceparent. */
#ifndef GA_CONTEXT_H
#define GA_CONTEXT_H

#include <stdint.h>
#include <stddef.h>
#include "preload/ga.h"

/* W3C trace flags. */
#define GA_TF_SAMPLED 0x01

/* Span flags (OTLP Span.flags bits above the W3C byte). */
#define GA_SF_HAS_IS_REMOTE 0x100
#define GA_SF_IS_REMOTE     0x200

typedef struct ga_span_ctx {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t flags;      /* W3C trace flags */
    uint8_t valid;      /* 1 when trace_id/span_id hold a valid context */
    uint8_t remote;     /* 1 when it came from another process (traceparent) */
} ga_span_ctx;

/* Identity of a new span: ids, parent, sampled flag. Filled by ga_span_start(). */
typedef struct ga_span_ids {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    uint8_t flags;          /* W3C trace flags of this span */
    uint8_t has_parent;
    uint8_t parent_remote;
} ga_span_ids;

enum ga_sampler {
    GA_SAMPLER_ALWAYS_ON, GA_SAMPLER_ALWAYS_OFF, GA_SAMPLER_RATIO,
    GA_SAMPLER_PB_ALWAYS_ON, GA_SAMPLER_PB_ALWAYS_OFF, GA_SAMPLER_PB_RATIO
};

/* The thread's active span (e.g. the server request it is handling), or invalid. */
extern GA_TLS ga_span_ctx ga_tls_active;

/* Fill 16/8 random non-zero bytes from this thread's generator. */
void ga_random_trace_id(uint8_t id[16]);
void ga_random_span_id(uint8_t id[8]);

/* Give a new span its identity: a child of `parent` when valid, else of the thread's active
 * span, else of the process parent from TRACEPARENT, else a new root; the configured
 * sampler decides the sampled flag. `parent` may be NULL. */
void ga_span_start(ga_span_ids *out, const ga_span_ctx *parent);

/* The sampling decision for a span of trace `trace_id` with the given parent context
 * (NULL for a root). Pure function of its inputs and the configured sampler. */
int ga_sample(const uint8_t trace_id[16], const ga_span_ctx *parent);

/* Deterministic ratio decision on the trace id (SPECS §4.1): sample iff the lower 56 bits
 * (bytes 9..15, big-endian) are >= (1 - ratio) * 2^56. Monotone in ratio. */
int ga_ratio_sample(const uint8_t trace_id[16], double ratio);

/* Parse a W3C traceparent value (OWS around it tolerated). Returns 0 and fills `out`
 * (valid=1, remote=1) on success, -1 when invalid per the W3C rules. */
int ga_traceparent_parse(const char *s, size_t len, ga_span_ctx *out);

/* Format `00-<trace>-<span>-<flags>` into buf (at least 56 bytes); returns 55. */
int ga_traceparent_format(const uint8_t trace_id[16], const uint8_t span_id[8],
                          uint8_t flags, char *buf);

/* Lowercase hex of n bytes into out (2n chars, NUL-terminated). */
void ga_hex(const uint8_t *in, size_t n, char *out);

/* Called in the child after fork: new seeds for every thread's generator. */
void ga_context_after_fork(void);

#endif
