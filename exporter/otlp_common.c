/* otlp_common.c — arena, attribute/resource/scope builders, packing and gzip for the OTLP
 * encoders (see otlp_common.h). */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include "exporter/otlp_common.h"
#include "exporter/utf8.h"

struct ga_pb_chunk {
    ga_pb_chunk *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
};

#define GA__CHUNK_MIN (64u << 10)
#define GA__ALIGN     (alignof(max_align_t))

void *ga_pb_alloc(ga_pb_arena *a, size_t n)
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

void ga_pb_arena_reset(ga_pb_arena *a)
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

void ga_pb_arena_free(ga_pb_arena *a)
{
    ga_pb_arena_reset(a);
    free(a->head);
    a->head = NULL;
    a->total = 0;
}

static void *ga__pb_alloc_cb(void *data, size_t n) { return ga_pb_alloc(data, n); }
static void ga__pb_free_cb(void *data, void *p) { (void)data; (void)p; }

ProtobufCAllocator ga_pb_allocator(ga_pb_arena *a)
{
    return (ProtobufCAllocator){ .alloc = ga__pb_alloc_cb, .free = ga__pb_free_cb, .allocator_data = a };
}

char *ga_otlp_str(ga_pb_arena *a, const char *s, size_t n)
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
static int ga__kv_fill(ga_pb_arena *a, const ga_attr *at, ga_pb_kv *kv, ga_pb_any *av)
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

ga_pb_kv **ga_otlp_kvs(ga_pb_arena *a, const ga_attr *attrs, int n, size_t *count)
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

ga_pb_resource *ga_otlp_resource(ga_pb_arena *a, const ga_attr *attrs, int n)
{
    ga_pb_resource *r = ga_pb_alloc(a, sizeof *r);
    if (r == NULL)
        return NULL;
    opentelemetry__proto__resource__v1__resource__init(r);
    r->attributes = ga_otlp_kvs(a, attrs, n, &r->n_attributes);
    return a->failed ? NULL : r;
}

ga_pb_scope *ga_otlp_scope(ga_pb_arena *a, const char *name, const char *version)
{
    ga_pb_scope *s = ga_pb_alloc(a, sizeof *s);
    if (s == NULL)
        return NULL;
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = (char *)(uintptr_t)name;
    s->version = (char *)(uintptr_t)version;
    return s;
}

int ga_otlp_pack(const ProtobufCMessage *m, ga_buf *out)
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
