/* nats_hdr.c — the header block of an HPUB / HMSG (ADR-4): a `NATS/1.0[ status]` line, then
 * `Name: value` lines, then an empty line. Only the traceparent field matters here: its name
 * is matched case-insensitively (SPECS-2 §5), its value reported with the whitespace around it
 * trimmed. Lines are taken whole from the chunk when they can be; a line split across chunks
 * is kept up to GA_NATS_HLINE_CAP bytes (a longer one cannot be a traceparent). */
#include <string.h>
#include "protocols/nats/nats_int.h"

void ga_nats_hdr_start(ga_nats_hscan *hs)
{
    hs->first = 1;
    hs->skip = 0;
    hs->seen_tp = 0;
    hs->len = 0;
}

/* One whole header line p[0..n) without its LF. A line longer than GA_NATS_HLINE_CAP is
 * ignored whether it came whole or in pieces, so where the chunks split never changes what is
 * reported (the fuzz target checks exactly that). */
static void ga__hline(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    static const char tp[] = "traceparent";
    ga_nats_hscan *hs = &ps->hs;
    if (hs->first) {
        hs->first = 0;                          /* NATS/1.0 [status]: nothing of ours */
        return;
    }
    if (n > sizeof hs->buf)                     /* as a split line would be: skipped */
        return;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n < 12 || p[11] != ':')
        return;
    for (size_t i = 0; i < 11; i++)
        if (ga_nats_lower(p[i]) != (uint8_t)tp[i])
            return;
    size_t s = 12;
    while (s < n && ga_nats_ws(p[s]))
        s++;
    while (n > s && ga_nats_ws(p[n - 1]))
        n--;
    hs->seen_tp = 1;
    if (cb->tp != NULL)
        cb->tp(cb->ctx, ps, p + s, n - s);
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
                hs->skip = 1;                   /* too long to be a traceparent field */
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
