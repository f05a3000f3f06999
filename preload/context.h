/* context.h — trace context on the application thread: span identity, the thread's active
 * span, id generation and sampling (the W3C value types and parser: protocols/w3c/w3c.h).
 *
 * Ids come from a per-thread xoshiro256** generator seeded from getrandom(), reseeded
 * after fork, so the hot path never makes a syscall. Sampling decisions are taken here
 * because the sampled flag has to travel on the wire with the traceparent. */
#ifndef GA_CONTEXT_H
#define GA_CONTEXT_H

#include <stdint.h>
#include <stddef.h>
#include "preload/ga.h"
#include "protocols/w3c/w3c.h"

/* Span flags (OTLP Span.flags bits above the W3C byte). */
#define GA_SF_HAS_IS_REMOTE 0x100
#define GA_SF_IS_REMOTE     0x200

enum ga_sampler {
    GA_SAMPLER_ALWAYS_ON, GA_SAMPLER_ALWAYS_OFF, GA_SAMPLER_RATIO,
    GA_SAMPLER_PB_ALWAYS_ON, GA_SAMPLER_PB_ALWAYS_OFF, GA_SAMPLER_PB_RATIO
};

/* The thread's active span (e.g. the server request it is handling), or invalid (valid 0), or
 * pending (valid GA_CTX_PENDING). Read it through ga_active() wherever its ids are used. */
extern GA_TLS ga_span_ctx ga_tls_active;

/* A pending active span: made active without its identity, which is drawn only if something on
 * the thread asks for it (a child span, an injection, a log line) — a consumed message whose
 * processing starts nothing pays no traceparent decode and no ids on the application thread;
 * its record then leaves both to the exporter thread (GA_PARENT_RAW, ga_rec_draw_ids). While
 * pending, span_id holds the owner's serial of the span (so that a copy saved and restored
 * after the span ended is known stale) and the rest is unused. The owner sets ga_tls_resolve,
 * which fills ga_tls_active (valid 1) or clears it (valid 0). */
#define GA_CTX_PENDING 2
typedef void (*ga_resolve_fn)(void);
extern GA_TLS ga_resolve_fn ga_tls_resolve;

/* ga_tls_active made definite: resolved through ga_tls_resolve, or invalid when nothing can. */
void ga_active_resolve(void);

/* The thread's active span with its ids, or NULL. */
static inline const ga_span_ctx *ga_active(void)
{
    if (__builtin_expect(ga_tls_active.valid == GA_CTX_PENDING, 0))
        ga_active_resolve();
    return ga_tls_active.valid ? &ga_tls_active : NULL;
}

/* Fill 16/8 random non-zero bytes from this thread's generator. */
void ga_random_trace_id(uint8_t id[16]);
void ga_random_span_id(uint8_t id[8]);

/* Give a new span its identity: a child of `parent` when valid, else of the thread's active
 * span, else of the process parent from TRACEPARENT, else a new root; the configured
 * sampler decides the sampled flag. `parent` may be NULL. */
void ga_span_start(ga_span_ids *out, const ga_span_ctx *parent);

/* ga_span_start for a span whose context comes with it (a request read by a server, a message
 * delivered): a child of `parent` when it is valid (its remote flag kept), else a new root —
 * never of the thread's active span. `parent` may be NULL. */
void ga_span_start_own(ga_span_ids *out, const ga_span_ctx *parent);

/* ga_span_start for a leaf span (a client call nothing descends from, nothing injects): the
 * parent's ids and the sampling decision as ga_span_start gives them, but the span id — and for
 * a root, the trace id and the sampling decision — left zero, for the exporter thread to draw
 * from the record (preload/record.h: ga_rec_ids_pending). */
void ga_span_start_leaf(ga_span_ids *out);

/* Exporter thread, for a record whose ids are pending (ga_rec_ids_pending): its span id, and for
 * a root its trace id and the sampling decision, drawn from this thread's generator. A record
 * with has_parent GA_PARENT_RAW carries its parent as the traceparent text it came with
 * (GA_A_PARENT_TP): decoded here, it makes the span that parent's child (remote), as
 * ga_span_start_own would have; an invalid one, a root. */
struct ga_rec;
void ga_rec_draw_ids(struct ga_rec *r);

/* The sampling decision for a span of trace `trace_id` with the given parent context
 * (NULL for a root). Pure function of its inputs and the configured sampler. */
int ga_sample(const uint8_t trace_id[16], const ga_span_ctx *parent);

/* Deterministic ratio decision on the trace id (SPECS §4.1): sample iff the lower 56 bits
 * (bytes 9..15, big-endian) are >= (1 - ratio) * 2^56. Monotone in ratio. */
int ga_ratio_sample(const uint8_t trace_id[16], double ratio);

/* Called in the child after fork: new seeds for every thread's generator. */
void ga_context_after_fork(void);

#endif
