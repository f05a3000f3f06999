/* resp_lex.h — helpers shared by the RESP request and reply parsers: header lines kept in a
 * small buffer, and their integers. Internal to protocols/resp_*.c. */
#ifndef GA_RESP_LEX_H
#define GA_RESP_LEX_H

#include <stdint.h>
#include <string.h>
#include "protocols/resp/resp.h"

/* Take bytes of a line up to and including '\n'. At most `cap` bytes are kept in buf; *len
 * counts the bytes seen, saturating at cap + 1 (meaning "longer than cap"). Returns the bytes
 * consumed; *done = 1 when the '\n' was among them (it is consumed, not kept). */
static inline size_t ga_resp_line(char *buf, uint8_t *len, size_t cap, const uint8_t *p, size_t n,
                                  int *done)
{
    const uint8_t *nl = memchr(p, '\n', n);
    size_t take = nl ? (size_t)(nl - p) : n;
    size_t have = *len;
    if (have < cap) {
        size_t k = take < cap - have ? take : cap - have;
        memcpy(buf + have, p, k);
    }
    size_t total = have + take;
    *len = (uint8_t)(total > cap ? cap + 1 : total);
    *done = nl != NULL;
    return nl ? take + 1 : n;
}

/* Length of the kept line without its trailing '\r' (a line longer than cap keeps cap). */
static inline size_t ga_resp_line_len(const char *buf, uint8_t len, size_t cap)
{
    size_t l = len > cap ? cap : len;
    if (l > 0 && buf[l - 1] == '\r' && len <= cap)
        l--;
    return l;
}

/* Parse a decimal integer (optional '-') filling the whole line. 0 = ok. */
static inline int ga_resp_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* The integer of a complete header line; a line longer than the buffer is not a number. */
static inline int ga_resp_line_int(const char *buf, uint8_t len, size_t cap, int64_t *out)
{
    if (len > cap)
        return -1;
    return ga_resp_int(buf, ga_resp_line_len(buf, len, cap), out);
}

/* "<digits>\r\n" at p (at most 12 digits) entirely within n bytes: its value and length,
 * else 0 (the caller's slow path takes over: split line, sign, overflow, garbage). */
static inline size_t ga_resp_fast_num(const uint8_t *p, size_t n, uint64_t *v)
{
    size_t i = 0, lim = n < 12 ? n : 12;
    uint64_t x = 0;
    unsigned d;
    while (i < lim && (d = (unsigned)p[i] - '0') < 10) {
        x = x * 10 + d;
        i++;
    }
    if (i == 0 || n - i < 2 || p[i] != '\r' || p[i + 1] != '\n')
        return 0;
    *v = x;
    return i + 2;
}

#endif
