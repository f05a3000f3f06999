/* http1.c — the HTTP/1.x parser: the feed loop, the start line and the header section
 * (bodies are in http1_body.c; contracts in http1.h). Pure code: no allocation, no state
 * outside the parser struct. Every step consumes at least one byte or ends in a terminal
 * state, so a feed is O(n) and never loops. */
#include <string.h>
#include "protocols/http1/http1_int.h"

/* Lower-case header names the parser follows, indexed by enum ga_h1_hf - 1. */
static const char ga__hnames[HF_COUNT - 1][18] = {
    "host", "user-agent", "traceparent", "tracestate", "content-length",
    "transfer-encoding", "connection", "x-forwarded-for", "expect",
    "b3", "baggage", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags",
};
static const uint8_t ga__hlen[HF_COUNT - 1] = { 4, 10, 11, 10, 14, 17, 10, 15, 6, 2, 7, 12, 11, 12, 10 };
_Static_assert(HF_COUNT - 1 <= 16, "a candidate bit per name in ga_h1_parser.cand");


/* The names (bit k: ga__hnames[k]) a line starting with byte c may be, per kind (responses
 * only need framing); the fast path and the fuzz target check it against ga__field. */
#define GA__B(f) (1u << ((f) - 1))
#define GA__FIRST(l, m) [l] = (m), [(l) - 32] = (m)
static const uint16_t ga__cand_of[2][256] = {
    [GA_H1_REQ] = {
        GA__FIRST('h', GA__B(HF_HOST)), GA__FIRST('u', GA__B(HF_UA)),
        GA__FIRST('t', GA__B(HF_TP) | GA__B(HF_TS) | GA__B(HF_TE)),
        GA__FIRST('c', GA__B(HF_CL) | GA__B(HF_CONN)), GA__FIRST('e', GA__B(HF_EXPECT)),
        GA__FIRST('x', GA__B(HF_XFF) | GA__B(HF_XB3T) | GA__B(HF_XB3S) | GA__B(HF_XB3SM) | GA__B(HF_XB3F)),
        GA__FIRST('b', GA__B(HF_B3) | GA__B(HF_BAG)),
    },
    [GA_H1_RESP] = {
        GA__FIRST('t', GA__B(HF_TE)), GA__FIRST('c', GA__B(HF_CL) | GA__B(HF_CONN)),
    },
};
#undef GA__FIRST
#undef GA__B

static inline uint8_t ga__lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c; }

void ga_h1_init(ga_h1_parser *ps, int kind)
{
    memset(ps, 0, sizeof *ps);
    ps->kind = (uint8_t)kind;
    ps->st = S_IDLE;
}

const uint8_t ga_h1_phase_of[S_ERROR + 1] = {
    [S_IDLE] = GA_H1_IDLE,
    [S_METHOD ... S_HEND_LF] = GA_H1_HEAD,
    [S_BODY_LEN ... S_TR_END_LF] = GA_H1_BODY,
    [S_PAUSED] = GA_H1_PAUSED, [S_STOPPED] = GA_H1_STOPPED, [S_ERROR] = GA_H1_ERROR,
};
_Static_assert(S_HEND_LF + 1 == S_BODY_LEN && S_TR_END_LF + 1 == S_PAUSED, "state ranges");

void ga_h1_resume(ga_h1_parser *ps)
{
    if (ps->st == S_PAUSED)
        ps->st = S_IDLE;
}

void ga_h1_fail(ga_h1_parser *ps) { ga_h1_error(ps); }

/* A new message starts with this byte. */
static void ga__begin(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    ps->flags = 0;
    ps->status = 0;
    ps->version = 0;
    ps->head_bytes = 0;
    ps->body = 0;
    ps->clen = 0;
    ps->remain = 0;
    ps->idx = 0;
    ps->tlen = 0;
    if (ps->kind == GA_H1_REQ)
        ps->method = GA_H1_M_NONE;
    ps->st = ps->kind == GA_H1_REQ ? S_METHOD : S_RVER;
    if (cb->begin)
        cb->begin(cb->ctx, ps);
}

