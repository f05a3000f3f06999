/* fuzz_http.c — libFuzzer target for the HTTP/1.x parser (protocols/http1*.c).
 *
 * Input: byte 0 picks the direction (bit 0) and the request method a response answers
 * (bits 1-4); byte 1 picks a split step; the rest is the stream. The stream is parsed twice,
 * whole and in pieces of the chosen step (with a copy of the parser taken midway, as the
 * injector's dry-run does); the two event digests must agree, and neither may crash,
 * overrun or loop. Any disagreement aborts (a finding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/http1/http1.h"

typedef struct digest {
    uint64_t h;
    int resp_method;
} digest;

static void mix(digest *d, uint64_t v)
{
    d->h = (d->h ^ v) * 0x100000001b3ull;
}

static void on_begin(void *ctx, ga_h1_parser *ps)
{
    digest *d = ctx;
    if (ps->kind == GA_H1_RESP)
        ps->method = (uint8_t)d->resp_method;
    mix(d, 1);
}

static void on_piece(void *ctx, ga_h1_parser *ps, int f, const uint8_t *p, size_t n)
{
    (void)ps;
    for (size_t i = 0; i < n; i++)
        mix(ctx, (uint64_t)f << 8 | p[i]);
}

static void on_blank(void *ctx, ga_h1_parser *ps, uint64_t off) { (void)ps; mix(ctx, 3 + (off << 4)); }
static void on_head(void *ctx, ga_h1_parser *ps)
{
    mix(ctx, 4 + ((uint64_t)ps->status << 4) + ((uint64_t)ps->flags << 20) + ((uint64_t)ps->method << 40));
}
static void on_done(void *ctx, ga_h1_parser *ps) { mix(ctx, 5 + (ps->body << 4)); }

static int parse(const uint8_t *p, size_t n, int kind, int method, size_t step, uint64_t *h)
{
    digest d = { .h = 0xcbf29ce484222325ull, .resp_method = method };
    ga_h1_cb cb = { &d, on_begin, on_piece, on_blank, on_head, on_done };
    ga_h1_parser ps, copy;
    ga_h1_init(&ps, kind);
    int ph = GA_H1_IDLE;
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        if (i == step) {                /* continue on a copy: a parser is plain data */
            memcpy(&copy, &ps, sizeof ps);
            ps = copy;
        }
        ph = ga_h1_feed(&ps, p + i, k, &cb);
        (void)ga_h1_quiet(&ps);
    }
    if (ph == GA_H1_BODY && (ps.flags & GA_H1_F_UNTIL_CLOSE))
        ga_h1_eof(&ps, &cb);
    *h = d.h;
    return ph;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int kind = data[0] & 1 ? GA_H1_RESP : GA_H1_REQ;
    int method = (data[0] >> 1) % GA_H1_M_COUNT;
    size_t step = data[1] ? data[1] : 1;
    uint64_t a, b;
    int pa = parse(data + 2, size - 2, kind, method, size, &a);
    int pb = parse(data + 2, size - 2, kind, method, step, &b);
    if (pa != pb || a != b)
        abort();
    return 0;
}
