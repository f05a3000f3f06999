/* nats_parse.c — the NATS parser's framing (contract in nats.h): control lines found with
 * memchr and taken in place when whole, kept when split; INFO/CONNECT JSON streamed through
 * the scanner; header blocks and payloads consumed by their byte counts; the CR LF after a
 * payload checked as the server checks it. */
#include <stddef.h>
#include <string.h>
#include "protocols/nats/nats_int.h"

void ga_nats_init(ga_nats_parser *ps, int dir)
{
    memset(ps, 0, sizeof *ps);
    ps->dir = (uint8_t)dir;
    ps->phase = GA_NATS_P_LINE;
}

_Static_assert(offsetof(ga_nats_parser, js) < offsetof(ga_nats_parser, hs) &&
               offsetof(ga_nats_parser, hs) + offsetof(ga_nats_hscan, buf) + GA_NATS_HLINE_CAP ==
               offsetof(ga_nats_parser, line), "the scanners follow the framing fields, the line buffers come last");

/* The scanners are live only in their own phase: js from the op of an INFO/CONNECT line to its
 * end (ga_nats_json_start at the op), hs in a header block (ga_nats_hdr_start at the line before
 * it); in any other phase each is started afresh before it is read again, so a copy made there
 * need not carry them. The injector copies the out parser twice per send, in the LINE phase
 * almost always: the framing fields are all it pays for then. */
void ga_nats_copy(ga_nats_parser *dst, const ga_nats_parser *src)
{
    memcpy(dst, src, offsetof(ga_nats_parser, js));
    if (src->phase == GA_NATS_P_JSON || src->phase == GA_NATS_P_ERROR)
        dst->js = src->js;
    if (src->phase == GA_NATS_P_HDR || src->phase == GA_NATS_P_ERROR) {
        memcpy(&dst->hs, &src->hs, offsetof(ga_nats_hscan, buf));
        memcpy(dst->hs.buf, src->hs.buf, src->hs.len);
    }
    if (src->line_len > 0)
        memcpy(dst->line, src->line, src->line_len);
}

void ga_nats_fail(ga_nats_parser *ps)
{
    ps->phase = GA_NATS_P_ERROR;
}

uint64_t ga_nats_quiet(const ga_nats_parser *ps)
{
    return ps->phase == GA_NATS_P_BODY ? ps->body_left : 0;
}

/* After a control line: what its op is followed by. */
static void ga__after_line(ga_nats_parser *ps, const ga_nats_line *l)
{
    ps->op = l->op;
    if (l->op != GA_NATS_PUB && l->op != GA_NATS_HPUB && l->op != GA_NATS_MSG && l->op != GA_NATS_HMSG)
        return;
    ps->hdr_left = l->hdr;
    ps->body_left = l->total - l->hdr;
    if (l->hdr > 0) {
        ga_nats_hdr_start(&ps->hs);
        ps->phase = GA_NATS_P_HDR;
    } else {
        ps->phase = l->total > 0 ? GA_NATS_P_BODY : GA_NATS_P_CR;
    }
}

/* One whole control line p[0..n) (LF included), not INFO/CONNECT. */
static void ga__line(ga_nats_parser *ps, const uint8_t *p, size_t n, int in_place,
                     const ga_nats_cb *cb)
{
    ga_nats_line l;
    if (ga_nats_parse_line(&l, p, n, ps->dir) != 0) {
        ps->phase = GA_NATS_P_ERROR;
        return;
    }
    l.in_place = (uint8_t)in_place;
    ga__after_line(ps, &l);
    if (cb->line != NULL)
        cb->line(cb->ctx, ps, &l, ps->line_off);
}

/* The op of a line whose first token ends at p[k] (a space, a tab or the line's end). */
static int ga__json_op(const ga_nats_parser *ps, const uint8_t *p, size_t k)
{
    int op = ga_nats_op_of(p, k, ps->dir);
    return op == GA_NATS_INFO || op == GA_NATS_CONNECT ? op : GA_NATS_NONE;
}

/* The end of an INFO/CONNECT line. */
static void ga__json_done(ga_nats_parser *ps, const ga_nats_cb *cb)
{
    if (ga_nats_json_end(&ps->js) != 0) {
        ps->phase = GA_NATS_P_ERROR;
        return;
    }
    ps->phase = GA_NATS_P_LINE;
    ps->op = ps->js.f.op;
    if (cb->facts != NULL)
        cb->facts(cb->ctx, ps, &ps->js.f);
}

/* Bytes of an INFO/CONNECT line after its op; up to and including the LF if `nl`. */
static void ga__json(ga_nats_parser *ps, const uint8_t *p, size_t n, int nl, const ga_nats_cb *cb)
{
    if (ga_nats_json_feed(&ps->js, p, nl ? n - 1 : n) != 0)
        ps->phase = GA_NATS_P_ERROR;
    else if (nl)
        ga__json_done(ps, cb);
}

/* Where the first token of p[0..n) ends, or n. */
static size_t ga__tok_end(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && !ga_nats_ws(p[k]) && p[k] != '\r' && p[k] != '\n')
        k++;
    return k;
}

