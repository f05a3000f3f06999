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

/* 1 when p[0..n) is the lower-case name `lc` in any ASCII case. */
static int ga__ieq(const uint8_t *p, size_t n, const char *lc, size_t ln)
{
    if (n != ln)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ga_nats_lower(p[i]) != (uint8_t)lc[i])
            return 0;
    return 1;
}

int ga_nats_field_kind(const uint8_t *p, size_t n)
{
    static const struct { const char *s; uint8_t n, kind; } xb3[4] = {
        { "traceid", 7, GA_NATS_F_XTID }, { "spanid", 6, GA_NATS_F_XSID },
        { "sampled", 7, GA_NATS_F_XSMP }, { "flags", 5, GA_NATS_F_XFLG },
    };
    if (n == 0)
        return 0;
    switch (ga_nats_lower(p[0])) {
    case 't':
        return ga__ieq(p, n, "traceparent", 11) ? GA_NATS_F_TP : 0;
    case 'b':
        return n == 2 && p[1] == '3' ? GA_NATS_F_B3 : 0;
    case 'x':
        if (n < 6 || !ga__ieq(p, 5, "x-b3-", 5))
            return 0;
        for (int k = 0; k < 4; k++)
            if (ga__ieq(p + 5, n - 5, xb3[k].s, xb3[k].n))
                return xb3[k].kind;
        return GA_NATS_F_XB3;
    default:
        return 0;
    }
}

/* The length of the name of the header line p[0..n) (CR removed) as far as context fields go:
 * 0 when the line has no colon in its first 33 bytes (`X-B3-ParentSpanId` is the longest known
 * name; any X-B3-* up to 32 bytes is counted). The common case, `traceparent:`, is taken
 * without a scan: a name starting with t is a context field only when it is exactly
 * `traceparent`, which holds no colon, so an earlier colon cannot change the kind. */
static size_t ga__name_len(const uint8_t *p, size_t n)
{
    if (n >= 12 && p[11] == ':' && ga_nats_lower(p[0]) == 't')
        return 11;
    const uint8_t *c = memchr(p, ':', n < 33 ? n : 33);
    return c != NULL ? (size_t)(c - p) : 0;
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
    size_t nl = ga__name_len(p, n);
    int kind = nl ? ga_nats_field_kind(p, nl) : 0;
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
