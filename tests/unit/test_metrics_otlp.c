/* test_metrics_otlp.c — the OTLP encoding of the instruments (exporter/metrics_otlp.c),
 * checked by decoding it with protobuf-c: resource and scope, the connect histogram
 * (cumulative temporality, start time, count, sum, min/max, per-bucket counts, bounds,
 * exemplars of sampled spans only), monotonic sums and gauges of the self-metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "proto/otlp_optional.h"
#include "exporter/exporter.h"
#include "exporter/metrics_otlp.h"
#include "exporter/metrics_reg.h"
#include "exporter/resource.h"
#include "tests/unit/metrics_pb.h"


#define T0 1700000000000000000ull
#define NOW 1700000005000000000ull

static void feed_connect(uint16_t port, uint64_t dur_ns, int sampled, uint8_t id)
{
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONNECT;
    r.h.start_ns = T0;
    r.h.end_ns = T0 + dur_ns;
    r.h.trace_flags = sampled ? 1 : 0;
    memset(r.h.trace_id, id, 16);
    memset(r.h.span_id, id, 8);
    ga_addr a = { .family = AF_INET6, .port = port, .addr = {[15] = 1} };
    ga_rec_put_addr(&r, GA_A_PEER, &a);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_metrics_on_record(&r);
}

static Req *encode(void)
{
    static ga_buf b;
    ga_metrics_collect();
    int n = ga_metrics_otlp_encode(&b, NOW);
    assert_true(n > 0);
    return req_decode(b.data, b.len);
}

static int setup(void **state)
{
    (void)state;
    ga_metrics_clear();
    memset(&ga_self, 0, sizeof ga_self);
    ga_resource_build(&ga_res);
    ga_metrics_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ga_metrics_clear();
    return 0;
}

static void test_resource_and_scope(void **state)
{
    (void)state;
    feed_connect(443, 1000, 0, 1);
    Req *req = encode();
    assert_int_equal(req->n_resource_metrics, 1);
    const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[0];
    assert_string_equal(attr_str(rm->resource->attributes, rm->resource->n_attributes, "telemetry.sdk.name"),
                        "genesis-auto");
    assert_non_null(attr_str(rm->resource->attributes, rm->resource->n_attributes, "service.instance.id"));
    assert_int_equal(rm->n_scope_metrics, 1);
    assert_string_equal(rm->scope_metrics[0]->scope->name, "genesis-auto");
    assert_string_equal(rm->scope_metrics[0]->scope->version, GA_VERSION);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
}

static void test_histogram(void **state)
{
    (void)state;
    feed_connect(443, 50000, 1, 0xa1);        /* 5e-05 s → bucket 2 (2.5e-05, 5e-05] */
    feed_connect(443, 50000, 0, 0xa2);        /* same bucket, unsampled: exemplar stays a1 */
    feed_connect(443, 3000000, 0, 0xa3);      /* 0.003 s → bucket 8 (0.0025, 0.005], no exemplar */
    feed_connect(443, 20000000000ull, 1, 0xa4);  /* 20 s → +Inf bucket */
    Req *req = encode();
    const Metric *m = find(req, "genesis.network.connect.duration");
    assert_string_equal(m->unit, "s");
    assert_true(m->description[0] != '\0');
    assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM);
    assert_int_equal(m->histogram->aggregation_temporality,
                     OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
    assert_int_equal(m->histogram->n_data_points, 1);
    const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *dp = m->histogram->data_points[0];
    assert_string_equal(attr_str(dp->attributes, dp->n_attributes, "network.peer.address"), "::1");
    assert_string_equal(attr_str(dp->attributes, dp->n_attributes, "network.type"), "ipv6");
    assert_int_equal(dp->start_time_unix_nano, ga_metrics_start_ns);
    assert_int_equal(dp->time_unix_nano, NOW);
    assert_int_equal(dp->count, 4);
    assert_true(OTLP_HDP_HAS_SUM(dp) && OTLP_HDP_HAS_MIN(dp) && OTLP_HDP_HAS_MAX(dp));
    assert_true(dp->sum > 20.0031 - 1e-9 && dp->sum < 20.0031 + 1e-9);
    assert_true(dp->min == 5e-05);
    assert_true(dp->max == 20.0);
    assert_int_equal(dp->n_explicit_bounds, 19);
    assert_true(dp->explicit_bounds[0] == 0.00001 && dp->explicit_bounds[18] == 10);
    assert_int_equal(dp->n_bucket_counts, 20);
    uint64_t total = 0;
    for (size_t i = 0; i < dp->n_bucket_counts; i++)
        total += dp->bucket_counts[i];
    assert_int_equal(total, dp->count);
    assert_int_equal(dp->bucket_counts[2], 2);
    assert_int_equal(dp->bucket_counts[8], 1);
    assert_int_equal(dp->bucket_counts[19], 1);
    assert_int_equal(dp->n_exemplars, 2);
    assert_int_equal(dp->exemplars[0]->trace_id.len, 16);
    assert_int_equal(dp->exemplars[0]->trace_id.data[0], 0xa1);
    assert_int_equal(dp->exemplars[0]->span_id.len, 8);
    assert_true(dp->exemplars[0]->as_double == 5e-05);
    assert_int_equal(dp->exemplars[0]->time_unix_nano, T0 + 50000);
    assert_int_equal(dp->exemplars[1]->trace_id.data[0], 0xa4);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
}

