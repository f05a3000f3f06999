/* test_config.c — configuration from the environment: defaults, samplers, exporter lists,
 * numeric bounds, OTEL_RESOURCE_ATTRIBUTES percent-decoding (malformed → whole variable
 * discarded), TRACEPARENT, include/exclude globs, disabled switches. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "preload/config.h"
#include "preload/log.h"

static const char *vars[] = {
    "OTEL_SDK_DISABLED", "GENESIS_DISABLED", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "GENESIS_EXIT_FLUSH_MS", "GENESIS_QUEUE_SIZE",
    "TRACEPARENT", "TRACESTATE", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SERVICE_NAME",
    "GENESIS_INCLUDE", "GENESIS_EXCLUDE", "GENESIS_CONSOLE_FILE", "GENESIS_LOG_LEVEL",
    "OTEL_PROPAGATORS", "GENESIS_PROPAGATE",
};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("GENESIS_LOG_LEVEL", "off", 1);      /* keep the test output clean */
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    ga_config c;
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.disabled, 0);
    assert_int_equal(c.sampler, GA_SAMPLER_PB_ALWAYS_ON);
    assert_int_equal(c.traces_exporters, GA_EXP_OTLP);
    assert_int_equal(c.metrics_exporters, GA_EXP_OTLP);
    assert_int_equal(c.exit_flush_ms, 300);
    assert_int_equal(c.queue_size, 4096);
    assert_int_equal(c.env_parent.valid, 0);
    assert_string_equal(c.service_name, "");
}

static void test_sampler_and_exporters(void **state)
{
    (void)state;
    ga_config c;
    setenv("OTEL_TRACES_SAMPLER", "ParentBased_TraceIdRatio", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "0.25", 1);
    setenv("OTEL_TRACES_EXPORTER", " console , otlp,bogus", 1);
    setenv("OTEL_METRICS_EXPORTER", "prometheus", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.sampler, GA_SAMPLER_PB_RATIO);
    assert_true(c.sampler_ratio > 0.2499 && c.sampler_ratio < 0.2501);
    assert_int_equal(c.traces_exporters, GA_EXP_OTLP | GA_EXP_CONSOLE);
    assert_int_equal(c.metrics_exporters, GA_EXP_PROMETHEUS);
    setenv("OTEL_TRACES_SAMPLER_ARG", "1.5", 1);  /* out of range → 1.0 */
    setenv("OTEL_TRACES_EXPORTER", "none", 1);
    ga_config_load(&c, "prog", environ);
    assert_true(c.sampler_ratio == 1.0);
    assert_int_equal(c.traces_exporters, 0);
    setenv("OTEL_TRACES_SAMPLER", "bogus", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.sampler, GA_SAMPLER_PB_ALWAYS_ON);
}

/* Every sampler and log-level name maps to its own setting (their choices are listed with the
 * default first, the mapping arrays follow that order). */
static void test_every_sampler_and_level_name(void **state)
{
    (void)state;
    static const struct { const char *name; int want; } samplers[] = {
        { "always_on", GA_SAMPLER_ALWAYS_ON }, { "always_off", GA_SAMPLER_ALWAYS_OFF },
        { "traceidratio", GA_SAMPLER_RATIO }, { "parentbased_always_on", GA_SAMPLER_PB_ALWAYS_ON },
        { "parentbased_always_off", GA_SAMPLER_PB_ALWAYS_OFF },
        { "parentbased_traceidratio", GA_SAMPLER_PB_RATIO },
    };
    ga_config c;
    for (size_t i = 0; i < sizeof samplers / sizeof samplers[0]; i++) {
        setenv("OTEL_TRACES_SAMPLER", samplers[i].name, 1);
        ga_config_load(&c, "prog", environ);
        assert_int_equal(c.sampler, samplers[i].want);
    }
    static const struct { const char *name; int want; } levels[] = {
        { "off", GA_LOG_OFF }, { "error", GA_LOG_ERROR }, { "warn", GA_LOG_WARN },
        { "info", GA_LOG_INFO }, { "debug", GA_LOG_DEBUG }, { "warning", GA_LOG_WARN },
        { "none", GA_LOG_OFF },
    };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        setenv("GENESIS_LOG_LEVEL", levels[i].name, 1);
        ga_config_load(&c, "prog", environ);
        assert_int_equal(ga_log_level, levels[i].want);
        unsetenv("GENESIS_LOG_LEVEL");
        setenv("OTEL_LOG_LEVEL", levels[i].name, 1);
        ga_config_load(&c, "prog", environ);
        assert_int_equal(ga_log_level, levels[i].want);
        unsetenv("OTEL_LOG_LEVEL");
    }
    unsetenv("OTEL_LOG_LEVEL");
    ga_config_load(&c, "prog", environ);
    assert_int_equal(ga_log_level, GA_LOG_WARN);
    setenv("GENESIS_LOG_LEVEL", "off", 1);
}

/* OTEL_PROPAGATORS: default, order kept, duplicates and case folded, unknown names and
 * `none` dropped; nothing left stops injection. */
