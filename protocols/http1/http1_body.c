/* http1_body.c — HTTP/1.x message framing (RFC 9112 §6.3): the body-length decision at the
 * end of a header section, Content-Length and read-until-close bodies, chunked bodies with
 * extensions and trailers, bytes the caller could not see, and the end of the stream
 * (contracts in http1.h). Pure code. */
#include <string.h>
#include "protocols/http1/http1_int.h"

static void ga__head_cb(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    if (cb->head)
        cb->head(cb->ctx, ps);
}

void ga_h1_msg_done(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    ps->st = S_IDLE;
    if (cb->done)
        cb->done(cb->ctx, ps);
}

static void ga__chunk_line_start(ga_h1_parser *ps)
{
    ps->st = S_CH_SIZE;
    ps->remain = 0;
    ps->idx = 0;
    ps->line_bytes = 0;
}

/* Requests: chunked (and only chunked) when Transfer-Encoding is present, then
 * Content-Length, else no body. CONNECT pauses the stream until its answer is known. */
static void ga__req_head_end(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    if ((ps->flags & GA_H1_F_TE) &&
        ((ps->flags & GA_H1_F_CL) || !(ps->flags & GA_H1_F_CHUNKED))) {
        ga_h1_error(ps);            /* smuggling risk or unknown coding: a 400 anyway */
        return;
    }
    ga__head_cb(ps, cb);
    if (ps->method == GA_H1_M_CONNECT) {
        ga_h1_msg_done(ps, cb);
        ps->st = S_PAUSED;
    } else if (ps->flags & GA_H1_F_TE) {
        ga__chunk_line_start(ps);
    } else if ((ps->flags & GA_H1_F_CL) && ps->clen > 0) {
        ps->remain = ps->clen;
        ps->st = S_BODY_LEN;
    } else {
        ga_h1_msg_done(ps, cb);
    }
}

/* Responses: interim 1xx, 101 and CONNECT tunnels, bodiless answers, then chunked, then
 * Content-Length, else the body runs until the connection closes. */
static void ga__resp_head_end(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    unsigned s = ps->status;
    int tunnel = s == 101 || (ps->method == GA_H1_M_CONNECT && s / 100 == 2);
    if (s < 200 && !tunnel) {
        ga__head_cb(ps, cb);
        ps->st = S_IDLE;            /* interim: the final response follows */
        return;
    }
    int bodiless = tunnel || ps->method == GA_H1_M_HEAD || s == 204 || s == 304 ||
                   ((ps->flags & GA_H1_F_CL) && !(ps->flags & GA_H1_F_TE) && ps->clen == 0);
    if (!bodiless && !(ps->flags & GA_H1_F_CHUNKED) && !(ps->flags & GA_H1_F_CL))
        ps->flags |= GA_H1_F_UNTIL_CLOSE;
    if (!bodiless && (ps->flags & GA_H1_F_TE) && !(ps->flags & GA_H1_F_CHUNKED))
        ps->flags |= GA_H1_F_UNTIL_CLOSE;
    ga__head_cb(ps, cb);
    if (bodiless) {
        ga_h1_msg_done(ps, cb);
        if (tunnel)
            ps->st = S_STOPPED;
    } else if (ps->flags & GA_H1_F_UNTIL_CLOSE) {
        ps->st = S_BODY_CLOSE;
    } else if (ps->flags & GA_H1_F_CHUNKED) {
        ga__chunk_line_start(ps);
    } else {
        ps->remain = ps->clen;
        ps->st = S_BODY_LEN;
    }
}

void ga_h1_head_end(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    if (ps->kind == GA_H1_REQ)
        ga__req_head_end(ps, cb);
    else
        ga__resp_head_end(ps, cb);
}

/* The chunk-size line ended: data follows, or the last chunk's trailer section. */
static void ga__chunk_line_end(ga_h1_parser *ps)
{
    if (ps->remain == 0) {
        ps->st = S_TR_LINE;
        ps->head_bytes = 0;         /* trailers are bounded like a header section */
    } else {
        ps->st = S_CH_DATA;
    }
}

static size_t ga__chunk_size(ga_h1_parser *ps, uint8_t c)
{
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d >= 0 && ps->idx < 15) {
        ps->remain = ps->remain << 4 | (uint64_t)d;
        ps->idx++;
    } else if (ps->idx > 0 && (c == ';' || c == ' ' || c == '\t')) {
        ps->st = S_CH_EXT;
    } else if (ps->idx > 0 && c == '\r') {
        ps->st = S_CH_LF;
    } else if (ps->idx > 0 && c == '\n') {
        ga__chunk_line_end(ps);
    } else {
        ga_h1_error(ps);
    }
    return 1;
}

