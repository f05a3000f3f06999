/* ops.h — how the exporter turns a protocol's records into spans: the span name and the
 * attributes of the keys the protocol owns (record.h ranges). Protocol modules define a
 * `const ga_op_desc ga_ops_<proto>[]` (terminated by op 0) in their own exporter-side file;
 * exporter/attrs.c finds them through weak references, so a build without a protocol still
 * links. Runs on the exporter thread only: formatting, sanitising and allocation are fine. */
#ifndef GA_OPS_H
#define GA_OPS_H

#include "exporter/attrs.h"

typedef struct ga_op_desc {
    uint8_t op;                     /* enum ga_op; 0 ends the array */
    /* The span name into buf (NUL-terminated, at most cap bytes). */
    void (*name)(const ga_rec *r, char *buf, size_t cap);
    /* Decode one TLV entry with a protocol-owned key into out[n...]; returns the new n.
     * May use sc for formatted strings. NULL = keys are skipped. */
    int (*attr)(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                ga_attr *out, int n, int max, ga_attr_scratch *sc);
} ga_op_desc;

/* The descriptor for op, or NULL. */
const ga_op_desc *ga_op_find(uint8_t op);

#endif
