/* test_metrics_wire.c — the metrics request written directly (exporter/metrics_otlp.c) against
 * protobuf-c, the oracle: (a) protobuf-c unpacks it to the values the instruments hold, and
 * (b) its bytes equal protobuf-c's packing of the same message tree (tests/unit/metrics_ref.h,
 * the encoder the library used before). Every shape the library emits: histograms with and
 * without exemplars, bounds, observations; monotonic and up-down sums of integers and doubles;
 * gauges of both; attributes of every type (invalid UTF-8, NULs, empty values); zero times;
 * the self and process metrics; requests past the 1- and 2-byte lengths; random instruments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/test_rng.h"
#include "exporter/exporter.h"
#include "exporter/metrics_otlp.h"
#include "exporter/metrics_reg.h"
#include "exporter/resource.h"
#include "tests/unit/metrics_pb.h"
#include "tests/unit/metrics_ref.h"


static const double BOUNDS[] = { 0.5, 1, 2.5, 10, 100 };

/* The test instruments: one of every kind and value type the library has. */
static const ga_instrument DEFS[] = {
    { .name = "t.hist", .description = "a histogram", .unit = "s", .kind = GA_MK_HISTOGRAM,
      .bounds = BOUNDS, .nbounds = 5, .max_series = 1000 },
    { .name = "t.hist.nobounds", .description = "", .unit = "", .kind = GA_MK_HISTOGRAM,
      .bounds = NULL, .nbounds = 0, .max_series = 1000 },
    { .name = "t.counter", .description = "ints", .unit = "{op}", .kind = GA_MK_COUNTER,
      .max_series = 1000 },
    { .name = "t.counter.double", .description = "doubles", .unit = "s", .kind = GA_MK_COUNTER,
      .is_double = 1, .max_series = 1000 },
    { .name = "t.updown", .description = "up and down", .unit = "{conn}", .kind = GA_MK_UPDOWN,
      .max_series = 1000 },
    { .name = "t.gauge", .description = NULL, .unit = NULL, .kind = GA_MK_GAUGE, .max_series = 1000 },
    { .name = "t.gauge.double", .description = "d", .unit = "1", .kind = GA_MK_GAUGE, .is_double = 1,
      .max_series = 1000 },
};
#define NDEFS (int)(sizeof DEFS / sizeof DEFS[0])

static ga_instrument *inst[NDEFS];
static ga_pb_arena arena;
static ga_buf got, want;

static uint64_t rng = 88172645463325252ull;       /* the inputs' seed (test_rng.h) */

static uint64_t rnd(void)
{
    return test_rnd(&rng);
}

static int setup(void **state)
{
    (void)state;
    ga_metrics_clear();
    memset(&ga_self, 0, sizeof ga_self);
    ga_resource_build(&ga_res);
    ga_metrics_start();
    for (int i = 0; i < NDEFS; i++)
        assert_non_null(inst[i] = ga_metrics_instrument(&DEFS[i]));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ga_metrics_clear();
    ga_pb_arena_free(&arena);
    return 0;
}

/* Encode with the library and with the reference; both must succeed with the same count and
 * the same bytes. Returns the number of points. */
static int same_bytes(uint64_t now)
{
    int a = ga_metrics_otlp_encode(&got, now);
    int b = ref_metrics_encode(&arena, &want, now);
    assert_true(a >= 0);
    assert_int_equal(a, b);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, got.len);
    return a;
}

static Req *decode(void)
{
    return req_decode(got.data, got.len);
}

