/* test_prom_names.c — OTel → Prometheus mapping (exporter/prom.h, SPECS §6.3): metric names
 * with unit and type suffixes, label names, label/HELP escaping (incl. invalid UTF-8), label
 * collisions, and number formatting (Go 'g' shortest, OpenMetrics canonical `le`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/prom.h"

static const char *base(const char *name, const char *unit, int kind)
{
    static char out[256];
    ga_instrument m = { .name = name, .unit = unit, .kind = kind };
    ga_prom_base_name(&m, out, sizeof out);
    return out;
}

static void test_metric_names(void **state)
{
    (void)state;
    assert_string_equal(base("http.server.request.duration", "s", GA_MK_HISTOGRAM),
                        "http_server_request_duration_seconds");
    assert_string_equal(base("genesis.network.connect.duration", "s", GA_MK_HISTOGRAM),
                        "genesis_network_connect_duration_seconds");
    assert_string_equal(base("genesis.network.io", "By", GA_MK_COUNTER), "genesis_network_io_bytes");
    assert_string_equal(base("foo.bar", "By", GA_MK_COUNTER), "foo_bar_bytes");
    assert_string_equal(base("foo.total", "By", GA_MK_COUNTER), "foo_bytes");   /* _total re-added last */
    assert_string_equal(base("genesis.sdk.spans.exported", "{span}", GA_MK_COUNTER),
                        "genesis_sdk_spans_exported");
    assert_string_equal(base("cpu.utilization", "1", GA_MK_GAUGE), "cpu_utilization_ratio");
    assert_string_equal(base("requests", "1", GA_MK_COUNTER), "requests");
    assert_string_equal(base("latency_seconds", "s", GA_MK_HISTOGRAM), "latency_seconds");
    assert_string_equal(base("speed", "m/s", GA_MK_GAUGE), "speed_meters_per_second");
    assert_string_equal(base("rate", "1/s", GA_MK_GAUGE), "rate_per_second");
    assert_string_equal(base("a..b--c", "", GA_MK_GAUGE), "a_b_c");
    assert_string_equal(base("2xx.count", "{request}", GA_MK_COUNTER), "_2xx_count");
    assert_string_equal(base("mem", "MiBy", GA_MK_GAUGE), "mem_mebibytes");
    assert_string_equal(base("x:y", "ms", GA_MK_HISTOGRAM), "x:y_milliseconds");
    assert_string_equal(base("process.cpu.time", "s", GA_MK_COUNTER), "process_cpu_time_seconds");
    assert_string_equal(base("process.memory.usage", "By", GA_MK_UPDOWN), "process_memory_usage_bytes");
    /* an instrument's own Prometheus name wins over the translation */
    char out[64];
    ga_instrument m = { .name = "process.thread.count", .unit = "{thread}", .kind = GA_MK_UPDOWN,
                        .prom_name = "process_threads" };
    assert_int_equal(ga_prom_base_name(&m, out, sizeof out), 15);
    assert_string_equal(out, "process_threads");
}

