/* test_http1.c — the HTTP/1.x parser: every framing rule of RFC 9112 §6.3 that the library
 * relies on, messages split at every byte position and fed one byte at a time (the event
 * log must not change), pipelining, interim and tunnel responses, invisible (sendfile)
 * bytes, and garbage that must put the parser in ERROR without crashing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/http1/http1.h"

/* ---- an event log: what the callbacks saw, in a comparable text form ---- */

typedef struct logbuf {
    char s[8192];
    size_t n;
    int last_field;                 /* merge consecutive pieces of one field */
    int resp_method;                /* what begin() sets on a response parser */
} logbuf;

static void lput(logbuf *l, const char *fmt, ...)
{
    va_list ap;
    if (l->last_field && l->n + 1 < sizeof l->s)
        l->s[l->n++] = '|';
    va_start(ap, fmt);
    int k = vsnprintf(l->s + l->n, sizeof l->s - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k < sizeof l->s - l->n ? (size_t)k : sizeof l->s - l->n - 1;
    l->last_field = 0;
}

static void on_begin(void *ctx, ga_h1_parser *ps)
{
    logbuf *l = ctx;
    if (ps->kind == GA_H1_RESP)
        ps->method = (uint8_t)l->resp_method;
    lput(l, "B|");
}

static void on_piece(void *ctx, ga_h1_parser *ps, int f, const uint8_t *p, size_t n)
{
    logbuf *l = ctx;
    (void)ps;
    if (l->last_field != f) {
        lput(l, "F%d=", f);
        l->last_field = f;
    }
    if (l->n + n < sizeof l->s) {
        memcpy(l->s + l->n, p, n);
        l->n += n;
        l->s[l->n] = 0;
    }
}

static void on_blank(void *ctx, ga_h1_parser *ps, uint64_t off)
{
    (void)ps;
    lput(ctx, "K%llu|", (unsigned long long)off);
}

static void on_head(void *ctx, ga_h1_parser *ps)
{
    lput(ctx, "H%u,v%u,m%u,f%x|", ps->status, ps->version, ps->method, ps->flags);
}

static void on_done(void *ctx, ga_h1_parser *ps)
{
    lput(ctx, "D%llu|", (unsigned long long)ps->body);
}

static ga_h1_cb cb_for(logbuf *l)
{
    return (ga_h1_cb){ .ctx = l, .begin = on_begin, .piece = on_piece, .blank = on_blank,
                       .head = on_head, .done = on_done };
}

/* Feed msg in pieces of `step` bytes (0 = whole); returns the final phase. */
static int run(int kind, const char *msg, size_t len, size_t step, int resp_method, logbuf *l)
{
    ga_h1_parser ps;
    memset(l, 0, sizeof *l);
    l->resp_method = resp_method;
    ga_h1_cb cb = cb_for(l);
    ga_h1_init(&ps, kind);
    int ph = GA_H1_IDLE;
    if (step == 0)
        step = len ? len : 1;
    for (size_t i = 0; i < len; i += step)
        ph = ga_h1_feed(&ps, (const uint8_t *)msg + i, len - i < step ? len - i : step, &cb);
    return ph;
}

/* The log is the same whole, byte by byte, and split in two at every position. */
static void same_every_split(int kind, const char *msg, int resp_method, const char *expect)
{
    size_t len = strlen(msg);
    logbuf whole, part;
    int ph = run(kind, msg, len, 0, resp_method, &whole);
    if (expect != NULL)
        assert_string_equal(whole.s, expect);
    assert_int_equal(run(kind, msg, len, 1, resp_method, &part), ph);
    assert_string_equal(part.s, whole.s);
    for (size_t cut = 1; cut < len; cut++) {
        ga_h1_parser ps;
        memset(&part, 0, sizeof part);
        part.resp_method = resp_method;
        ga_h1_cb cb = cb_for(&part);
        ga_h1_init(&ps, kind);
        ga_h1_feed(&ps, (const uint8_t *)msg, cut, &cb);
        assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)msg + cut, len - cut, &cb), ph);
        assert_string_equal(part.s, whole.s);
    }
}

/* ---- requests ---- */

