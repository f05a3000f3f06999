/* otlp_common.h — building blocks shared by the OTLP encoders (traces here, metrics and
 * logs elsewhere), all on the exporter thread:
 *   - an arena that owns every protobuf-c node of one request (one reset per request, no
 *     per-node malloc/free, a hard size limit);
 *   - ga_attr lists → KeyValue arrays, the process resource → Resource, the scope;
 *   - packing a message into a ga_buf under the OTLP request size limit.
 * Every string put into a message goes through ga_otlp_str(), which repairs invalid UTF-8
 * (protobuf `string` must be UTF-8; receivers reject the whole request otherwise). */
#ifndef GA_OTLP_COMMON_H
#define GA_OTLP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "exporter/attrs.h"
#include "exporter/buf.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue ga_pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue ga_pb_any;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope ga_pb_scope;
typedef Opentelemetry__Proto__Resource__V1__Resource ga_pb_resource;

/* Client-side request limit (SPECS §1.3): a bigger request is not sent, and counted. */
#define GA_OTLP_MAX_REQUEST (64u << 20)

/* ---- arena ------------------------------------------------------------------------------ */

typedef struct ga_pb_chunk ga_pb_chunk;
typedef struct ga_pb_arena {
    ga_pb_chunk *head;
    size_t total;               /* bytes held in chunks */
    size_t limit;               /* 0 = GA_OTLP_MAX_REQUEST * 2 */
    int failed;                 /* an allocation failed since the last reset */
} ga_pb_arena;

/* n bytes, zeroed, aligned for any type; NULL (and a->failed = 1) past the limit or
 * when memory is short. */
void *ga_pb_alloc(ga_pb_arena *a, size_t n);

/* Give back everything but one chunk (kept warm for the next request); clears `failed`. */
void ga_pb_arena_reset(ga_pb_arena *a);

/* Give back everything. */
void ga_pb_arena_free(ga_pb_arena *a);

/* A protobuf-c allocator drawing from the arena (free is a no-op), e.g. to unpack a
 * response: everything unpacked goes away with the next reset. */
ProtobufCAllocator ga_pb_allocator(ga_pb_arena *a);

/* ---- values ----------------------------------------------------------------------------- */

/* A NUL-terminated copy of n bytes in the arena, invalid UTF-8 replaced by U+FFFD; NULL on
 * allocation failure. */
char *ga_otlp_str(ga_pb_arena *a, const char *s, size_t n);

/* Binary data pointing at caller memory (not copied). */
static inline ProtobufCBinaryData ga_otlp_bytes(const void *p, size_t n)
{
    return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)(uintptr_t)p };
}

/* KeyValues for n attributes: returns an array of pointers and stores its length in *count
 * (attributes of an unknown type are skipped). Keys are referenced (they must live until the
 * message is packed); string values are copied. NULL with *count = 0 when n == 0 or on
 * allocation failure (then a->failed is set). */
ga_pb_kv **ga_otlp_kvs(ga_pb_arena *a, const ga_attr *attrs, int n, size_t *count);

/* A Resource with these attributes (e.g. ga_res.attrs / ga_res.n); NULL on failure. */
ga_pb_resource *ga_otlp_resource(ga_pb_arena *a, const ga_attr *attrs, int n);

/* The InstrumentationScope {name, version} (strings referenced); NULL on failure. */
ga_pb_scope *ga_otlp_scope(ga_pb_arena *a, const char *name, const char *version);

/* ---- bytes ------------------------------------------------------------------------------ */

/* Serialize m into out (replacing its content). Returns 0, or -1 when the encoding would
 * exceed GA_OTLP_MAX_REQUEST or memory is short (out is then empty). */
int ga_otlp_pack(const ProtobufCMessage *m, ga_buf *out);

/* gzip: exporter/otlp_gzip.h. */
#include "exporter/otlp_gzip.h"

#endif
