/* otlp_gzip.h — gzip (RFC 1952) for the OTLP request bodies, on the exporter thread.
 *
 * ga_otlp_gzip() compresses any body (metrics) with libdeflate at level 1.
 *
 * ga_otlp_gzip_spans() compresses a trace request cheaply by knowing what is in it: the spans
 * of a batch repeat each other — same keys, same values, same structure — and differ in ids,
 * times and a few values. It writes one DEFLATE block of fixed Huffman codes (RFC 1951
 * §3.2.6) in which each span is compared with the span before it, field by field, equal runs
 * becoming back-references to it and the rest literals; everything else (the resource, the
 * scope, anything it does not recognise) goes out as literals. The output is valid gzip for
 * any input; how small it is depends on how alike the spans are (about a seventh of the size
 * for repeated records, against a tenth for a general encoder at several times the cost). */
#ifndef GA_OTLP_GZIP_H
#define GA_OTLP_GZIP_H

#include <stddef.h>
#include "exporter/buf.h"

/* gzip of n bytes into out (replacing its content). 0, or -1 on failure. */
int ga_otlp_gzip(const void *in, size_t n, ga_buf *out);

/* The same for an ExportTraceServiceRequest, matching spans against their predecessors. */
int ga_otlp_gzip_spans(const void *in, size_t n, ga_buf *out);

#endif