static void test_self_metrics(void **state)
{
    (void)state;
    ga_self.operations = 42;
    ga_self.spans_exported = 40;
    ga_self.dropped_queue_full = 2;
    ga_self_export_failed(GA_FAIL_TIMEOUT);
    Req *req = encode();
    const Metric *m = find(req, "genesis.sdk.operations");
    assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM);
    assert_true(m->sum->is_monotonic);
    assert_int_equal(m->sum->aggregation_temporality,
                     OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
    assert_int_equal(m->sum->data_points[0]->as_int, 42);
    assert_int_equal(m->sum->data_points[0]->start_time_unix_nano, ga_metrics_start_ns);
    assert_int_equal(find(req, "genesis.sdk.spans.exported")->sum->data_points[0]->as_int, 40);
    m = find(req, "genesis.sdk.spans.dropped");
    for (size_t i = 0; i < m->sum->n_data_points; i++) {
        const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *p = m->sum->data_points[i];
        const char *why = attr_str(p->attributes, p->n_attributes, "reason");
        assert_int_equal(p->as_int, strcmp(why, "queue_full") == 0 ? 2 : 0);
    }
    m = find(req, "genesis.sdk.export.failures");
    assert_int_equal(m->sum->n_data_points, GA_FAIL_COUNT);
    for (size_t i = 0; i < m->sum->n_data_points; i++) {
        const Opentelemetry__Proto__Metrics__V1__NumberDataPoint *p = m->sum->data_points[i];
        const char *why = attr_str(p->attributes, p->n_attributes, "error.type");
        assert_int_equal(p->as_int, strcmp(why, "timeout") == 0 ? 1 : 0);
    }
    m = find(req, "genesis.sdk.queue.depth");
    assert_int_equal(m->data_case, OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE);
    assert_int_equal(m->gauge->data_points[0]->start_time_unix_nano, 0);
    assert_int_equal(m->gauge->data_points[0]->time_unix_nano, NOW);
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
}

static void test_invalid_utf8_repaired(void **state)
{
    (void)state;
    ga_attr a = { .key = "k", .type = GA_V_STR, .s = "bad\xff", .slen = 4 };
    ga_counter_add(ga_series_get(&ga_minst[GA_MI_NET_IO], &a, 1), 1);
    Req *req = encode();        /* protobuf-c rejects nothing, but receivers would: check repaired */
    const Metric *m = find(req, "genesis.network.io");
    assert_string_equal(attr_str(m->sum->data_points[0]->attributes, 1, "k"), "bad\xef\xbf\xbd");
    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(req, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resource_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_histogram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_repaired, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
