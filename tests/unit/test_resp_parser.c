/* test_resp_parser.c — the pure RESP parsers (protocols/resp/resp.h): requests (multibulk, inline,
 * pipelined, huge arguments never buffered), every RESP2/RESP3 reply type, nesting far below the
 * tracked stack, attributes, streamed values, and the same events whatever the split. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/resp/resp.h"

/* ------------------------------------------------------------------ request events as text */

typedef struct rq_log {
    char s[4096];
    size_t len;
    uint64_t data;          /* argument bytes seen */
} rq_log;

static void rq_put(rq_log *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->s + l->len, sizeof l->s - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->s - l->len ? (size_t)n : sizeof l->s - 1 - l->len;
}

static void rq_begin(void *ud) { rq_put(ud, "["); }
static void rq_arg_begin(void *ud, uint32_t idx, uint64_t len) { (void)len; rq_put(ud, idx ? " " : ""); }
static void rq_arg_data(void *ud, const uint8_t *p, size_t n)
{
    rq_log *l = ud;
    if (l->data < 64)                        /* huge arguments: only counted */
        rq_put(l, "%.*s", (int)(n < 64 ? n : 64), (const char *)p);
    l->data += n;
}
static void rq_arg_end(void *ud) { (void)ud; }
static void rq_end(void *ud, uint32_t nargs) { rq_put(ud, "]%u", nargs); }

static const ga_resp_req_cb rq_cb = { rq_begin, rq_arg_begin, rq_arg_data, rq_arg_end, rq_end };

/* Feed s in chunks of `step` bytes (0 = all at once). */
static int rq_feed(ga_resp_req *r, rq_log *l, const char *s, size_t n, size_t step)
{
    int rc = GA_RESP_OK;
    for (size_t off = 0; off < n && rc == GA_RESP_OK;) {
        size_t k = step == 0 || n - off < step ? n - off : step;
        rc = ga_resp_req_feed(r, (const uint8_t *)s + off, k, &rq_cb, l);
        off += k;
    }
    return rc;
}

static void expect_requests(const char *in, const char *want)
{
    for (size_t step = 0; step <= 7; step++) {
        ga_resp_req r = {0};
        rq_log l = {0};
        assert_int_equal(rq_feed(&r, &l, in, strlen(in), step), GA_RESP_OK);
        assert_string_equal(l.s, want);
    }
}

static void test_req_multibulk(void **state)
{
    (void)state;
    expect_requests("*2\r\n$3\r\nGET\r\n$6\r\nmy key\r\n", "[GET my key]2");
    expect_requests("*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*0\r\n",
                    "[PING]1[SET k ]3");
    expect_requests("*-1\r\n*1\r\n$4\r\nQUIT\r\n", "[QUIT]1");
}

static void test_req_inline(void **state)
{
    (void)state;
    expect_requests("PING\r\n", "[PING]1");
    expect_requests("SET  k\tv\r\n\r\n\nGET k\n", "[SET k v]3[GET k]2");
    expect_requests("   \r\n", "");
}

static void test_req_huge_argument(void **state)
{
    (void)state;
    ga_resp_req r = {0};
    rq_log l = {0};
    const char *hdr = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$5000000\r\n";
    assert_int_equal(rq_feed(&r, &l, hdr, strlen(hdr), 0), GA_RESP_OK);
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    size_t left = 5000000;
    while (left > 0) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        assert_int_equal(ga_resp_req_feed(&r, (const uint8_t *)chunk, k, &rq_cb, &l), GA_RESP_OK);
        left -= k;
    }
    assert_int_equal(rq_feed(&r, &l, "\r\n", 2, 0), GA_RESP_OK);
    assert_int_equal(l.data, 3 + 3 + 5000000);
    assert_non_null(strstr(l.s, "]3"));
    assert_true(sizeof r <= 64);
}

