/* fuzz_nats.c — libFuzzer target for the NATS parser (protocols/nats/).
 *
 * Input: byte 0 picks the direction (bit 0) and a propagator order (bits 1-3), byte 1 a split
 * step; the rest is the stream. The stream is parsed twice, whole and in pieces of the chosen
 * step (continuing on a copy of the parser taken midway, as the injector's dry run does); the
 * two event digests must agree, and neither run may crash, overrun or loop. Line events are
 * checked against the bytes they describe: a line reported in place lies in the chunk, its
 * texts inside the line. The context fields of each header block also go through the
 * extraction of nats_ctx.h in that order, whose result is part of the digest: whole or split,
 * the same parent. And the input's first bytes, taken as span ids, are written as the field
 * lines of every format (ga_nats_ctx_write), parsed back in an HMSG and extracted: the same ids.
 *
 * Server streams also go through the HMSG-to-MSG rewrite (nats_strip.h) whole and in reads of
 * the chosen step, each after the previous tail as hooks/inbound.c presents them: the outputs
 * must be equal, never longer than the input, the tail never over its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocols/nats/nats.h"
#include "protocols/nats/nats_ctx.h"
#include "protocols/nats/nats_strip.h"

typedef struct digest {
    uint64_t h;
    const uint8_t *chunk;
    size_t chunk_len;
    ga_nats_xorder order;
    ga_nats_xctx x;             /* the current block's context fields */
} digest;

/* Propagator lists the extraction is tried with (GA_NATS_FMT_* values, 0 ends). */
static const uint8_t orders[8][3] = {
    { GA_NATS_FMT_TC }, { GA_NATS_FMT_B3 }, { GA_NATS_FMT_B3M },
    { GA_NATS_FMT_TC, GA_NATS_FMT_B3 }, { GA_NATS_FMT_B3M, GA_NATS_FMT_TC },
    { GA_NATS_FMT_B3, GA_NATS_FMT_TC, GA_NATS_FMT_B3M }, { 0 }, { GA_NATS_FMT_TC, GA_NATS_FMT_B3M },
};

static void mix(digest *d, uint64_t v)
{
    d->h = (d->h ^ v) * 0x100000001b3ull;
}

static void mix_bytes(digest *d, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mix(d, p[i]);
}

static void within(const uint8_t *p, size_t n, const uint8_t *lo, size_t len)
{
    if (n > 0 && (p < lo || p + n > lo + len))
        abort();
}

static void on_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    digest *d = ctx;
    (void)ps;
    if (l->in_place)
        within(l->raw, l->len, d->chunk, d->chunk_len);
    within(l->subj, l->subj_len, l->raw, l->len);
    within(l->reply, l->reply_len, l->raw, l->len);
    within(l->sid, l->sid_len, l->raw, l->len);
    if (l->size_at > l->len || l->hdr > l->total)
        abort();
    mix(d, 1 + ((uint64_t)l->op << 8) + (off << 16));
    mix_bytes(d, l->subj, l->subj_len);
    mix_bytes(d, l->reply, l->reply_len);
    mix_bytes(d, l->sid, l->sid_len);
    mix(d, l->hdr ^ (l->total << 32) ^ ((uint64_t)l->size_at << 20));
}

static void on_facts(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f)
{
    (void)ps;
    if (f->lang_len < 0 || f->lang_len > (int)sizeof f->lang)
        abort();
    mix(ctx, 2 + ((uint64_t)(f->headers + 1) << 8) + ((uint64_t)(f->verbose + 1) << 12) +
             ((uint64_t)f->max_payload << 16));
    mix_bytes(ctx, (const uint8_t *)f->lang, (size_t)f->lang_len);
}

static void on_field(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n)
{
    digest *d = ctx;
    (void)ps;
    if (kind < GA_NATS_F_TP || kind > GA_NATS_F_XB3)
        abort();
    mix(d, 3 + ((uint64_t)kind << 8));
    mix_bytes(d, v, n);
    ga_nats_x_field(&d->x, &d->order, kind, v, n);
}

static void on_hdr_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    digest *d = ctx;
    ga_span_ctx c;
    int defer = ga_nats_x_end(&d->x, &d->order, &c);
    mix(d, 4 + (off << 8) + ((uint64_t)ps->hs.seen << 4));
    mix(d, (uint64_t)c.valid + ((uint64_t)defer << 1));
    if (c.valid) {
        if (c.remote != 1)
            abort();
        mix_bytes(d, c.trace_id, 16);
        mix_bytes(d, c.span_id, 8);
        mix(d, c.flags);
    }
    ga_nats_x_start(&d->x);
}

static void on_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    (void)ps;
    mix(ctx, 5 + (off << 8));
}

