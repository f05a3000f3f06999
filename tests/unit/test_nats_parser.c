/* test_nats_parser.c — the pure NATS parser (protocols/nats/nats.h): INFO and CONNECT facts,
 * every control line, header blocks with their context fields (traceparent, b3, X-B3-*: any
 * case, any whitespace), payload framing, the bounds, and the same events whatever the split. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/nats/nats.h"
#include "protocols/nats/nats_int.h"
#include "test_rng.h"

/* ------------------------------------------------------------------ events as text */

typedef struct ev_log {
    char s[8192];
    size_t len;
} ev_log;

static void put(ev_log *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->s + l->len, sizeof l->s - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->s - l->len ? (size_t)n : sizeof l->s - 1 - l->len;
}

static const char *const opnames[] = { "-", "INFO", "CONNECT", "PUB", "HPUB", "SUB", "UNSUB",
                                       "MSG", "HMSG", "PING", "PONG", "OK", "ERR" };

static void on_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    (void)ps;
    put(ctx, "[%s@%llu", opnames[l->op], (unsigned long long)off);
    if (l->subj_len)
        put(ctx, " s=%.*s", (int)l->subj_len, (const char *)l->subj);
    if (l->reply_len)
        put(ctx, " r=%.*s", (int)l->reply_len, (const char *)l->reply);
    if (l->sid_len)
        put(ctx, " i=%.*s", (int)l->sid_len, (const char *)l->sid);
    if (l->op == GA_NATS_PUB || l->op == GA_NATS_HPUB || l->op == GA_NATS_MSG || l->op == GA_NATS_HMSG)
        put(ctx, " %llu/%llu at=%u", (unsigned long long)l->hdr, (unsigned long long)l->total,
            l->size_at);
    put(ctx, "]");
}

static void on_facts(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f)
{
    (void)ps;
    put(ctx, "{%s h=%d v=%d nr=%d max=%lld proto=%lld lang=%.*s}", opnames[f->op], f->headers,
        f->verbose, f->no_responders, (long long)f->max_payload, (long long)f->proto,
        f->lang_len, f->lang);
}

static const char *const fieldnames[] = { "-", "tp", "b3", "xtid", "xsid", "xsmp", "xflg", "xb3" };

static void on_field(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n)
{
    (void)ps;
    put(ctx, "(%s %.*s)", fieldnames[kind], (int)n, (const char *)v);
}

/* tp=: a traceparent was seen; seen=: the other context fields' bits, when there are some. */
static void on_hdr_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    unsigned tp = 1u << GA_NATS_F_TP;
    put(ctx, "(hdr@%llu tp=%d", (unsigned long long)off, (ps->hs.seen & tp) != 0);
    if (ps->hs.seen & ~tp)
        put(ctx, " seen=%02x", ps->hs.seen & ~tp);
    put(ctx, ")");
}

static void on_end(void *ctx, ga_nats_parser *ps, uint64_t off)
{
    (void)ps;
    put(ctx, "(end@%llu)", (unsigned long long)off);
}

static const ga_nats_cb cbs = { NULL, on_line, on_facts, on_field, on_hdr_end, on_end };

/* Parse s in chunks of `step` bytes (0 = whole); the events, then the final phase. */
static void parse(ev_log *l, int dir, const char *s, size_t n, size_t step)
{
    ga_nats_parser ps;
    ga_nats_cb cb = cbs;
    cb.ctx = l;
    l->len = 0;
    l->s[0] = 0;
    ga_nats_init(&ps, dir);
    for (size_t off = 0; off < n;) {
        size_t k = step == 0 || n - off < step ? n - off : step;
        assert_int_equal(ga_nats_feed(&ps, (const uint8_t *)s + off, k, &cb), k);
        off += k;
    }
    put(l, "|%d", ps.phase);
}

