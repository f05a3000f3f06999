/* resp_req.c — the RESP request parser: what a client sends (contract in resp.h).
 *
 * A command is either a multibulk array (`*<n>\r\n` then n × `$<len>\r\n<bytes>\r\n`) or an
 * inline line (`SET k v\r\n`, words split on blanks). Argument bytes are handed on as they
 * arrive and never kept; only header lines are buffered (GA_RESP_LINE_CAP bytes). */
#include "protocols/resp/resp.h"
#include "protocols/resp/resp_lex.h"

/* RQ_START must stay 0: ga_resp_req_idle (resp.h). */
enum { RQ_START = 0, RQ_COUNT, RQ_ARG_HDR, RQ_ARG_LEN, RQ_ARG_DATA, RQ_ARG_CR, RQ_ARG_LF,
       RQ_INLINE, RQ_BAD };

static int ga__bad(ga_resp_req *r)
{
    r->st = RQ_BAD;
    return GA_RESP_EBAD;
}

/* The `*<n>` line is complete: start the command (n <= 0 is ignored by Redis: no reply). */
static int ga__count_done(ga_resp_req *r, const ga_resp_req_cb *cb, void *ud)
{
    int64_t v;
    if (ga_resp_line_int(r->line, r->line_len, GA_RESP_LINE_CAP, &v) != 0 || v > GA_RESP_COUNT_MAX)
        return ga__bad(r);
    if (v <= 0) {
        r->st = RQ_START;
        return GA_RESP_OK;
    }
    r->nargs = (uint32_t)v;
    r->idx = 0;
    r->st = RQ_ARG_HDR;
    cb->begin(ud);
    return GA_RESP_OK;
}

static int ga__len_done(ga_resp_req *r, const ga_resp_req_cb *cb, void *ud)
{
    int64_t v;
    if (ga_resp_line_int(r->line, r->line_len, GA_RESP_LINE_CAP, &v) != 0 || v < 0 ||
        (uint64_t)v > GA_RESP_BULK_MAX)
        return ga__bad(r);
    r->left = (uint64_t)v;
    cb->arg_begin(ud, r->idx, r->left);
    r->st = r->left ? RQ_ARG_DATA : RQ_ARG_CR;
    return GA_RESP_OK;
}

/* The argument's CRLF was read: next argument or end of the command. */
static void ga__arg_done(ga_resp_req *r, const ga_resp_req_cb *cb, void *ud)
{
    cb->arg_end(ud);
    if (++r->idx == r->nargs) {
        r->st = RQ_START;
        cb->end(ud, r->nargs);
    } else {
        r->st = RQ_ARG_HDR;
    }
}

/* Inline command: consume up to the end of the line, splitting words. Returns bytes used. */
static size_t ga__inline(ga_resp_req *r, const uint8_t *p, size_t n, const ga_resp_req_cb *cb,
                         void *ud)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '\n') {
            if (r->in_word)
                cb->arg_end(ud);
            if (r->idx > 0)
                cb->end(ud, r->idx);
            r->st = RQ_START;
            return i + 1;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            if (r->in_word) {
                cb->arg_end(ud);
                r->in_word = 0;
            }
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && p[j] != ' ' && p[j] != '\t' && p[j] != '\r' && p[j] != '\n')
            j++;
        if (!r->in_word) {
            if (r->idx == 0)
                cb->begin(ud);
            cb->arg_begin(ud, r->idx++, 0);
            r->in_word = 1;
        }
        cb->arg_data(ud, p + i, j - i);
        i = j;
    }
    return n;
}

/* Fast path for a whole `$<len>\r\n<bytes>\r\n` argument inside the chunk (the usual case):
 * the same callbacks as the state machine, in one step. Returns bytes used, 0 = not whole. */
static size_t ga__fast_arg(ga_resp_req *r, const uint8_t *p, size_t n, const ga_resp_req_cb *cb, void *ud)
{
    uint64_t len;
    size_t h = ga_resp_fast_num(p + 1, n - 1, &len);
    if (h == 0 || len > n || 1 + h + len + 2 > n || p[1 + h + len] != '\r' || p[2 + h + len] != '\n')
        return 0;
    cb->arg_begin(ud, r->idx, len);
    if (len)
        cb->arg_data(ud, p + 1 + h, (size_t)len);
    ga__arg_done(r, cb, ud);
    return 1 + h + (size_t)len + 2;
}

/* One step: consume some bytes from p in the current state; returns the count or -1. */
static long ga__step(ga_resp_req *r, const uint8_t *p, size_t n, const ga_resp_req_cb *cb, void *ud)
{
    int done = 0;
    size_t k;
    switch (r->st) {
    case RQ_START:
        if (p[0] == '*') {
            uint64_t v;
            size_t h = n > 1 ? ga_resp_fast_num(p + 1, n - 1, &v) : 0;
            if (h > 0 && v > 0 && v <= GA_RESP_COUNT_MAX) {
                r->nargs = (uint32_t)v;
                r->idx = 0;
                r->st = RQ_ARG_HDR;
                cb->begin(ud);
                return (long)(1 + h);
            }
            r->st = RQ_COUNT;
            r->line_len = 0;
            return 1;
        }
        if (p[0] == '\r' || p[0] == '\n')
            return 1;                           /* empty inline line: nothing */
        r->st = RQ_INLINE;
        r->in_word = 0;
        r->idx = 0;
        r->inline_len = 0;
        return 0;
    case RQ_COUNT:
    case RQ_ARG_LEN:
        k = ga_resp_line(r->line, &r->line_len, GA_RESP_LINE_CAP, p, n, &done);
        if (done && (r->st == RQ_COUNT ? ga__count_done(r, cb, ud) : ga__len_done(r, cb, ud)) != 0)
            return -1;
        return (long)k;
    case RQ_ARG_HDR:
        if (p[0] != '$')
            return ga__bad(r);
        if (n > 4 && (k = ga__fast_arg(r, p, n, cb, ud)) > 0)
            return (long)k;
        r->st = RQ_ARG_LEN;
        r->line_len = 0;
        return 1;
    case RQ_ARG_DATA:
        k = n < r->left ? n : (size_t)r->left;
        cb->arg_data(ud, p, k);
        r->left -= k;
        if (r->left == 0)
            r->st = RQ_ARG_CR;
        return (long)k;
    case RQ_ARG_CR:
        if (p[0] != '\r')
            return ga__bad(r);
        r->st = RQ_ARG_LF;
        return 1;
    case RQ_ARG_LF:
        if (p[0] != '\n')
            return ga__bad(r);
        ga__arg_done(r, cb, ud);
        return 1;
    case RQ_INLINE:
        k = ga__inline(r, p, n, cb, ud);
        r->inline_len += (uint32_t)(k < GA_RESP_INLINE_MAX ? k : GA_RESP_INLINE_MAX);
        if (r->st == RQ_INLINE && r->inline_len >= GA_RESP_INLINE_MAX)
            return ga__bad(r);
        return (long)k;
    default:
        return -1;
    }
}

int ga_resp_req_feed(ga_resp_req *r, const uint8_t *p, size_t n, const ga_resp_req_cb *cb, void *ud)
{
    if (r->st == RQ_BAD)
        return GA_RESP_EBAD;
    while (n > 0) {
        long k = ga__step(r, p, n, cb, ud);
        if (k < 0)
            return ga__bad(r);
        p += k;
        n -= (size_t)k;
    }
    return GA_RESP_OK;
}