static void ga__piece(ga_h1_parser *ps, const ga_h1_cb *cb, int f, const uint8_t *p, size_t n)
{
    if (n > 0 && cb->piece)
        cb->piece(cb->ctx, ps, f, p, n);
}

/* Request line: method SP target SP HTTP/1.x */
static size_t ga__method(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    size_t i = 0;
    while (i < n && ga_h1_tchar[p[i]]) {
        if (ps->tlen < sizeof ps->tok)
            ps->tok[ps->tlen] = p[i];
        ps->tlen = ps->tlen < 255 ? (uint8_t)(ps->tlen + 1) : 255;
        i++;
    }
    ga__piece(ps, cb, GA_H1_FLD_METHOD, p, i);
    if (i == n)
        return i;
    if (p[i] != ' ' || ps->tlen == 0) {
        ga_h1_error(ps);
        return i;
    }
    ps->method = (uint8_t)(ps->tlen <= sizeof ps->tok ? ga_h1_method_of(ps->tok, ps->tlen)
                                                       : GA_H1_M_OTHER);
    ps->idx = 0;
    ps->st = S_TARGET;
    return i + 1;
}

static size_t ga__target(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    size_t i = 0;
    while (i < n && p[i] > 0x20 && p[i] != 0x7f)
        i++;
    ga__piece(ps, cb, GA_H1_FLD_TARGET, p, i);
    ps->idx = (uint16_t)(ps->idx + (i > 0 ? 1 : 0));
    if (i == n)
        return i;
    if (p[i] != ' ' || ps->idx == 0) {
        ga_h1_error(ps);
        return i;
    }
    ps->idx = 0;
    ps->st = S_VER;
    return i + 1;
}

/* "HTTP/1.x" one byte at a time; idx counts the bytes matched. Returns 1 when complete. */
static int ga__version_byte(ga_h1_parser *ps, uint8_t c)
{
    static const char want[] = "HTTP/1.";
    if (ps->idx < 7) {
        if (c != (uint8_t)want[ps->idx]) {
            ga_h1_error(ps);
            return 0;
        }
        ps->idx++;
        return 0;
    }
    if (c < '0' || c > '9') {
        ga_h1_error(ps);
        return 0;
    }
    ps->version = c == '0' ? 10 : 11;
    return 1;
}

/* After the request line's version, or the response's reason phrase: CR LF or LF. */
static size_t ga__line_end(ga_h1_parser *ps, uint8_t c)
{
    if (c == '\r')
        ps->st = S_LINE_LF;
    else if (c == '\n')
        ps->st = S_HLINE;
    else
        ga_h1_error(ps);
    return 1;
}

static size_t ga__ver(ga_h1_parser *ps, const uint8_t *p)
{
    if (ps->version != 0)
        return ga__line_end(ps, p[0]);
    ga__version_byte(ps, p[0]);
    return 1;
}

/* Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF */
static size_t ga__rver(ga_h1_parser *ps, const uint8_t *p)
{
    if (ps->version == 0) {
        ga__version_byte(ps, p[0]);
        return 1;
    }
    if (p[0] != ' ') {
        ga_h1_error(ps);
        return 1;
    }
    ps->idx = 0;
    ps->st = S_STATUS;
    return 1;
}

static size_t ga__status(ga_h1_parser *ps, const uint8_t *p)
{
    uint8_t c = p[0];
    if (ps->idx < 3) {
        if (c < '0' || c > '9') {
            ga_h1_error(ps);
            return 1;
        }
        ps->status = (uint16_t)(ps->status * 10 + (c - '0'));
        ps->idx++;
        return 1;
    }
    if (ps->status < 100) {
        ga_h1_error(ps);
        return 1;
    }
    if (c == ' ') {
        ps->st = S_REASON;
        return 1;
    }
    return ga__line_end(ps, c);
}

static size_t ga__reason(ga_h1_parser *ps, const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    if (lf == NULL)
        return n;
    ps->st = S_HLINE;
    return (size_t)(lf - p) + 1;
}