/* The events of s are `want` whole, byte by byte and at every split in two. */
static void expect(int dir, const char *s, const char *want)
{
    size_t n = strlen(s);
    ev_log a, b;
    parse(&a, dir, s, n, 0);
    assert_string_equal(a.s, want);
    for (size_t step = 1; step <= 7; step++) {
        parse(&b, dir, s, n, step);
        assert_string_equal(b.s, want);
    }
    for (size_t cut = 1; cut < n; cut++) {
        ga_nats_parser ps;
        ga_nats_cb cb = cbs;
        cb.ctx = &b;
        b.len = 0;
        b.s[0] = 0;
        ga_nats_init(&ps, dir);
        ga_nats_feed(&ps, (const uint8_t *)s, cut, &cb);
        ga_nats_parser copy = ps;               /* the dry-run situation: a copy goes on */
        ga_nats_feed(&copy, (const uint8_t *)s + cut, n - cut, &cb);
        put(&b, "|%d", copy.phase);
        assert_string_equal(b.s, want);
    }
}

/* ------------------------------------------------------------------ tests */

static void test_info(void **state)
{
    (void)state;
    expect(GA_NATS_S2C,
           "INFO {\"server_id\":\"NBX\",\"version\":\"2.9.10\",\"headers\":true,\"max_payload\":1048576,"
           "\"proto\":1,\"connect_urls\":[\"a:1\",{\"x\":\"}]\"}],\"nested\":{\"headers\":false},"
           "\"client_ip\":\"127.0.0.1\"} \r\n",
           "{INFO h=1 v=-1 nr=-1 max=1048576 proto=1 lang=}|0");
    expect(GA_NATS_S2C, "info\t{\"headers\":false , \"max_payload\" : 100}\r\n",
           "{INFO h=0 v=-1 nr=-1 max=100 proto=-1 lang=}|0");
    expect(GA_NATS_S2C, "INFO {}\r\nPING\r\n", "{INFO h=-1 v=-1 nr=-1 max=-1 proto=-1 lang=}[PING@9]|0");
}

static void test_connect(void **state)
{
    (void)state;
    expect(GA_NATS_C2S,
           "CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"nats.js\",\"version\":\"2.29.3\","
           "\"protocol\":1,\"headers\":true,\"no_responders\":true,\"pass\":\"a\\\"b\"}\r\nPING\r\n",
           "{CONNECT h=1 v=0 nr=1 max=-1 proto=-1 lang=nats.js}[PING@143]|0");
    expect(GA_NATS_C2S, "CONNECT {\"lang\":\"C\",\"headers\":false}\r\n",
           "{CONNECT h=0 v=-1 nr=-1 max=-1 proto=-1 lang=C}|0");
}

static void test_publish_lines(void **state)
{
    (void)state;
    expect(GA_NATS_C2S, "PUB foo 5\r\nhello\r\nPUB foo.bar _INBOX.x 0\r\n\r\n",
           "[PUB@0 s=foo 0/5 at=8](end@18)[PUB@18 s=foo.bar r=_INBOX.x 0/0 at=21](end@44)|0");
    expect(GA_NATS_C2S,
           "HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n",
           "[HPUB@0 s=foo 18/23 at=9](hdr@34 tp=0)(end@41)|0");
    expect(GA_NATS_C2S,
           "HPUB x 82 82\r\nNATS/1.0\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n\r\n",
           "[HPUB@0 s=x 82/82 at=7](tp 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01)"
           "(hdr@96 tp=1)(end@98)|0");
    expect(GA_NATS_C2S, "SUB foo  1\r\nSUB bar q 2\r\nUNSUB 1\r\nUNSUB 2 10\r\nPING\r\nPONG\r\n",
           "[SUB@0 s=foo i=1][SUB@12 s=bar r=q i=2][UNSUB@25 i=1][UNSUB@34 i=2][PING@46][PONG@52]|0");
}

/* Lines shorter than 64 bytes are split through a bitmap of their separators, longer ones byte
 * by byte: the same fields either way, at every length around the bitmap's block edges, with
 * tabs, runs of separators and a CR inside a field. */
