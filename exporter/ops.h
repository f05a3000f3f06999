/* ops.h — how the exporter turns a protocol's records into spans: the span name and the
 * attributes of the keys the protocol owns (record.h ranges). Protocol modules define a
 * `const ga_op_desc ga_ops_<proto>[]` (terminated by op 0) in their own exporter-side file;
 * exporter/attrs.c finds them through weak references, so a build without a protocol still
 * links. Runs on the exporter thread only: formatting, sanitising and allocation are fine. */
#ifndef GA_OPS_H
#define GA_OPS_H

#include "exporter/attrs.h"

/* The semantic-convention histograms protocol records feed (value = span duration in s). */
enum ga_proto_metric {
    GA_PM_NONE = 0,
    GA_PM_HTTP_SERVER_DURATION,     /* http.server.request.duration */
    GA_PM_HTTP_CLIENT_DURATION,     /* http.client.request.duration */
    GA_PM_DB_CLIENT_DURATION,       /* db.client.operation.duration */
    GA_PM_COUNT
};

typedef struct ga_op_desc {
    uint8_t op;                     /* enum ga_op; 0 ends the array */
    /* The span name into buf (NUL-terminated, at most cap bytes). */
    void (*name)(const ga_rec *r, char *buf, size_t cap);
    /* Decode one TLV entry with a protocol-owned key into out[n...]; returns the new n.
     * May use sc for formatted strings. NULL = keys are skipped. */
    int (*attr)(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                ga_attr *out, int n, int max, ga_attr_scratch *sc);
    /* Which histogram every record of this op feeds (sampled or not), and the attributes of
     * its series: the semconv metric attributes only, never raw paths, ids or literals. */
    int metric;                     /* enum ga_proto_metric */
    int (*metric_attrs)(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);
} ga_op_desc;

/* The descriptor for op, or NULL. */
const ga_op_desc *ga_op_find(uint8_t op);

/* (Re)read GENESIS_HTTP_ROUTES. The library's constructor does it once, while the process is
 * still single-threaded; calling it again is only for tests, with no exporter thread running. */
void ga_http_routes_load(void);

#endif
