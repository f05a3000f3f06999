/* http1_fast_field.c — the fast path's header fields: a whole line whose first letter may
 * start a followed field is matched by its colon's position and a case-folded word compare,
 * and its value read in words: Content-Length's digits with no branch per digit, a
 * Connection or Transfer-Encoding token by one compare, a text field (Host, User-Agent,
 * traceparent, tracestate, X-Forwarded-For, b3, baggage, X-B3-*) reported as one piece after a word-wise check
 * for a stray CR. Any other value goes through the byte-by-byte path's value reader
 * (http1.c), which is the reference (contracts in http1_int.h). Pure code. */
#include "protocols/http1/http1_int.h"
#include "protocols/http1/http1_words.h"

/* p[0..n) is `name` (lower case; '-' at d1 and d2 when non-zero), letters without case.
 * Bit 5 forced on folds upper case letters onto lower case, and CR onto '-': the dashes are
 * checked exactly. Constant arguments: each use compiles to a few compares. */
static inline __attribute__((always_inline)) int ga__name_is(const uint8_t *p, const char *name,
                                                             size_t n, size_t d1, size_t d2)
{
    int same;
    if (n >= 8)
        same = (ga_h1_w8(p) | GA_H1_LC8) == ga_h1_w8(name) &&
               (ga_h1_w8(p + n - 8) | GA_H1_LC8) == ga_h1_w8(name + n - 8) &&
               (n <= 16 || (ga_h1_w8(p + 8) | GA_H1_LC8) == ga_h1_w8(name + 8));
    else
        same = (ga_h1_w4(p) | GA_H1_LC4) == ga_h1_w4(name) &&
               (ga_h1_w4(p + n - 4) | GA_H1_LC4) == ga_h1_w4(name + n - 4);
    return same && (!d1 || p[d1] == '-') && (!d2 || p[d2] == '-');
}

/* The line p[0..len) (len: its bytes before the LF) names field f: n bytes, then ':'. */
#define GA__IS(f, name, n, d1, d2)                                              \
    if (len > (n) && p[n] == ':' && ga__name_is(p, name, n, d1, d2)) {          \
        *nl = (n);                                                              \
        return (f);                                                             \
    }

/* The other propagation formats' fields of a request line starting with 'b' or "x-?3"
 * (b3, baggage, X-B3-*), or HF_NONE: rare, so kept out of line, and the name's length comes
 * from ga__prop_len (nothing of the common fields' path goes through memory). */
#define GA__IS_PROP(f, name, n, d1, d2)                                         \
    if (len > (n) && p[n] == ':' && ga__name_is(p, name, n, d1, d2))            \
        return (f);
static const uint8_t ga__prop_len[HF_COUNT] = {
    [HF_B3] = 2, [HF_BAG] = 7, [HF_XB3T] = 12, [HF_XB3S] = 11, [HF_XB3SM] = 12, [HF_XB3F] = 10 };

static __attribute__((noinline)) int ga__field_prop(const uint8_t *p, size_t len)
{
    if ((p[0] | 0x20) == 'b') {
        if (len > 2 && p[1] == '3' && p[2] == ':')
            return HF_B3;
        GA__IS_PROP(HF_BAG, "baggage", 7, 0, 0);
        return HF_NONE;
    }
    GA__IS_PROP(HF_XB3T, "x-b3-traceid", 12, 1, 4);
    GA__IS_PROP(HF_XB3S, "x-b3-spanid", 11, 1, 4);
    GA__IS_PROP(HF_XB3SM, "x-b3-sampled", 12, 1, 4);
    GA__IS_PROP(HF_XB3F, "x-b3-flags", 10, 1, 4);
    return HF_NONE;
}
#undef GA__IS_PROP

/* ga__field_prop with *nl set. */
static inline int ga__field_prop_nl(const uint8_t *p, size_t len, size_t *nl)
{
    int f = ga__field_prop(p, len);
    *nl = ga__prop_len[f];
    return f;
}

