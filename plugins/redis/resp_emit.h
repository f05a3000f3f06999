/* resp_emit.h — Redis operations into records on the ring (application thread): the raw facts
 * only (names, codes, the argument blob, addresses); the exporter side renders them
 * (resp_ops.c). */
#ifndef GA_RESP_EMIT_H
#define GA_RESP_EMIT_H

#include "preload/record.h"
#include "protocols/resp/resp_sess.h"
#include "preload/context.h"

/* Where the operation went and what only a hook knew. peer may be NULL (hook-only spans);
 * port and hookerr are 0 when unknown. */
typedef struct ga_resp_where {
    const ga_addr *peer;
    int socktype;
    int port;
    int hookerr;
} ga_resp_where;

/* The span identity of an operation: the hook's when a hook announced the command, else a new
 * span in *fresh (a child of the thread's active span). */
const ga_span_ids *ga_resp_ids(const ga_resp_op *op, ga_span_ids *fresh);

/* Fill a begun record (ga_rec_init, preload/emit.h: no attributes yet) from one operation:
 * status, attributes (name, code and host cut to GA_RESP_NAME_CAP, GA_RESP_CODE_CAP and
 * GA_RESP_HOST_CAP bytes; the text to what room is left). */
void ga_resp_fill(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w);

/* Begin (emit door), fill and commit one span record. Span identity comes from op->hook when a hook
 * announced the command, else a new span (child of the thread's active span). */
void ga_resp_emit(const ga_resp_op *op, const ga_resp_where *w);

#endif