static void test_units(void **state)
{
    (void)state;
    char u[64];
    const char *cases[][2] = {
        {"s", "seconds"}, {"ms", "milliseconds"}, {"By", "bytes"}, {"KiBy", "kibibytes"},
        {"{request}", ""}, {"", ""}, {"1", ""}, {"%", "percent"}, {"By/s", "bytes_per_second"},
        {"{packet}/s", "per_second"}, {"Cel", "celsius"}, {"furlong", "furlong"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ga_prom_unit(cases[i][0], u, sizeof u);
        assert_string_equal(u, cases[i][1]);
    }
}

static void test_label_names(void **state)
{
    (void)state;
    char out[128];
    const char *cases[][2] = {
        {"network.peer.address", "network_peer_address"}, {"error.type", "error_type"},
        {"0abc", "key_0abc"}, {"__reserved", "_reserved"}, {"a-b..c", "a_b_c"},
        {"otel.metric.overflow", "otel_metric_overflow"}, {"ok_name", "ok_name"}, {"a:b", "a_b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ga_prom_label_name(cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
}

static const char *escaped(const char *s, size_t n, int help, int om)
{
    static ga_buf b;
    ga_buf_reset(&b);
    if (help)
        ga_prom_put_help(&b, s, om);
    else
        ga_prom_put_label_value(&b, s, n);
    ga_buf_put(&b, "", 1);
    return b.data;
}

static void test_escaping(void **state)
{
    (void)state;
    const char *raw = "a\\b\"c\nd";
    assert_string_equal(escaped(raw, strlen(raw), 0, 0), "a\\\\b\\\"c\\nd");
    assert_string_equal(escaped(raw, strlen(raw), 1, 0), "a\\\\b\"c\\nd");      /* 0.0.4 HELP */
    assert_string_equal(escaped(raw, strlen(raw), 1, 1), "a\\\\b\\\"c\\nd");    /* OpenMetrics */
    assert_string_equal(escaped("caf\xc3\xa9 \xe2\x82\xac", 9, 0, 0), "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(escaped("a\xff" "b", 3, 0, 0), "a\xef\xbf\xbd" "b");    /* invalid byte */
    assert_string_equal(escaped("\xc3", 1, 0, 0), "\xef\xbf\xbd");              /* truncated */
    assert_string_equal(escaped("\xed\xa0\x80", 3, 0, 0),                       /* surrogate */
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(escaped("\xc0\xaf", 2, 0, 0), "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong */
}

static const char *labels(const ga_attr *a, int n)
{
    static ga_buf b;
    ga_buf_reset(&b);
    ga_prom_put_labels(&b, a, n);
    ga_buf_put(&b, "", 1);
    return b.data;
}

static void test_labels(void **state)
{
    (void)state;
    ga_attr a[] = {
        { .key = "network.peer.port", .type = GA_V_INT, .i = 6379 },
        { .key = "network.peer.address", .type = GA_V_STR, .s = "127.0.0.1", .slen = 9 },
        { .key = "otel.metric.overflow", .type = GA_V_BOOL, .i = 1 },
        { .key = "ratio", .type = GA_V_DOUBLE, .d = 0.5 },
        { .key = "empty", .type = GA_V_STR, .s = "", .slen = 0 },
    };
    assert_string_equal(labels(a, 5), "network_peer_address=\"127.0.0.1\",network_peer_port=\"6379\","
                                      "otel_metric_overflow=\"true\",ratio=\"0.5\",");
    ga_attr clash[] = {
        { .key = "a_b", .type = GA_V_STR, .s = "2", .slen = 1 },
        { .key = "a.b", .type = GA_V_STR, .s = "1", .slen = 1 },
        { .key = "a-b", .type = GA_V_INT, .i = 3 },
    };
    /* collisions after sanitizing: values joined with ';' in the order of the original keys */
    assert_string_equal(labels(clash, 3), "a_b=\"3;1;2\",");
    assert_string_equal(labels(NULL, 0), "");
}

static const char *num(double v, int canonical)
{
    static char out[64];
    ga_prom_float(v, canonical, out, sizeof out);
    return out;
}

static void test_canonical_numbers(void **state)
{
    (void)state;
    /* OpenMetrics canonical `le` values (SPECS §6.2) */
    const struct { double v; const char *om, *text; } cases[] = {
        {0, "0.0", "0"}, {0.001, "0.001", "0.001"}, {0.01, "0.01", "0.01"}, {0.1, "0.1", "0.1"},
        {1, "1.0", "1"}, {10, "10.0", "10"}, {1e-05, "1e-05", "1e-05"}, {1e6, "1e+06", "1e+06"},
        {0.0001, "0.0001", "0.0001"}, {0.00025, "0.00025", "0.00025"}, {2.5, "2.5", "2.5"},
        {123456, "123456.0", "123456"}, {0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"},
        {-1.5, "-1.5", "-1.5"}, {1234567, "1.234567e+06", "1.234567e+06"}, {5e-324, "5e-324", "5e-324"},
        {1.0 / 0.0, "+Inf", "+Inf"}, {-1.0 / 0.0, "-Inf", "-Inf"}, {0.0 / 0.0, "NaN", "NaN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(num(cases[i].v, 1), cases[i].om);
        assert_string_equal(num(cases[i].v, 0), cases[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_label_names),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_canonical_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
