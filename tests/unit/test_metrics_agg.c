/* test_metrics_agg.c — aggregation (exporter/metrics.h): upper-inclusive bucket boundaries,
 * cumulative counts/sum/min/max, series interning independent of attribute order, the
 * cardinality limit and its overflow series, per-bucket latest exemplars, value truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/metrics.h"

static const double bounds[] = {1, 2, 5};

static ga_instrument hist(int max_series)
{
    return (ga_instrument){ .name = "t.hist", .unit = "s", .kind = GA_MK_HISTOGRAM, .bounds = bounds,
                            .nbounds = 3, .max_series = max_series };
}

static ga_attr str_attr(const char *k, const char *v)
{
    return (ga_attr){ .key = k, .type = GA_V_STR, .s = v, .slen = strlen(v) };
}

static void test_bucket_upper_inclusive(void **state)
{
    (void)state;
    assert_int_equal(ga_hist_bucket(bounds, 3, -1), 0);
    assert_int_equal(ga_hist_bucket(bounds, 3, 0), 0);
    assert_int_equal(ga_hist_bucket(bounds, 3, 1), 0);          /* (-inf, 1] */
    assert_int_equal(ga_hist_bucket(bounds, 3, 1.0000001), 1);
    assert_int_equal(ga_hist_bucket(bounds, 3, 2), 1);          /* (1, 2] */
    assert_int_equal(ga_hist_bucket(bounds, 3, 4.99), 2);
    assert_int_equal(ga_hist_bucket(bounds, 3, 5), 2);          /* (2, 5] */
    assert_int_equal(ga_hist_bucket(bounds, 3, 5.0000001), 3);  /* (5, +inf) */
    assert_int_equal(ga_hist_bucket(bounds, 3, 1e300), 3);
    assert_int_equal(ga_hist_bucket(bounds, 0, 7), 0);          /* no bounds: one bucket */
}

static void test_cumulative_counts(void **state)
{
    (void)state;
    ga_instrument m = hist(10);
    ga_attr a = str_attr("k", "v");
    ga_series *s = ga_series_get(&m, &a, 1);
    assert_non_null(s);
    const double vals[] = {0.5, 1, 1.5, 2, 3, 5, 6, 0.25};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        ga_hist_observe(&m, ga_series_get(&m, &a, 1), vals[i]);
    assert_int_equal(s->count, 8);
    assert_true(s->sum == 19.25);
    assert_true(s->min == 0.25);
    assert_true(s->max == 6);
    assert_int_equal(s->buckets[0], 3);     /* 0.5 1 0.25 */
    assert_int_equal(s->buckets[1], 2);     /* 1.5 2 */
    assert_int_equal(s->buckets[2], 2);     /* 3 5 */
    assert_int_equal(s->buckets[3], 1);     /* 6 */
    ga_hist_observe(&m, s, 0.1);            /* cumulative: nothing resets */
    assert_int_equal(s->count, 9);
    assert_int_equal(s->buckets[0], 4);
    assert_true(s->min == 0.1);
    ga_instrument_clear(&m);
}

static void test_series_identity(void **state)
{
    (void)state;
    ga_instrument m = hist(10);
    ga_attr ab[] = { str_attr("a", "1"), { .key = "b", .type = GA_V_INT, .i = 7 } };
    ga_attr ba[] = { { .key = "b", .type = GA_V_INT, .i = 7 }, str_attr("a", "1") };
    ga_attr other[] = { str_attr("a", "1"), { .key = "b", .type = GA_V_INT, .i = 8 } };
    ga_series *s1 = ga_series_get(&m, ab, 2), *s2 = ga_series_get(&m, ba, 2);
    ga_series *s3 = ga_series_get(&m, other, 2), *s4 = ga_series_get(&m, NULL, 0);
    assert_ptr_equal(s1, s2);
    assert_ptr_not_equal(s1, s3);
    assert_non_null(s4);
    assert_int_equal(m.nseries, 3);
    /* the series keeps its own sorted, NUL-terminated copy of the attributes */
    assert_int_equal(s1->nattrs, 2);
    assert_string_equal(s1->attrs[0].key, "a");
    assert_int_equal(s1->attrs[0].slen, 1);
    assert_memory_equal(s1->attrs[0].s, "1", 2);
    assert_string_equal(s1->attrs[1].key, "b");
    assert_int_equal(s1->attrs[1].i, 7);
    assert_int_equal(s4->nattrs, 0);
    /* iteration in creation order */
    assert_ptr_equal(ga_series_first(&m), s1);
    assert_ptr_equal(ga_series_next(&m, s1), s3);
    assert_ptr_equal(ga_series_next(&m, s3), s4);
    assert_null(ga_series_next(&m, s4));
    ga_instrument_clear(&m);
    assert_null(ga_series_first(&m));
}