/* Start of a header line: a field name, or the blank line that ends the section. */
static size_t ga__hline(ga_h1_parser *ps, const uint8_t *p, const ga_h1_cb *cb)
{
    uint8_t c = p[0];
    if (c == '\r' || c == '\n') {
        if (cb->blank)
            cb->blank(cb->ctx, ps, ps->off);
        if (c == '\r') {
            ps->st = S_HEND_LF;
        } else {
            ga_h1_head_end(ps, cb);
        }
        return 1;
    }
    if (c == ' ' || c == '\t') {         /* obs-fold: continuation, ignored */
        ps->field = HF_NONE;
        ps->st = S_HSKIP;
        return 1;
    }
    if (!ga_h1_tchar[c]) {
        ga_h1_error(ps);
        return 1;
    }
    unsigned cand = ga__cand_of[ps->kind][c];
    if (cand == 0) {                    /* not a field we follow: skip the line unchecked */
        ps->field = HF_NONE;
        ps->st = S_HSKIP;
        return 1;
    }
    ps->cand = (uint16_t)cand;
    ps->idx = 1;
    ps->st = S_HNAME;
    return 1;
}

/* Narrow the header-name candidates with the next name byte. */
static void ga__hname_byte(ga_h1_parser *ps, uint8_t c)
{
    unsigned cand = ps->cand;
    c = ga__lower(c);
    for (unsigned m = cand; m != 0; m &= m - 1) {
        int k = __builtin_ctz(m);
        if (ps->idx >= ga__hlen[k] || (uint8_t)ga__hnames[k][ps->idx] != c)
            cand &= ~(1u << k);
    }
    ps->cand = (uint16_t)cand;
}

/* The name is complete (at ':'): which field it is among the candidates left. */
static void ga__hname_done(ga_h1_parser *ps)
{
    int f = HF_NONE;
    for (int k = 0; k < HF_COUNT - 1; k++)
        if ((ps->cand >> k & 1) && ga__hlen[k] == ps->idx)
            f = k + 1;
    ga_h1_field_start(ps, f);
}

static size_t ga__hname(ga_h1_parser *ps, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && ga_h1_tchar[p[i]] && ps->cand) {
        ga__hname_byte(ps, p[i]);
        if (ps->idx < UINT16_MAX)
            ps->idx++;
        i++;
    }
    if (i == n)
        return i;
    if (p[i] == ':' && ps->cand) {
        ga__hname_done(ps);
        return i + 1;
    }
    /* Not a name we follow after all (whitespace before the colon, no colon, odd bytes):
     * the line is skipped, as the fast path does. */
    ps->field = HF_NONE;
    ps->st = p[i] == '\n' ? S_HLINE : S_HSKIP;
    return i + 1;
}

/* Content-Length: digits, optional trailing OWS; anything else is an error. remain holds
 * the value while it is read, idx the digit count, tlen 1 once OWS followed the digits. */
static void ga__cl_byte(ga_h1_parser *ps, uint8_t c)
{
    if (c >= '0' && c <= '9' && ps->tlen == 0) {
        if (ps->remain > (UINT64_C(1) << 60) / 10) {
            ga_h1_error(ps);
            return;
        }
        ps->remain = ps->remain * 10 + (uint64_t)(c - '0');
        ps->idx++;
    } else if ((c == ' ' || c == '\t') && ps->idx > 0) {
        ps->tlen = 1;
    } else {
        ga_h1_error(ps);
    }
}

/* A Connection token ended: note the options that matter. */
static void ga__conn_token(ga_h1_parser *ps)
{
    if (ps->tlen == 5 && memcmp(ps->tok, "close", 5) == 0)
        ps->flags |= GA_H1_F_CLOSE;
    else if (ps->tlen == 10 && memcmp(ps->tok, "keep-alive", 10) == 0)
        ps->flags |= GA_H1_F_KEEPALIVE;
    else if (ps->tlen == 7 && memcmp(ps->tok, "upgrade", 7) == 0)
        ps->flags |= GA_H1_F_UPGRADE;
}

