/* test_baggage.c — the thread's and the process's W3C baggage (preload/baggage.h): which values
 * are kept (whole, trimmed, at most 256 printable ASCII bytes or tabs), that the outgoing
 * baggage is the active span's and only its, the process's from BAGGAGE when no span is
 * active, and the save and restore around a nested span. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "preload/baggage.h"

static const uint8_t SPAN_A[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t SPAN_B[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };

static void activate(const uint8_t span[8])
{
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    memcpy(ga_tls_active.span_id, span, 8);
    ga_tls_active.trace_id[0] = 1;
    ga_tls_active.valid = 1;
}

static size_t clean(const char *v)
{
    char out[GA_BAG_CAP];
    return ga_baggage_clean(v, strlen(v), out);
}

static void test_values_kept_or_not(void **state)
{
    (void)state;
    char out[GA_BAG_CAP];
    const char *in = " \tk=v;p=1 , x=%20y\t ";
    assert_int_equal(ga_baggage_clean(in, strlen(in), out), 16);    /* blanks trimmed */
    assert_memory_equal(out, "k=v;p=1 , x=%20y", 16);
    assert_int_equal(clean("k=v\r\nX-Evil: 1"), 0);     /* it would split a header line */
    assert_int_equal(clean("k=v\n"), 0);                /* refused whole, never cut */
}

static void test_cap_and_bytes(void **state)
{
    (void)state;
    char v[GA_BAG_CAP + 2], out[GA_BAG_CAP];
    memset(v, 'a', sizeof v);
    v[1] = '=';
    assert_int_equal(ga_baggage_clean(v, GA_BAG_CAP, out), GA_BAG_CAP);
    assert_int_equal(ga_baggage_clean(v, GA_BAG_CAP + 1, out), 0);
    assert_int_equal(ga_baggage_clean("k=\xc3\xa9", 4, out), 0);   /* non-ASCII: percent-encode it */
    assert_int_equal(ga_baggage_clean("k=v\0w", 5, out), 0);
    assert_int_equal(ga_baggage_clean("k=\tv", 4, out), 4);
    assert_int_equal(ga_baggage_clean("   ", 3, out), 0);
    assert_int_equal(ga_baggage_clean(NULL, 0, out), 0);
}

static void test_outgoing_is_the_active_spans(void **state)
{
    (void)state;
    const char *v = NULL;
    assert_int_equal(ga_baggage_env(NULL), 0);
    activate(SPAN_A);
    ga_baggage_set(SPAN_A, "a=1", 3);
    assert_int_equal(ga_baggage_outgoing(&v), 3);
    assert_memory_equal(v, "a=1", 3);
    activate(SPAN_B);                                   /* another span: not its baggage */
    assert_int_equal(ga_baggage_outgoing(&v), 0);
    ga_baggage_set(SPAN_B, "bad\r\n", 5);               /* refused: none, not the old one */
    assert_int_equal(ga_baggage_outgoing(&v), 0);
    ga_baggage_set(SPAN_B, NULL, 0);
    assert_int_equal(ga_baggage_outgoing(&v), 0);
}

static void test_env_only_without_an_active_span(void **state)
{
    (void)state;
    const char *v = NULL;
    assert_int_equal(ga_baggage_env(" p=proc "), 0);
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    assert_int_equal(ga_baggage_outgoing(&v), 6);
    assert_memory_equal(v, "p=proc", 6);
    activate(SPAN_A);                                   /* a span without baggage: none */
    ga_baggage_set(SPAN_A, NULL, 0);
    assert_int_equal(ga_baggage_outgoing(&v), 0);
    assert_int_equal(ga_baggage_env("p=\xff"), -1);    /* refused: the caller warns */
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    assert_int_equal(ga_baggage_outgoing(&v), 0);
    assert_int_equal(ga_baggage_env(""), 0);
}

static void test_save_restore(void **state)
{
    (void)state;
    static ga_bag saved;
    const char *v = NULL;
    activate(SPAN_A);
    ga_baggage_set(SPAN_A, "outer=1", 7);
    ga_baggage_save(&saved);
    activate(SPAN_B);                                   /* a nested span with its own */
    ga_baggage_set(SPAN_B, "inner=2", 7);
    assert_int_equal(ga_baggage_outgoing(&v), 7);
    assert_memory_equal(v, "inner=2", 7);
    activate(SPAN_A);                                   /* it ended: the outer one's again */
    ga_baggage_restore(&saved);
    assert_int_equal(ga_baggage_outgoing(&v), 7);
    assert_memory_equal(v, "outer=1", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_kept_or_not),
        cmocka_unit_test(test_cap_and_bytes),
        cmocka_unit_test(test_outgoing_is_the_active_spans),
        cmocka_unit_test(test_env_only_without_an_active_span),
        cmocka_unit_test(test_save_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
