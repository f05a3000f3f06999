/* attrs.h — decoding a record into named, typed attributes and a span name, on the
 * exporter thread. Shared by every encoder (console JSON, OTLP protobuf). */
#ifndef GA_ATTRS_H
#define GA_ATTRS_H

#include <stddef.h>
#include <stdint.h>
#include "preload/record.h"

enum ga_val_type { GA_V_STR = 1, GA_V_INT, GA_V_DOUBLE, GA_V_BOOL };

typedef struct ga_attr {
    const char *key;
    int type;                       /* enum ga_val_type */
    const char *s;                  /* GA_V_STR: not NUL-terminated, see slen */
    size_t slen;
    int64_t i;                      /* GA_V_INT and GA_V_BOOL */
    double d;
} ga_attr;

#define GA_MAX_ATTRS 32

/* Scratch memory for formatted values (addresses, error names) referenced by ga_attr.s. */
typedef struct ga_attr_scratch {
    char buf[512];
    size_t used;
} ga_attr_scratch;

/* n bytes of the scratch area, or NULL when it is full. */
char *ga_attr_scratch_get(ga_attr_scratch *sc, size_t n);

/* Append a string / integer attribute to out[n] (when n < max); return the new count.
 * ga_attr_add_str ignores a NULL string. */
int ga_attr_add_str(ga_attr *out, int n, int max, const char *key, const char *s, size_t len);
int ga_attr_add_int(ga_attr *out, int n, int max, const char *key, int64_t v);

/* Expand the record's TLV area into `out` (at most `max`); returns the count. */
int ga_rec_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);

/* The span name for a record into buf (NUL-terminated, truncated to cap). */
void ga_rec_span_name(const ga_rec *r, char *buf, size_t cap);

/* "ECONNREFUSED" for 111, "errno_NNN" when unknown. */
const char *ga_errno_name(int err, char *buf, size_t cap);

/* Format an address without port ("127.0.0.1", "::1"). */
void ga_addr_format(const ga_addr *a, char *buf, size_t cap);

#endif
