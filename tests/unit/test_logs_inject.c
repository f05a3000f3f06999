/* test_logs_inject.c — the line rewriting of GENESIS_LOGS_INJECT (preload/logcap.c:
 * ga_logcap_inject_lines): JSON object lines get the ids before their closing brace, text lines
 * before their newline, per mode; lines already carrying a trace_id, empty lines and a trailing
 * partial line are left alone; nothing is injected when the result does not fit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "preload/logcap.h"

static const char T[] = "4bf92f3577b34da6a3ce929d0e0e4736", S[] = "00f067aa0ba902b7";

static const char *inj(int mode, const char *in)
{
    static char out[8192];
    size_t n = ga_logcap_inject_lines(mode, in, strlen(in), T, S, out, sizeof out - 1);
    if (n == 0)
        return NULL;
    out[n] = '\0';
    return out;
}

static void test_json(void **state)
{
    (void)state;
    assert_string_equal(inj(GA_INJECT_JSON, "{\"level\":\"info\",\"msg\":\"x\"}\n"),
        "{\"level\":\"info\",\"msg\":\"x\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
        "\"span_id\":\"00f067aa0ba902b7\"}\n");
    assert_string_equal(inj(GA_INJECT_AUTO, "{}\r\n"),
        "{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}\r\n");
    assert_null(inj(GA_INJECT_JSON, "plain text\n"));                       /* json mode: text untouched */
    assert_null(inj(GA_INJECT_JSON, "{\"trace_id\":\"abc\"}\n"));           /* already there */
}

static void test_text(void **state)
{
    (void)state;
    assert_string_equal(inj(GA_INJECT_TEXT, "request failed\n"),
        "request failed trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\n");
    assert_string_equal(inj(GA_INJECT_AUTO, "a\r\n\n{\"k\":1}\nb\n"),
        "a trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\r\n\n"
        "{\"k\":1,\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}\n"
        "b trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\n");
    assert_null(inj(GA_INJECT_TEXT, "x trace_id=1 y\n"));
    /* a trailing partial line is left as it is */
    assert_string_equal(inj(GA_INJECT_TEXT, "one\ntwo"),
        "one trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7\ntwo");
    assert_null(inj(GA_INJECT_OFF, "one\n"));
}

static void test_no_room(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ga_logcap_inject_lines(GA_INJECT_TEXT, "line\n", 5, T, S, out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_no_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
