/* otlp_resp.c — the collector's answers read field by field (contract in otlp_resp.h).
 * What is accepted follows protobuf-c 1.4's unpack, which the library used before: a tag of
 * at most 5 bytes whose first byte names a field, a varint of at most 10 bytes, a length of
 * at most 5 bytes that stays inside the message, wire
 * types 0, 1, 2 and 5 only; a known field must have its own wire type. Every read is checked
 * against the end of the message: a hostile body can only be refused. */
#include <string.h>
#include "exporter/otlp_resp.h"

/* Wire types (exporter/pbw.h has the same for writing; this file needs nothing else). */
enum { GA__VARINT = 0, GA__I64 = 1, GA__LEN = 2, GA__I32 = 5 };

/* One field as read: its number, wire type and value (a varint's value, or the bytes of a
 * length-delimited field). */
typedef struct ga__field {
    uint32_t num;
    int wt;
    uint64_t v;
    const uint8_t *s;
    size_t len;
} ga__field;

/* A varint at *p (before end) of at most `max` (<= 10) bytes into *v; advances *p. 0, or -1
 * when it does not end in time. Bits past 64 are dropped (protobuf-c keeps the low 64 too). */
static int ga__varint(const uint8_t **p, const uint8_t *end, size_t max, uint64_t *v)
{
    uint64_t r = 0;
    for (size_t i = 0; i < max && *p + i < end; i++) {
        uint8_t b = (*p)[i];
        r |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *p += i + 1;
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* The next field of the message [*p, end): 1 (read, *p past it), 0 at the end, -1 when the
 * rest is not well-formed. */
static int ga__next(const uint8_t **p, const uint8_t *end, ga__field *f)
{
    if (*p >= end)
        return 0;
    if ((**p & 0xf8) == 0)
        return -1;                              /* field number 0 */
    uint64_t tag;
    if (ga__varint(p, end, 5, &tag) < 0)
        return -1;
    f->num = (uint32_t)(tag >> 3);
    f->wt = (int)(tag & 7);
    f->s = NULL;
    f->len = 0;
    size_t left = (size_t)(end - *p);
    switch (f->wt) {
    case GA__VARINT:
        return ga__varint(p, end, 10, &f->v) < 0 ? -1 : 1;
    case GA__I64:
    case GA__I32: {
        size_t w = f->wt == GA__I64 ? 8 : 4;
        if (left < w)
            return -1;
        f->v = 0;
        memcpy(&f->v, *p, w);                   /* little-endian hosts (see pbw.h) */
        *p += w;
        return 1;
    }
    case GA__LEN: {
        uint64_t n;
        if (ga__varint(p, end, 5, &n) < 0)
            return -1;
        if (n > (uint64_t)(end - *p))
            return -1;
        f->s = *p;
        f->len = (size_t)n;
        *p += n;
        return 1;
    }
    default:
        return -1;                              /* groups (3, 4) and 6, 7 */
    }
}

/* A string field's bytes into msg (cap >= 1): up to the first NUL, at most cap - 1 bytes. */
static void ga__copy_str(const ga__field *f, char *msg, size_t cap)
{
    const void *nul = memchr(f->s, 0, f->len);
    size_t n = nul ? (size_t)((const uint8_t *)nul - f->s) : f->len;
    if (n > cap - 1)
        n = cap - 1;
    memcpy(msg, f->s, n);
    msg[n] = '\0';
}

/* Whether [p, end) is a well-formed google.protobuf.Any (type_url 1 and value 2 are
 * length-delimited). */
static int ga__any_ok(const uint8_t *p, const uint8_t *end)
{
    ga__field f;
    int r;
    while ((r = ga__next(&p, end, &f)) > 0)
        if ((f.num == 1 || f.num == 2) && f.wt != GA__LEN)
            return 0;
    return r == 0;
}

int ga_otlp_resp_status(const uint8_t *body, size_t n, char *msg, size_t cap)
{
    const uint8_t *p = body, *end = body + n;
    ga__field f;
    int r;
    msg[0] = '\0';
    while ((r = ga__next(&p, end, &f)) > 0) {
        int ok = 1;
        if (f.num == 1)
            ok = f.wt == GA__VARINT;
        else if (f.num == 2 && (ok = f.wt == GA__LEN))
            ga__copy_str(&f, msg, cap);         /* a repeated field: the last one counts */
        else if (f.num == 3)
            ok = f.wt == GA__LEN && ga__any_ok(f.s, f.s + f.len);
        if (!ok)
            break;
    }
    if (r != 0) {
        msg[0] = '\0';
        return -1;
    }
    return 0;
}

/* One ExportPartialSuccess message [p, end) into *rejected / msg. When partial_success comes
 * more than once, protobuf-c merges the occurrences its own way, followed here: the count is
 * the last occurrence's (0 when it has none: a proto3 number has no presence to merge), the
 * message is the last one written in any occurrence (a string's presence is kept).
 * 0, or -1 when it is not well-formed. */
static int ga__partial(const uint8_t *p, const uint8_t *end, int64_t *rejected, char *msg, size_t cap)
{
    ga__field f;
    int r;
    *rejected = 0;
    while ((r = ga__next(&p, end, &f)) > 0) {
        if (f.num == 1) {
            if (f.wt != GA__VARINT)
                return -1;
            *rejected = (int64_t)f.v;
        } else if (f.num == 2) {
            if (f.wt != GA__LEN)
                return -1;
            ga__copy_str(&f, msg, cap);
        }
    }
    return r;
}

int ga_otlp_resp_partial(const uint8_t *body, size_t n, int64_t *rejected, char *msg, size_t cap)
{
    const uint8_t *p = body, *end = body + n;
    ga__field f;
    int r, seen = 0;
    *rejected = 0;
    msg[0] = '\0';
    while ((r = ga__next(&p, end, &f)) > 0) {
        if (f.num != 1)
            continue;
        if (f.wt != GA__LEN || ga__partial(f.s, f.s + f.len, rejected, msg, cap) < 0) {
            r = -1;
            break;
        }
        seen = 1;
    }
    if (r != 0) {
        *rejected = 0;
        msg[0] = '\0';
        return -1;
    }
    return seen;
}
