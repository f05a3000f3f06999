/* pbw.h — writing the protobuf wire format directly: varints, fixed-width values, tags and
 * length-delimited fields, and the KeyValue message of an attribute (OTLP common.proto).
 * The caller computes a message's exact size first (the *_size functions), makes room for it,
 * then writes without bounds checks. Output is canonical — what protobuf-c packs for the same
 * message: fields in number order, proto3 zero values (empty strings and bytes, 0 numbers)
 * left out, a oneof member always written, lengths as shortest varints. */
#ifndef GA_PBW_H
#define GA_PBW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "exporter/attrs.h"

/* Wire types. */
enum { GA_PB_VARINT = 0, GA_PB_I64 = 1, GA_PB_LEN = 2, GA_PB_I32 = 5 };

/* The one-byte tag of fields 1..15. */
#define GA_PB_TAG(field, wt) ((uint8_t)(((field) << 3) | (wt)))

static inline size_t ga_pb_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *ga_pb_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint8_t *ga_pb_fixed64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

static inline uint8_t *ga_pb_fixed32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

/* A length-delimited field whose bytes are known: tag, length, bytes. */
static inline uint8_t *ga_pb_bytes(uint8_t *p, uint8_t tag, const void *s, size_t n)
{
    *p++ = tag;
    p = ga_pb_varint(p, n);
    memcpy(p, s, n);
    return p + n;
}

/* Size of a length-delimited field of n bytes (tag, length, bytes). */
static inline size_t ga_pb_field_size(size_t n) { return 1 + ga_pb_varint_size(n) + n; }

/* ---- attributes as KeyValue ------------------------------------------------------------- */

/* A string value as it will be written (utf8.h: ga_utf8_pb_len), checked once. */
typedef struct ga_pbw_str {
    size_t len;                 /* bytes written */
    size_t used;                /* bytes of the value they come from */
} ga_pbw_str;

/* Sizes of one attribute's KeyValue message: returns its length (0 when the attribute is
 * not written: no key, or a type OTLP has no value for) and, for a string, what
 * ga_pbw_kv() needs to write it in *str. */
size_t ga_pbw_kv_size(const ga_attr *a, ga_pbw_str *str);

/* Write the KeyValue message (its fields, without an enclosing tag) with the string sizes
 * from ga_pbw_kv_size(). Returns the end. */
uint8_t *ga_pbw_kv(uint8_t *p, const ga_attr *a, const ga_pbw_str *str);

#endif