static void test_req_errors(void **state)
{
    (void)state;
    const char *bad[] = { "*2\r\n+GET\r\n", "*1\r\n$3\r\nGETX\r\n", "*x\r\n", "*1\r\n$-5\r\n",
                          "*1\r\n$99999999999999999999\r\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ga_resp_req r = {0};
        rq_log l = {0};
        assert_int_equal(rq_feed(&r, &l, bad[i], strlen(bad[i]), 0), GA_RESP_EBAD);
        assert_int_equal(rq_feed(&r, &l, "PING\r\n", 6, 0), GA_RESP_EBAD);   /* stays bad */
    }
    /* An inline line longer than Redis accepts. */
    ga_resp_req r = {0};
    rq_log l = {0};
    static char line[GA_RESP_INLINE_MAX + 10];
    memset(line, 'a', sizeof line);
    assert_int_equal(rq_feed(&r, &l, line, sizeof line, 4096), GA_RESP_EBAD);
}

/* ------------------------------------------------------------------ replies */

typedef struct rp_log {
    int n;
    ga_resp_reply last[16];
} rp_log;

static void rp_on(void *ud, const ga_resp_reply *rep)
{
    rp_log *l = ud;
    if (l->n < 16)
        l->last[l->n] = *rep;
    l->n++;
}

static int rp_feed(ga_resp_rep *r, rp_log *l, const char *s, size_t n, size_t step)
{
    int rc = GA_RESP_OK;
    for (size_t off = 0; off < n && rc == GA_RESP_OK;) {
        size_t k = step == 0 || n - off < step ? n - off : step;
        rc = ga_resp_rep_feed(r, (const uint8_t *)s + off, k, rp_on, l);
        off += k;
    }
    return rc;
}

/* Every split gives the same count of top-level values; returns the whole-buffer log. */
static rp_log expect_replies(const char *in, size_t n, int count)
{
    rp_log whole = {0};
    for (size_t step = 0; step <= 5; step++) {
        ga_resp_rep r = {0};
        rp_log l = {0};
        assert_int_equal(rp_feed(&r, &l, in, n, step), GA_RESP_OK);
        assert_int_equal(l.n, count);
        if (step == 0)
            whole = l;
        for (int i = 0; i < count && i < 16; i++) {
            assert_int_equal(l.last[i].type, whole.last[i].type);
            assert_int_equal(l.last[i].err_len, whole.last[i].err_len);
            assert_int_equal(l.last[i].first_len, whole.last[i].first_len);
        }
    }
    return whole;
}
#define EXPECT(s, count) expect_replies((s), sizeof(s) - 1, (count))

static void test_rep_scalars(void **state)
{
    (void)state;
    rp_log l = EXPECT("+OK\r\n-ERR unknown command 'x'\r\n:1000\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n"
                      "_\r\n,1.23\r\n,-inf\r\n#t\r\n!21\r\nSYNTAX invalid syntax\r\n"
                      "=15\r\ntxt:Some string\r\n(3492890328409238509324850943850943825024385\r\n$0\r\n\r\n", 14);
    const char types[] = "+-:$$*_,,#!=($";
    for (int i = 0; i < 14; i++)
        assert_int_equal(l.last[i].type, (uint8_t)types[i]);
    assert_int_equal(l.last[1].err_len, 23);
    assert_memory_equal(l.last[1].err, "ERR unknown", 11);
    assert_true(l.last[4].is_null && l.last[5].is_null && l.last[6].is_null);
    assert_false(l.last[3].is_null);
    assert_int_equal(l.last[10].err_len, 21);
    assert_memory_equal(l.last[10].err, "SYNTAX invalid syntax", 21);
}

static void test_rep_aggregates(void **state)
{
    (void)state;
    rp_log l = EXPECT("*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n$1\r\na\r\n"          /* nested arrays */
                      "%2\r\n+first\r\n:1\r\n+second\r\n*0\r\n"         /* map */
                      "~3\r\n:1\r\n:2\r\n:3\r\n"                        /* set */
                      ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n" /* push */
                      "*0\r\n%0\r\n", 6);
    assert_int_equal(l.last[0].type, '*');
    assert_int_equal(l.last[1].type, '%');
    assert_int_equal(l.last[1].first_len, 5);
    assert_int_equal(l.last[3].type, '>');
    assert_int_equal(l.last[3].first_len, 7);
    assert_memory_equal(l.last[3].first, "message", 7);
}

