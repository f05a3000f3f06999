/* resp_rep.c — the RESP reply parser: what a server sends (contract in resp.h).
 *
 * Nesting is followed level by level for the first GA_RESP_STACK aggregates (that is where
 * the facts the session needs live: the top-level value, the elements of a top-level
 * aggregate); anything deeper is only counted — one counter of the elements still owed below
 * the deepest tracked level — so nesting of any depth costs no memory. Bulk payloads of any
 * size are skipped by counting, capturing at most a few bytes when they matter. */
#include "protocols/resp/resp.h"
#include "protocols/resp/resp_lex.h"

/* RP_TYPE must stay 0: ga_resp_rep_idle (resp.h). */
enum { RP_TYPE = 0, RP_LINE, RP_BULK, RP_CR, RP_LF, RP_SCHUNK, RP_SCHUNK_LEN, RP_BAD };
enum { CAP_NONE, CAP_ERR, CAP_NERR, CAP_FIRST };

int ga_resp_is_type(uint8_t b)
{
    switch (b) {
    case '+': case '-': case ':': case '$': case '*': case '_': case ',': case '#': case '!':
    case '=': case '(': case '%': case '~': case '>': case '|':
        return 1;
    default:
        return 0;
    }
}

static int ga__bad(ga_resp_rep *r)
{
    r->st = RP_BAD;
    return GA_RESP_EBAD;
}

/* The element being started is a direct element of a top-level aggregate (not of an
 * attribute), so its facts may be captured. */
static int ga__at_top_elem(const ga_resp_rep *r)
{
    return r->depth == 1 && r->attrs == 0 && r->deep == 0;
}

static int ga__at_top(const ga_resp_rep *r)
{
    return r->depth == 0 && r->deep == 0;
}

/* A value completed at the current depth: walk up the levels it completes. */
static void ga__elem_done(ga_resp_rep *r, ga_resp_reply_fn fn, void *ud)
{
    for (;;) {
        if (r->depth == 0) {
            r->in_frame = 0;
            fn(ud, &r->cur);
            return;
        }
        ga_resp_level *l = &r->stack[r->depth - 1];
        if (r->depth == 1 && !l->attr)
            r->top_idx++;
        if (l->left < 0 || --l->left > 0)
            return;
        r->depth--;
        if (l->attr) {
            r->attrs--;
            return;                 /* an attribute is not an element of its parent */
        }
    }
}

/* A scalar (or a whole aggregate below the stack) completed. */
static void ga__value_done(ga_resp_rep *r, ga_resp_reply_fn fn, void *ud)
{
    if (r->deep > 0) {
        if (--r->deep == 0 && !r->deep_attr)
            ga__elem_done(r, fn, ud);
        return;
    }
    ga__elem_done(r, fn, ud);
}

/* An aggregate header: `cnt` elements (already doubled for maps/attributes), or -1 streamed. */
static int ga__aggregate(ga_resp_rep *r, int64_t cnt, int attr, ga_resp_reply_fn fn, void *ud)
{
    if (r->deep > 0) {
        if (cnt < 0)
            return ga__bad(r);
        r->deep += cnt - (attr ? 0 : 1);
        if (r->deep == 0 && !r->deep_attr)
            ga__elem_done(r, fn, ud);
        return GA_RESP_OK;
    }
    if (cnt == 0) {
        if (!attr)
            ga__elem_done(r, fn, ud);
        return GA_RESP_OK;
    }
    if (r->depth == GA_RESP_STACK) {
        if (cnt < 0)
            return ga__bad(r);      /* streamed aggregates are not followed below the stack */
        r->deep = cnt;
        r->deep_attr = (uint8_t)attr;
        return GA_RESP_OK;
    }
    ga_resp_level *l = &r->stack[r->depth++];
    l->left = cnt;
    l->attr = (uint8_t)attr;
    if (attr)
        r->attrs++;
    else if (r->depth == 1)
        r->top_idx = 0;
    return GA_RESP_OK;
}

/* Copy the start of a line into a capture buffer. */
static uint8_t ga__cap_line(char *dst, size_t cap, const ga_resp_rep *r)
{
    size_t l = ga_resp_line_len(r->line, r->line_len, GA_RESP_LINE_CAP);
    if (l > cap)
        l = cap;
    memcpy(dst, r->line, l);
    return (uint8_t)l;
}

/* Where a bulk payload of the current type is captured. */
static uint8_t ga__bulk_target(const ga_resp_rep *r)
{
    if (r->type == '!')
        return ga__at_top(r) ? CAP_ERR : ga__at_top_elem(r) && r->cur.nerr_len == 0 ? CAP_NERR : CAP_NONE;
    if (ga__at_top_elem(r) && r->top_idx == 0)
        return CAP_FIRST;
    return CAP_NONE;
}