static void test_simple_get(void **state)
{
    (void)state;
    same_every_split(GA_H1_REQ,
        "GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t/1\r\n\r\n", 0,
        "B|F1=GET|F2=/a?b=1|F3=example.com:8080|F4=t/1|K62|H0,v11,m3,f0|D0|");
}

static void test_request_bodies(void **state)
{
    (void)state;
    same_every_split(GA_H1_REQ,
        "POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n", 0,
        "B|F1=POST|F2=/p|K37|H0,v11,m7,f1|D5|B|F1=GET|F2=/|K60|H0,v10,m3,f0|D0|");
    same_every_split(GA_H1_REQ,
        "PUT /c HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n", 0,
        "B|F1=PUT|F2=/c|K51|H0,v11,m8,f6|D21|");
}

static void test_pipelined_and_blank_lines(void **state)
{
    (void)state;
    same_every_split(GA_H1_REQ,
        "\r\nGET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\ntraceparent: x\r\n\r\n"
        "BREW /3 HTTP/1.1\n\n", 0,
        "B|F1=GET|F2=/1|K19|H0,v11,m3,f0|D0|B|F1=HEAD|F2=/2|F5=x|K55|H0,v11,m4,f40|D0|"
        "B|F1=BREW|F2=/3|K74|H0,v11,m11,f0|D0|");
}

static void test_request_headers(void **state)
{
    (void)state;
    logbuf l;
    const char *m = "GET / HTTP/1.1\r\ntraceparent: a\r\nTraceParent: b\r\ntracestate: k=v\r\n"
                    "Connection: keep-alive, Upgrade\r\nExpect: 100-continue\r\n"
                    "X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\nFolded: a\r\n  b\r\n\r\n";
    run(GA_H1_REQ, m, strlen(m), 0, 0, &l);
    assert_non_null(strstr(l.s, "F5=ab|"));
    assert_non_null(strstr(l.s, "F6=k=v"));
    assert_non_null(strstr(l.s, "F7=10.0.0.1, 10.0.0.2"));
    char want[32];
    snprintf(want, sizeof want, "f%x|", GA_H1_F_TP | GA_H1_F_TP_DUP | GA_H1_F_TS |
             GA_H1_F_KEEPALIVE | GA_H1_F_UPGRADE | GA_H1_F_EXPECT);
    assert_non_null(strstr(l.s, want));
}

/* The other propagation formats' fields (OTEL_PROPAGATORS), any case; look-alikes skipped. */
static void test_request_propagation_headers(void **state)
{
    (void)state;
    logbuf l;
    const char *m = "GET / HTTP/1.1\r\nB3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\n"
                    "baggage: k=v\r\nX-B3-TraceId: 0af7651916cd43dd8448eb211c80319c\r\n"
                    "x-b3-spanid: b7ad6b7169203331\r\nX-B3-Sampled: 1\r\nX-B3-Flags: 1\r\n"
                    "b3x: no\r\nbag: no\r\nX-B3-ParentSpanId: no\r\nx-b\x13-spanid: no\r\n"
                    "Baggage: k2=v2\r\n\r\n";
    run(GA_H1_REQ, m, strlen(m), 0, 0, &l);
    char want[64];
    snprintf(want, sizeof want, "F%d=80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1|", GA_H1_FLD_B3);
    assert_non_null(strstr(l.s, want));
    snprintf(want, sizeof want, "F%d=k=v|", GA_H1_FLD_BAGGAGE);
    assert_non_null(strstr(l.s, want));
    snprintf(want, sizeof want, "F%d=0af7651916cd43dd8448eb211c80319c|", GA_H1_FLD_XB3_TRACEID);
    assert_non_null(strstr(l.s, want));
    snprintf(want, sizeof want, "F%d=b7ad6b7169203331|", GA_H1_FLD_XB3_SPANID);
    assert_non_null(strstr(l.s, want));
    snprintf(want, sizeof want, "F%d=1|", GA_H1_FLD_XB3_SAMPLED);
    assert_non_null(strstr(l.s, want));
    snprintf(want, sizeof want, "F%d=1|", GA_H1_FLD_XB3_FLAGS);
    assert_non_null(strstr(l.s, want));
    assert_null(strstr(l.s, "no"));
    snprintf(want, sizeof want, "f%x|", GA_H1_F_B3 | GA_H1_F_BAG | GA_H1_F_BAG_DUP);
    assert_non_null(strstr(l.s, want));
}