/* (a): one series of every shape, decoded and checked field by field; (b) the same bytes. */
static void test_shapes_decode(void **state)
{
    (void)state;
    ga_attr at[] = {
        { .key = "s", .type = GA_V_STR, .s = "v\xff", .slen = 2 },
        { .key = "i", .type = GA_V_INT, .i = -7 },
        { .key = "d", .type = GA_V_DOUBLE, .d = 0.125 },
        { .key = "b", .type = GA_V_BOOL, .i = 1 },
        { .key = "e", .type = GA_V_STR, .s = "", .slen = 0 },
    };
    uint8_t tid[16], sid[8];
    memset(tid, 0xab, sizeof tid);
    memset(sid, 0xcd, sizeof sid);
    ga_series *h = ga_series_get(inst[0], at, 5);
    int b = ga_hist_observe(inst[0], h, 0.75);
    ga_hist_exemplar(inst[0], h, b, 0.75, 12345, tid, sid);
    ga_hist_observe(inst[0], h, 1000);
    ga_series_get(inst[0], at + 1, 1);                          /* no observation yet */
    ga_hist_observe(inst[1], ga_series_get(inst[1], NULL, 0), 3);
    ga_counter_add(ga_series_get(inst[2], at + 3, 1), 5);
    ga_series_set_double(ga_series_get(inst[3], NULL, 0), 2.5);
    ga_series_set(ga_series_get(inst[4], NULL, 0), -3);
    ga_series_set(ga_series_get(inst[5], at + 2, 1), 0);
    ga_series_set_double(ga_series_get(inst[6], NULL, 0), -0.5);
    assert_int_equal(same_bytes(1700000000000000000ull), 8);

    Req *req = decode();
    const Metric *m = find(req, "t.hist");
    assert_string_equal(m->unit, "s");
    assert_int_equal(m->histogram->n_data_points, 2);
    const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *dp = m->histogram->data_points[0];
    assert_int_equal(dp->count, 2);
    assert_true(OTLP_HDP_HAS_MIN(dp) && dp->min == 0.75 && dp->max == 1000 && dp->sum == 1000.75);
    assert_int_equal(dp->n_bucket_counts, 6);
    assert_int_equal(dp->bucket_counts[1], 1);
    assert_int_equal(dp->bucket_counts[5], 1);
    assert_int_equal(dp->n_explicit_bounds, 5);
    assert_true(dp->explicit_bounds[3] == 10);
    assert_int_equal(dp->n_exemplars, 1);
    assert_int_equal(dp->exemplars[0]->time_unix_nano, 12345);
    assert_int_equal(dp->exemplars[0]->span_id.data[7], 0xcd);
    assert_int_equal(dp->exemplars[0]->trace_id.data[15], 0xab);
    assert_int_equal(dp->n_attributes, 5);
    assert_string_equal(attr(dp->attributes, 5, "s")->value->string_value, "v\xef\xbf\xbd");
    assert_int_equal(attr(dp->attributes, 5, "i")->value->int_value, -7);
    assert_true(attr(dp->attributes, 5, "d")->value->double_value == 0.125);
    assert_int_equal(attr(dp->attributes, 5, "b")->value->bool_value, 1);
    assert_int_equal(attr(dp->attributes, 5, "e")->value->value_case,
                     OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
    dp = m->histogram->data_points[1];                          /* empty: no min, no max */
    assert_int_equal(dp->count, 0);
    assert_true(OTLP_HDP_HAS_SUM(dp) && !OTLP_HDP_HAS_MIN(dp) && !OTLP_HDP_HAS_MAX(dp));
    m = find(req, "t.hist.nobounds");
    assert_int_equal(m->histogram->data_points[0]->n_explicit_bounds, 0);
    assert_int_equal(m->histogram->data_points[0]->n_bucket_counts, 1);
    assert_int_equal(m->histogram->data_points[0]->bucket_counts[0], 1);
    m = find(req, "t.counter");
    assert_true(m->sum->is_monotonic);
    assert_int_equal(m->sum->data_points[0]->as_int, 5);
    m = find(req, "t.counter.double");
    assert_true(m->sum->data_points[0]->as_double == 2.5);
    m = find(req, "t.updown");
    assert_false(m->sum->is_monotonic);
    assert_int_equal(m->sum->aggregation_temporality,
                     OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
    assert_int_equal(m->sum->data_points[0]->as_int, -3);
    assert_int_equal(m->sum->data_points[0]->start_time_unix_nano, ga_metrics_start_ns);
    m = find(req, "t.gauge");
    assert_string_equal(m->description, "");
    assert_int_equal(m->gauge->data_points[0]->value_case,
                     OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
    assert_int_equal(m->gauge->data_points[0]->start_time_unix_nano, 0);
    m = find(req, "t.gauge.double");
    assert_true(m->gauge->data_points[0]->as_double == -0.5);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
}

/* Times of 0 (start and now) are proto3 defaults: left out by both. */
static void test_zero_times(void **state)
{
    (void)state;
    ga_series *h = ga_series_get(inst[0], NULL, 0);
    int b = ga_hist_observe(inst[0], h, 0.1);
    uint8_t id[16] = {0};
    ga_hist_exemplar(inst[0], h, b, 0.1, 0, id, id);
    ga_counter_add(ga_series_get(inst[2], NULL, 0), 1);
    ga_metrics_start_ns = 0;
    same_bytes(0);
}

/* The library's own instruments after a collection (self and process metrics), and a
 * request with nothing in it. */
static void test_self_and_empty(void **state)
{
    (void)state;
    assert_int_equal(same_bytes(1), 0);                         /* no series: an empty scope */
    ga_self.operations = 300;
    ga_self_export_failed(GA_FAIL_TIMEOUT);
    ga_metrics_collect();
    assert_true(same_bytes(1700000000123456789ull) > 0);
}

/* Many long series: message lengths of 2 and 3 varint bytes at every level. */
static void test_big_request(void **state)
{
    (void)state;
    char v[300];
    memset(v, 'x', sizeof v - 1);
    v[sizeof v - 1] = '\0';
    for (int i = 0; i < 400; i++) {
        v[snprintf(v, 16, "%d-", i)] = 'x';         /* distinct before any truncation */
        ga_attr a = { .key = "long.value", .type = GA_V_STR, .s = v, .slen = strlen(v) };
        ga_hist_observe(inst[0], ga_series_get(inst[0], &a, 1), i);
        ga_counter_add(ga_series_get(inst[2], &a, 1), (uint64_t)i << 40);
    }
    assert_int_equal(same_bytes(1700000000000000000ull), 800);
    assert_true(got.len > 200000);
}

/* A random attribute value: every type; strings with invalid UTF-8, NULs, empty. */
static void random_attr(ga_attr *a, const char *key, char *buf, size_t cap)
{
    static const char *const strs[] = { "", "plain", "caf\xc3\xa9", "bad\xc0\xaf", "nul\0after",
                                        "\xf0\x9f\x98\x80", "trunc\xe2\x82" };
    static const size_t lens[] = { 0, 5, 5, 5, 9, 4, 7 };
    *a = (ga_attr){ .key = key };
    switch (rnd() % 5) {
    case 0: {
        size_t k = rnd() % 7;
        memcpy(buf, strs[k], lens[k] < cap ? lens[k] : cap);
        a->type = GA_V_STR, a->s = buf, a->slen = lens[k];
        break;
    }
    case 1: a->type = GA_V_INT, a->i = (int64_t)rnd() >> (rnd() % 64); break;
    case 2: a->type = GA_V_DOUBLE, a->d = (double)(int64_t)rnd() / 1e6; break;
    case 3: a->type = GA_V_BOOL, a->i = (int64_t)(rnd() & 1); break;
    default: a->type = GA_V_INT, a->i = 0; break;
    }
}

/* Random series on every test instrument: same bytes each time. */
static void test_random(void **state)
{
    (void)state;
    static const char *const keys[] = { "a", "bb", "net.peer.name", "k" };
    for (int round = 0; round < 300; round++) {
        ga_metrics_clear();
        ga_metrics_start_ns = rnd() % 4 == 0 ? 0 : rnd();
        for (int i = 0; i < NDEFS; i++) {
            int ns = (int)(rnd() % 5);
            for (int s = 0; s < ns; s++) {
                ga_attr at[4];
                char bufs[4][16];
                int na = (int)(rnd() % 5);
                for (int k = 0; k < na; k++)
                    random_attr(&at[k], keys[k], bufs[k], sizeof bufs[k]);
                ga_series *se = ga_series_get(inst[i], at, na);
                assert_non_null(se);
                if (DEFS[i].kind == GA_MK_HISTOGRAM) {
                    int nobs = (int)(rnd() % 4);
                    for (int o = 0; o < nobs; o++) {
                        double v = (double)(rnd() % 100000) / 100;
                        int b = ga_hist_observe(inst[i], se, v);
                        if (rnd() & 1) {
                            uint8_t tid[16], sid[8];
                            for (int x = 0; x < 16; x++)
                                tid[x] = (uint8_t)rnd();
                            memcpy(sid, tid + 4, 8);
                            ga_hist_exemplar(inst[i], se, b, v, rnd() % 3 ? rnd() : 0, tid, sid);
                        }
                    }
                } else if (DEFS[i].is_double) {
                    ga_series_set_double(se, (double)(int64_t)rnd() / 1e9);
                } else {
                    ga_series_set(se, rnd() % 3 ? (int64_t)rnd() : 0);
                }
            }
        }
        same_bytes(rnd() % 8 ? rnd() : 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shapes_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