static void test_line_lengths(void **state)
{
    (void)state;
    char in[256], want[256];
    for (int pad = 0; pad < 70; pad++) {
        /* "PUB <subject of pad + 1 bytes>\t \t<reply>  7\r\n": 17 + pad bytes before the LF */
        char subj[80];
        memset(subj, 'a' + pad % 26, (size_t)pad + 1);
        subj[pad + 1] = 0;
        snprintf(in, sizeof in, "PUB %s\t \tr\rx  7\r\n0123456\r\n", subj);
        snprintf(want, sizeof want, "[PUB@0 s=%s r=r\rx 0/7 at=%d](end@%d)|0", subj, pad + 13,
                 (int)strlen(in));
        expect(GA_NATS_C2S, in, want);
        snprintf(in, sizeof in, "MSG %s 12 3\n123\r\n", subj);
        snprintf(want, sizeof want, "[MSG@0 s=%s i=12 0/3 at=%d](end@%d)|0", subj, pad + 9,
                 (int)strlen(in));
        expect(GA_NATS_S2C, in, want);
    }
    /* seven fields is one too many, short or long */
    expect(GA_NATS_C2S, "PUB a b c d e f 1\r\n", "|6");
    memset(in, 0, sizeof in);
    snprintf(in, sizeof in, "PUB %070d b c d e f 1\r\n", 0);
    expect(GA_NATS_C2S, in, "|6");
}

/* The upper-case single-space shapes (`PUB s n`, `HPUB s h n`, `MSG s sid n`, `HMSG s sid h n`)
 * take a fast path; the same line with its op in lower case takes the general one. Both must
 * give the same fields and verdict, for random subjects, sids and counts, CR LF or LF alone,
 * tabs and runs of spaces, replies, empty and over-long tokens, header sizes over the total,
 * and every length around the 64-byte short-line edge. */
static void test_fast_shapes_match_the_general_path(void **state)
{
    (void)state;
    static const char alpha[] = "abcXYZ.*>_-09\t \r";
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int iter = 0; iter < 200000; iter++) {
        static const char *const ops[] = { "PUB", "HPUB", "MSG", "HMSG" };
        int which = (int)(test_rnd(&rng) % 4), msg = which >= 2, hdrs = which & 1;
        char line[200];
        size_t k = strlen(ops[which]);
        memcpy(line, ops[which], k);
        int ncounts = 1 + hdrs;
        int ntok = 2 + msg + hdrs + (int)(test_rnd(&rng) % 4 == 0);     /* sometimes a reply */
        for (int t = 0; t < ntok; t++) {
            int seps = test_rnd(&rng) % 8 == 0 ? 2 : 1;
            for (int j = 0; j < seps; j++)
                line[k++] = test_rnd(&rng) % 16 == 0 ? '\t' : ' ';
            int count = t >= ntok - ncounts;
            size_t len = count ? test_rnd(&rng) % 7 : test_rnd(&rng) % 60;
            for (size_t j = 0; j < len && k < 180; j++)
                line[k++] = count && test_rnd(&rng) % 8 != 0 ? (char)('0' + test_rnd(&rng) % 10)
                                                             : alpha[test_rnd(&rng) % (sizeof alpha - 1)];
        }
        if (test_rnd(&rng) % 4 != 0)
            line[k++] = '\r';
        line[k++] = '\n';
        char low[200];
        memcpy(low, line, k);
        for (size_t j = 0; j < strlen(ops[which]); j++)
            low[j] = (char)(low[j] | 0x20);
        ga_nats_line a, b;
        int dir = msg ? GA_NATS_S2C : GA_NATS_C2S;
        int ra = ga_nats_parse_line(&a, (const uint8_t *)line, k, dir);
        int rb = ga_nats_parse_line(&b, (const uint8_t *)low, k, dir);
        assert_int_equal(ra, rb);
        if (ra != 0)
            continue;
        assert_int_equal(a.op, b.op);
        assert_int_equal(a.in_place, b.in_place);
        assert_int_equal(a.len, b.len);
        assert_int_equal(a.size_at, b.size_at);
        assert_int_equal(a.hdr, b.hdr);
        assert_int_equal(a.total, b.total);
        assert_int_equal(a.subj_len, b.subj_len);
        assert_int_equal(a.reply_len, b.reply_len);
        assert_int_equal(a.sid_len, b.sid_len);
        assert_true((a.subj == NULL) == (b.subj == NULL) && (a.reply == NULL) == (b.reply == NULL) &&
                    (a.sid == NULL) == (b.sid == NULL));
        assert_true(a.subj == NULL || a.subj - (const uint8_t *)line == b.subj - (const uint8_t *)low);
        assert_true(a.reply == NULL || a.reply - (const uint8_t *)line == b.reply - (const uint8_t *)low);
        assert_true(a.sid == NULL || a.sid - (const uint8_t *)line == b.sid - (const uint8_t *)low);
    }
}

