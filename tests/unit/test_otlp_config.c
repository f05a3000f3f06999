/* test_otlp_config.c — OTLP exporter configuration: the endpoint path rules of SPECS §1.5
 * (per-signal URL as is, "/" for an empty path; base URL + "v1/<signal>"), per-signal
 * overrides, headers (percent-decoding, malformed → whole variable ignored, no header
 * injection), timeout, compression, protocol fallbacks, OTEL_BSP_* bounds. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/otlp_config.h"
#include "preload/log.h"
#include "preload/env.h"

static const char *const sigs[] = {"", "TRACES_", "METRICS_", "LOGS_"};
static const char *const opts[] = {"ENDPOINT", "HEADERS", "TIMEOUT", "COMPRESSION", "PROTOCOL",
                                   "CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE"};

static int clear_env(void **state)
{
    (void)state;
    char name[80];
    for (size_t s = 0; s < 4; s++)
        for (size_t o = 0; o < sizeof opts / sizeof opts[0]; o++) {
            snprintf(name, sizeof name, "OTEL_EXPORTER_OTLP_%s%s", sigs[s], opts[o]);
            unsetenv(name);
        }
    unsetenv("OTEL_BSP_SCHEDULE_DELAY");
    unsetenv("OTEL_BSP_EXPORT_TIMEOUT");
    unsetenv("OTEL_BSP_MAX_QUEUE_SIZE");
    unsetenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
    unsetenv("GENESIS_LIBCURL");
    ga_log_level = GA_LOG_OFF;              /* keep the test output clean */
    ga_env_read(environ);
    return 0;
}

static void load(int signal, ga_otlp_cfg *c)
{
    ga_env_read(environ);
    ga_otlp_cfg_load(signal, c);
}