/* Transfer-Encoding / Connection lists: tok keeps the current (lower-cased) element; idx is
 * 0 inside an element, 1 after a comma, 2 inside parameters (after ';'). */
static void ga__list_byte(ga_h1_parser *ps, uint8_t c)
{
    if (c == ',') {
        if (ps->field == HF_CONN)
            ga__conn_token(ps);
        ps->idx = 1;
    } else if (c == ';') {
        ps->idx = 2;
    } else if (ga_h1_tchar[c] && ps->idx != 2) {
        if (ps->idx == 1) {
            ps->tlen = 0;
            ps->idx = 0;
        }
        if (ps->tlen < sizeof ps->tok)
            ps->tok[ps->tlen++] = ga__lower(c);
        else
            ps->tlen = 255;         /* too long to be one we look for */
    }
}

/* End of a header line: commit what the field said. */
void ga_h1_value_end(ga_h1_parser *ps)
{
    switch (ps->field) {
    case HF_CL:
        if (ps->idx == 0 || ((ps->flags & GA_H1_F_CL) && ps->clen != ps->remain)) {
            ga_h1_error(ps);
            return;
        }
        ps->clen = ps->remain;
        ps->remain = 0;
        ps->flags |= GA_H1_F_CL;
        break;
    case HF_TE:
        ps->flags |= GA_H1_F_TE;
        if (ps->tlen == 7 && memcmp(ps->tok, "chunked", 7) == 0)
            ps->flags |= GA_H1_F_CHUNKED;
        else
            ps->flags &= (uint16_t)~GA_H1_F_CHUNKED;
        break;
    case HF_CONN:
        ga__conn_token(ps);
        break;
    default:
        break;
    }
    ps->st = S_HLINE;
}

static int ga__capture_field(int f)
{
    switch (f) {
    case HF_HOST: return GA_H1_FLD_HOST;
    case HF_UA:   return GA_H1_FLD_UA;
    case HF_TP:   return GA_H1_FLD_TRACEPARENT;
    case HF_TS:   return GA_H1_FLD_TRACESTATE;
    case HF_XFF:  return GA_H1_FLD_XFF;
    case HF_B3:   return GA_H1_FLD_B3;
    case HF_BAG:  return GA_H1_FLD_BAGGAGE;
    case HF_XB3T: return GA_H1_FLD_XB3_TRACEID;
    case HF_XB3S: return GA_H1_FLD_XB3_SPANID;
    case HF_XB3SM: return GA_H1_FLD_XB3_SAMPLED;
    case HF_XB3F: return GA_H1_FLD_XB3_FLAGS;
    default:      return 0;
    }
}

/* 1 when every byte is a token byte (no separator, no OWS). */
static int ga__plain(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ga_h1_tchar[p[i]])
            return 0;
    return 1;
}

void ga_h1_value(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    int cap = ga__capture_field(ps->field);
    if (cap) {
        ga__piece(ps, cb, cap, p, n);
        return;
    }
    if (ps->field != HF_CL && ps->idx == 0 && ps->tlen + n <= sizeof ps->tok && ga__plain(p, n)) {
        for (size_t i = 0; i < n; i++)      /* token bytes only: what ga__list_byte does */
            ps->tok[ps->tlen + i] = ga__lower(p[i]);
        ps->tlen = (uint8_t)(ps->tlen + n);
        return;
    }
    for (size_t i = 0; i < n && ps->st == S_HVAL; i++) {
        if (ps->field == HF_CL)
            ga__cl_byte(ps, p[i]);
        else
            ga__list_byte(ps, p[i]);
    }
}

/* A field value up to its line end (CR LF, or a bare LF). */
static size_t ga__hval(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    if (ps->field == HF_NONE || ps->field == HF_EXPECT) {
        const uint8_t *lf = memchr(p, '\n', n);
        if (lf == NULL)
            return n;
        ps->st = S_HLINE;
        return (size_t)(lf - p) + 1;
    }
    size_t i = 0;
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    ga_h1_value(ps, p, i, cb);
    if (i == n || ps->st != S_HVAL)
        return i ? i : 1;
    if (p[i] == '\r')
        ps->st = S_HVAL_LF;
    else
        ga_h1_value_end(ps);
    return i + 1;
}

