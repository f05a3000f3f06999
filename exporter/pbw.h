/* pbw.h — writing the protobuf wire format directly: varints, fixed-width values, tags and
 * length-delimited fields, and the KeyValue message of an attribute (OTLP common.proto).
 * The caller computes a message's exact size first (the *_size functions), makes room for it,
 * then writes without bounds checks. Output is canonical — what protobuf-c packs for the same
 * message: fields in number order, proto3 zero values (empty strings and bytes, 0 numbers)
 * left out, a oneof member always written, lengths as shortest varints. Everything is inline:
 * this runs for every attribute of every exported span.
 *   KeyValue { string key = 1; AnyValue value = 2; }
 *   AnyValue { oneof { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
 *                      double double_value = 4; } } */
#ifndef GA_PBW_H
#define GA_PBW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "exporter/attrs.h"
#include "exporter/utf8.h"

/* Wire types. */
enum { GA_PB_VARINT = 0, GA_PB_I64 = 1, GA_PB_LEN = 2, GA_PB_I32 = 5 };

/* The one-byte tag of fields 1..15. */
#define GA_PB_TAG(field, wt) ((uint8_t)(((field) << 3) | (wt)))

#define GA_PB_INLINE static inline __attribute__((always_inline))

/* Bytes of the varint of v: one per started group of 7 significant bits. */
GA_PB_INLINE size_t ga_pb_varint_size(uint64_t v)
{
    return v < 0x80 ? 1 : (size_t)(70 - __builtin_clzll(v)) / 7;
}

GA_PB_INLINE uint8_t *ga_pb_varint(uint8_t *p, uint64_t v)
{
    if (v < 0x80) {                             /* nearly every length and tag */
        *p = (uint8_t)v;
        return p + 1;
    }
    if (v < 0x4000) {
        p[0] = (uint8_t)(v | 0x80);
        p[1] = (uint8_t)(v >> 7);
        return p + 2;
    }
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Fixed-width values are little-endian on the wire (and on the machines we run on). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "fixed64/fixed32 are stored as is");

GA_PB_INLINE uint8_t *ga_pb_fixed64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
    return p + 8;
}

GA_PB_INLINE uint8_t *ga_pb_fixed32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
    return p + 4;
}

/* n bytes from s to d; short runs (keys, most values) without a call to memcpy. */
GA_PB_INLINE void ga_pb_copy(uint8_t *d, const void *src, size_t n)
{
    const uint8_t *s = src;
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n >= 16) {
        uint64_t a[2], b[2];                    /* two 16-byte moves that may overlap */
        memcpy(a, s, 16);
        memcpy(b, s + n - 16, 16);
        memcpy(d, a, 16);
        memcpy(d + n - 16, b, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* A length-delimited field whose bytes are known: tag, length, bytes. */
GA_PB_INLINE uint8_t *ga_pb_bytes(uint8_t *p, uint8_t tag, const void *s, size_t n)
{
    *p++ = tag;
    p = ga_pb_varint(p, n);
    ga_pb_copy(p, s, n);
    return p + n;
}

/* Size of a length-delimited field of n bytes (tag, length, bytes). */
GA_PB_INLINE size_t ga_pb_field_size(size_t n) { return 1 + ga_pb_varint_size(n) + n; }

/* ---- attributes as KeyValue ------------------------------------------------------------- */

/* A string as it will be written (utf8.h: ga_utf8_pb_len), checked once. */
typedef struct ga_pbw_str {
    size_t len;                 /* bytes written */
    size_t used;                /* bytes of the value they come from */
} ga_pbw_str;

/* Sizes of one attribute's KeyValue message, computed before it is written: its length (0
 * when the attribute is not written: no key, or a type OTLP has no value for), the length of
 * its AnyValue, and for a string what ga_pbw_kv() needs to write it (checked once). */
typedef struct ga_pbw_kvsize {
    uint32_t kv, any;
    size_t klen;
    ga_pbw_str str;
} ga_pbw_kvsize;

GA_PB_INLINE void ga_pbw_kv_size(const ga_attr *a, ga_pbw_kvsize *z)
{
    size_t any;
    z->str.len = z->str.used = 0;
    switch (a->type) {
    case GA_V_STR:
        if (a->s != NULL)
            z->str.len = ga_utf8_pb_len(a->s, a->slen, &z->str.used);
        any = ga_pb_field_size(z->str.len);
        break;
    case GA_V_BOOL:   any = 2; break;
    case GA_V_INT:    any = 1 + ga_pb_varint_size((uint64_t)a->i); break;
    case GA_V_DOUBLE: any = 9; break;
    default:          z->kv = 0; return;
    }
    if (a->key == NULL) {
        z->kv = 0;
        return;
    }
    size_t kl = z->klen = ga_attr_klen(a);
    z->any = (uint32_t)any;
    z->kv = (uint32_t)((kl ? ga_pb_field_size(kl) : 0) + 1 + ga_pb_varint_size(any) + any);
}

/* Write the KeyValue message (its fields, without an enclosing tag) with the sizes from
 * ga_pbw_kv_size(). Returns the end. */
GA_PB_INLINE uint8_t *ga_pbw_kv(uint8_t *p, const ga_attr *a, const ga_pbw_kvsize *z)
{
    if (z->klen)
        p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), a->key, z->klen);
    *p++ = GA_PB_TAG(2, GA_PB_LEN);
    p = ga_pb_varint(p, z->any);
    switch (a->type) {
    case GA_V_STR:
        *p++ = GA_PB_TAG(1, GA_PB_LEN);
        p = ga_pb_varint(p, z->str.len);
        if (z->str.len == z->str.used)         /* (an empty string is still written: a oneof */
            ga_pb_copy(p, a->s, z->str.len);   /* member always is) */
        else
            ga_utf8_repair((char *)p, a->s, z->str.used);
        return p + z->str.len;
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

#endif
