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

#endif