/* The followed field (enum ga_h1_hf) a line names, or HF_NONE; *nl = the name's length. Only
 * lines starting with a letter of the kind's fields (the class table) come here. */
static int ga__field(const uint8_t *p, size_t len, int request, size_t *nl)
{
    unsigned c = p[0] | 0x20;
    if (c == 'c') {
        GA__IS(HF_CL, "content-length", 14, 7, 0);
        GA__IS(HF_CONN, "connection", 10, 0, 0);
    } else if (c == 't') {
        GA__IS(HF_TE, "transfer-encoding", 17, 8, 0);
        if (request) {
            GA__IS(HF_TP, "traceparent", 11, 0, 0);
            GA__IS(HF_TS, "tracestate", 10, 0, 0);
        }
    } else if (c == 'h') {
        GA__IS(HF_HOST, "host", 4, 0, 0);
    } else if (c == 'u') {
        GA__IS(HF_UA, "user-agent", 10, 4, 0);
    } else if (c == 'x') {
        GA__IS(HF_XFF, "x-forwarded-for", 15, 1, 11);
        if (len > 10 && p[3] == '3')            /* '3' exactly: bit 5 folds 0x13 onto it */
            return ga__field_prop_nl(p, len, nl);
    } else {
        GA__IS(HF_EXPECT, "expect", 6, 0, 0);
        if (request)                            /* 'b' (b3, baggage; requests only), or an */
            return ga__field_prop_nl(p, len, nl);   /* 'ex' line that is not Expect */
    }
    return HF_NONE;
}
#undef GA__IS

/* Content-Length = [v, e) in its common shape, 1 to 8 digits and nothing else: the field is
 * done as ga_h1_value_end would leave it (a second, different value is an ERROR); 0 leaves
 * it to the byte-by-byte reader. e - 8 is readable: the name is 15 bytes. */
static int ga__cl(ga_h1_parser *ps, const uint8_t *v, const uint8_t *e)
{
    uint64_t x;
    size_t d = (size_t)(e - v);
    if (d == 0 || d > 8 || !ga_h1_digits(e, d, &x))
        return 0;
    if ((ps->flags & GA_H1_F_CL) && ps->clen != x)
        ga_h1_error(ps);
    ps->clen = x;
    ps->flags |= GA_H1_F_CL;
    return 1;
}

/* Connection / Transfer-Encoding = [v, e) when it is exactly one of the tokens the parser
 * looks for, any case: the field is done as ga_h1_value_end would leave it; 0 otherwise.
 * Letters fold exactly under bit 5; '-' is checked exactly (CR folds onto it). */
static int ga__token(ga_h1_parser *ps, int f, const uint8_t *v, const uint8_t *e)
{
    uint16_t flag;
    uint32_t w;
    switch (e - v) {
    case 10:
        if ((ga_h1_w8(v) | GA_H1_LC8) != ga_h1_w8("keep-ali") || v[4] != '-' ||
            (ga_h1_w4(v + 6) | GA_H1_LC4) != ga_h1_w4("live"))
            return 0;
        flag = GA_H1_F_KEEPALIVE;
        break;
    case 5:
        w = ga_h1_w4(v) | GA_H1_LC4;
        if (w != ga_h1_w4("clos") || (v[4] | 0x20) != 'e')
            return 0;
        flag = GA_H1_F_CLOSE;
        break;
    case 7:
        w = ga_h1_w4(v) | GA_H1_LC4;
        if (w == ga_h1_w4("chun") && (ga_h1_w4(v + 3) | GA_H1_LC4) == ga_h1_w4("nked"))
            flag = GA_H1_F_CHUNKED;
        else if (w == ga_h1_w4("upgr") && (ga_h1_w4(v + 3) | GA_H1_LC4) == ga_h1_w4("rade"))
            flag = GA_H1_F_UPGRADE;
        else
            return 0;
        break;
    default:
        return 0;
    }
    if (f == HF_TE)                             /* the last coding decides; only chunked counts */
        ps->flags = (uint16_t)((ps->flags & ~GA_H1_F_CHUNKED) | GA_H1_F_TE |
                               (flag == GA_H1_F_CHUNKED ? GA_H1_F_CHUNKED : 0));
    else if (flag != GA_H1_F_CHUNKED)
        ps->flags |= flag;
    return 1;
}