static int ga__bulk_header(ga_resp_rep *r, int64_t v, ga_resp_reply_fn fn, void *ud)
{
    if (v < 0) {
        if (v != -1)
            return ga__bad(r);
        if (ga__at_top(r))
            r->cur.is_null = 1;
        ga__value_done(r, fn, ud);
        return GA_RESP_OK;
    }
    if ((uint64_t)v > GA_RESP_BULK_MAX)
        return ga__bad(r);
    r->left = (uint64_t)v;
    r->cap = ga__bulk_target(r);
    r->cap_len = 0;
    r->after_bulk = RP_TYPE;
    r->st = r->left ? RP_BULK : RP_CR;
    return GA_RESP_OK;
}

/* A scalar line is complete: capture what matters and finish the value. */
static int ga__scalar_line(ga_resp_rep *r, ga_resp_reply_fn fn, void *ud)
{
    int64_t v;
    switch (r->type) {
    case '-':
        if (ga__at_top(r))
            r->cur.err_len = ga__cap_line(r->cur.err, GA_RESP_ERR_CAP, r);
        else if (ga__at_top_elem(r) && r->cur.nerr_len == 0)
            r->cur.nerr_len = ga__cap_line(r->cur.nerr, GA_RESP_ERR_CAP, r);
        break;
    case '+':
        if (ga__at_top_elem(r) && r->top_idx == 0)
            r->cur.first_len = ga__cap_line(r->cur.first, GA_RESP_FIRST_CAP, r);
        break;
    case ':':
        if (ga__at_top_elem(r) && r->top_idx == 2 &&
            ga_resp_line_int(r->line, r->line_len, GA_RESP_LINE_CAP, &v) == 0) {
            r->cur.third = v;
            r->cur.has_third = 1;
        }
        break;
    case '_':
        if (ga__at_top(r))
            r->cur.is_null = 1;
        break;
    default:
        break;                      /* doubles, booleans, big numbers: nothing to keep */
    }
    ga__value_done(r, fn, ud);
    return GA_RESP_OK;
}

/* Counts of aggregates and bulk lengths: `?` = streamed. */
static int ga__count_line(ga_resp_rep *r, int64_t *v)
{
    size_t l = ga_resp_line_len(r->line, r->line_len, GA_RESP_LINE_CAP);
    if (l == 1 && r->line[0] == '?' && r->line_len <= GA_RESP_LINE_CAP) {
        *v = INT64_MIN;
        return 0;
    }
    if (ga_resp_line_int(r->line, r->line_len, GA_RESP_LINE_CAP, v) != 0 || *v > GA_RESP_COUNT_MAX)
        return -1;
    return 0;
}

/* A header line is complete: act on the type that opened it. */
static int ga__line_done(ga_resp_rep *r, ga_resp_reply_fn fn, void *ud)
{
    int64_t v;
    r->st = RP_TYPE;
    switch (r->type) {
    case '$': case '!': case '=':
        if (ga__count_line(r, &v) != 0)
            return ga__bad(r);
        if (v == INT64_MIN) {
            if (r->type != '$')
                return ga__bad(r);
            r->st = RP_SCHUNK;      /* streamed string: `;<n>` chunks until `;0` */
            return GA_RESP_OK;
        }
        return ga__bulk_header(r, v, fn, ud);
    case '*': case '~': case '>': case '%': case '|':
        if (ga__count_line(r, &v) != 0)
            return ga__bad(r);
        if (v == INT64_MIN)
            return r->type == '|' ? ga__bad(r) : ga__aggregate(r, -1, 0, fn, ud);
        if (v < 0) {
            if (v != -1 || r->type == '|')
                return ga__bad(r);
            if (ga__at_top(r))
                r->cur.is_null = 1;
            ga__value_done(r, fn, ud);
            return GA_RESP_OK;
        }
        if (r->type == '%' || r->type == '|')
            v *= 2;
        return ga__aggregate(r, v, r->type == '|', fn, ud);
    case '.':
        if (r->deep > 0 || r->depth == 0 || r->stack[r->depth - 1].left >= 0)
            return ga__bad(r);
        r->depth--;
        ga__elem_done(r, fn, ud);
        return GA_RESP_OK;
    default:
        return ga__scalar_line(r, fn, ud);
    }
}

/* The first byte of a value. */
static int ga__type(ga_resp_rep *r, uint8_t b)
{
    if (b != '.' && !ga_resp_is_type(b))
        return ga__bad(r);
    if (!r->in_frame) {
        r->in_frame = 1;
        r->cur.err_len = r->cur.nerr_len = r->cur.first_len = 0;
        r->cur.has_third = r->cur.is_null = 0;
        r->cur.type = 0;
    }
    if (ga__at_top(r) && b != '|')
        r->cur.type = b;
    r->type = b;
    r->line_len = 0;
    r->st = RP_LINE;
    return GA_RESP_OK;
}