static void test_url_rules(void **state)
{
    (void)state;
    char u[GA_OTLP_URL_MAX];
    /* per-signal: as is; only an empty path becomes "/" */
    assert_int_equal(ga_otlp_url("http://c:4318", NULL, GA_OTLP_TRACES, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/");
    assert_int_equal(ga_otlp_url("http://c:4318/custom/traces", NULL, GA_OTLP_TRACES, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/custom/traces");
    assert_int_equal(ga_otlp_url("https://c:4318/v1/traces/", NULL, GA_OTLP_TRACES, u, sizeof u), 0);
    assert_string_equal(u, "https://c:4318/v1/traces/");
    assert_int_equal(ga_otlp_url("http://c:4318?tenant=a", NULL, GA_OTLP_METRICS, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/?tenant=a");
    /* base: ensure a trailing "/", then append v1/<signal> */
    assert_int_equal(ga_otlp_url(NULL, "http://c:4318", GA_OTLP_TRACES, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/v1/traces");
    assert_int_equal(ga_otlp_url(NULL, "http://c:4318/", GA_OTLP_METRICS, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/v1/metrics");
    assert_int_equal(ga_otlp_url(NULL, "http://c:4318/mycollector/", GA_OTLP_LOGS, u, sizeof u), 0);
    assert_string_equal(u, "http://c:4318/mycollector/v1/logs");
    assert_int_equal(ga_otlp_url(NULL, "HTTPS://[::1]:4318/base", GA_OTLP_TRACES, u, sizeof u), 0);
    assert_string_equal(u, "HTTPS://[::1]:4318/base/v1/traces");
}

static void test_url_invalid(void **state)
{
    (void)state;
    char u[64];
    const char *bad[] = {"localhost:4318", "ftp://c/", "http://", "http:///x", "http://a b/",
                         "grpc://c:4317", "", "http://c\n/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ga_otlp_url(bad[i], NULL, GA_OTLP_TRACES, u, sizeof u), -1);
        assert_int_equal(ga_otlp_url(NULL, bad[i], GA_OTLP_TRACES, u, sizeof u), -1);
    }
    /* does not fit */
    assert_int_equal(ga_otlp_url(NULL, "http://a-rather-long-host-name.example.com:4318/some/base/path",
                                 GA_OTLP_TRACES, u, sizeof u), -1);
    assert_int_equal(ga_otlp_url(NULL, "http://c", 7, u, sizeof u), -1);
}

static void test_url_redacted(void **state)
{
    (void)state;
    char b[128];
    assert_string_equal(ga_otlp_url_redacted("https://u:p@c:4318/v1/traces", b, sizeof b),
                        "https://REDACTED@c:4318/v1/traces");
    assert_string_equal(ga_otlp_url_redacted("http://c:4318/a@b", b, sizeof b), "http://c:4318/a@b");
    assert_string_equal(ga_otlp_url_redacted("http://tok@c", b, sizeof b), "http://REDACTED@c");
}

static void test_endpoint_env(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://localhost:4318/v1/traces");
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/my/path", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://traces:9999/my/path");
    ga_otlp_cfg_load(GA_OTLP_METRICS, &c);
    assert_string_equal(c.url, "http://collector:4318/base/v1/metrics");
    ga_otlp_cfg_load(GA_OTLP_LOGS, &c);
    assert_string_equal(c.url, "http://collector:4318/base/v1/logs");
    /* a bad per-signal value is ignored (the generic one applies); a bad generic one → default */
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "traces:9999", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://collector:4318/base/v1/traces");
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://localhost:4318/v1/traces");
    /* empty = unset */
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://localhost:4318/v1/traces");
}

static void test_scalars(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.timeout_ms, 10000);
    assert_int_equal(c.gzip, 0);
    setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2500", 1);
    setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP", 1);
    setenv("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "0", 1);
    setenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none", 1);
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.timeout_ms, 2500);
    assert_int_equal(c.gzip, 1);
    ga_otlp_cfg_load(GA_OTLP_METRICS, &c);
    assert_int_equal(c.timeout_ms, 0);          /* 0 = no limit */
    assert_int_equal(c.gzip, 0);
    /* bad values: the generic value, else the default */
    setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd", 1);
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.timeout_ms, 2500);
    assert_int_equal(c.gzip, 1);
    setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "-1", 1);
    setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "deflate", 1);
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.timeout_ms, 10000);
    assert_int_equal(c.gzip, 0);
    /* protocols other than http/protobuf only warn: the configuration stays usable */
    setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.url, "http://localhost:4318/v1/traces");
}

static void test_tls_paths(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/key.pem", 1);
    load(GA_OTLP_TRACES, &c);
    assert_string_equal(c.certificate, "/etc/ca.pem");
    assert_string_equal(c.client_key, "/etc/key.pem");
    assert_string_equal(c.client_certificate, "");
    ga_otlp_cfg_load(GA_OTLP_METRICS, &c);
    assert_string_equal(c.client_key, "");
}

static void test_headers_parse(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    memset(&c, 0, sizeof c);
    assert_int_equal(ga_otlp_parse_headers(" api-key = s%3Dcr%2Cet , ,tenant=a%20b,empty=", &c), 0);
    assert_int_equal(c.n_headers, 3);
    assert_string_equal(ga_otlp_header_name(&c, 0), "api-key");
    assert_string_equal(ga_otlp_header_value(&c, 0), "s=cr,et");
    assert_string_equal(ga_otlp_header_name(&c, 1), "tenant");
    assert_string_equal(ga_otlp_header_value(&c, 1), "a b");
    assert_string_equal(ga_otlp_header_name(&c, 2), "empty");
    assert_string_equal(ga_otlp_header_value(&c, 2), "");
    assert_int_equal(ga_otlp_parse_headers("", &c), 0);
    assert_int_equal(c.n_headers, 0);
}

static void test_headers_malformed(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    memset(&c, 0, sizeof c);
    const char *bad[] = {"novalue", "=v", "a=1,b", "k=%zz", "k=%4", "bad key=1", "k(x)=1",
                         "k=line%0D%0AInjected: 1", "k=nul%00", "%20=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ga_otlp_parse_headers(bad[i], &c), -1);
        assert_int_equal(c.n_headers, 0);
    }
    char many[512] = "";
    for (int i = 0; i < GA_OTLP_MAX_HEADERS + 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "h%d=v,", i);
    assert_int_equal(ga_otlp_parse_headers(many, &c), -1);
}

static void test_headers_env(void **state)
{
    (void)state;
    ga_otlp_cfg c;
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "t=%41", 1);
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.n_headers, 1);          /* per-signal replaces, no merge */
    assert_string_equal(ga_otlp_header_value(&c, 0), "A");
    ga_otlp_cfg_load(GA_OTLP_METRICS, &c);
    assert_int_equal(c.n_headers, 2);
    setenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "broken", 1);
    load(GA_OTLP_TRACES, &c);
    assert_int_equal(c.n_headers, 2);          /* malformed per-signal: the generic ones */
}

