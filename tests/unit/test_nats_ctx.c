/* test_nats_ctx.c — trace context in NATS header blocks (protocols/nats/nats_ctx.h): the field
 * lines written for every propagator combination, byte for byte; and the parent a received
 * block gives — traceparent, b3, X-B3-* in any case and order, ranked by the configured list —
 * the same whole, byte by byte, and cut at every byte boundary into two or three feeds, the
 * fields' state carried between feeds as the consumer's connection slot carries it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/nats/nats.h"
#include "protocols/nats/nats_ctx.h"

#define TID "80f198ee56343ba864fe8b2a57d3eff7"
#define SID "e457b5a2e4d86bd1"
#define TID2 "0af7651916cd43dd8448eb211c80319c"
#define SID2 "b7ad6b7169203331"

enum { TC = GA_NATS_FMT_TC, B3 = GA_NATS_FMT_B3, B3M = GA_NATS_FMT_B3M };

static void ids_of(ga_span_ids *ids, uint8_t flags)
{
    static const uint8_t t[16] = { 0x80, 0xf1, 0x98, 0xee, 0x56, 0x34, 0x3b, 0xa8,
                                   0x64, 0xfe, 0x8b, 0x2a, 0x57, 0xd3, 0xef, 0xf7 };
    static const uint8_t s[8] = { 0xe4, 0x57, 0xb5, 0xa2, 0xe4, 0xd8, 0x6b, 0xd1 };
    memset(ids, 0, sizeof *ids);
    memcpy(ids->trace_id, t, 16);
    memcpy(ids->span_id, s, 8);
    ids->flags = flags;
}

/* ------------------------------------------------------------------ writing */

/* The field lines for fmt are exactly `want`, and ga_nats_ctx_len says their length. */
static void expect_fields(unsigned fmt, uint8_t flags, const char *want)
{
    ga_span_ids ids;
    uint8_t out[GA_NATS_CTX_MAX + 8];
    ids_of(&ids, flags);
    memset(out, '#', sizeof out);
    uint8_t *end = ga_nats_ctx_write(out, &ids, fmt);
    assert_int_equal((size_t)(end - out), strlen(want));
    assert_int_equal(ga_nats_ctx_len(fmt), strlen(want));
    assert_memory_equal(out, want, strlen(want));
    assert_int_equal(*end, '#');                /* not a byte more */
}

#define L_TP1 "traceparent: 00-" TID "-" SID "-01\r\n"
#define L_TP0 "traceparent: 00-" TID "-" SID "-00\r\n"
#define L_B31 "b3: " TID "-" SID "-1\r\n"
#define L_B30 "b3: " TID "-" SID "-0\r\n"
#define L_XB1 "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 1\r\n"
#define L_XB0 "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 0\r\n"

/* tracecontext; b3; b3multi; tracecontext,b3; b3multi,tracecontext; none: the set decides
 * what is written, always in the order traceparent, b3, X-B3-* (as Kafka's headers). */
static void test_write_combinations(void **state)
{
    (void)state;
    expect_fields(TC, 1, L_TP1);
    expect_fields(TC, 0, L_TP0);
    expect_fields(B3, 1, L_B31);
    expect_fields(B3, 0, L_B30);
    expect_fields(B3M, 1, L_XB1);
    expect_fields(B3M, 0, L_XB0);
    expect_fields(TC | B3, 1, L_TP1 L_B31);
    expect_fields(B3M | TC, 0, L_TP0 L_XB0);
    expect_fields(TC | B3 | B3M, 1, L_TP1 L_B31 L_XB1);
    expect_fields(0, 1, "");
    expect_fields(0x2, 1, "");                  /* baggage alone: nothing in a message */
    assert_int_equal(ga_nats_ctx_len(TC), GA_NATS_TP_FIELD);
    assert_int_equal(ga_nats_ctx_len(B3), GA_NATS_B3_FIELD);
    assert_int_equal(ga_nats_ctx_len(B3M), GA_NATS_B3M_FIELDS);
    assert_int_equal(ga_nats_ctx_len(TC | B3 | B3M), GA_NATS_CTX_MAX);
}

/* ------------------------------------------------------------------ reading */

typedef struct rd {
    ga_nats_xorder o;
    ga_nats_xctx x;
    ga_span_ctx got;
    int defer, blocks;
} rd;

static void r_field(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n)
{
    rd *r = ctx;
    (void)ps;
    ga_nats_x_field(&r->x, &r->o, kind, v, n);
}

static void r_hdr_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    rd *r = ctx;
    (void)ps, (void)off;
    r->defer = ga_nats_x_end(&r->x, &r->o, &r->got);
    r->blocks++;
}

/* The block's fields fed in pieces: cuts[0..ncut) are the offsets where a feed ends. Each feed
 * goes on a fresh copy of the parser, as a read of the connection does after the last. */