/* A whole line in the chunk, nothing kept from before. */
static void ga__whole(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    size_t k = 0;
    int op = GA_NATS_NONE;
    if ((p[0] | 0x20) == 'i' || (p[0] | 0x20) == 'c') {    /* only INFO and CONNECT carry JSON */
        k = ga__tok_end(p, n);
        op = ga__json_op(ps, p, k);
    }
    if (op == GA_NATS_NONE) {
        if (n > GA_NATS_LINE_CAP)
            ps->phase = GA_NATS_P_ERROR;        /* the same bound as for a split line */
        else
            ga__line(ps, p, n, 1, cb);
        return;
    }
    ga_nats_json_start(&ps->js, op);
    ga__json(ps, p + k, n - k, 1, cb);
}

/* Part of a split line (up to and including the LF if `nl`): keep it, or once its op is
 * known to be INFO/CONNECT, stream the JSON. */
static void ga__split(ga_nats_parser *ps, const uint8_t *p, size_t n, int nl, const ga_nats_cb *cb)
{
    size_t had = ps->line_len;
    size_t take = n <= GA_NATS_LINE_CAP - had ? n : GA_NATS_LINE_CAP - had;
    memcpy(ps->line + had, p, take);
    ps->line_len = (uint16_t)(had + take);
    size_t k = ga__tok_end(ps->line, ps->line_len);
    int op = k < ps->line_len ? ga__json_op(ps, ps->line, k) : GA_NATS_NONE;
    if (op != GA_NATS_NONE) {
        ga_nats_json_start(&ps->js, op);
        ps->phase = GA_NATS_P_JSON;
        ps->line_len = 0;
        /* the kept bytes after the op, then the rest of this piece */
        size_t from_line = had > k ? had - k : 0;
        if (ga_nats_json_feed(&ps->js, ps->line + k, from_line) != 0) {
            ps->phase = GA_NATS_P_ERROR;
            return;
        }
        size_t skip = had > k ? 0 : k - had;
        ga__json(ps, p + skip, n - skip, nl, cb);
        return;
    }
    if (take < n) {
        ps->phase = GA_NATS_P_ERROR;            /* a control line over the bound */
        return;
    }
    if (nl) {
        ps->line_len = 0;
        ga__line(ps, ps->line, had + n, 0, cb);
    }
}

/* In GA_NATS_P_LINE: consume up to the end of one line. Returns the bytes consumed. */
static size_t ga__line_step(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    if (ps->line_len == 0)
        ps->line_off = ps->off;
    const uint8_t *nl = memchr(p, '\n', n);
    size_t k = nl != NULL ? (size_t)(nl - p) + 1 : n;
    if (nl != NULL && ps->line_len == 0)
        ga__whole(ps, p, k, cb);
    else
        ga__split(ps, p, k, nl != NULL, cb);
    return k;
}

/* In GA_NATS_P_JSON: the rest of an INFO/CONNECT line. */
static size_t ga__json_step(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    const uint8_t *nl = memchr(p, '\n', n);
    size_t k = nl != NULL ? (size_t)(nl - p) + 1 : n;
    ga__json(ps, p, k, nl != NULL, cb);
    return k;
}

static size_t ga__hdr_step(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    size_t k = n < ps->hdr_left ? n : (size_t)ps->hdr_left;
    ga_nats_hdr_feed(ps, p, k, cb);
    ps->hdr_left -= k;
    if (ps->hdr_left == 0) {
        ps->phase = ps->body_left > 0 ? GA_NATS_P_BODY : GA_NATS_P_CR;
        if (cb->hdr_end != NULL)
            cb->hdr_end(cb->ctx, ps, ps->off + k);
    }
    return k;
}

static size_t ga__body_step(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    size_t k = n < ps->body_left ? n : (size_t)ps->body_left;
    if (k + 2 <= n && p[k] == '\r' && p[k + 1] == '\n') {
        ps->body_left = 0;                      /* the payload and its end, in one step */
        ps->phase = GA_NATS_P_LINE;
        if (cb->msg_end != NULL)
            cb->msg_end(cb->ctx, ps, ps->off + k + 2);
        return k + 2;
    }
    ps->body_left -= k;
    if (ps->body_left == 0)
        ps->phase = GA_NATS_P_CR;
    return k;
}

static size_t ga__end_step(ga_nats_parser *ps, uint8_t c, const ga_nats_cb *cb)
{
    if (ps->phase == GA_NATS_P_CR) {
        ps->phase = c == '\r' ? GA_NATS_P_LF : GA_NATS_P_ERROR;
        return 1;
    }
    ps->phase = c == '\n' ? GA_NATS_P_LINE : GA_NATS_P_ERROR;
    if (ps->phase == GA_NATS_P_LINE && cb->msg_end != NULL)
        cb->msg_end(cb->ctx, ps, ps->off + 1);
    return 1;
}

size_t ga_nats_feed(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb)
{
    size_t i = 0;
    while (i < n && !ps->stop) {
        size_t k;
        switch (ps->phase) {
        case GA_NATS_P_LINE: k = ga__line_step(ps, p + i, n - i, cb); break;
        case GA_NATS_P_JSON: k = ga__json_step(ps, p + i, n - i, cb); break;
        case GA_NATS_P_HDR:  k = ga__hdr_step(ps, p + i, n - i, cb); break;
        case GA_NATS_P_BODY: k = ga__body_step(ps, p + i, n - i, cb); break;
        case GA_NATS_P_CR:
        case GA_NATS_P_LF:   k = ga__end_step(ps, p[i], cb); break;
        default:             k = n - i; break;
        }
        ps->off += k;
        i += k;
    }
    ps->stop = 0;
    return i;
}