static void test_connect_pauses(void **state)
{
    (void)state;
    ga_h1_parser ps;
    logbuf l = {0};
    ga_h1_cb cb = cb_for(&l);
    ga_h1_init(&ps, GA_H1_REQ);
    const char *m = "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n";
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb), GA_H1_PAUSED);
    assert_int_equal(ga_h1_quiet(&ps), UINT64_MAX);
    ga_h1_resume(&ps);
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &cb), GA_H1_IDLE);
    ga_h1_init(&ps, GA_H1_REQ);
    ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb);
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)"\x16\x03\x01", 3, &cb), GA_H1_ERROR);
}

/* ---- responses ---- */

static void test_responses(void **state)
{
    (void)state;
    same_every_split(GA_H1_RESP, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                     "HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n", GA_H1_M_GET,
                     "B|K36|H200,v11,m3,f1|D3|B|K83|H404,v11,m3,f1|D0|");
    same_every_split(GA_H1_RESP, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\n\r\n", GA_H1_M_GET, "B|K45|H200,v11,m3,f6|D3|");
    same_every_split(GA_H1_RESP, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                     "Content-Length: 2\r\n\r\nok", GA_H1_M_POST,
                     "B|K23|H100,v11,m7,f0|B|K66|H201,v11,m7,f1|D2|");
    same_every_split(GA_H1_RESP, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
                     "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n"
                     "Content-Length: 7\r\n\r\n", GA_H1_M_HEAD,
                     "B|K37|H200,v11,m4,f1|D0|B|K64|H204,v11,m4,f0|D0|B|K112|H304,v11,m4,f1|D0|");
    same_every_split(GA_H1_RESP, "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", GA_H1_M_GET,
                     "B|K33|H200,v11,m3,f1|D1|");
}

static void test_until_close_and_eof(void **state)
{
    (void)state;
    ga_h1_parser ps;
    logbuf l = {0};
    l.resp_method = GA_H1_M_GET;
    ga_h1_cb cb = cb_for(&l);
    ga_h1_init(&ps, GA_H1_RESP);
    const char *m = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nsome body";
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb), GA_H1_BODY);
    assert_int_equal(ga_h1_feed(&ps, NULL, 1000, &cb), GA_H1_BODY);
    assert_int_equal(ga_h1_eof(&ps, &cb), 1);
    assert_string_equal(l.s, "B|K28|H200,v10,m3,f200|D1009|");
    /* an unknown transfer coding in a response also runs until close */
    ga_h1_init(&ps, GA_H1_RESP);
    m = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz";
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb), GA_H1_BODY);
    assert_true(ps.flags & GA_H1_F_UNTIL_CLOSE);
    /* EOF in the middle of a Content-Length body completes nothing */
    ga_h1_init(&ps, GA_H1_RESP);
    m = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nzz";
    ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb);
    assert_int_equal(ga_h1_eof(&ps, &cb), 0);
}

static void test_tunnels_stop(void **state)
{
    (void)state;
    logbuf l;
    const char *m = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello";
    assert_int_equal(run(GA_H1_RESP, m, strlen(m), 0, GA_H1_M_GET, &l), GA_H1_STOPPED);
    assert_non_null(strstr(l.s, "H101"));
    assert_non_null(strstr(l.s, "D0|"));
    m = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03";
    assert_int_equal(run(GA_H1_RESP, m, strlen(m), 1, GA_H1_M_CONNECT, &l), GA_H1_STOPPED);
}

static void test_invisible_bytes(void **state)
{
    (void)state;
    ga_h1_parser ps;
    logbuf l = {0};
    l.resp_method = GA_H1_M_GET;
    ga_h1_cb cb = cb_for(&l);
    ga_h1_init(&ps, GA_H1_RESP);
    const char *m = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb);
    assert_int_equal(ga_h1_quiet(&ps), 1000);
    assert_int_equal(ga_h1_feed(&ps, NULL, 600, &cb), GA_H1_BODY);
    assert_int_equal(ga_h1_quiet(&ps), 400);
    assert_int_equal(ga_h1_feed(&ps, NULL, 400, &cb), GA_H1_IDLE);
    assert_non_null(strstr(l.s, "D1000|"));
    assert_int_equal(ga_h1_feed(&ps, NULL, 1, &cb), GA_H1_ERROR);   /* not inside a body */
}

