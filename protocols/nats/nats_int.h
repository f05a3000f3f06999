/* nats_int.h — internals shared by the NATS parser's files (nats_parse.c, nats_line.c,
 * nats_json.c, nats_hdr.c). Not an API. */
#ifndef GA_NATS_INT_H
#define GA_NATS_INT_H

#include "protocols/nats/nats.h"

static inline int ga_nats_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static inline uint8_t ga_nats_lower(uint8_t c)
{
    return (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* nats_line.c: the op named by the first token p[0..n) of a line in direction dir, or
 * GA_NATS_NONE. */
int ga_nats_op_of(const uint8_t *p, size_t n, int dir);

/* nats_json.c: the JSON of an INFO / CONNECT line. */
void ga_nats_json_start(ga_nats_json *js, int op);
/* Scan JSON bytes; 0, or -1 when they cannot be (the start of) one JSON object. */
int ga_nats_json_feed(ga_nats_json *js, const uint8_t *p, size_t n);
/* The line ended: 0 when the object is complete, -1 otherwise. */
int ga_nats_json_end(ga_nats_json *js);

/* nats_hdr.c: the header block of an HPUB / HMSG. */
void ga_nats_hdr_start(ga_nats_hscan *hs);
/* The next bytes of the block (never more than it holds); reports its context fields through
 * cb->field. */
void ga_nats_hdr_feed(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb);

#endif