/* Bulk payload bytes: skipped, the first few captured when they matter. */
static size_t ga__bulk(ga_resp_rep *r, const uint8_t *p, size_t n)
{
    size_t k = n < r->left ? n : (size_t)r->left;
    char *dst = NULL;
    uint8_t *dlen = NULL;
    size_t cap = 0;
    if (r->cap == CAP_ERR) {
        dst = r->cur.err; dlen = &r->cur.err_len; cap = GA_RESP_ERR_CAP;
    } else if (r->cap == CAP_NERR) {
        dst = r->cur.nerr; dlen = &r->cur.nerr_len; cap = GA_RESP_ERR_CAP;
    } else if (r->cap == CAP_FIRST) {
        dst = r->cur.first; dlen = &r->cur.first_len; cap = GA_RESP_FIRST_CAP;
    }
    if (dst != NULL && *dlen < cap) {
        size_t c = k < cap - *dlen ? k : cap - *dlen;
        memcpy(dst + *dlen, p, c);
        *dlen = (uint8_t)(*dlen + c);
    }
    r->left -= k;
    if (r->left == 0)
        r->st = RP_CR;
    return k;
}

/* Fast path for a whole `$<len>\r\n<bytes>\r\n` inside the chunk (most replies): the same
 * effects as the state machine in one step. Returns bytes used, 0 = not whole here. */
static size_t ga__fast_bulk(ga_resp_rep *r, const uint8_t *p, size_t n, ga_resp_reply_fn fn, void *ud)
{
    uint64_t len;
    size_t h = ga_resp_fast_num(p + 1, n - 1, &len);
    if (h == 0 || len > n || 1 + h + len + 2 > n || p[1 + h + len] != '\r' || p[2 + h + len] != '\n')
        return 0;
    ga__type(r, '$');
    r->left = len;
    r->cap = ga__bulk_target(r);
    r->cap_len = 0;
    if (len)
        ga__bulk(r, p + 1 + h, (size_t)len);
    r->st = RP_TYPE;
    ga__value_done(r, fn, ud);
    return 1 + h + (size_t)len + 2;
}

/* One step in the current state; returns the bytes consumed or -1. */
static long ga__step(ga_resp_rep *r, const uint8_t *p, size_t n, ga_resp_reply_fn fn, void *ud)
{
    int done = 0;
    size_t k;
    switch (r->st) {
    case RP_TYPE:
        if (p[0] == '$' && n > 4 && (k = ga__fast_bulk(r, p, n, fn, ud)) > 0)
            return (long)k;
        return ga__type(r, p[0]) == 0 ? 1 : -1;
    case RP_LINE:
    case RP_SCHUNK_LEN:
        k = ga_resp_line(r->line, &r->line_len, GA_RESP_LINE_CAP, p, n, &done);
        if (!done)
            return (long)k;
        if (r->st == RP_LINE)
            return ga__line_done(r, fn, ud) == 0 ? (long)k : -1;
        {
            int64_t v;
            if (ga_resp_line_int(r->line, r->line_len, GA_RESP_LINE_CAP, &v) != 0 || v < 0 ||
                (uint64_t)v > GA_RESP_BULK_MAX)
                return -1;
            if (v == 0) {
                r->st = RP_TYPE;
                ga__value_done(r, fn, ud);
                return (long)k;
            }
            r->left = (uint64_t)v;
            r->cap = CAP_NONE;
            r->after_bulk = RP_SCHUNK;
            r->st = RP_BULK;
        }
        return (long)k;
    case RP_SCHUNK:
        if (p[0] != ';')
            return -1;
        r->line_len = 0;
        r->st = RP_SCHUNK_LEN;
        return 1;
    case RP_BULK:
        return (long)ga__bulk(r, p, n);
    case RP_CR:
        if (p[0] != '\r')
            return -1;
        r->st = RP_LF;
        return 1;
    case RP_LF:
        if (p[0] != '\n')
            return -1;
        r->st = r->after_bulk;
        if (r->st == RP_TYPE)
            ga__value_done(r, fn, ud);
        return 1;
    default:
        return -1;
    }
}

int ga_resp_rep_feed(ga_resp_rep *r, const uint8_t *p, size_t n, ga_resp_reply_fn fn, void *ud)
{
    if (r->st == RP_BAD)
        return GA_RESP_EBAD;
    while (n > 0) {
        long k = ga__step(r, p, n, fn, ud);
        if (k < 0)
            return ga__bad(r);
        p += k;
        n -= (size_t)k;
    }
    return GA_RESP_OK;
}
