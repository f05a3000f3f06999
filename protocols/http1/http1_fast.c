/* http1_fast.c — the parser's fast path: a start line or a header line that is whole in
 * the buffer is handled in one step (memchr for its end, the header name matched by length
 * and a case-insensitive compare) instead of byte by byte. It must accept, reject and report
 * exactly what the incremental path (http1.c) would for the same bytes: the differential
 * fuzz target (tests/fuzz/fuzz_http.c, whole vs split feeds) checks that. Pure code. */
#include <string.h>
#include "protocols/http1/http1_int.h"

static inline uint64_t ga__w8(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t ga__w4(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* A field name we follow: lower case, its length, its '-' positions (0 = none). */
typedef struct ga__name {
    const char *s;
    uint8_t n, field, dash1, dash2;
} ga__name;

/* p (at least n + 1 bytes of the line) is the name followed by ':', letters compared
 * without case: exactly what the byte-by-byte matcher accepts. Words are compared with
 * bit 5 forced on (upper case letters fold onto lower case); that also folds CR onto '-',
 * so the dashes are then checked exactly. */
static int ga__is(const uint8_t *p, size_t len, const ga__name *nm)
{
    size_t n = nm->n;
    if (len <= n || p[n] != ':')
        return 0;
    int same;
    if (n >= 8) {
        same = (ga__w8(p) | 0x2020202020202020ull) == ga__w8(nm->s) &&
               (ga__w8(p + n - 8) | 0x2020202020202020ull) == ga__w8(nm->s + n - 8) &&
               (n <= 16 || (ga__w8(p + 8) | 0x2020202020202020ull) == ga__w8(nm->s + 8));
    } else {
        same = (ga__w4(p) | 0x20202020u) == ga__w4(nm->s) &&
               (ga__w4(p + n - 4) | 0x20202020u) == ga__w4(nm->s + n - 4);
    }
    return same && (!nm->dash1 || p[nm->dash1] == '-') && (!nm->dash2 || p[nm->dash2] == '-');
}

/* The followed field a header line p[0..len) names (enum ga_h1_hf), HF_NONE otherwise;
 * *nl = the name's length. Responses only follow their framing fields. */
static int ga__field(const uint8_t *p, size_t len, int request, size_t *nl)
{
    static const ga__name host = {"host", 4, HF_HOST, 0, 0}, ua = {"user-agent", 10, HF_UA, 4, 0},
        tp = {"traceparent", 11, HF_TP, 0, 0}, ts = {"tracestate", 10, HF_TS, 0, 0},
        te = {"transfer-encoding", 17, HF_TE, 8, 0}, cl = {"content-length", 14, HF_CL, 7, 0},
        conn = {"connection", 10, HF_CONN, 0, 0}, xff = {"x-forwarded-for", 15, HF_XFF, 1, 11},
        expect = {"expect", 6, HF_EXPECT, 0, 0};
    const ga__name *c[3] = { NULL, NULL, NULL };
    switch (p[0] | 0x20) {
    case 'c': c[0] = &cl; c[1] = &conn; break;
    case 't': c[0] = &te; if (request) { c[1] = &tp; c[2] = &ts; } break;
    case 'h': if (request) c[0] = &host; break;
    case 'u': if (request) c[0] = &ua; break;
    case 'x': if (request) c[0] = &xff; break;
    case 'e': if (request) c[0] = &expect; break;
    default: break;
    }
    for (int k = 0; k < 3 && c[k] != NULL; k++)
        if (ga__is(p, len, c[k])) {
            *nl = c[k]->n;
            return c[k]->field;
        }
    return HF_NONE;
}

/* A header line p[0..len) (ending with LF, first byte a tchar): a field we follow, or a
 * line skipped. Returns len, or 0 after setting ERROR. */
static size_t ga__header_line(ga_h1_parser *ps, const uint8_t *p, size_t len, const ga_h1_cb *cb)
{
    size_t nl = 0;
    int f = ga__field(p, len, ps->kind == GA_H1_REQ, &nl);
    if (f == HF_NONE)
        return len;                             /* not followed: skipped */
    ga_h1_field_start(ps, f);
    size_t v = nl + 1, end = len - 1;          /* value: p[v..end), end at the LF */
    while (v < end && (p[v] == ' ' || p[v] == '\t'))
        v++;
    if (ps->field == HF_EXPECT) {
        ps->st = S_HLINE;                       /* skipped to the LF, like the slow path */
        return len;
    }
    ps->st = S_HVAL;
    const uint8_t *cr = memchr(p + v, '\r', end - v);
    ga_h1_value(ps, p + v, (cr ? (size_t)(cr - p) : end) - v, cb);
    if (cr != NULL && cr != p + end - 1)
        ga_h1_error(ps);                        /* a CR not followed by LF, as byte by byte */
    if (ps->st == S_HVAL)
        ga_h1_value_end(ps);
    return ps->st == S_ERROR ? 0 : len;
}

/* "HTTP/1.d" at p (8 bytes): the version, or 0. */
static int ga__version(const uint8_t *p)
{
    if (memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9')
        return 0;
    return p[7] == '0' ? 10 : 11;
}

/* A request line p[0..len) with its LF. */
static size_t ga__request_line(ga_h1_parser *ps, const uint8_t *p, size_t len, const ga_h1_cb *cb)
{
    size_t m = 0;
    while (m < len && ga_h1_tchar[p[m]])
        m++;
    size_t t = m + 1, te = t;
    while (te < len && p[te] > 0x20 && p[te] != 0x7f)
        te++;
    size_t rest = te < len ? len - (te + 1) : 0;   /* "HTTP/1.d" [CR] LF after the target */
    int version;
    if (m == 0 || m >= len || p[m] != ' ' || te == t || te >= len || p[te] != ' ' ||
        !(rest == 9 || (rest == 10 && p[len - 2] == '\r')) || !(version = ga__version(p + te + 1)))
        return 0;                               /* leave odd lines to the slow path */
    ps->version = (uint8_t)version;
    if (cb->piece) {
        cb->piece(cb->ctx, ps, GA_H1_FLD_METHOD, p, m);
        cb->piece(cb->ctx, ps, GA_H1_FLD_TARGET, p + t, te - t);
    }
    ps->method = (uint8_t)(m <= sizeof ps->tok ? ga_h1_method_of(p, m) : GA_H1_M_OTHER);
    ps->st = S_HLINE;
    return len;
}

/* A status line p[0..len) with its LF. */
static size_t ga__status_line(ga_h1_parser *ps, const uint8_t *p, size_t len)
{
    int version;
    if (len < 13 || !(version = ga__version(p)) || p[8] != ' ')
        return 0;
    unsigned s = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        s = s * 10 + (unsigned)(p[i] - '0');
    }
    if (s < 100 || !(p[12] == ' ' || (p[12] == '\r' && len == 14) || (p[12] == '\n' && len == 13)))
        return 0;
    ps->status = (uint16_t)s;
    ps->version = (uint8_t)version;
    ps->st = S_HLINE;
    return len;
}

/* The blank line at p[0] (CR LF or LF, whole here): the header section ends. */
static size_t ga__blank_line(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    size_t len = p[0] == '\n' ? 1 : (n >= 2 && p[1] == '\n') ? 2 : 0;
    if (len == 0)
        return 0;
    if (cb->blank)
        cb->blank(cb->ctx, ps, ps->off);
    ps->off += len - 1;                         /* callbacks see the offset of the LF */
    ps->head_bytes += (uint32_t)len;
    ga_h1_head_end(ps, cb);
    ps->off -= len - 1;
    return len;
}

/* Header lines from p on, while they are whole in the buffer; ps->off is kept at the line
 * being handled for the callbacks and given back at the end (the caller adds the total). */
static size_t ga__header_lines(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    uint64_t off0 = ps->off;
    size_t i = 0;
    const int bit = ps->kind == GA_H1_REQ ? 1 : 2;
    while (i < n && ps->st == S_HLINE) {
        uint8_t c = p[i];
        if (c == '\r' || c == '\n') {
            ps->off = off0 + i;
            i += ga__blank_line(ps, p + i, n - i, cb);
            break;
        }
        const uint8_t *lf = ga_h1_tchar[c] ? memchr(p + i, '\n', n - i) : NULL;
        if (lf == NULL)
            break;                              /* fold, garbage, or not whole: byte by byte */
        size_t len = (size_t)(lf - (p + i)) + 1;
        if (ps->head_bytes + len > GA_H1_MAX_HEAD)
            break;
        ps->off = off0 + i;
        if ((ga_h1_first[c] & bit) && ga__header_line(ps, p + i, len, cb) == 0) {
            i += ps->st == S_ERROR ? 1 : 0;
            break;
        }
        ps->head_bytes += (uint32_t)len;
        i += len;
    }
    ps->off = off0;
    return i;
}

size_t ga_h1_fast_line(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    size_t k = 0;
    if (ps->st == S_METHOD || ps->st == S_RVER) {
        const uint8_t *lf = memchr(p, '\n', n);
        if (lf == NULL)
            return 0;
        size_t len = (size_t)(lf - p) + 1;
        if (ps->head_bytes + len > GA_H1_MAX_HEAD)
            return 0;                           /* the byte-by-byte path stops at the bound */
        if (ps->st == S_METHOD && ps->tlen == 0)
            k = ga__request_line(ps, p, len, cb);
        else if (ps->st == S_RVER && ps->idx == 0 && ps->version == 0)
            k = ga__status_line(ps, p, len);
        if (k == 0)
            return 0;                           /* nothing was touched */
        ps->head_bytes += (uint32_t)k;
    }
    if (ps->st == S_HLINE) {
        ps->off += k;                           /* the header lines start k bytes on */
        size_t h = ga__header_lines(ps, p + k, n - k, cb);
        ps->off -= k;
        k += h;
    }
    return k;
}
