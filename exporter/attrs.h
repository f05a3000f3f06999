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

/* A key literal and its length, as the two arguments `key, klen` of the writer functions:
 * ga_aw_str(w, GA_K("db.system.name"), "redis", 5). Literals only. */
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

/* ---- the attribute writer --------------------------------------------------------------
 * Decoders (the core's and the plug-ins' ops) hand each attribute to a writer, which either
 * appends it to an array of ga_attr (console, metric series, tests) or, in wire mode, writes
 * it straight into the OTLP Span being encoded as a KeyValue field (exporter/otlp_span.c):
 * no array, no second pass. Both modes keep at most `max` attributes, in the order given. */
typedef struct ga_aw {
    ga_attr *out;                   /* array mode: out[0 .. n); NULL in wire mode */
    int n, max;
    uint8_t *p, *end;               /* wire mode: the next KeyValue field goes at p */
    int overflow;                   /* wire mode: an attribute did not fit before end */
    ga_attr_scratch *sc;            /* room for formatted values */
    unsigned dup;                   /* GA_DUP_*: older names too (exporter/semconv.h); 0 = no */
    const char *dup_path;           /* url.path waiting for url.query (http.target) */
    size_t dup_path_len;
} ga_aw;

/* The older name(s) of an attribute just written (exporter/semconv.c). */
void ga_semconv_dup(ga_aw *w, const char *key, uint8_t klen, int type, const char *s,
                    size_t len, int64_t v);

/* A writer into out[0 .. max). */
static inline ga_aw ga_aw_array(ga_attr *out, int max, ga_attr_scratch *sc)
{
    return (ga_aw){ .out = out, .max = max, .sc = sc };
}

/* Wire mode (exporter/otlp_span.c): one Span attributes field (KeyValue) at w->p. */
void ga_aw_wire_str(ga_aw *w, const char *key, uint8_t klen, const char *s, size_t len);
void ga_aw_wire_int(ga_aw *w, const char *key, uint8_t klen, int64_t v);
void ga_aw_wire_bool(ga_aw *w, const char *key, uint8_t klen, int v);

/* A string / integer attribute; `key, klen` is GA_K("literal"). A NULL string is ignored. */
static inline void ga_aw_str(ga_aw *w, const char *key, uint8_t klen, const char *s, size_t len)
{
    if (w->n >= w->max || s == NULL)
        return;
    if (w->out == NULL)
        ga_aw_wire_str(w, key, klen, s, len);
    else
        w->out[w->n++] = (ga_attr){ .key = key, .klen = klen, .type = GA_V_STR, .s = s, .slen = len };
    if (__builtin_expect(w->dup != 0, 0))
        ga_semconv_dup(w, key, klen, GA_V_STR, s, len, 0);
}

static inline void ga_aw_bool(ga_aw *w, const char *key, uint8_t klen, int v)
{
    if (w->n >= w->max)
        return;
    if (w->out == NULL) {
        ga_aw_wire_bool(w, key, klen, v);
        return;
    }
    w->out[w->n++] = (ga_attr){ .key = key, .klen = klen, .type = GA_V_BOOL, .i = v != 0 };
}

static inline void ga_aw_int(ga_aw *w, const char *key, uint8_t klen, int64_t v)
{
    if (w->n >= w->max)
        return;
    if (w->out == NULL)
        ga_aw_wire_int(w, key, klen, v);
    else
        w->out[w->n++] = (ga_attr){ .key = key, .klen = klen, .type = GA_V_INT, .i = v };
    if (__builtin_expect(w->dup != 0, 0))
        ga_semconv_dup(w, key, klen, GA_V_INT, NULL, 0, v);
}

/* The record's attributes, in the order of its TLV area (core keys decoded here, the plug-in's
 * by its op descriptor, exporter/ops.h), into w. The scratch area is reset first. */
void ga_rec_attrs_w(const ga_rec *r, ga_aw *w);

/* The same into out[0 .. max); returns the count. */
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