/* ---- garbage ---- */

static void test_garbage(void **state)
{
    (void)state;
    logbuf l;
    const char *bad_req[] = {
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "GET / HTTP/1.1\r\n@bad\r\n\r\n",                      /* not a token */
        "GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\rX",
        "GET / HTTX/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabX",
        "(GET / HTTP/1.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad_req / sizeof bad_req[0]; i++) {
        assert_int_equal(run(GA_H1_REQ, bad_req[i], strlen(bad_req[i]), 0, 0, &l), GA_H1_ERROR);
        assert_int_equal(run(GA_H1_REQ, bad_req[i], strlen(bad_req[i]), 1, 0, &l), GA_H1_ERROR);
    }
    const char *bad_resp[] = { "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 099 x\r\n\r\n",
                               "SSH-2.0-OpenSSH\r\n" };
    for (size_t i = 0; i < sizeof bad_resp / sizeof bad_resp[0]; i++)
        assert_int_equal(run(GA_H1_RESP, bad_resp[i], strlen(bad_resp[i]), 0, GA_H1_M_GET, &l),
                         GA_H1_ERROR);
}

/* Lines of fields the parser does not follow are skipped without checks (cheaper; the
 * framing never depends on them). */
static void test_unfollowed_lines_skipped(void **state)
{
    (void)state;
    logbuf l;
    const char *m = "GET / HTTP/1.1\r\nBad Name: x\r\nAccept no colon\r\nHost : no\r\n"
                    "Content-Length\r\nHost\x01: no\r\nHost: h\r\n\r\n";
    assert_int_equal(run(GA_H1_REQ, m, strlen(m), 0, 0, &l), GA_H1_IDLE);
    assert_int_equal(run(GA_H1_REQ, m, strlen(m), 1, 0, &l), GA_H1_IDLE);
    assert_non_null(strstr(l.s, "F3=h|"));
}

static void test_bounds(void **state)
{
    (void)state;
    static char big[GA_H1_MAX_HEAD + 200];
    ga_h1_parser ps;
    ga_h1_cb cb = {0};
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    ga_h1_init(&ps, GA_H1_REQ);
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)big, sizeof big, &cb), GA_H1_ERROR);
    /* a long chunk extension */
    ga_h1_init(&ps, GA_H1_REQ);
    const char *m = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;";
    ga_h1_feed(&ps, (const uint8_t *)m, strlen(m), &cb);
    assert_int_equal(ga_h1_feed(&ps, (const uint8_t *)big, GA_H1_MAX_LINE + 10, &cb), GA_H1_ERROR);
}

static void test_detection(void **state)
{
    (void)state;
    const char *yes[] = { "G", "GE", "GET", "GET ", "GET /", "POST /x", "OPTIONS *", "PATCH", "QUERY /" };
    const char *no[] = { "", "g", "GET/", "GETX", "PRI * HTTP/2.0", "*1\r\n", "\x16\x03\x01", "GET  /",
                         "HTTP/1.1 200" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(ga_h1_request_prefix((const uint8_t *)yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(ga_h1_request_prefix((const uint8_t *)no[i], strlen(no[i])));
    assert_true(ga_h1_response_prefix((const uint8_t *)"HTT", 3));
    assert_true(ga_h1_response_prefix((const uint8_t *)"HTTP/1.1 200", 12));
    assert_false(ga_h1_response_prefix((const uint8_t *)"HTTP/2 200", 10));
    assert_string_equal(ga_h1_method_name(GA_H1_M_GET), "GET");
    assert_string_equal(ga_h1_method_name(GA_H1_M_OTHER), "_OTHER");
    assert_int_equal(ga_h1_method_of((const uint8_t *)"get", 3), GA_H1_M_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_pipelined_and_blank_lines),
        cmocka_unit_test(test_request_headers),
        cmocka_unit_test(test_request_propagation_headers),
        cmocka_unit_test(test_connect_pauses),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_until_close_and_eof),
        cmocka_unit_test(test_tunnels_stop),
        cmocka_unit_test(test_invisible_bytes),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_unfollowed_lines_skipped),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_detection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
