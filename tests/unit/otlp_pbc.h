/* otlp_pbc.h — the protobuf-c message trees the OTLP encoders built before they wrote the
 * wire format themselves; kept for the tests as the oracle (protobuf-c packs what the library
 * now writes directly, and unpacks the answers the library now reads by hand). Header only,
 * so that no library source carries it: each unit test that needs it includes it (the core
 * archive holds the generated message code, the tests link libprotobuf-c). One thread:
 *   - an arena that owns every protobuf-c node of one request (one reset per request, no
 *     per-node malloc/free, a hard size limit);
 *   - ga_attr lists -> KeyValue arrays, the process resource -> Resource, the scope;
 *   - packing a message into a ga_buf under the OTLP request size limit.
 * Every string value put into a message goes through ga_otlp_str(), which repairs invalid
 * UTF-8 as the library's writers do (exporter/utf8.h). */
#ifndef GA_TESTS_OTLP_PBC_H
#define GA_TESTS_OTLP_PBC_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>
#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "exporter/attrs.h"
#include "exporter/buf.h"
#include "exporter/otlp_common.h"
#include "exporter/utf8.h"

#define GA_PBC_UNUSED __attribute__((unused))

typedef Opentelemetry__Proto__Common__V1__KeyValue ga_pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue ga_pb_any;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope ga_pb_scope;
typedef Opentelemetry__Proto__Resource__V1__Resource ga_pb_resource;

/* ---- arena ------------------------------------------------------------------------------ */

typedef struct ga_pb_chunk ga_pb_chunk;
typedef struct ga_pb_arena {
    ga_pb_chunk *head;
    size_t total;               /* bytes held in chunks */
    size_t limit;               /* 0 = GA_OTLP_MAX_REQUEST * 2 */
    int failed;                 /* an allocation failed since the last reset */
} ga_pb_arena;

/* Binary data pointing at caller memory (not copied). */
static inline ProtobufCBinaryData ga_otlp_bytes(const void *p, size_t n)
{
    return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)(uintptr_t)p };
}

/* ---- arena internals ---------------------------------------------------------------- */

struct ga_pb_chunk {
    ga_pb_chunk *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
};

#define GA__CHUNK_MIN (64u << 10)
#define GA__ALIGN     (alignof(max_align_t))

/* n bytes, zeroed, aligned for any type; NULL (and a->failed = 1) past the limit or
 * when memory is short. */
