/* attrs.h — decoding a record into named, typed attributes and a span name, on the
 * exporter thread. Shared by every encoder (console JSON, OTLP protobuf) and the metric series.
 *
 * Keys are string literals whose length is known at compile time (GA_K): the OTLP encoder
 * writes them without measuring them, and the metric series cache (metrics.h) recognises them
 * by address. Values point into the record or into the caller's scratch area. */
#ifndef GA_ATTRS_H
#define GA_ATTRS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "preload/record.h"

enum ga_val_type { GA_V_STR = 1, GA_V_INT, GA_V_DOUBLE, GA_V_BOOL };

typedef struct ga_attr {
    const char *key;
    uint8_t klen;                   /* strlen(key) for keys given with GA_K(); 0 = unknown */
    int type;                       /* enum ga_val_type */
    const char *s;                  /* GA_V_STR: not NUL-terminated, see slen */
    size_t slen;
    int64_t i;                      /* GA_V_INT and GA_V_BOOL */
    double d;
} ga_attr;

#define GA_MAX_ATTRS 32

/* A key literal and its length, as the two arguments `key, klen` of the functions below:
 * ga_attr_add_str(out, n, max, GA_K("db.system.name"), "redis", 5). Literals only. */
#define GA_K(lit) ("" lit ""), ((uint8_t)(sizeof("" lit "") - 1))

/* The length of an attribute's key. */
static inline size_t ga_attr_klen(const ga_attr *a)
{
    return a->klen ? a->klen : strlen(a->key);
}

/* Scratch memory for formatted values (addresses, error names) referenced by ga_attr.s, and
 * the text of the last peer address formatted with it (ga_attr_peer). */
typedef struct ga_attr_scratch {
    char buf[512];
    size_t used;
    int peer_ok;                    /* peer_s holds the text of `peer` */
    uint8_t peer_len;
    ga_addr peer;
    char peer_s[48];
} ga_attr_scratch;

/* Make the scratch area empty (every string given out before is invalid afterwards). */
static inline void ga_attr_scratch_reset(ga_attr_scratch *sc)
{
    sc->used = 0;
    sc->peer_ok = 0;
}

/* n bytes of the scratch area, or NULL when it is full. */
char *ga_attr_scratch_get(ga_attr_scratch *sc, size_t n);

/* The text of address a (IPv4 or IPv6, no port) in the scratch area, formatted once however
 * many attributes of the record name it; its length in *len (0 for other families). Valid
 * until the scratch area is reset. NULL when the scratch area is full. */
const char *ga_attr_peer(ga_attr_scratch *sc, const ga_addr *a, size_t *len);

/* Append a string / integer attribute to out[n] (when n < max); return the new count.
 * `key, klen` is GA_K("literal"). ga_attr_add_str ignores a NULL string. */
static inline int ga_attr_add_str(ga_attr *out, int n, int max, const char *key, uint8_t klen,
                                  const char *s, size_t len)
{
    if (n >= max || s == NULL)
        return n;
    out[n] = (ga_attr){ .key = key, .klen = klen, .type = GA_V_STR, .s = s, .slen = len };
    return n + 1;
}

static inline int ga_attr_add_int(ga_attr *out, int n, int max, const char *key, uint8_t klen,
                                  int64_t v)
{
    if (n >= max)
        return n;
    out[n] = (ga_attr){ .key = key, .klen = klen, .type = GA_V_INT, .i = v };
    return n + 1;
}

/* Expand the record's TLV area into `out` (at most `max`); returns the count. */
int ga_rec_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);

/* The span name for a record into buf (NUL-terminated, truncated to cap); returns its
 * length. */
size_t ga_rec_span_name(const ga_rec *r, char *buf, size_t cap);

/* "ECONNREFUSED" for 111, "errno_NNN" (in buf, at least 32 bytes) when unknown. */
const char *ga_errno_name(int err, char *buf, size_t cap);

/* Format an address without port ("127.0.0.1", "::1"; "" for other families) into buf (at
 * least 46 bytes: exporter/fmt.h). */
void ga_addr_format(const ga_addr *a, char *buf, size_t cap);

#endif