static void test_server_lines(void **state)
{
    (void)state;
    expect(GA_NATS_S2C,
           "MSG foo 1 5\r\nhello\r\nHMSG FOO.BAR 9 BAZ.69 34 45\r\nNATS/1.0\r\nFoodGroup: vegetable\r\n\r\n"
           "Hello World\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n",
           "[MSG@0 s=foo i=1 0/5 at=10](end@20)[HMSG@20 s=FOO.BAR r=BAZ.69 i=9 34/45 at=22](hdr@83 tp=0)"
           "(end@96)[OK@96][ERR@101]|0");
    /* a status line, any case and spacing of the field name, the value trimmed */
    expect(GA_NATS_S2C,
           "HMSG a 2 88 90\r\nNATS/1.0 503\r\nTraceParent:  00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 \r\n\r\nhi\r\n",
           "[HMSG@0 s=a i=2 88/90 at=9](tp 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01)"
           "(hdr@104 tp=1)(end@108)|0");
}

static void test_errors(void **state)
{
    (void)state;
    ev_log l;
    const char *bad[] = {
        "PUB foo 5\r\nhelloXX",                 /* no CR LF after the payload */
        "PUB foo\r\n",                          /* no size */
        "PUB foo -1\r\n",
        "PUB foo 99999999999\r\n",
        "HPUB foo 9 5\r\n",                     /* headers larger than the total */
        "MSG foo 5\r\n",                        /* a server op from a client */
        "FOO bar\r\n",
        " PUB foo 1\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(&l, GA_NATS_C2S, bad[i], strlen(bad[i]), 0);
        assert_non_null(strstr(l.s, "|6"));
    }
    parse(&l, GA_NATS_S2C, "INFO {\"a\":}\r\n", 13, 0);
    assert_string_equal(l.s, "|6");
    /* a control line over the bound, whole or split */
    char line[GA_NATS_LINE_CAP + 32];
    memset(line, 'a', sizeof line);
    memcpy(line, "PUB ", 4);
    memcpy(line + sizeof line - 4, " 0\r\n", 4);
    parse(&l, GA_NATS_C2S, line, sizeof line, 0);
    assert_string_equal(l.s, "|6");
    parse(&l, GA_NATS_C2S, line, sizeof line, 5);
    assert_string_equal(l.s, "|6");
    /* a long INFO is fine: JSON is streamed */
    char info[4096];
    int n = snprintf(info, sizeof info, "INFO {\"x\":\"%0*d\",\"headers\":true}\r\n", 3000, 0);
    parse(&l, GA_NATS_S2C, info, (size_t)n, 7);
    assert_string_equal(l.s, "{INFO h=1 v=-1 nr=-1 max=-1 proto=-1 lang=}|0");
}

