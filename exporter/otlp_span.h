/* otlp_span.h — the OTLP trace request written straight from span records, without an object
 * tree: ExportTraceServiceRequest { ResourceSpans { Resource, ScopeSpans { scope, Span... } } }.
 *
 * The resource and the scope are serialised once (ga_otlp_tr_init); each Span is written from
 * its record as it is appended — name and attributes from attrs.h, strings checked for UTF-8
 * once, sizes computed before writing so every length is a shortest varint, no allocation but
 * the growth of the output buffer. The request head (whose lengths depend on the spans) is
 * written last, into room reserved in front of the spans, so nothing is copied: the finished
 * request is out->data[start .. out->len). The bytes are what protobuf-c packed for the same
 * message (tests/unit/test_otlp_wire.c checks it, protobuf-c decoding both). Exporter thread. */
#ifndef GA_OTLP_SPAN_H
#define GA_OTLP_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include "exporter/attrs.h"
#include "exporter/buf.h"

typedef struct ga_otlp_tr {
    ga_buf res;                 /* the Resource message, serialised */
    ga_buf scope;               /* the InstrumentationScope message, serialised */
    size_t head_room;           /* bytes reserved in front of the spans */
} ga_otlp_tr;

/* Serialise the resource attributes and the scope {name, version}. 0, or -1 (memory). */
int ga_otlp_tr_init(ga_otlp_tr *t, const ga_attr *res, int nres, const char *scope_name,
                    const char *scope_version);

void ga_otlp_tr_free(ga_otlp_tr *t);

/* Start a request in out (its content is replaced). */
void ga_otlp_tr_begin(const ga_otlp_tr *t, ga_buf *out);

/* Append the Span of record r: its name (attrs.h), attributes, ids, flags, times, status and
 * tracestate (the record's, else TRACESTATE for the trace continued from TRACEPARENT).
 * 0, or -1 (memory). */
int ga_otlp_tr_span(ga_buf *out, const ga_rec *r);

/* The Span of record r with the given name, attributes and tracestate (ts may be NULL):
 * what ga_otlp_tr_span() appends once it has derived them. 0, or -1 (memory). */
int ga_otlp_tr_span_with(ga_buf *out, const ga_rec *r, const char *name, size_t name_len,
                         const ga_attr *a, int n, const char *ts, size_t ts_len);

/* Finish the request: write its head in front of the spans. Returns 0 and the offset where
 * the request begins in *start, or -1 when it exceeds GA_OTLP_MAX_REQUEST or memory ran out. */
int ga_otlp_tr_end(const ga_otlp_tr *t, ga_buf *out, size_t *start);

#endif
