/* resp_raw.c — a Redis command's own bytes: split into arguments, shaped into the argument
 * blob (contracts in resp_raw.h). Used by the session's fast path on the application thread
 * (split) and by the text renderer on the exporter thread (both). */
#include <string.h>
#include "protocols/resp/resp_raw.h"
#include "protocols/resp/resp_sess.h"

/* `<digits>\r\n` at q (at most 12 digits, the request parser's own limit for one step)
 * before end (end - q >= 2): the value in *v and the position after the CRLF, else NULL. */
static inline const uint8_t *ga__num(const uint8_t *q, const uint8_t *end, uint64_t *v)
{
    unsigned d0 = (unsigned)q[0] - '0', d1 = (unsigned)q[1] - '0';   /* the caller saw 2 bytes */
    if (d0 < 10 && end - q >= 4) {                                  /* 1 or 2 digits: most */
        if (q[1] == '\r' && q[2] == '\n') {
            *v = d0;
            return q + 3;
        }
        if (d1 < 10 && q[2] == '\r' && q[3] == '\n') {
            *v = d0 * 10 + d1;
            return q + 4;
        }
    }
    const uint8_t *s = q, *lim = end - q > 12 ? q + 12 : end;
    uint64_t x = 0;
    unsigned d;
    while (q < lim && (d = (unsigned)*q - '0') < 10) {
        x = x * 10 + d;
        q++;
    }
    if (q == s || end - q < 2 || q[0] != '\r' || q[1] != '\n')
        return NULL;
    *v = x;
    return q + 2;
}

unsigned ga_resp_raw_split(const uint8_t *p, size_t n, int prefix, ga_resp_rarg *a, unsigned *count)
{
    const uint8_t *end = p + n, *q;
    uint64_t cnt, len;
    if (n < 4 || p[0] != '*' || (q = ga__num(p + 1, end, &cnt)) == NULL || cnt == 0 ||
        cnt > GA_RESP_RAW_ARGS)
        return 0;
    unsigned i = 0;
    for (; i < cnt; i++) {
        if (prefix && i > 0 && q == end)
            break;
        if (end - q < 6 || q[0] != '$' || (q = ga__num(q + 1, end, &len)) == NULL ||
            (size_t)(end - q) < len + 2 || q[len] != '\r' || q[len + 1] != '\n')
            return 0;
        a[i].p = q;
        a[i].len = (size_t)len;
        q += len + 2;
    }
    *count = (unsigned)cnt;
    return q == end ? i : 0;
}

size_t ga_resp_raw_blob(const ga_resp_rarg *a, unsigned k, unsigned nargs, uint8_t *out, int *more)
{
    size_t tl = 3;
    unsigned ncopied = 0;
    *more = 0;
    for (unsigned i = 0; i < k; i++) {
        if (tl + 1 > GA_RESP_TEXT_MAX) {
            *more = 1;
            break;
        }
        size_t room = GA_RESP_TEXT_MAX - (tl + 1);
        if (room > GA_RESP_ARG_CAP)
            room = GA_RESP_ARG_CAP;
        size_t c = a[i].len < room ? a[i].len : room;
        out[tl] = (uint8_t)(c | (c < a[i].len ? GA_RESP_TXT_TRUNC : 0));
        memcpy(out + tl + 1, a[i].p, c);
        tl += 1 + c;
        ncopied++;
    }
    out[0] = (uint8_t)(nargs > 255 ? 255 : nargs);
    out[1] = (uint8_t)ncopied;
    out[2] = *more ? GA_RESP_TXT_MORE : 0;
    return tl;
}
