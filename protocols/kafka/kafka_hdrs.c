/* kafka_hdrs.c — reading a record's header block (contracts in kafka_hdrs.h). */
#include <string.h>
#include "protocols/kafka/kafka_hdrs.h"

/* A zigzag varint of at most 10 bytes at *p (< end) into *v; 0 when cut short or too long. */
static inline int ga__varint(const uint8_t **p, const uint8_t *end, int64_t *v)
{
    if (__builtin_expect(*p < end && !(**p & 0x80), 1)) {      /* one byte: the usual case */
        uint8_t b = *(*p)++;
        *v = (int64_t)(b >> 1) ^ -(int64_t)(b & 1);
        return 1;
    }
    uint64_t u = 0;
    for (unsigned shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
            return 1;
        }
    }
    return 0;
}

/* 1 when a[0..n) == b[0..n). Names of 8 to 16 bytes ("traceparent" is 11) are two
 * overlapping 8-byte loads a side, no call: memcmp's call and dispatch were most of the cost of
 * finding the one header of a message. */
static inline int ga__eq(const uint8_t *a, const char *b, size_t n)
{
    if (n < 8 || n > 16)
        return memcmp(a, b, n) == 0;
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + n - 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

int ga_kafka_hdr_last(const uint8_t *p, size_t n, const char *name, size_t name_len,
                      const uint8_t **val, size_t *val_len)
{
    const uint8_t *end = p + n, *found = NULL;
    int64_t count, klen, vlen;
    size_t flen = 0;
    int any = 0;
    if (p == NULL || n == 0 || !ga__varint(&p, end, &count))
        return p == NULL || n == 0 ? GA_KAFKA_HDR_NONE : GA_KAFKA_HDR_BAD;
    if (count <= 0)
        return GA_KAFKA_HDR_NONE;
    if (count > GA_KAFKA_HDRS_MAX)
        return GA_KAFKA_HDR_BAD;
    for (int64_t i = 0; i < count; i++) {
        if (!ga__varint(&p, end, &klen) || klen < 0 || klen > end - p)
            return GA_KAFKA_HDR_BAD;
        const uint8_t *key = p;
        p += klen;
        if (!ga__varint(&p, end, &vlen) || vlen < -1 || vlen > end - p)
            return GA_KAFKA_HDR_BAD;
        if ((size_t)klen == name_len && ga__eq(key, name, name_len)) {
            any = 1;
            found = vlen < 0 ? NULL : p;
            flen = vlen < 0 ? 0 : (size_t)vlen;
        }
        if (vlen > 0)
            p += vlen;
    }
    if (!any)
        return GA_KAFKA_HDR_NONE;
    *val = found;
    *val_len = flen;
    return GA_KAFKA_HDR_FOUND;
}