static GA_PBC_UNUSED void *ga_pb_alloc(ga_pb_arena *a, size_t n)
{
    size_t need = (n + GA__ALIGN - 1) & ~(GA__ALIGN - 1);
    ga_pb_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < need) {
        size_t limit = a->limit ? a->limit : 2 * (size_t)GA_OTLP_MAX_REQUEST;
        size_t cap = need > GA__CHUNK_MIN ? need : GA__CHUNK_MIN;
        if (a->total + cap > limit || (c = malloc(sizeof *c + cap)) == NULL) {
            a->failed = 1;
            return NULL;
        }
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

/* Give back everything but one chunk (kept warm for the next request); clears `failed`. */
static GA_PBC_UNUSED void ga_pb_arena_reset(ga_pb_arena *a)
{
    ga_pb_chunk *keep = NULL;
    for (ga_pb_chunk *c = a->head, *next; c != NULL; c = next) {
        next = c->next;
        if (keep == NULL && c->cap == GA__CHUNK_MIN)
            keep = c;
        else
            free(c);
    }
    a->head = keep;
    a->total = keep ? keep->cap : 0;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->failed = 0;
}

/* Give back everything. */
static GA_PBC_UNUSED void ga_pb_arena_free(ga_pb_arena *a)
{
    ga_pb_arena_reset(a);
    free(a->head);
    a->head = NULL;
    a->total = 0;
}

/* A protobuf-c allocator drawing from the arena (free is a no-op), e.g. to unpack a
 * response: everything unpacked goes away with the next reset. */
static GA_PBC_UNUSED void *ga__pb_alloc_cb(void *data, size_t n) { return ga_pb_alloc(data, n); }
/* Its free: nothing (the arena's reset frees everything at once). */
static GA_PBC_UNUSED void ga__pb_free_cb(void *data, void *p) { (void)data; (void)p; }

static GA_PBC_UNUSED ProtobufCAllocator ga_pb_allocator(ga_pb_arena *a)
{
    return (ProtobufCAllocator){ .alloc = ga__pb_alloc_cb, .free = ga__pb_free_cb, .allocator_data = a };
}

/* A NUL-terminated copy of n bytes in the arena, invalid UTF-8 replaced by U+FFFD; NULL on
 * allocation failure. */
static GA_PBC_UNUSED char *ga_otlp_str(ga_pb_arena *a, const char *s, size_t n)
{
    size_t out = ga_utf8_len(s, n);
    char *p = ga_pb_alloc(a, out + 1);
    if (p == NULL)
        return NULL;
    if (out == n)
        memcpy(p, s, n);
    else
        ga_utf8_repair(p, s, n);
    p[out] = '\0';
    return p;
}

/* One attribute into kv/av (already zeroed); 0, or -1 when its type is unknown. */
static GA_PBC_UNUSED int ga__kv_fill(ga_pb_arena *a, const ga_attr *at, ga_pb_kv *kv, ga_pb_any *av)
{
    opentelemetry__proto__common__v1__key_value__init(kv);
    opentelemetry__proto__common__v1__any_value__init(av);
    kv->key = (char *)(uintptr_t)at->key;
    kv->value = av;
    switch (at->type) {
    case GA_V_STR:
        av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        av->string_value = ga_otlp_str(a, at->s ? at->s : "", at->s ? at->slen : 0);
        return av->string_value ? 0 : -1;
    case GA_V_INT:
        av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
        av->int_value = at->i;
        return 0;
    case GA_V_DOUBLE:
        av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
        av->double_value = at->d;
        return 0;
    case GA_V_BOOL:
        av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
        av->bool_value = at->i != 0;
        return 0;
    default:
        return -1;
    }
}

/* KeyValues for n attributes: returns an array of pointers and stores its length in *count
 * (attributes of an unknown type are skipped). Keys are referenced (they must live until the
 * message is packed); string values are copied. NULL with *count = 0 when n == 0 or on
 * allocation failure (then a->failed is set). */
static GA_PBC_UNUSED ga_pb_kv **ga_otlp_kvs(ga_pb_arena *a, const ga_attr *attrs, int n, size_t *count)
{
    *count = 0;
    if (n <= 0)
        return NULL;
    ga_pb_kv **ptrs = ga_pb_alloc(a, (size_t)n * sizeof *ptrs);
    ga_pb_kv *kvs = ga_pb_alloc(a, (size_t)n * sizeof *kvs);
    ga_pb_any *avs = ga_pb_alloc(a, (size_t)n * sizeof *avs);
    if (ptrs == NULL || kvs == NULL || avs == NULL)
        return NULL;
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (attrs[i].key == NULL || ga__kv_fill(a, &attrs[i], &kvs[k], &avs[k]) < 0)
            continue;
        ptrs[k] = &kvs[k];
        k++;
    }
    if (a->failed)
        return NULL;
    *count = k;
    return ptrs;
}

/* A Resource with these attributes (e.g. ga_res.attrs / ga_res.n); NULL on failure. */
static GA_PBC_UNUSED ga_pb_resource *ga_otlp_resource(ga_pb_arena *a, const ga_attr *attrs, int n)
{
    ga_pb_resource *r = ga_pb_alloc(a, sizeof *r);
    if (r == NULL)
        return NULL;
    opentelemetry__proto__resource__v1__resource__init(r);
    r->attributes = ga_otlp_kvs(a, attrs, n, &r->n_attributes);
    return a->failed ? NULL : r;
}

/* The InstrumentationScope {name, version} (strings referenced); NULL on failure. */
static GA_PBC_UNUSED ga_pb_scope *ga_otlp_scope(ga_pb_arena *a, const char *name, const char *version)
{
    ga_pb_scope *s = ga_pb_alloc(a, sizeof *s);
    if (s == NULL)
        return NULL;
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = (char *)(uintptr_t)name;
    s->version = (char *)(uintptr_t)version;
    return s;
}

/* Serialize m into out (replacing its content). Returns 0, or -1 when the encoding would
 * exceed GA_OTLP_MAX_REQUEST or memory is short (out is then empty). */
static GA_PBC_UNUSED int ga_otlp_pack(const ProtobufCMessage *m, ga_buf *out)
{
    ga_buf_reset(out);
    size_t n = protobuf_c_message_get_packed_size(m);
    if (n > GA_OTLP_MAX_REQUEST)
        return -1;
    if (out->cap < n || out->data == NULL) {
        char *d = realloc(out->data, n ? n : 1);
        if (d == NULL)
            return -1;
        out->data = d;
        out->cap = n ? n : 1;
    }
    out->len = protobuf_c_message_pack(m, (uint8_t *)out->data);
    return out->len == n ? 0 : -1;
}

#endif
