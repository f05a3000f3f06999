/* kafka_hdrs.h — Kafka record headers as they are on the wire (record format v2, the header
 * block of one record: a zigzag-varint count, then per header a varint key length, the key, a
 * varint value length (-1 = null) and the value), read without copying. Pure code: bytes in,
 * a pointer into them out. */
#ifndef GA_KAFKA_HDRS_H
#define GA_KAFKA_HDRS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Most headers a block may declare (librdkafka refuses more as a bad message). */
#define GA_KAFKA_HDRS_MAX 100000

enum { GA_KAFKA_HDR_FOUND = 1, GA_KAFKA_HDR_NONE = 0, GA_KAFKA_HDR_BAD = -1 };

/* 1 when a[0..n) and b[0..n) are the same bytes but for the case of ASCII letters. Header
 * names are matched so, as HTTP matches them (W3C trace context) and as OpenTelemetry's Kafka
 * getters look keys up: an application's `Traceparent` is its traceparent. A byte loop, not
 * strncasecmp, which folds by the locale (a Turkish one folds 'I' to a dotless i). It stops at
 * the first difference, so a NUL-terminated `a` shorter than n is not read past its NUL as long
 * as b[0..n) holds no NUL. */
static inline int ga_kafka_name_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        x |= x - 'A' < 26u ? 0x20u : 0u;
        y |= y - 'A' < 26u ? 0x20u : 0u;
        if (x != y)
            return 0;
    }
    return 1;
}

/* 1 when a[0..n) == b[0..n), for 8 <= n <= 16 ("traceparent" is 11): two overlapping 8-byte
 * loads a side, no call (memcmp's call and dispatch were most of the cost of finding the one
 * header of a message). */
static inline int ga_kafka_eq16(const uint8_t *a, const char *b, size_t n)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + n - 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* The block is exactly one header named name[0..name_len) exactly (8 to 16 bytes; the name in
 * another case is left to the scan) with a value of 0 to 63 bytes, so every varint is one byte:
 * a count of 1 (zigzag 2), the key length, the key, the value length, the value, nothing after.
 * Then *val / *val_len are what ga_kafka_hdr_last_scan finds (fuzz_kafka_hdrs checks the two
 * agree on every input) and 1 is returned; else 0. A message carrying only the traceparent
 * this library added is this block: a few loads and compares where the scan decodes three
 * varints in a loop. Inline: with a constant name a caller folds it into a handful of
 * compares, and calls ga_kafka_hdr_last only for other blocks. */
static inline int ga_kafka_hdr_one(const uint8_t *p, size_t n, const char *name, size_t name_len,
                                   const uint8_t **val, size_t *val_len)
{
    if (p == NULL || name_len < 8 || name_len > 16 || n < 3 + name_len)
        return 0;                           /* other names: the scan (no call here, no frame) */
    uint8_t vz = p[2 + name_len];
    if (p[0] != 2 || p[1] != 2 * name_len || (vz & 0x81) != 0 || 3 + name_len + (vz >> 1) != n ||
        !ga_kafka_eq16(p + 2, name, name_len))
        return 0;
    *val = p + 3 + name_len;
    *val_len = vz >> 1;
    return 1;
}

/* The value of the last header named name[0..name_len), in any ASCII case (ga_kafka_name_ieq),
 * in the block p[0..n) (librdkafka's rd_kafka_header_get_last, which is exact), into *val /
 * *val_len (*val NULL for a null value). Returns FOUND,
 * NONE (no such header, an empty block, a count <= 0), or BAD (the block is malformed or cut
 * short; nothing is returned then, even a match before the damage: librdkafka would refuse the
 * whole block). Never reads outside p[0..n). */
int ga_kafka_hdr_last(const uint8_t *p, size_t n, const char *name, size_t name_len,
                      const uint8_t **val, size_t *val_len);
/* The same without the fast path for a block of exactly one short header named name exactly
 * (the traceparent this library writes): every block walked header by header. ga_kafka_hdr_last
 * is this with a shortcut; tests compare the two. */
int ga_kafka_hdr_last_scan(const uint8_t *p, size_t n, const char *name, size_t name_len,
                           const uint8_t **val, size_t *val_len);

#endif
