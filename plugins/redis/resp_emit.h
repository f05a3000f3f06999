/* resp_emit.h — Redis operations into records on the ring (application thread): the raw facts
 * only (names, codes, the argument blob, addresses); the exporter renders them
 * (exporter/ops_resp.c). */
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

/* Fill a record whose header is zeroed (attr_len 0) from one operation. */
void ga_resp_fill(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w);

/* Reserve, fill and commit one span record. Span identity comes from op->hook when a hook
 * announced the command, else a new span (child of the thread's active span). */
void ga_resp_emit(const ga_resp_op *op, const ga_resp_where *w);

#endif