/* The value [v, ve) of field f on the line starting at ls, when it is not of a common shape:
 * what the byte-by-byte path does. Returns 1, or 0 after setting ERROR. */
static int ga__value_slow(ga_h1_parser *ps, int f, const uint8_t *v, const uint8_t *ve,
                          const ga_h1_cb *cb)
{
    ga_h1_field_start(ps, f);
    ps->st = S_HVAL;
    const uint8_t *cr = v;
    while (cr < ve && *cr != '\r')
        cr++;
    ga_h1_value(ps, v, (size_t)(cr - v), cb);
    if (cr != ve)
        ga_h1_error(ps);                        /* a CR not followed by LF, as byte by byte */
    if (ps->st == S_HVAL)
        ga_h1_value_end(ps);
    return ps->st != S_ERROR;
}

int ga_h1_fast_field(ga_h1_parser *ps, const uint8_t *ls, const uint8_t *e, uint64_t off,
                     const ga_h1_cb *cb)
{
    size_t nl = 0;
    int f = ga__field(ls, (size_t)(e - ls), ps->kind == GA_H1_REQ, &nl);
    if (f == HF_NONE)
        return 1;                               /* skipped, like any other line */
    const uint8_t *v = ls + nl + 1;
    v += *v == ' ';                             /* the usual single space */
    while (*v == ' ' || *v == '\t')
        v++;                                    /* stops at the LF at the latest */
    const uint8_t *ve = e[-1] == '\r' && e - 1 >= v ? e - 1 : e;
    ps->field = (uint8_t)f;
    if (f == HF_CL) {
        if (ga__cl(ps, v, ve))
            return ps->st != S_ERROR;
    } else if (f == HF_CONN || f == HF_TE) {
        if (ga__token(ps, f, v, ve))
            return 1;
    } else if (f == HF_EXPECT) {
        ga_h1_field_start(ps, f);
        ps->st = S_HLINE;                       /* skipped to the LF, like the slow path */
        return 1;
    } else if (!ga_h1_any(ls, v, ve, GA_H1_ANY_CR)) {
        static const uint8_t piece_of[HF_COUNT] = {
            [HF_HOST] = GA_H1_FLD_HOST, [HF_UA] = GA_H1_FLD_UA, [HF_TP] = GA_H1_FLD_TRACEPARENT,
            [HF_TS] = GA_H1_FLD_TRACESTATE, [HF_XFF] = GA_H1_FLD_XFF, [HF_B3] = GA_H1_FLD_B3,
            [HF_BAG] = GA_H1_FLD_BAGGAGE, [HF_XB3T] = GA_H1_FLD_XB3_TRACEID,
            [HF_XB3S] = GA_H1_FLD_XB3_SPANID, [HF_XB3SM] = GA_H1_FLD_XB3_SAMPLED,
            [HF_XB3F] = GA_H1_FLD_XB3_FLAGS };
        ga_h1_field_start(ps, f);
        ps->st = S_HLINE;
        if (ve > v && cb->piece) {
            uint64_t saved = ps->off;
            ps->off = off;                      /* callbacks see the line's offset */
            cb->piece(cb->ctx, ps, piece_of[f], v, (size_t)(ve - v));
            ps->off = saved;
        }
        return 1;
    }
    uint64_t saved = ps->off;
    ps->off = off;
    int ok = ga__value_slow(ps, f, v, ve, cb);
    ps->off = saved;
    return ok;
}
