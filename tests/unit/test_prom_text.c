/* test_prom_text.c — the expositions of the real instruments (exporter/prom_text.c) fed with
 * connect and close records: text 0.0.4 and OpenMetrics 1.0 metadata lines, cumulative
 * buckets ending with +Inf == _count, canonical `le` in OpenMetrics only, exemplars only in
 * OpenMetrics and only for sampled spans, counter naming (`_total`), scope labels,
 * target_info, the overflow series, `# EOF`, and a semantic-convention histogram fed through
 * a protocol op descriptor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/metrics_reg.h"
#include "exporter/ops.h"
#include "exporter/prom.h"
#include "preload/plugins.h"
#include "exporter/resource.h"

#define T0 1700000000123000000ull
#define SCOPE "otel_scope_name=\"genesis-auto\",otel_scope_version=\"" GA_VERSION "\""
#define PEER "network_peer_address=\"127.0.0.1\",network_peer_port=\"6379\",network_transport=\"tcp\"," \
             "network_type=\"ipv4\","
#define H "genesis_network_connect_duration_seconds"

static void connect_rec(ga_rec *r, uint16_t port, uint64_t dur_ns, int err, int sampled, uint8_t id)
{
    memset(r, 0, sizeof *r);
    r->h.op = GA_OP_CONNECT;
    r->h.kind = GA_KIND_INTERNAL;
    r->h.start_ns = T0;
    r->h.end_ns = T0 + dur_ns;
    r->h.trace_flags = sampled ? 1 : 0;
    memset(r->h.trace_id, id, 16);
    memset(r->h.span_id, id, 8);
    ga_addr a = { .family = AF_INET, .port = port, .addr = {127, 0, 0, 1} };
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_STREAM);
    if (err)
        ga_rec_put_int(r, GA_A_ERRNO, err);
}

static void feed(uint16_t port, uint64_t dur_ns, int err, int sampled, uint8_t id)
{
    ga_rec r;
    connect_rec(&r, port, dur_ns, err, sampled, id);
    ga_metrics_on_record(&r);
}

static int setup(void **state)
{
    (void)state;
    ga_metrics_clear();
    ga_resource_build(&ga_res);
    ga_metrics_start();
    feed(6379, 50000, 0, 1, 0xaa);          /* 50 µs  → le=5e-05 */
    feed(6379, 300000, 0, 0, 0xbb);         /* 300 µs → le=0.0005, not sampled: no exemplar */
    feed(6379, 2000000000, 0, 1, 0xcc);     /* 2 s    → le=2.5 */
    feed(1, 1000, 111, 1, 0xdd);            /* refused */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ga_metrics_clear();
    return 0;
}

static const char *render(int om)
{
    static ga_buf b;
    ga_buf_reset(&b);
    ga_metrics_collect();
    ga_prom_render(&b, om);
    ga_buf_put(&b, "", 1);
    return b.data;
}

static void has_line(const char *text, const char *line)
{
    char want[1024];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (strstr(text, want) == NULL && strncmp(text, want + 1, strlen(want) - 1) != 0)
        fail_msg("line not found: %s\n--- exposition ---\n%s", line, text);
}

static void test_text_004(void **state)
{
    (void)state;
    const char *t = render(0);
    assert_true(strncmp(t, "# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{", 71) == 0);
    assert_non_null(strstr(t, "service_name=\"unknown_service:"));
    assert_non_null(strstr(t, "telemetry_sdk_name=\"genesis-auto\""));
    has_line(t, "# TYPE " H " histogram");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"2.5e-05\"} 0");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"5e-05\"} 1");      /* upper-inclusive */
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"0.0001\"} 1");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"0.00025\"} 1");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"0.0005\"} 2");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"1\"} 2");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"2.5\"} 3");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"10\"} 3");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"+Inf\"} 3");
    has_line(t, H "_sum{" PEER SCOPE "} 2.00035");
    has_line(t, H "_count{" PEER SCOPE "} 3");
    has_line(t, H "_count{error_type=\"ECONNREFUSED\",network_peer_address=\"127.0.0.1\",network_peer_port=\"1\","
                "network_transport=\"tcp\",network_type=\"ipv4\"," SCOPE "} 1");
    has_line(t, "# HELP genesis_sdk_operations_total Operations observed by genesis-auto (exported, sampled out "
                "or dropped).");
    has_line(t, "# TYPE genesis_sdk_operations_total counter");
    has_line(t, "genesis_sdk_operations_total{" SCOPE "} 0");
    has_line(t, "# TYPE genesis_sdk_queue_depth gauge");
    has_line(t, "genesis_sdk_spans_dropped_total{reason=\"queue_full\"," SCOPE "} 0");
    has_line(t, "genesis_sdk_export_failures_total{error_type=\"timeout\"," SCOPE "} 0");
    assert_null(strstr(t, " # {"));                     /* no exemplars in 0.0.4 */
    assert_null(strstr(t, "# UNIT"));
    assert_null(strstr(t, "# EOF"));
    assert_int_equal(t[strlen(t) - 1], '\n');
}

