/* test_metrics_conf.c — metrics/Prometheus settings (exporter/metrics_conf.h): defaults,
 * accepted values, and the default kept for every bad value. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/metrics_conf.h"
#include "preload/log.h"
#include "preload/env.h"

static const char *const names[] = {
    "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_METRICS_EXEMPLAR_FILTER",
    "OTEL_EXPORTER_PROMETHEUS_HOST", "OTEL_EXPORTER_PROMETHEUS_PORT",
};

/* The settings with exactly these variables set (NULL-terminated name, value pairs). */
static ga_metrics_conf load(const char *const *pairs)
{
    ga_metrics_conf c;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unsetenv(names[i]);
    for (const char *const *p = pairs; p && *p; p += 2)
        setenv(p[0], p[1], 1);
    ga_env_read(environ);
    ga_metrics_conf_load(&c);
    return c;
}

static void test_defaults(void **state)
{
    (void)state;
    ga_metrics_conf c = load(NULL);
    assert_int_equal(c.interval_ms, 60000);
    assert_int_equal(c.timeout_ms, 30000);
    assert_int_equal(c.exemplar_filter, GA_EXF_TRACE_BASED);
    assert_string_equal(c.prom_host, "localhost");
    assert_int_equal(c.prom_port, 9464);
}

static void test_values(void **state)
{
    (void)state;
    const char *const pairs[] = {
        "OTEL_METRIC_EXPORT_INTERVAL", "500", "OTEL_METRIC_EXPORT_TIMEOUT", "0",
        "OTEL_METRICS_EXEMPLAR_FILTER", "Always_Off", "OTEL_EXPORTER_PROMETHEUS_HOST", "::1",
        "OTEL_EXPORTER_PROMETHEUS_PORT", "19464", NULL,
    };
    ga_metrics_conf c = load(pairs);
    assert_int_equal(c.interval_ms, 500);
    assert_int_equal(c.timeout_ms, 0);
    assert_int_equal(c.exemplar_filter, GA_EXF_ALWAYS_OFF);
    assert_string_equal(c.prom_host, "::1");
    assert_int_equal(c.prom_port, 19464);
    const char *const on[] = { "OTEL_METRICS_EXEMPLAR_FILTER", "always_on", NULL };
    assert_int_equal(load(on).exemplar_filter, GA_EXF_ALWAYS_ON);
}

static void test_bad_values_keep_defaults(void **state)
{
    (void)state;
    const char *const pairs[] = {
        "OTEL_METRIC_EXPORT_INTERVAL", "0", "OTEL_METRIC_EXPORT_TIMEOUT", "-5",
        "OTEL_METRICS_EXEMPLAR_FILTER", "sometimes", "OTEL_EXPORTER_PROMETHEUS_PORT", "65536", NULL,
    };
    ga_metrics_conf c = load(pairs);
    assert_int_equal(c.interval_ms, 60000);
    assert_int_equal(c.timeout_ms, 30000);
    assert_int_equal(c.exemplar_filter, GA_EXF_TRACE_BASED);
    assert_int_equal(c.prom_port, 9464);
    const char *const more[] = { "OTEL_METRIC_EXPORT_INTERVAL", "10s", "OTEL_EXPORTER_PROMETHEUS_PORT", "0", NULL };
    c = load(more);
    assert_int_equal(c.interval_ms, 60000);
    assert_int_equal(c.prom_port, 9464);
}

int main(void)
{
    ga_log_level = GA_LOG_OFF;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_bad_values_keep_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