static void test_rep_attributes_and_streams(void **state)
{
    (void)state;
    rp_log l = EXPECT("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:5\r\n"   /* attr, then :5 */
                      "*2\r\n|1\r\n+ttl\r\n:3600\r\n$3\r\nval\r\n:7\r\n"            /* attr inside */
                      "$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n"                      /* streamed string */
                      "*?\r\n:1\r\n*?\r\n:2\r\n.\r\n%?\r\n+a\r\n:1\r\n.\r\n.\r\n", 4);
    assert_int_equal(l.last[0].type, ':');
    assert_int_equal(l.last[1].type, '*');
    assert_int_equal(l.last[1].first_len, 3);               /* "val": the attribute is skipped */
    assert_memory_equal(l.last[1].first, "val", 3);
    assert_int_equal(l.last[2].type, '$');
    assert_int_equal(l.last[3].type, '*');
}

static void test_rep_deep_nesting(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = 0;
    for (int i = 0; i < 40; i++)                            /* 40 levels, stack holds 8 */
        n += (size_t)snprintf(buf + n, sizeof buf - n, i % 3 == 0 ? "%%1\r\n+k\r\n" : "*2\r\n:1\r\n");
    n += (size_t)snprintf(buf + n, sizeof buf - n, "|1\r\n+a\r\n+b\r\n*0\r\n");
    n += (size_t)snprintf(buf + n, sizeof buf - n, "+OK\r\n");
    rp_log l = expect_replies(buf, n, 2);
    assert_int_equal(l.last[0].type, '%');
    assert_int_equal(l.last[1].type, '+');
    assert_true(sizeof(ga_resp_rep) <= 320);
}

static void test_rep_captures(void **state)
{
    (void)state;
    rp_log l = EXPECT("*3\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n:1\r\n"   /* EXEC */
                      "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                      "*2\r\n!9\r\nERR inner\r\n-ERR second\r\n", 3);
    assert_int_equal(l.last[0].err_len, 0);
    assert_true(l.last[0].nerr_len > 9);
    assert_memory_equal(l.last[0].nerr, "WRONGTYPE", 9);
    assert_int_equal(l.last[1].first_len, 9);
    assert_memory_equal(l.last[1].first, "subscribe", 9);
    assert_true(l.last[1].has_third);
    assert_int_equal(l.last[1].third, 1);
    assert_int_equal(l.last[2].nerr_len, 9);
    assert_memory_equal(l.last[2].nerr, "ERR inner", 9);
}

static void test_rep_huge_bulk(void **state)
{
    (void)state;
    ga_resp_rep r = {0};
    rp_log l = {0};
    assert_int_equal(rp_feed(&r, &l, "$5000000\r\n", 10, 0), GA_RESP_OK);
    static char chunk[16384];
    memset(chunk, 'v', sizeof chunk);
    for (size_t left = 5000000; left > 0;) {
        size_t k = left < sizeof chunk ? left : sizeof chunk;
        assert_int_equal(ga_resp_rep_feed(&r, (const uint8_t *)chunk, k, rp_on, &l), GA_RESP_OK);
        assert_int_equal(l.n, 0);
        left -= k;
    }
    assert_int_equal(rp_feed(&r, &l, "\r\n+OK\r\n", 7, 1), GA_RESP_OK);
    assert_int_equal(l.n, 2);
}

static void test_rep_errors(void **state)
{
    (void)state;
    const char *bad[] = { "VALUE k 0 1\r\n", "$3\r\nabcd\r\n", "*2\r\n.\r\n", ".\r\n", "|?\r\n",
                          "$-2\r\n", "*1\r\n$?\r\n;x\r\n", "END\r\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ga_resp_rep r = {0};
        rp_log l = {0};
        assert_int_equal(rp_feed(&r, &l, bad[i], strlen(bad[i]), 0), GA_RESP_EBAD);
        assert_int_equal(rp_feed(&r, &l, "+OK\r\n", 5, 0), GA_RESP_EBAD);
    }
    assert_true(ga_resp_is_type('+') && ga_resp_is_type('|') && !ga_resp_is_type('V'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_multibulk),
        cmocka_unit_test(test_req_inline),
        cmocka_unit_test(test_req_huge_argument),
        cmocka_unit_test(test_req_errors),
        cmocka_unit_test(test_rep_scalars),
        cmocka_unit_test(test_rep_aggregates),
        cmocka_unit_test(test_rep_attributes_and_streams),
        cmocka_unit_test(test_rep_deep_nesting),
        cmocka_unit_test(test_rep_captures),
        cmocka_unit_test(test_rep_huge_bulk),
        cmocka_unit_test(test_rep_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
