/* kafka_hdrs.h — Kafka record headers as they are on the wire (record format v2, the header
 * block of one record: a zigzag-varint count, then per header a varint key length, the key, a
 * varint value length (-1 = null) and the value), read without copying. Pure code: bytes in,
 * a pointer into them out. */
#ifndef GA_KAFKA_HDRS_H
#define GA_KAFKA_HDRS_H

#include <stddef.h>
#include <stdint.h>

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
