/* fmt.c — integers and IP addresses as text, without the printf family (contract in fmt.h). */
#include <sys/socket.h>
#include "exporter/fmt.h"

static const char ga__pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t ga_fmt_u64(char *out, uint64_t v)
{
    char tmp[GA_FMT_U64_MAX];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, ga__pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, ga__pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(out, p, n);
    return n;
}

size_t ga_fmt_i64(char *out, int64_t v)
{
    if (v >= 0)
        return ga_fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + ga_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
}

/* A byte 0..255 in decimal; returns the next output position. */
static char *ga__byte(char *p, unsigned b)
{
    if (b >= 100) {
        *p++ = (char)('0' + b / 100);
        b %= 100;
        memcpy(p, ga__pairs + 2 * b, 2);
        return p + 2;
    }
    if (b >= 10) {
        memcpy(p, ga__pairs + 2 * b, 2);
        return p + 2;
    }
    *p++ = (char)('0' + b);
    return p;
}

static char *ga__ip4(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = ga__byte(p, a[i]);
    }
    return p;
}

/* A 16-bit group in lower-case hex without leading zeros. */
static char *ga__hex16(char *p, unsigned w)
{
    static const char hex[] = "0123456789abcdef";
    int started = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (w >> shift) & 0xf;
        if (d || started || shift == 0) {
            *p++ = hex[d];
            started = 1;
        }
    }
    return p;
}

/* glibc's inet_ntop6: the longest run of two or more zero groups (the first of equal ones)
 * becomes "::"; ::a.b.c.d (first 6 groups zero) and ::ffff:a.b.c.d print the IPv4 tail. */
static char *ga__ip6(char *p, const uint8_t *a)
{
    unsigned w[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        if (w[i] == 0) {
            if (cur < 0)
                cur = i, cur_len = 0;
            cur_len++;
            if (cur_len > best_len)
                best = cur, best_len = cur_len;
        } else {
            cur = -1;
        }
    }
    if (best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                *p++ = ':';
            continue;
        }
        if (i)
            *p++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
            return ga__ip4(p, a + 12);
        p = ga__hex16(p, w[i]);
    }
    if (best >= 0 && best + best_len == 8)
        *p++ = ':';
    return p;
}

size_t ga_fmt_ip(char *out, const ga_addr *a)
{
    char *p = out;
    if (a->family == AF_INET)
        p = ga__ip4(p, a->addr);
    else if (a->family == AF_INET6)
        p = ga__ip6(p, a->addr);
    *p = '\0';
    return (size_t)(p - out);
}

size_t ga_fmt_ip_port(char *out, const ga_addr *a)
{
    char *p = out;
    if (a->family == AF_INET) {
        p = ga__ip4(p, a->addr);
    } else if (a->family == AF_INET6) {
        *p++ = '[';
        p = ga__ip6(p, a->addr);
        *p++ = ']';
    } else {
        *p = '\0';
        return 0;
    }
    *p++ = ':';
    p += ga_fmt_u64(p, a->port);
    *p = '\0';
    return (size_t)(p - out);
}
