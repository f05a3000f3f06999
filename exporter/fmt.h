/* fmt.h — number and address formatting for the exporter's hot path, without the printf
 * family: decimal integers, IP addresses (the exact text inet_ntop() gives: dotted quads,
 * RFC 5952 IPv6 with the longest zero run compressed, embedded IPv4 for ::a.b.c.d and
 * ::ffff:a.b.c.d), `host:port` / `[v6]:port`, and a small bounded string builder for span
 * names. Pure functions; output is not NUL-terminated unless said so. */
#ifndef GA_FMT_H
#define GA_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "preload/record.h"

#define GA_FMT_U64_MAX 20           /* digits of UINT64_MAX */
#define GA_FMT_IP_MAX  46           /* INET6_ADDRSTRLEN, NUL included */

/* Decimal digits of v into out (at least GA_FMT_U64_MAX bytes); returns how many. */
size_t ga_fmt_u64(char *out, uint64_t v);

/* The same for a signed value (a leading '-'; at least GA_FMT_U64_MAX + 1 bytes). */
size_t ga_fmt_i64(char *out, int64_t v);

/* The address of a (IPv4 or IPv6, no port) into out (at least GA_FMT_IP_MAX bytes),
 * NUL-terminated; returns its length, 0 (and "") for any other family. */
size_t ga_fmt_ip(char *out, const ga_addr *a);

/* `ip:port`, `[ip6]:port` into out (at least GA_FMT_IP_MAX + 8 bytes), NUL-terminated;
 * returns its length, 0 (and "") for any other family. */
size_t ga_fmt_ip_port(char *out, const ga_addr *a);

/* A bounded string builder: appends never write past cap - 1 bytes and the text stays
 * NUL-terminated (cap >= 1); what does not fit is cut, like snprintf. */
typedef struct ga_sb {
    char *p;
    size_t len, cap;
} ga_sb;

static inline ga_sb ga_sb_init(char *buf, size_t cap)
{
    buf[0] = '\0';
    return (ga_sb){ .p = buf, .len = 0, .cap = cap };
}

static inline void ga_sb_put(ga_sb *b, const void *s, size_t n)
{
    size_t room = b->cap - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void ga_sb_puts(ga_sb *b, const char *s) { ga_sb_put(b, s, strlen(s)); }

static inline void ga_sb_u64(ga_sb *b, uint64_t v)
{
    char d[GA_FMT_U64_MAX];
    ga_sb_put(b, d, ga_fmt_u64(d, v));
}

#endif
