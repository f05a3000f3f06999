/* nats_hdr.c — the header block of an HPUB / HMSG (ADR-4): a `NATS/1.0[ status]` line, then
 * `Name: value` lines, then an empty line. Only the trace context fields matter here
 * (traceparent, b3, X-B3-*): their names are matched case-insensitively (SPECS-2 §5), their
 * values reported with the whitespace around them trimmed. Lines are taken whole from the
 * chunk when they can be; a line split across chunks is kept up to GA_NATS_HLINE_CAP bytes (a
 * longer one is no context field: the longest, a `b3` with its parent id, is 72 bytes). */
#include <string.h>
#include "protocols/nats/nats_int.h"

void ga_nats_hdr_start(ga_nats_hscan *hs)
{
    hs->first = 1;
    hs->skip = 0;
    hs->seen = 0;
    hs->len = 0;
}

static inline uint32_t ga__w4(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t ga__w8(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* 1 when p[0..n) is `lc`, a name of 4 to 16 lower-case letters, in any ASCII case: two word
 * compares (overlapping ones, from each end), where OR-ing 0x20 into a byte makes it equal to
 * a lower-case letter exactly when it is that letter or its upper case. A header line is read
 * for every message received with headers; a byte loop cost twice this (the bench's HMSG row). */
static inline int ga__ieq_letters(const uint8_t *p, size_t n, const char *lc, size_t ln)
{
    if (n != ln)
        return 0;
    if (n <= 8)
        return ((ga__w4(p) | 0x20202020u) == ga__w4(lc)) &&
               ((ga__w4(p + n - 4) | 0x20202020u) == ga__w4(lc + n - 4));
    return ((ga__w8(p) | 0x2020202020202020ull) == ga__w8(lc)) &&
           ((ga__w8(p + n - 8) | 0x2020202020202020ull) == ga__w8(lc + n - 8));
}

/* 1 when the 11 bytes at p are `traceparent` in any case. */
static inline int ga__is_tp(const uint8_t *p)
{
    return ga__ieq_letters(p, 11, "traceparent", 11);
}

int ga_nats_field_kind(const uint8_t *p, size_t n)
{
    static const uint32_t xb3_mask = 0x00200020u;   /* "x-b3": case only in x and b */
    if (n == 11 && ga__is_tp(p))
        return GA_NATS_F_TP;
    if (n == 2)
        return (p[0] | 0x20) == 'b' && p[1] == '3' ? GA_NATS_F_B3 : 0;
    if (n < 6 || (ga__w4(p) | xb3_mask) != ga__w4("x-b3") || p[4] != '-')
        return 0;
    p += 5, n -= 5;
    if (ga__ieq_letters(p, n, "traceid", 7))
        return GA_NATS_F_XTID;
    if (ga__ieq_letters(p, n, "spanid", 6))
        return GA_NATS_F_XSID;
    if (ga__ieq_letters(p, n, "sampled", 7))
        return GA_NATS_F_XSMP;
    if (ga__ieq_letters(p, n, "flags", 5))
        return GA_NATS_F_XFLG;
    return GA_NATS_F_XB3;
}

/* The kind of the header line p[0..n) (CR removed) and *nl, its name's length. The common
 * case, `traceparent:`, is taken without a scan for the colon (`traceparent` holds none, so no
 * earlier colon can make it another name); else the name ends at the first colon within 33
 * bytes (`X-B3-ParentSpanId` is the longest known name; any X-B3-* up to 32 bytes is counted). */
static int ga__line_kind(const uint8_t *p, size_t n, size_t *nl)
{
    if (n >= 12 && p[11] == ':' && ga__is_tp(p)) {
        *nl = 11;
        return GA_NATS_F_TP;
    }
    const uint8_t *c = memchr(p, ':', n < 33 ? n : 33);
    if (c == NULL)
        return 0;
    *nl = (size_t)(c - p);
    return ga_nats_field_kind(p, *nl);
}

/* One whole header line p[0..n) without its LF. A line longer than GA_NATS_HLINE_CAP is
 * ignored whether it came whole or in pieces, so where the chunks split never changes what is
 * reported (the fuzz target checks exactly that). */
static void ga__hline(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    ga_nats_hscan *hs = &ps->hs;
    if (hs->first) {
        hs->first = 0;                          /* NATS/1.0 [status]: nothing of ours */
        return;
    }
    if (n > sizeof hs->buf)                     /* as a split line would be: skipped */
        return;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    size_t nl = 0;
    int kind = ga__line_kind(p, n, &nl);
    if (kind == 0)
        return;
    size_t s = nl + 1;
    while (s < n && ga_nats_ws(p[s]))
        s++;
    while (n > s && ga_nats_ws(p[n - 1]))
        n--;
    hs->seen |= (uint8_t)(1u << kind);
    if (cb->field != NULL)
        cb->field(cb->ctx, ps, kind, p + s, n - s);
}

void ga_nats_hdr_feed(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    ga_nats_hscan *hs = &ps->hs;
    while (n > 0) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t k = nl != NULL ? (size_t)(nl - p) : n;
        if (nl != NULL && hs->len == 0 && !hs->skip) {
            ga__hline(ps, p, k, cb);            /* the whole line is here */
        } else {
            if (!hs->skip && hs->len + k <= sizeof hs->buf) {
                memcpy(hs->buf + hs->len, p, k);
                hs->len = (uint8_t)(hs->len + k);
            } else if (!hs->first) {
                hs->skip = 1;                   /* too long to be a context field */
            }
            if (nl != NULL) {
                if (!hs->skip)
                    ga__hline(ps, hs->buf, hs->len, cb);
                hs->first = 0;
                hs->len = 0;
                hs->skip = 0;
            }
        }
        if (nl == NULL)
            return;
        p += k + 1;
        n -= k + 1;
    }
}
