/* http_xchg.h — feeding one direction of a connection's bytes to its parser and turning the
 * events into exchanges (http_xchg.c). The connection must be locked. */
#ifndef GA_HTTP_XCHG_H
#define GA_HTTP_XCHG_H

#include "plugins/http/http_state.h"

/* The next n bytes of requests (request = 1) or responses (0); p == NULL: n invisible body
 * bytes (sendfile). Ends exchanges whose response completes. */
void ga_http_feed(ga_http_state *st, int request, const uint8_t *p, size_t n);

/* The response stream ended: completes a read-until-close response (returns 1). */
int ga_http_response_eof(ga_http_state *st);

/* The request parser's callbacks (they find the state from the parser: st->rq). */
const ga_h1_cb *ga_http_request_cb(void);

/* End the oldest request in flight (err = enum ga_http_err) and write its record. */
void ga_http_pop(ga_http_state *st, int err, uint64_t resp_body);

/* ---- other propagation formats, server side (http_prop.c) ---- */

/* A request begins: forget the last one's fields. */
void ga_http_prop_begin(ga_http_state *st);

/* A piece of a b3, X-B3-* or baggage field (kept only if its format is configured). */
void ga_http_prop_piece(ga_http_state *st, int f, const uint8_t *p, size_t n);

/* The request's B3 context (single header first, then multi): 1 and *in, or 0. A context
 * without a sampling decision is given the root sampler's. */
int ga_http_b3_incoming(ga_http_state *st, const ga_h1_parser *ps, ga_span_ctx *in);

/* The request's baggage (or none) becomes that of the server span `ids`. */
void ga_http_prop_baggage(ga_http_state *st, const ga_h1_parser *ps, const ga_span_ids *ids);

#endif