static void test_propagators(void **state)
{
    (void)state;
    ga_config c;
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.propagators, GA_PROP_TC);
    assert_int_equal(c.prop_order[0], GA_PROP_TC);
    assert_int_equal(c.propagate, 1);
    setenv("OTEL_PROPAGATORS", " B3multi, baggage ,jaeger,b3,TraceContext,b3multi", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.propagators, GA_PROP_TC | GA_PROP_BAGGAGE | GA_PROP_B3 | GA_PROP_B3MULTI);
    const uint8_t want[GA_PROP_MAX] = { GA_PROP_B3MULTI, GA_PROP_BAGGAGE, GA_PROP_B3, GA_PROP_TC };
    assert_memory_equal(c.prop_order, want, GA_PROP_MAX);
    setenv("OTEL_PROPAGATORS", "none", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.propagators, 0);
    assert_int_equal(c.prop_order[0], 0);
    assert_int_equal(c.propagate, 0);
    setenv("OTEL_PROPAGATORS", "xray", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.propagators, 0);
    setenv("OTEL_PROPAGATORS", "", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.propagators, GA_PROP_TC);
}

static void test_numbers(void **state)
{
    (void)state;
    ga_config c;
    setenv("GENESIS_QUEUE_SIZE", "1000", 1);
    setenv("GENESIS_EXIT_FLUSH_MS", "abc", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.queue_size, 1024);       /* rounded up to a power of two */
    assert_int_equal(c.exit_flush_ms, 300);     /* invalid → default */
    setenv("GENESIS_EXIT_FLUSH_MS", "0", 1);
    setenv("GENESIS_QUEUE_SIZE", "-5", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.exit_flush_ms, 0);
    assert_int_equal(c.queue_size, 4096);
}

static void test_resource_attributes(void **state)
{
    (void)state;
    ga_config c;
    memset(&c, 0, sizeof c);
    assert_int_equal(ga_config_parse_resource(&c, "deployment.environment=prod, team=a%2Cb%3Dc ,k=%E2%9C%93"), 0);
    assert_int_equal(c.n_resource_attrs, 3);
    assert_string_equal(c.resource_attrs[0].key, "deployment.environment");
    assert_string_equal(c.resource_attrs[0].value, "prod");
    assert_string_equal(c.resource_attrs[1].value, "a,b=c");
    assert_string_equal(c.resource_attrs[2].value, "\xe2\x9c\x93");
    assert_int_equal(ga_config_parse_resource(&c, "good=1,bad"), -1);
    assert_int_equal(c.n_resource_attrs, 3);    /* unchanged: malformed discards all */
    assert_int_equal(ga_config_parse_resource(&c, "a=%zz"), -1);
    assert_int_equal(ga_config_parse_resource(&c, "a=%4"), -1);
    assert_int_equal(ga_config_parse_resource(&c, "=v"), -1);
    setenv("OTEL_RESOURCE_ATTRIBUTES", "x=1,broken", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.n_resource_attrs, 0);
}

static void test_traceparent_env(void **state)
{
    (void)state;
    ga_config c;
    setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1);
    setenv("TRACESTATE", "vendor=x", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.env_parent.valid, 1);
    assert_string_equal(c.tracestate, "vendor=x");
    setenv("TRACEPARENT", "garbage", 1);
    ga_config_load(&c, "prog", environ);
    assert_int_equal(c.env_parent.valid, 0);
    assert_string_equal(c.tracestate, "");      /* tracestate without a valid parent: dropped */
}

static void test_include_exclude_disabled(void **state)
{
    (void)state;
    ga_config c;
    assert_true(ga_config_glob_match("nginx, im-*", "im-logic"));
    assert_false(ga_config_glob_match("nginx, im-*", "bash"));
    setenv("GENESIS_EXCLUDE", "ba*,curl", 1);
    ga_config_load(&c, "bash", environ);
    assert_int_equal(c.disabled, 1);
    ga_config_load(&c, "python3", environ);
    assert_int_equal(c.disabled, 0);
    unsetenv("GENESIS_EXCLUDE");
    setenv("GENESIS_INCLUDE", "im-*", 1);
    ga_config_load(&c, "curl", environ);
    assert_int_equal(c.disabled, 1);
    ga_config_load(&c, "im-gateway", environ);
    assert_int_equal(c.disabled, 0);
    unsetenv("GENESIS_INCLUDE");
    setenv("OTEL_SDK_DISABLED", "TRUE", 1);
    ga_config_load(&c, "x", environ);
    assert_int_equal(c.disabled, 1);
    setenv("OTEL_SDK_DISABLED", "false", 1);
    setenv("GENESIS_DISABLED", "1", 1);
    ga_config_load(&c, "x", environ);
    assert_int_equal(c.disabled, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_every_sampler_and_level_name, clear_env),
        cmocka_unit_test_setup(test_sampler_and_exporters, clear_env),
        cmocka_unit_test_setup(test_numbers, clear_env),
        cmocka_unit_test_setup(test_resource_attributes, clear_env),
        cmocka_unit_test_setup(test_traceparent_env, clear_env),
        cmocka_unit_test_setup(test_propagators, clear_env),
        cmocka_unit_test_setup(test_include_exclude_disabled, clear_env),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
