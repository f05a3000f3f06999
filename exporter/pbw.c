/* pbw.c — attributes as protobuf KeyValue messages (contract in pbw.h):
 *   KeyValue { string key = 1; AnyValue value = 2; }
 *   AnyValue { oneof { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
 *                      double double_value = 4; } } */
#include "exporter/pbw.h"
#include "exporter/utf8.h"

/* Size of the AnyValue message. */
static size_t ga__any_size(const ga_attr *a, size_t slen)
{
    switch (a->type) {
    case GA_V_STR:    return ga_pb_field_size(slen);
    case GA_V_BOOL:   return 2;
    case GA_V_INT:    return 1 + ga_pb_varint_size((uint64_t)a->i);
    case GA_V_DOUBLE: return 9;
    default:          return 0;
    }
}

size_t ga_pbw_kv_size(const ga_attr *a, ga_pbw_str *str)
{
    str->len = str->used = 0;
    if (a->key == NULL || a->type < GA_V_STR || a->type > GA_V_BOOL)
        return 0;
    if (a->type == GA_V_STR && a->s != NULL)
        str->len = ga_utf8_pb_len(a->s, a->slen, &str->used);
    size_t kl = ga_attr_klen(a);
    size_t any = ga__any_size(a, str->len);
    return (kl ? ga_pb_field_size(kl) : 0) + ga_pb_field_size(any);
}

uint8_t *ga_pbw_kv(uint8_t *p, const ga_attr *a, const ga_pbw_str *str)
{
    size_t kl = ga_attr_klen(a);
    if (kl)
        p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), a->key, kl);
    *p++ = GA_PB_TAG(2, GA_PB_LEN);
    p = ga_pb_varint(p, ga__any_size(a, str->len));
    switch (a->type) {
    case GA_V_STR:
        *p++ = GA_PB_TAG(1, GA_PB_LEN);
        p = ga_pb_varint(p, str->len);
        if (str->len > 0)           /* (an empty string is still written: a oneof member is) */
            ga_utf8_pb_put((char *)p, a->s, str->used, str->len);
        return p + str->len;
    case GA_V_BOOL:
        *p++ = GA_PB_TAG(2, GA_PB_VARINT);
        *p++ = a->i != 0;
        return p;
    case GA_V_INT:
        *p++ = GA_PB_TAG(3, GA_PB_VARINT);
        return ga_pb_varint(p, (uint64_t)a->i);
    default: {
        uint64_t bits;
        memcpy(&bits, &a->d, 8);
        *p++ = GA_PB_TAG(4, GA_PB_I64);
        return ga_pb_fixed64(p, bits);
    }
    }
}