static void test_quiet_and_stop(void **state)
{
    (void)state;
    ga_nats_parser ps;
    ga_nats_init(&ps, GA_NATS_C2S);
    ga_nats_cb cb = { 0 };
    const char *s = "PUB a 100\r\n0123456789";
    ga_nats_feed(&ps, (const uint8_t *)s, strlen(s), &cb);
    assert_int_equal(ga_nats_quiet(&ps), 90);
    ga_nats_init(&ps, GA_NATS_C2S);
    ev_log l = { .len = 0 };
    cb = cbs;
    cb.ctx = &l;
    cb.msg_end = NULL;
    const char *two = "PING\r\nPING\r\n";
    /* a callback that stops after the first event */
    struct { ev_log *l; } unused = { &l };
    (void)unused;
    cb.line = NULL;
    assert_int_equal(ga_nats_feed(&ps, (const uint8_t *)two, 12, &cb), 12);
    ps.stop = 1;
    assert_int_equal(ga_nats_feed(&ps, (const uint8_t *)two, 12, &cb), 0);
    assert_int_equal(ps.stop, 0);
}

/* The B3 fields of a block by kind, their names in any case and their values trimmed; names
 * that only look like them are not fields; the kind classifier alone. */
static void test_context_fields(void **state)
{
    (void)state;
    expect(GA_NATS_S2C,
           "HMSG a 1 217 217\r\nNATS/1.0\r\nb3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\n"
           "X-B3-TraceId: 80f198ee56343ba864fe8b2a57d3eff7\r\nx-b3-spanid:e457b5a2e4d86bd1 \r\n"
           "X-B3-SAMPLED: 1\r\nX-B3-Flags: 1\r\nX-B3-ParentSpanId: 05e3ac9a4f6e3b90\r\n\r\n\r\n",
           "[HMSG@0 s=a i=1 217/217 at=9]"
           "(b3 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1)"
           "(xtid 80f198ee56343ba864fe8b2a57d3eff7)(xsid e457b5a2e4d86bd1)(xsmp 1)(xflg 1)"
           "(xb3 05e3ac9a4f6e3b90)(hdr@235 tp=0 seen=fc)(end@237)|0");
    /* not fields: b3x, B4, X-B3 without its dash, a space before the colon, X-B3- alone */
    expect(GA_NATS_S2C,
           "HMSG a 1 61 61\r\nNATS/1.0\r\nb3x: 1\r\nB4: 1\r\nX-B3TraceId: 1\r\nb3 : 1\r\nX-B3-: 1\r\n\r\n\r\n",
           "[HMSG@0 s=a i=1 61/61 at=9](hdr@77 tp=0)(end@79)|0");
    static const struct { const char *name; int kind; } k[] = {
        { "traceparent", GA_NATS_F_TP }, { "TraceParent", GA_NATS_F_TP }, { "B3", GA_NATS_F_B3 },
        { "x-b3-traceid", GA_NATS_F_XTID }, { "X-B3-SpanId", GA_NATS_F_XSID },
        { "x-B3-sampled", GA_NATS_F_XSMP }, { "X-B3-FLAGS", GA_NATS_F_XFLG },
        { "X-B3-ParentSpanId", GA_NATS_F_XB3 }, { "traceparen", 0 }, { "traceparentx", 0 },
        { "b", 0 }, { "b33", 0 }, { "x-b3-", 0 }, { "x-b4-traceid", 0 }, { "", 0 },
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        assert_int_equal(ga_nats_field_kind((const uint8_t *)k[i].name, strlen(k[i].name)), k[i].kind);
}

static void test_info_prefix(void **state)
{
    (void)state;
    assert_true(ga_nats_info_prefix((const uint8_t *)"INFO {", 6));
    assert_true(ga_nats_info_prefix((const uint8_t *)"info\t", 5));
    assert_true(ga_nats_info_prefix((const uint8_t *)"IN", 2));
    assert_false(ga_nats_info_prefix((const uint8_t *)"INFOX", 5));
    assert_false(ga_nats_info_prefix((const uint8_t *)"+OK", 3));
    assert_false(ga_nats_info_prefix((const uint8_t *)"", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_publish_lines),
        cmocka_unit_test(test_line_lengths),
        cmocka_unit_test(test_fast_shapes_match_the_general_path),
        cmocka_unit_test(test_server_lines),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_quiet_and_stop),
        cmocka_unit_test(test_context_fields),
        cmocka_unit_test(test_info_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
