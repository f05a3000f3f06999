/* test_logline.c — the pure log-line helpers (protocols/logline/): exportable text, escape
 * stripping, JSON detection and severity from the forms programs write. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/logline/logline.h"

static int sev(const char *s, const char **text)
{
    ga_ll_sev v;
    ga_ll_severity(s, strlen(s), &v);
    static char buf[32];
    size_t n = v.text_len < sizeof buf - 1 ? v.text_len : sizeof buf - 1;
    memcpy(buf, v.text ? v.text : "", n);
    buf[n] = '\0';
    if (text)
        *text = buf;
    return v.number;
}

static void test_severity_forms(void **state)
{
    (void)state;
    const char *t;
    assert_int_equal(sev("{\"ts\":1,\"level\":\"error\",\"msg\":\"x\"}", &t), 17);
    assert_string_equal(t, "error");
    assert_int_equal(sev("{\"severity\": \"WARNING\", \"msg\":\"x\"}", &t), 13);
    assert_string_equal(t, "WARNING");
    assert_int_equal(sev("{\"lvl\":\"info\"}", NULL), 9);
    assert_int_equal(sev("{\"levelname\":\"CRITICAL\",\"m\":1}", NULL), 18);
    assert_int_equal(sev("{\"level\":50,\"msg\":\"pino\"}", &t), 17);
    assert_string_equal(t, "50");
    assert_int_equal(sev("{\"msg\":\"ERROR inside a json value\"}", NULL), 0);
    assert_int_equal(sev("{\"msg\":\"level\",\"x\":1}", NULL), 0);
    /* a long value (a timestamp) or an escaped quote before the level: the scan stays in step */
    assert_int_equal(sev("{\"ts\":\"2026-12-06T23:54:32.475Z\",\"level\":\"error\"}", &t), 17);
    assert_string_equal(t, "error");
    assert_int_equal(sev("{\"msg\":\"say \\\"hi\\\" \",\"level\":\"warn\"}", NULL), 13);
    assert_int_equal(sev("{\"a_very_long_key_name_here\":1,\"lvl\":\"debug\"}", NULL), 5);
    assert_int_equal(sev("ERROR:root:something broke", &t), 17);
    assert_string_equal(t, "ERROR");
    assert_int_equal(sev("WARNING:app.db:slow query", NULL), 13);
    assert_int_equal(sev("2026/12/06 19:12:55 [error] 123#0: *1 open() failed", &t), 17);
    assert_string_equal(t, "error");
    assert_int_equal(sev("2026/12/06 19:12:55 [notice] 1#1: start worker", NULL), 10);
    assert_int_equal(sev("E1206 19:12:55.123456  4711 main.cc:10] boom", &t), 17);
    assert_string_equal(t, "E");
    assert_int_equal(sev("I1206 19:12:55.123456  4711 main.cc:10] ok", NULL), 9);
    assert_int_equal(sev("time=1 level=warn msg=\"x\"", &t), 13);
    assert_string_equal(t, "warn");
    assert_int_equal(sev("12:00:01 [INFO] started", NULL), 9);
    assert_int_equal(sev("12:00:01 FATAL out of memory", NULL), 21);
    /* prose is not a level; a level-less stderr line stays unset */
    assert_int_equal(sev("an error happened while reading", NULL), 0);
    assert_int_equal(sev("hello world", NULL), 0);
    assert_int_equal(sev("ERRORS: 0", NULL), 0);
    assert_int_equal(sev("", NULL), 0);
}

static void test_syslog(void **state)
{
    (void)state;
    ga_ll_sev v;
    ga_ll_syslog_severity(3, &v);
    assert_int_equal(v.number, 17);
    assert_memory_equal(v.text, "err", 3);
    ga_ll_syslog_severity(132, &v);     /* LOG_LOCAL0 | LOG_WARNING */
    assert_int_equal(v.number, 13);
    ga_ll_syslog_severity(7, &v);
    assert_int_equal(v.number, 5);
    ga_ll_syslog_severity(0, &v);
    assert_int_equal(v.number, 21);
}

static void test_text(void **state)
{
    (void)state;
    assert_true(ga_ll_is_text("plain", 5));
    assert_true(ga_ll_is_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    assert_false(ga_ll_is_text("a\0b", 3));
    assert_false(ga_ll_is_text("\xc3", 1));
    assert_false(ga_ll_is_text("\xc0\xaf", 2));          /* overlong */
    assert_false(ga_ll_is_text("\xed\xa0\x80", 3));      /* surrogate */
    assert_false(ga_ll_is_text("\xff", 1));
    assert_true(ga_ll_is_json_object("  {\"a\":1}\r\n", 11));
    assert_false(ga_ll_is_json_object("[1,2]", 5));
    assert_false(ga_ll_is_json_object("{", 1));
}

static void test_strip(void **state)
{
    (void)state;
    char out[128];
    const char *in = "\x1b[31mERROR\x1b[0m: \x1b]0;title\x07red\x1b(B text\r\t \n";
    size_t n = ga_ll_strip(out, in, strlen(in));
    out[n] = '\0';
    assert_string_equal(out, "ERROR: red text");
    n = ga_ll_strip(out, "\x1b[", 2);
    assert_int_equal(n, 0);
    n = ga_ll_strip(out, "a\x1b]unterminated", 15);
    out[n] = '\0';
    assert_string_equal(out, "a");
}

/* The one-pass clean() answers what is_text() and strip() answer, on lines mixing plain
 * text, tabs, escapes, UTF-8 and invalid bytes at every position of the eight-byte steps. */
static void test_clean_equals_check_and_strip(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "plain text ", "\t", "\x1b[1;31m", "\x1b]0;t\x07", "caf\xc3\xa9", "\xe2\x82\xac", "\r",
        "\xff", "\x01", "\x7f", " ", "ERROR", "{\"a\":1}", "\xc3", "\x1b(B", "  \t",
    };
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 20000; round++) {
        char line[256], a[256], b[256];
        size_t n = 0;
        int k = (int)(x % 9);
        for (int i = 0; i < k; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            const char *p = pieces[x % np];
            size_t l = strlen(p);
            if (n + l >= sizeof line)
                break;
            memcpy(line + n, p, l);
            n += l;
        }
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        long c = ga_ll_clean(a, line, n);
        if (!ga_ll_is_text(line, n)) {
            assert_int_equal(c, -1);
            continue;
        }
        size_t s = ga_ll_strip(b, line, n);
        assert_int_equal(c, (long)s);
        assert_memory_equal(a, b, s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severity_forms),
        cmocka_unit_test(test_syslog),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_strip),
        cmocka_unit_test(test_clean_equals_check_and_strip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
