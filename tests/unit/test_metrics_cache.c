/* test_metrics_cache.c — ga_series_lookup() (exporter/metrics_cache.c) gives exactly what
 * ga_series_get() gives: the same series for the same set in any order, a new series for a
 * new value, the overflow series once the instrument is full (and still the old series for
 * the sets it already had), keys that are not literals, and a table that grows, stops growing
 * at its bound and is freed with the instrument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/metrics.h"

static const double bounds[] = { 0.1, 1 };
static ga_instrument hist = { .name = "t.duration", .unit = "s", .kind = GA_MK_HISTOGRAM,
                              .bounds = bounds, .nbounds = 2, .max_series = 8 };

static int teardown(void **state)
{
    (void)state;
    ga_instrument_clear(&hist);
    return 0;
}

static void set(ga_attr *a, const char *op, int64_t port)
{
    a[0] = (ga_attr){ .key = "db.system.name", .klen = 14, .type = GA_V_STR, .s = "redis", .slen = 5 };
    a[1] = (ga_attr){ .key = "db.operation.name", .klen = 17, .type = GA_V_STR, .s = op, .slen = strlen(op) };
    a[2] = (ga_attr){ .key = "server.port", .klen = 11, .type = GA_V_INT, .i = port };
}

static void test_same_answers(void **state)
{
    (void)state;
    ga_attr a[3], b[3];
    set(a, "GET", 6379);
    ga_series *s = ga_series_lookup(&hist, a, 3);
    assert_non_null(s);
    assert_ptr_equal(ga_series_lookup(&hist, a, 3), s);            /* cached */
    assert_ptr_equal(ga_series_get(&hist, a, 3), s);
    b[0] = a[2], b[1] = a[0], b[2] = a[1];                           /* another order */
    assert_ptr_equal(ga_series_lookup(&hist, b, 3), s);
    set(b, "SET", 6379);
    ga_series *t = ga_series_lookup(&hist, b, 3);
    assert_ptr_not_equal(t, s);
    assert_ptr_equal(ga_series_get(&hist, b, 3), t);
    set(b, "GET", 6380);
    assert_ptr_not_equal(ga_series_lookup(&hist, b, 3), s);
    char op[4] = "GET";                                               /* same bytes elsewhere */
    set(b, op, 6379);
    assert_ptr_equal(ga_series_lookup(&hist, b, 3), s);
    b[1].klen = 0;                                                    /* not a literal: slow path */
    assert_ptr_equal(ga_series_lookup(&hist, b, 3), s);
    assert_ptr_equal(ga_series_lookup(&hist, NULL, 0), ga_series_get(&hist, NULL, 0));
    assert_int_equal(hist.nseries, 4);
}

static void test_overflow(void **state)
{
    (void)state;
    ga_attr a[3];
    char ops[32][16];
    ga_series *first = NULL;
    for (int i = 0; i < 32; i++) {
        snprintf(ops[i], sizeof ops[i], "OP%d", i);
        set(a, ops[i], 1);
        ga_series *s = ga_series_lookup(&hist, a, 3);
        assert_ptr_equal(s, ga_series_get(&hist, a, 3));
        if (i == 0)
            first = s;
        if (i >= hist.max_series)
            assert_ptr_equal(s, hist.overflow);
    }
    assert_int_equal(hist.nseries, hist.max_series);
    set(a, ops[0], 1);
    assert_ptr_equal(ga_series_lookup(&hist, a, 3), first);          /* old sets keep theirs */
    set(a, ops[20], 1);
    assert_ptr_equal(ga_series_lookup(&hist, a, 3), hist.overflow);
}

static void test_bounded_table(void **state)
{
    (void)state;
    ga_attr a[3];
    char ops[200][16];
    for (int i = 0; i < 200; i++) {                                   /* many sets overflowing */
        snprintf(ops[i], sizeof ops[i], "X%d", i);
        set(a, ops[i], 2);
        assert_ptr_equal(ga_series_lookup(&hist, a, 3), ga_series_get(&hist, a, 3));
    }
    assert_non_null(hist.cache);
    ga_instrument_clear(&hist);                                       /* frees the table too */
    assert_null(hist.cache);
    assert_int_equal(hist.nseries, 0);
    set(a, "GET", 1);
    assert_non_null(ga_series_lookup(&hist, a, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_same_answers, teardown),
        cmocka_unit_test_teardown(test_overflow, teardown),
        cmocka_unit_test_teardown(test_bounded_table, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
