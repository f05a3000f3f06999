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

/* 1 when a[0..n) == b[0..n). */
static inline int ga__eq(const uint8_t *a, const char *b, size_t n)
{
    return n >= 8 && n <= 16 ? ga_kafka_eq16(a, b, n) : memcmp(a, b, n) == 0;
}

/* The scan is not inlined into ga_kafka_hdr_last: the fast path then needs no stack frame and
 * no saved registers, and a block it does not take is one tail call away. */
__attribute__((noinline)) int ga_kafka_hdr_last_scan(const uint8_t *p, size_t n, const char *name,
                                                     size_t name_len, const uint8_t **val,
                                                     size_t *val_len);

int ga_kafka_hdr_last(const uint8_t *p, size_t n, const char *name, size_t name_len,
                      const uint8_t **val, size_t *val_len)
{
    if (ga_kafka_hdr_one(p, n, name, name_len, val, val_len))
        return GA_KAFKA_HDR_FOUND;
    if (p != NULL && n > 0 && p[0] == 0)
        return GA_KAFKA_HDR_NONE;           /* a count of 0: a message without headers */
    return ga_kafka_hdr_last_scan(p, n, name, name_len, val, val_len);
}

int ga_kafka_hdr_last_scan(const uint8_t *p, size_t n, const char *name, size_t name_len,
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
        /* Exact first: the usual spelling costs what it did; another case is a byte loop. */
        if ((size_t)klen == name_len &&
            (ga__eq(key, name, name_len) || ga_kafka_name_ieq((const char *)key, name, name_len))) {
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
