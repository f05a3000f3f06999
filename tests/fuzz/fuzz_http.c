/* fuzz_http.c — libFuzzer target for the HTTP/1.x parser (protocols/http1*.c).
 *
 * Input: byte 0 picks the direction (bit 0) and the request method a response answers
 * (bits 1-4); byte 1 picks a split step and where the stream sits in memory; the rest is the
 * stream. The stream is parsed three times: whole (the fast path, http1_fast.c, takes every
 * line that is whole in the buffer), one byte at a time (the byte-by-byte reference path
 * alone), and in pieces of the chosen step (with a copy of the parser taken midway, as the
 * injector's dry-run does). The whole feed is made from a copy placed at one of 64 offsets
 * from a 64-byte boundary, since the fast path reads aligned windows. The three event
 * digests must agree, and none may crash, overrun or loop. Any disagreement aborts (a
 * finding). Every piece of a b3 or X-B3-* field also goes through the B3 value parsers
 * (protocols/w3c/b3.c), which must not crash or overrun on it. */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/http1/http1.h"
#include "protocols/w3c/b3.h"

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

static volatile int ga__b3_sink;

static void on_piece(void *ctx, ga_h1_parser *ps, int f, const uint8_t *p, size_t n)
{
    (void)ps;
    if (f >= GA_H1_FLD_B3 && f != GA_H1_FLD_BAGGAGE) {
        ga_span_ctx c;
        int st;
        const char *s = (const char *)p;
        ga__b3_sink += ga_b3_parse(s, n, &c, &st) + ga_b3_parse_multi(s, n, s, n, s, n, s, n, &c, &st);
    }
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
    ga_h1_cb cb = { &d, on_begin, on_piece, on_blank, on_head, on_done, 0 };
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
    size_t n = size - 2, shift = data[1] % 64;
    /* a copy at the chosen alignment, the rest of its heap block poisoned: ASan then reports
     * any read past the stream (the fast path's aligned windows are exempt: http1_lf.h) */
    uint8_t *block = malloc(n + shift + 64);
    if (block == NULL)
        return 0;
    uint8_t *at = (uint8_t *)(((uintptr_t)block + 63) & ~(uintptr_t)63) + shift;
    memcpy(at, data + 2, n);
    ASAN_POISON_MEMORY_REGION(block, (size_t)(at - block));
    ASAN_POISON_MEMORY_REGION(at + n, (size_t)(block + n + shift + 64 - (at + n)));
    uint64_t a, b, c;
    int pa = parse(at, n, kind, method, n ? n : 1, &a);
    int pb = parse(data + 2, n, kind, method, 1, &b);
    int pc = parse(data + 2, n, kind, method, step, &c);
    ASAN_UNPOISON_MEMORY_REGION(block, n + shift + 64);
    free(block);
    if (pa != pb || a != b || pb != pc || b != c) {
        fprintf(stderr, "fuzz_http: whole %d/%016llx, bytes %d/%016llx, step %zu %d/%016llx\n", pa,
                (unsigned long long)a, pb, (unsigned long long)b, step, pc, (unsigned long long)c);
        abort();
    }
    return 0;
}