static void read_cut(const uint8_t *order, size_t on, const char *msg, const size_t *cuts,
                     int ncut, rd *r)
{
    size_t n = strlen(msg), at = 0;
    memset(r, 0x5a, sizeof *r);                 /* nothing is read that was not written */
    ga_nats_xorder_set(&r->o, order, on);
    ga_nats_x_start(&r->x);
    r->blocks = 0;
    ga_nats_cb cb = { .ctx = r, .field = r_field, .hdr_end = r_hdr_end };
    ga_nats_parser ps, copy;
    ga_nats_init(&ps, GA_NATS_S2C);
    for (int i = 0; i <= ncut; i++) {
        size_t end = i < ncut ? cuts[i] : n;
        copy = ps;
        assert_int_equal(ga_nats_feed(&copy, (const uint8_t *)msg + at, end - at, &cb), end - at);
        ps = copy;
        at = end;
    }
    assert_int_equal(ps.phase, GA_NATS_P_LINE);
    assert_int_equal(r->blocks, 1);
}

/* An HMSG whose header block holds `fields` (CR LF ended lines), payload "hi". */
static const char *hmsg(const char *fields)
{
    static char buf[1024];
    int h = 10 + (int)strlen(fields) + 2;
    snprintf(buf, sizeof buf, "HMSG s.x 7 %d %d\r\nNATS/1.0\r\n%s\r\nhi\r\n", h, h + 2, fields);
    return buf;
}

/* One read of msg with the given cuts gives the expected parent. */
static void check_read(const uint8_t *order, size_t on, const char *msg, const size_t *cuts,
                       int ncut, const char *tid, const char *sid, int sampled, int defer)
{
    rd r;
    char hex[33];
    read_cut(order, on, msg, cuts, ncut, &r);
    if (tid == NULL) {
        assert_int_equal(r.got.valid, 0);
        return;
    }
    assert_int_equal(r.got.valid, 1);
    assert_int_equal(r.got.remote, 1);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", r.got.trace_id[i]);
    assert_string_equal(hex, tid);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", r.got.span_id[i]);
    assert_string_equal(hex, sid);
    assert_int_equal(r.got.flags & 1, sampled);
    assert_int_equal(r.defer, defer);
}

/* The parent of fields with the list order[0..on): `tid`/`sid` hex (NULL: none), sampled
 * flag, undecided sampling; the same whole, cut at every byte boundary in two, byte by byte,
 * and in three at a grid of cuts. */
static void expect_parent(const uint8_t *order, size_t on, const char *fields, const char *tid,
                          const char *sid, int sampled, int defer)
{
    const char *msg = hmsg(fields);
    size_t n = strlen(msg), cuts[1024];
    assert_true(n < sizeof cuts / sizeof cuts[0]);
    check_read(order, on, msg, NULL, 0, tid, sid, sampled, defer);
    for (size_t a = 1; a < n; a++) {
        cuts[a - 1] = a;
        check_read(order, on, msg, &cuts[a - 1], 1, tid, sid, sampled, defer);
    }
    check_read(order, on, msg, cuts, (int)n - 1, tid, sid, sampled, defer);
    for (size_t a = 1; a + 1 < n; a++)
        for (size_t b = a + 1; b < n; b += 7) {
            size_t c[2] = { a, b };
            check_read(order, on, msg, c, 2, tid, sid, sampled, defer);
        }
}

static const uint8_t o_tc[] = { TC }, o_b3[] = { B3 }, o_b3m[] = { B3M },
                     o_tc_b3[] = { TC, B3 }, o_b3m_tc[] = { B3M, TC }, o_b3_tc[] = { B3, TC },
                     o_none[] = { 0 }, o_bag_b3[] = { 0x2, B3 };
#define O(a) a, sizeof a

#define F_TP1 "traceparent: 00-" TID "-" SID "-01\r\n"
#define F_TP2 "traceparent: 00-" TID2 "-" SID2 "-00\r\n"
#define F_B31 "b3: " TID "-" SID "-1\r\n"
#define F_B32 "b3: " TID2 "-" SID2 "-0\r\n"
#define F_XB1 "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 1\r\n"

/* One format at a time, with the list naming it. */
static void test_read_each_format(void **state)
{
    (void)state;
    expect_parent(O(o_tc), F_TP1, TID, SID, 1, 0);
    expect_parent(O(o_b3), F_B31, TID, SID, 1, 0);
    expect_parent(O(o_b3), F_B32, TID2, SID2, 0, 0);
    expect_parent(O(o_b3m), F_XB1, TID, SID, 1, 0);
    expect_parent(O(o_b3), "B3: " TID "-" SID "\r\n", TID, SID, 0, 1);    /* no sampling: ours */
    expect_parent(O(o_b3), "b3: " TID "-" SID "-d-05e3ac9a4f6e3b90\r\n", TID, SID, 1, 0);
    /* b3 and b3multi both read the single header first, then the X-B3 ones */
    expect_parent(O(o_b3m), F_B31, TID, SID, 1, 0);
    expect_parent(O(o_b3), F_XB1, TID, SID, 1, 0);
}