static void test_overflow_series(void **state)
{
    (void)state;
    ga_instrument m = hist(2);
    ga_attr a = str_attr("peer", "a"), b = str_attr("peer", "b"), c = str_attr("peer", "c");
    ga_attr d = str_attr("peer", "d");
    ga_series *sa = ga_series_get(&m, &a, 1), *sb = ga_series_get(&m, &b, 1);
    ga_series *sc = ga_series_get(&m, &c, 1), *sd = ga_series_get(&m, &d, 1);
    assert_non_null(sc);
    assert_ptr_equal(sc, sd);                   /* every new set beyond the limit */
    assert_ptr_equal(sc, m.overflow);
    assert_ptr_equal(ga_series_get(&m, &a, 1), sa);   /* known sets still have their own */
    assert_int_equal(m.nseries, 2);
    assert_int_equal(sc->nattrs, 1);
    assert_string_equal(sc->attrs[0].key, "otel.metric.overflow");
    assert_int_equal(sc->attrs[0].type, GA_V_BOOL);
    assert_int_equal(sc->attrs[0].i, 1);
    ga_hist_observe(&m, sc, 1);
    ga_hist_observe(&m, sd, 3);
    assert_int_equal(m.overflow->count, 2);
    int n = 0;
    const ga_series *last = NULL;
    for (const ga_series *s = ga_series_first(&m); s; s = ga_series_next(&m, s), n++)
        last = s;
    assert_int_equal(n, 3);
    assert_ptr_equal(last, m.overflow);         /* overflow series comes last */
    (void)sb;
    ga_instrument_clear(&m);
}

static void test_exemplars_latest_per_bucket(void **state)
{
    (void)state;
    ga_instrument m = hist(4);
    ga_series *s = ga_series_get(&m, NULL, 0);
    uint8_t t1[16] = {1}, t2[16] = {2}, sp[8] = {9};
    int b = ga_hist_observe(&m, s, 1.5);
    assert_null(s->ex);                         /* allocated with the first exemplar only */
    ga_hist_exemplar(&m, s, b, 1.5, 100, t1, sp);
    b = ga_hist_observe(&m, s, 1.7);
    ga_hist_exemplar(&m, s, b, 1.7, 200, t2, sp);
    assert_non_null(s->ex);
    assert_true(s->ex[1].set);
    assert_true(s->ex[1].value == 1.7);
    assert_int_equal(s->ex[1].time_ns, 200);
    assert_int_equal(s->ex[1].trace_id[0], 2);
    assert_false(s->ex[0].set);
    assert_false(s->ex[3].set);
    ga_instrument_clear(&m);
}

static void test_counter_and_truncation(void **state)
{
    (void)state;
    ga_instrument m = { .name = "t.c", .unit = "By", .kind = GA_MK_COUNTER, .max_series = 4 };
    char big[600];
    memset(big, 'x', sizeof big);
    ga_attr a = { .key = "k", .type = GA_V_STR, .s = big, .slen = sizeof big };
    ga_series *s = ga_series_get(&m, &a, 1);
    assert_int_equal(s->attrs[0].slen, GA_MVAL_MAX);
    assert_null(s->buckets);
    ga_counter_add(s, 5);
    ga_counter_add(s, 7);
    assert_int_equal(s->value, 12);
    ga_counter_add(NULL, 1);                    /* NULL series (no memory) is ignored */
    ga_instrument_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_upper_inclusive),
        cmocka_unit_test(test_cumulative_counts),
        cmocka_unit_test(test_series_identity),
        cmocka_unit_test(test_overflow_series),
        cmocka_unit_test(test_exemplars_latest_per_bucket),
        cmocka_unit_test(test_counter_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