static size_t ga__skip_line(ga_h1_parser *ps, const uint8_t *p, size_t n)
{
    const uint8_t *lf = memchr(p, '\n', n);
    if (lf == NULL)
        return n;
    ps->st = S_HLINE;
    return (size_t)(lf - p) + 1;
}

/* Expect LF after a CR. */
static size_t ga__lf(ga_h1_parser *ps, uint8_t c, int next)
{
    if (c != '\n')
        ga_h1_error(ps);
    else
        ps->st = (uint8_t)next;
    return 1;
}

static size_t ga__head_step(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    switch (ps->st) {
    case S_METHOD:  return ga__method(ps, p, n, cb);
    case S_TARGET:  return ga__target(ps, p, n, cb);
    case S_VER:     return ga__ver(ps, p);
    case S_RVER:    return ga__rver(ps, p);
    case S_STATUS:  return ga__status(ps, p);
    case S_REASON:  return ga__reason(ps, p, n);
    case S_LINE_LF: return ga__lf(ps, p[0], S_HLINE);
    case S_HLINE:   return ga__hline(ps, p, cb);
    case S_HNAME:   return ga__hname(ps, p, n);
    case S_HOWS:
        if (p[0] == ' ' || p[0] == '\t')
            return 1;
        ps->st = S_HVAL;
        return ga__hval(ps, p, n, cb);
    case S_HVAL:    return ga__hval(ps, p, n, cb);
    case S_HVAL_LF:
        if (p[0] != '\n') {
            ga_h1_error(ps);
            return 1;
        }
        ga_h1_value_end(ps);
        return 1;
    case S_HSKIP:   return ga__skip_line(ps, p, n);
    case S_HEND_LF:
        if (p[0] != '\n') {
            ga_h1_error(ps);
            return 1;
        }
        ga_h1_head_end(ps, cb);
        return 1;
    default:
        ga_h1_error(ps);
        return 0;
    }
}

/* One step in the start line or the header section: the fast path where it applies, else
 * the byte-by-byte one (whose bytes are counted against GA_H1_MAX_HEAD here). */
static size_t ga__head(ga_h1_parser *ps, int st, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    if (st == S_HLINE || st == S_METHOD || st == S_RVER) {
        size_t k = ga_h1_fast_line(ps, p, n, cb);
        if (k > 0)
            return k;                   /* counted its own head bytes */
    }
    size_t k = ga__head_step(ps, p, n, cb);
    ps->head_bytes += (uint32_t)k;
    if (ga_h1_in_head(ps->st) && ps->head_bytes > GA_H1_MAX_HEAD)
        ga_h1_error(ps);
    return k;
}

int ga_h1_feed(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    if (p == NULL)
        return ga_h1_feed_invisible(ps, n, cb);
    size_t i = 0;
    while (i < n) {
        int st = ps->st;
        size_t k;
        if (st == S_BODY_LEN) {
            k = ga_h1_take(ps, n - i, cb);      /* most bytes: a body of known length */
        } else if (st == S_IDLE) {
            if (p[i] != '\r' && p[i] != '\n') {
                ga__begin(ps, cb);              /* the next message starts here */
                continue;
            }
            k = 1;                              /* blank lines between messages */
        } else if (ga_h1_in_head(st)) {
            k = ga__head(ps, st, p + i, n - i, cb);
        } else if (st >= S_PAUSED) {
            if (st == S_PAUSED)
                ga_h1_error(ps);                /* bytes before the CONNECT was answered */
            ps->off += n - i;
            break;
        } else {
            k = ga_h1_body_step(ps, p + i, n - i, cb);
        }
        if (k == 0 && ps->st < S_PAUSED)
            ga_h1_error(ps);                    /* defensive: every step makes progress */
        ps->off += k;
        i += k;
    }
    return ga_h1_phase(ps);
}