static uint64_t parse(const uint8_t *p, size_t n, int dir, size_t step, int order)
{
    digest d = { .h = 0xcbf29ce484222325ull };
    ga_nats_xorder_set(&d.order, orders[order], 3);
    ga_nats_x_start(&d.x);
    ga_nats_cb cb = { &d, on_line, on_facts, on_field, on_hdr_end, on_end };
    ga_nats_parser ps, copy;
    ga_nats_init(&ps, dir);
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        if (i == step) {                /* continue on a copy, as the injector does */
            memset(&copy, 0xa5, sizeof copy);
            ga_nats_copy(&copy, &ps);
            ps = copy;
        }
        d.chunk = p + i;
        d.chunk_len = k;
        if (ga_nats_feed(&ps, p + i, k, &cb) != k)
            abort();
        (void)ga_nats_quiet(&ps);
    }
    mix(&d, ps.phase + (ps.off << 8));
    return d.h;
}

/* The rewrite's output over reads of `step` bytes, into out (n bytes at most); its length. */
static size_t strip(const uint8_t *p, size_t n, size_t step, uint8_t *out, uint8_t *w)
{
    ga_nats_strip s;
    ga_nats_strip_init(&s, 0);
    size_t held = 0, got = 0;
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        memcpy(w + held, p + i, k);
        size_t t, o = ga_nats_strip_run(&s, w, held + k, &t);
        if (o + t > held + k || t > GA_NATS_STRIP_LINE || got + o > n)
            abort();
        memcpy(out + got, w, o);
        got += o;
        memmove(w, w + o, t);
        held = t;
    }
    return got;
}

static void strip_twice(const uint8_t *p, size_t n, size_t step)
{
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1), *w = malloc(n + GA_NATS_STRIP_LINE + 64);
    size_t la = strip(p, n, n ? n : 1, a, w), lb = strip(p, n, step, b, w);
    if (la != lb || memcmp(a, b, la) != 0)
        abort();
    free(a);
    free(b);
    free(w);
}

/* The parent the header block of `msg` gives with order k. */
static void parent_of(const char *msg, size_t n, int k, ga_span_ctx *c)
{
    digest d = { .h = 0 };
    ga_nats_xorder_set(&d.order, orders[k], 3);
    ga_nats_x_start(&d.x);
    ga_nats_cb cb = { &d, NULL, NULL, on_field, NULL, NULL };
    ga_nats_parser ps;
    ga_nats_init(&ps, GA_NATS_S2C);
    if (ga_nats_feed(&ps, (const uint8_t *)msg, n, &cb) != n || ps.phase != GA_NATS_P_LINE)
        abort();
    (void)ga_nats_x_end(&d.x, &d.order, c);
}

/* ids from p[0..24) (and the sampled bit from p[24]), written in every format and read back
 * with each order that lists the format alone: the same trace, span and sampled flag. */
static void round_trip(const uint8_t *p, size_t n)
{
    static const uint8_t fmts[3] = { GA_NATS_FMT_TC, GA_NATS_FMT_B3, GA_NATS_FMT_B3M };
    ga_span_ids ids = { .flags = 0 };
    uint8_t z[16] = { 0 };
    if (n < 25)
        return;
    memcpy(ids.trace_id, p, 16);
    memcpy(ids.span_id, p + 16, 8);
    ids.flags = p[24] & GA_TF_SAMPLED;
    if (memcmp(ids.trace_id, z, 16) == 0 || memcmp(ids.span_id, z, 8) == 0)
        return;                                 /* not a valid context in any format */
    for (int f = 0; f < 3; f++) {
        char msg[512];
        uint8_t blk[GA_NATS_CTX_MAX];
        size_t fl = (size_t)(ga_nats_ctx_write(blk, &ids, fmts[f]) - blk);
        if (fl != ga_nats_ctx_len(fmts[f]))
            abort();
        int h = 10 + (int)fl + 2;
        int m = snprintf(msg, sizeof msg, "HMSG s 1 %d %d\r\nNATS/1.0\r\n%.*s\r\n\r\n", h, h,
                         (int)fl, (const char *)blk);
        ga_span_ctx c;
        parent_of(msg, (size_t)m, f, &c);       /* orders[f] is fmts[f] alone */
        if (!c.valid || memcmp(c.trace_id, ids.trace_id, 16) != 0 ||
            memcmp(c.span_id, ids.span_id, 8) != 0 || c.flags != ids.flags)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int dir = data[0] & 1, order = (data[0] >> 1) & 7;
    size_t step = (size_t)data[1] % 37 + 1;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    (void)ga_nats_info_prefix(p, n);
    if (parse(p, n, dir, n ? n : 1, order) != parse(p, n, dir, step, order))
        abort();
    round_trip(p, n);
    if (dir == GA_NATS_S2C)
        strip_twice(p, n, step);
    return 0;
}
