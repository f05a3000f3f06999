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

/* The value of the last header named name[0..name_len) in the block p[0..n) (librdkafka's
 * rd_kafka_header_get_last), into *val / *val_len (*val NULL for a null value). Returns FOUND,
 * NONE (no such header, an empty block, a count <= 0), or BAD (the block is malformed or cut
 * short; nothing is returned then, even a match before the damage: librdkafka would refuse the
 * whole block). Never reads outside p[0..n). */
int ga_kafka_hdr_last(const uint8_t *p, size_t n, const char *name, size_t name_len,
                      const uint8_t **val, size_t *val_len);
/* The same without the fast path for a block of exactly one short header: every block walked
 * header by header. ga_kafka_hdr_last is this with a shortcut; tests compare the two. */
int ga_kafka_hdr_last_scan(const uint8_t *p, size_t n, const char *name, size_t name_len,
                           const uint8_t **val, size_t *val_len);

#endif