/* X-B3 fields in any case, any order, among others; a 16-digit trace id padded; Flags; the
 * fields that make the context invalid. */
static void test_read_multi(void **state)
{
    (void)state;
    expect_parent(O(o_b3m), "x-b3-sampled: 0\r\nFoo: bar\r\nx-b3-spanid:" SID "\r\nX-B3-TRACEID: " TID " \r\n",
                  TID, SID, 0, 0);
    expect_parent(O(o_b3m), "X-B3-TraceId: 64fe8b2a57d3eff7\r\nX-B3-SpanId: " SID "\r\n",
                  "000000000000000064fe8b2a57d3eff7", SID, 0, 1);
    expect_parent(O(o_b3m), "X-B3-Flags: 1\r\nX-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 0\r\n",
                  TID, SID, 1, 0);
    expect_parent(O(o_b3m), "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: yes\r\n",
                  NULL, NULL, 0, 0);
    expect_parent(O(o_b3m), "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: yes\r\nX-B3-Flags: 1\r\n",
                  TID, SID, 1, 0);
    expect_parent(O(o_b3m), "X-B3-TraceId: " TID "\r\n", NULL, NULL, 0, 0);
    expect_parent(O(o_b3m), "X-B3-SpanId: " SID "\r\nX-B3-ParentSpanId: 05e3ac9a4f6e3b90\r\n", NULL, NULL, 0, 0);
    expect_parent(O(o_b3m), "X-B3-TraceId: " TID "\r\nX-B3-SpanId: 0000000000000000\r\n", NULL, NULL, 0, 0);
    /* the first of each name counts */
    expect_parent(O(o_b3m), "X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-TraceId: " TID2 "\r\n",
                  TID, SID, 0, 1);
    expect_parent(O(o_b3m), "X-B3-TraceId: nothex\r\nX-B3-SpanId: " SID "\r\nX-B3-TraceId: " TID2 "\r\n",
                  NULL, NULL, 0, 0);
}

/* Several formats in one block: the list's order decides, an invalid one gives way. */
static void test_read_order(void **state)
{
    (void)state;
    expect_parent(O(o_tc_b3), F_B32 F_TP1, TID, SID, 1, 0);
    expect_parent(O(o_b3_tc), F_TP1 F_B32, TID2, SID2, 0, 0);
    expect_parent(O(o_b3m_tc), F_TP2 F_XB1, TID, SID, 1, 0);
    expect_parent(O(o_tc_b3), F_XB1 F_TP2, TID2, SID2, 0, 0);
    expect_parent(O(o_b3_tc), "b3: " TID "-zz\r\n" F_TP2, TID2, SID2, 0, 0);
    expect_parent(O(o_tc_b3), "traceparent: junk\r\n" F_B31, TID, SID, 1, 0);
    expect_parent(O(o_b3_tc), F_B32 F_B31, TID2, SID2, 0, 0);   /* the first valid b3 */
    expect_parent(O(o_bag_b3), F_TP1 F_B32, TID2, SID2, 0, 0);
    /* a list without tracecontext but with B3 reads no traceparent */
    expect_parent(O(o_b3), F_TP1, NULL, NULL, 0, 0);
    /* without B3 the traceparent alone, whatever the list (even none), B3 fields ignored */
    expect_parent(O(o_none), F_B31 F_TP2, TID2, SID2, 0, 0);
    expect_parent(O(o_tc), F_B31 F_XB1, NULL, NULL, 0, 0);
    expect_parent(o_none, 0, F_TP1, TID, SID, 1, 0);
    expect_parent(O(o_tc), "Foo: 1\r\n", NULL, NULL, 0, 0);
}

/* What ga_nats_ctx_write writes, read back with each list: writer and reader agree. */
static void test_round_trip(void **state)
{
    (void)state;
    static const unsigned fmts[] = { TC, B3, B3M, TC | B3, TC | B3M, TC | B3 | B3M };
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        for (uint8_t fl = 0; fl <= 1; fl++) {
            ga_span_ids ids;
            char f[GA_NATS_CTX_MAX + 1];
            ids_of(&ids, fl);
            *ga_nats_ctx_write((uint8_t *)f, &ids, fmts[i]) = 0;
            if (fmts[i] & TC)
                expect_parent(O(o_tc), f, TID, SID, fl, 0);
            if (fmts[i] & B3)
                expect_parent(O(o_b3), f, TID, SID, fl, 0);
            if (fmts[i] & B3M)
                expect_parent(O(o_b3m), f, TID, SID, fl, 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_combinations),
        cmocka_unit_test(test_read_each_format),
        cmocka_unit_test(test_read_multi),
        cmocka_unit_test(test_read_order),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