static void test_openmetrics(void **state)
{
    (void)state;
    const char *t = render(1);
    assert_true(strncmp(t, "# TYPE target info\n# HELP target Target metadata\ntarget_info{", 60) == 0);
    has_line(t, "# TYPE " H " histogram");
    has_line(t, "# UNIT " H " seconds");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"5e-05\"} 1 # {trace_id=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
                "span_id=\"aaaaaaaaaaaaaaaa\"} 5e-05 1700000000.123");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"0.0005\"} 2");       /* unsampled: no exemplar */
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"1.0\"} 2");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"2.5\"} 3 # {trace_id=\"cccccccccccccccccccccccccccccccc\","
                "span_id=\"cccccccccccccccc\"} 2.0 1700000002.123");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"10.0\"} 3");
    has_line(t, H "_bucket{" PEER SCOPE ",le=\"+Inf\"} 3");
    has_line(t, H "_count{" PEER SCOPE "} 3");
    has_line(t, "# TYPE genesis_sdk_operations counter");
    has_line(t, "genesis_sdk_operations_total{" SCOPE "} 0");
    assert_null(strstr(t, "# TYPE genesis_sdk_operations_total"));
    assert_null(strstr(t, "# UNIT genesis_sdk"));        /* {operation} has no unit word */
    size_t n = strlen(t);
    assert_true(n > 6 && strcmp(t + n - 6, "# EOF\n") == 0);
}

static void test_bytes_counter(void **state)
{
    (void)state;
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONN_CLOSE;
    ga_addr a = { .family = AF_INET, .port = 80, .addr = {10, 0, 0, 1} };
    ga_rec_put_addr(&r, GA_A_PEER, &a);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_put_int(&r, GA_A_BYTES_IN, 1000);
    ga_rec_put_int(&r, GA_A_BYTES_OUT, 20);
    ga_rec_put_int(&r, GA_A_FD, 5);
    ga_rec_put_int(&r, GA_A_FD_GEN, 3);
    ga_rec_put_int(&r, GA_A_ROLE, 1);
    ga_metrics_on_record(&r);
    const char *t = render(0);
    has_line(t, "# TYPE genesis_network_io_bytes_total counter");
    has_line(t, "genesis_network_io_bytes_total{network_io_direction=\"receive\",network_peer_address=\"10.0.0.1\","
                "network_peer_port=\"80\",network_transport=\"tcp\",network_type=\"ipv4\"," SCOPE "} 1000");
    has_line(t, "genesis_network_io_bytes_total{network_io_direction=\"transmit\",network_peer_address=\"10.0.0.1\","
                "network_peer_port=\"80\",network_transport=\"tcp\",network_type=\"ipv4\"," SCOPE "} 20");
    t = render(1);
    has_line(t, "# TYPE genesis_network_io_bytes counter");
    has_line(t, "# UNIT genesis_network_io_bytes bytes");
}

static void test_overflow_exposed(void **state)
{
    (void)state;
    ga_instrument *m = &ga_minst[GA_MI_CONNECT_DURATION];
    for (int p = 1000; m->overflow == NULL && p < 2000; p++)
        feed((uint16_t)p, 1000, 0, 0, 1);
    assert_int_equal(m->nseries, m->max_series);
    const char *t = render(0);
    has_line(t, H "_count{otel_metric_overflow=\"true\"," SCOPE "} 1");
}

/* A protocol's descriptor: db.client.operation.duration with two semconv attributes. */
static int db_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    (void)r; (void)max; (void)sc;
    out[0] = (ga_attr){ .key = "db.system.name", .type = GA_V_STR, .s = "redis", .slen = 5 };
    out[1] = (ga_attr){ .key = "db.operation.name", .type = GA_V_STR, .s = "GET", .slen = 3 };
    return 2;
}

static void test_semconv_histogram_from_op(void **state)
{
    (void)state;
    const ga_op_desc desc = { .metric = &ga_inst_db_client_duration, .metric_attrs = db_attrs };
    const ga_op_desc none = { .metric = NULL, .metric_attrs = db_attrs };
    ga_rec r;
    connect_rec(&r, 6379, 3000000, 0, 1, 0xee);      /* 3 ms */
    r.h.proto = GA_PROTO_REDIS;
    r.h.op = 1;
    ga_metrics_observe_op(&r, &desc);
    ga_metrics_observe_op(&r, &none);                 /* names no metric: ignored */
    ga_metrics_observe_op(&r, NULL);
    const char *t = render(0);
    const char *lab = "db_operation_name=\"GET\",db_system_name=\"redis\"," SCOPE;
    char line[512];
    has_line(t, "# TYPE db_client_operation_duration_seconds histogram");
    snprintf(line, sizeof line, "db_client_operation_duration_seconds_bucket{%s,le=\"0.001\"} 0", lab);
    has_line(t, line);
    snprintf(line, sizeof line, "db_client_operation_duration_seconds_bucket{%s,le=\"0.005\"} 1", lab);
    has_line(t, line);
    snprintf(line, sizeof line, "db_client_operation_duration_seconds_count{%s} 1", lab);
    has_line(t, line);
    assert_null(strstr(t, "http_server_request_duration_seconds"));   /* no series: no family */
}

static int64_t three(const ga_rec *r) { (void)r; return 3; }

/* A descriptor's counter: every record adds count_n to the series of count_attrs (or, without
 * one, of metric_attrs). */
static void test_counter_from_op(void **state)
{
    (void)state;
    const ga_op_desc desc = { .count = &ga_inst_msg_sent, .metric_attrs = db_attrs, .count_n = three };
    ga_rec r;
    connect_rec(&r, 4222, 1000000, 0, 1, 0xef);
    r.h.proto = GA_PROTO_REDIS;
    r.h.op = 1;
    ga_metrics_observe_op(&r, &desc);
    ga_metrics_observe_op(&r, &desc);
    const char *t = render(0);
    has_line(t, "# TYPE messaging_client_sent_messages_total counter");
    has_line(t, "messaging_client_sent_messages_total{db_operation_name=\"GET\",db_system_name=\"redis\","
                SCOPE "} 6");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_004, setup, teardown),
        cmocka_unit_test_setup_teardown(test_openmetrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_exposed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semconv_histogram_from_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_from_op, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