/* Skip to the end of a line (chunk extension, trailer field). Returns bytes consumed;
 * *eol = 1 when the LF was among them. */
static size_t ga__to_lf(const uint8_t *p, size_t n, int *eol)
{
    const uint8_t *lf = memchr(p, '\n', n);
    *eol = lf != NULL;
    return lf ? (size_t)(lf - p) + 1 : n;
}

static size_t ga__expect(ga_h1_parser *ps, uint8_t c, uint8_t want, int next)
{
    if (c != want)
        ga_h1_error(ps);
    else
        ps->st = (uint8_t)next;
    return 1;
}

static size_t ga__chunk_step(ga_h1_parser *ps, const uint8_t *p, size_t n)
{
    int eol;
    size_t k;
    switch (ps->st) {
    case S_CH_SIZE:
        k = ga__chunk_size(ps, p[0]);
        break;
    case S_CH_EXT:
        k = ga__to_lf(p, n, &eol);
        if (eol)
            ga__chunk_line_end(ps);
        break;
    case S_CH_LF:
        k = ga__expect(ps, p[0], '\n', S_CH_LF);
        if (ps->st == S_CH_LF)
            ga__chunk_line_end(ps);
        break;
    case S_CH_DCR:
        if (p[0] == '\n') {
            ga__chunk_line_start(ps);
            return 1;
        }
        return ga__expect(ps, p[0], '\r', S_CH_DLF);
    default: /* S_CH_DLF */
        k = ga__expect(ps, p[0], '\n', S_CH_DLF);
        if (ps->st == S_CH_DLF)
            ga__chunk_line_start(ps);
        return k;
    }
    ps->line_bytes += (uint32_t)k;
    if (ps->line_bytes > GA_H1_MAX_LINE && ps->st != S_CH_DATA && ps->st != S_TR_LINE)
        ga_h1_error(ps);
    return k;
}

static size_t ga__trailer_step(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    int eol;
    size_t k = 1;
    if (ps->st == S_TR_LINE) {
        if (p[0] == '\n')
            ga_h1_msg_done(ps, cb);
        else
            ps->st = p[0] == '\r' ? S_TR_END_LF : S_TR_SKIP;
    } else if (ps->st == S_TR_SKIP) {
        k = ga__to_lf(p, n, &eol);
        if (eol)
            ps->st = S_TR_LINE;
    } else if (p[0] == '\n') {      /* S_TR_END_LF */
        ga_h1_msg_done(ps, cb);
    } else {
        ga_h1_error(ps);
    }
    ps->head_bytes += (uint32_t)k;
    if (ps->head_bytes > GA_H1_MAX_HEAD && ps->st != S_IDLE)
        ga_h1_error(ps);
    return k;
}

size_t ga_h1_body_step(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
    switch (ps->st) {
    case S_BODY_LEN:
    case S_CH_DATA:
        return ga_h1_take(ps, n, cb);
    case S_BODY_CLOSE:
        ps->body += n;
        return n;
    case S_TR_LINE:
    case S_TR_SKIP:
    case S_TR_END_LF:
        return ga__trailer_step(ps, p, n, cb);
    case S_CH_SIZE: case S_CH_EXT: case S_CH_LF: case S_CH_DCR: case S_CH_DLF:
        return ga__chunk_step(ps, p, n);
    default:
        ga_h1_error(ps);
        return 0;
    }
}

int ga_h1_feed_invisible(ga_h1_parser *ps, size_t n, const ga_h1_cb *cb)
{
    ps->off += n;
    if (n == 0 || ps->st == S_STOPPED || ps->st == S_ERROR)
        return ga_h1_phase(ps);
    if (ps->st == S_BODY_CLOSE)
        ps->body += n;
    else if ((ps->st == S_BODY_LEN || ps->st == S_CH_DATA) && n <= ps->remain)
        ga_h1_take(ps, n, cb);
    else
        ga_h1_error(ps);            /* framing bytes we cannot see: lost track */
    return ga_h1_phase(ps);
}

int ga_h1_eof(ga_h1_parser *ps, const ga_h1_cb *cb)
{
    if (ps->st == S_BODY_CLOSE) {
        ga_h1_msg_done(ps, cb);
        ps->st = S_STOPPED;
        return 1;
    }
    if (ps->st < S_PAUSED)
        ps->st = S_STOPPED;
    return 0;
}

uint64_t ga_h1_quiet(const ga_h1_parser *ps)
{
    switch (ps->st) {
    case S_BODY_LEN:
    case S_CH_DATA:
        return ps->remain;
    case S_BODY_CLOSE: case S_PAUSED: case S_STOPPED: case S_ERROR:
        return UINT64_MAX;
    default:
        return 0;
    }
}