static void test_bsp(void **state)
{
    (void)state;
    ga_bsp_cfg b;
    ga_bsp_cfg_load(&b);
    assert_int_equal(b.schedule_delay_ms, 5000);
    assert_int_equal(b.export_timeout_ms, 30000);
    assert_int_equal(b.max_queue_size, 2048);
    assert_int_equal(b.max_export_batch_size, 512);
    setenv("OTEL_BSP_SCHEDULE_DELAY", "100", 1);
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "64", 1);             /* the default batch is clamped */
    ga_env_read(environ);
    ga_bsp_cfg_load(&b);
    assert_int_equal(b.schedule_delay_ms, 100);
    assert_int_equal(b.max_queue_size, 64);
    assert_int_equal(b.max_export_batch_size, 64);
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000", 1);    /* above the queue: clamped */
    setenv("OTEL_BSP_SCHEDULE_DELAY", "soon", 1);
    setenv("OTEL_BSP_EXPORT_TIMEOUT", "0", 1);
    ga_env_read(environ);
    ga_bsp_cfg_load(&b);
    assert_int_equal(b.max_export_batch_size, 64);
    assert_int_equal(b.schedule_delay_ms, 5000);
    assert_int_equal(b.export_timeout_ms, 0);
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "0", 1);              /* must be positive */
    setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10", 1);
    ga_env_read(environ);
    ga_bsp_cfg_load(&b);
    assert_int_equal(b.max_queue_size, 2048);
    assert_int_equal(b.max_export_batch_size, 10);
    setenv("OTEL_BSP_MAX_QUEUE_SIZE", "99999999", 1);       /* memory bound */
    ga_env_read(environ);
    ga_bsp_cfg_load(&b);
    assert_int_equal(b.max_queue_size, GA_BSP_QUEUE_LIMIT);
}

static void test_libcurl_name(void **state)
{
    (void)state;
    ga_env_read(environ);
    assert_string_equal(ga_otlp_libcurl_name(), "libcurl.so.4");
    setenv("GENESIS_LIBCURL", "/opt/curl/lib/libcurl.so.4", 1);
    ga_env_read(environ);
    assert_string_equal(ga_otlp_libcurl_name(), "/opt/curl/lib/libcurl.so.4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_url_rules, clear_env),
        cmocka_unit_test_setup(test_url_invalid, clear_env),
        cmocka_unit_test_setup(test_url_redacted, clear_env),
        cmocka_unit_test_setup(test_endpoint_env, clear_env),
        cmocka_unit_test_setup(test_scalars, clear_env),
        cmocka_unit_test_setup(test_tls_paths, clear_env),
        cmocka_unit_test_setup(test_headers_parse, clear_env),
        cmocka_unit_test_setup(test_headers_malformed, clear_env),
        cmocka_unit_test_setup(test_headers_env, clear_env),
        cmocka_unit_test_setup(test_bsp, clear_env),
        cmocka_unit_test_setup(test_libcurl_name, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
