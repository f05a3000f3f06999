/* b3.h — Zipkin B3 propagation (openzipkin/b3-propagation): the single `b3` header value and
 * the multi-header X-B3-* values parsed into the span context type of w3c.h, and the values
 * this library writes. Pure code: no allocation, no global state; fuzzed with the HTTP
 * parser (tests/fuzz/fuzz_http.c feeds every b3 and X-B3-* piece it sees here too). */
#ifndef GA_W3C_B3_H
#define GA_W3C_B3_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/w3c/w3c.h"

/* The sampling state a B3 context carries. DEFER: none (the receiver decides). */
enum ga_b3_sampling { GA_B3_DEFER = 0, GA_B3_ACCEPT, GA_B3_DENY, GA_B3_DEBUG };

/* `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]` (OWS around it tolerated): TraceId
 * 32 or 16 lower-hex (16 are left-padded with zeros), SpanId 16 lower-hex, neither all zero;
 * SamplingState `1`, `0` or `d`. Returns 0 with *out valid and remote (flags: sampled for
 * accept and debug) and *sampling set; -1 otherwise — also for a sampling-only value (`0`),
 * which carries no context. */
int ga_b3_parse(const char *s, size_t n, ga_span_ctx *out, int *sampling);

/* The X-B3-TraceId, X-B3-SpanId, X-B3-Sampled and X-B3-Flags values (NULL or length 0 when
 * absent; OWS around each tolerated). Sampled: `1`/`0` (`true`/`false` too); Flags `1` is
 * debug. Same result as ga_b3_parse. */
int ga_b3_parse_multi(const char *tid, size_t tn, const char *sid, size_t sn,
                      const char *smp, size_t smn, const char *flg, size_t fn,
                      ga_span_ctx *out, int *sampling);

/* The X-B3 values one at a time, for a carrier whose fields arrive apart (NATS header blocks
 * read across several reads). ga_b3_parse_multi is made of them, so the accepted set is the
 * same. OWS around each value tolerated. */
/* X-B3-TraceId: 32 or 16 lower-hex, not all zero (16 left-padded) into out; 1, else 0. */
int ga_b3_trace_id(const char *s, size_t n, uint8_t out[16]);
/* X-B3-SpanId: 16 lower-hex, not all zero, into out; 1, else 0. */
int ga_b3_span_id(const char *s, size_t n, uint8_t out[8]);
/* X-B3-Sampled: GA_B3_ACCEPT (`1`, `true`), GA_B3_DENY (`0`, `false`), GA_B3_DEFER (empty);
 * -1 for anything else (the whole context is then invalid, unless Flags says debug). */
int ga_b3_sampled(const char *s, size_t n);
/* X-B3-Flags: GA_B3_DEBUG for `1`, GA_B3_DEFER for anything else (ignored). */
int ga_b3_flags(const char *s, size_t n);

/* `{32 hex trace id}-{16 hex span id}-{1|0}` for ids (not NUL-terminated). */
#define GA_B3_LEN 51
void ga_b3_format(const ga_span_ids *ids, char *out);

#endif
