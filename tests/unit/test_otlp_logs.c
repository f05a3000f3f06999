/* test_otlp_logs.c — the OTLP logs encoder (exporter/otlp_logs.c: ga_otlp_log_record inside a
 * request made with exporter/otlp_span.h) against protobuf-c, the oracle: the request decodes as
 * ExportLogsServiceRequest with every field as given (time, severity, text, body, attributes,
 * flags, ids, observed time; absent fields absent), and protobuf-c packs the decoded message
 * back to the same bytes (canonical output). Bodies long enough for 2- and 3-byte lengths. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/logs.h"
#include "exporter/otlp_span.h"
#include "exporter/resource.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "preload/config.h"
#include "preload/logcap.h"

typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest req_t;
typedef Opentelemetry__Proto__Logs__V1__LogRecord rec_t;

static const char *str_attr(const rec_t *r, const char *key)
{
    for (size_t i = 0; i < r->n_attributes; i++)
        if (strcmp(r->attributes[i]->key, key) == 0)
            return r->attributes[i]->value->string_value;
    return NULL;
}

static void test_requests_decode_and_repack(void **state)
{
    (void)state;
    setenv("GENESIS_LOG_LEVEL", "off", 1);
    setenv("OTEL_SERVICE_NAME", "unit-logs", 1);
    ga_config_load(&ga_cfg, "unit", environ);
    ga_resource_build(&ga_res);
    ga_otlp_tr tr = {0};
    assert_int_equal(ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION), 0);
    static char big[20000];
    memset(big, 'x', sizeof big);
    const size_t lens[] = { 5, 200, 16384 };
    for (int round = 0; round < 3; round++) {
        ga_buf b = {0};
        ga_otlp_tr_begin(&tr, &b);
        ga_logline l1 = { .time_ns = 1700000000123456789ull, .body = "ERROR: disk full", .len = 16,
                          .severity = 17, .sev_text = "ERROR", .sev_len = 5, .stream = GA_LOGS_STDERR,
                          .has_ctx = 1, .trace_flags = 1 };
        for (int i = 0; i < 16; i++)
            l1.trace_id[i] = (uint8_t)(0xa0 + i);
        for (int i = 0; i < 8; i++)
            l1.span_id[i] = (uint8_t)(0x10 + i);
        ga_logline l2 = { .time_ns = 5, .body = big, .len = lens[round], .stream = GA_LOGS_FILE0,
                          .path = "/var/log/nginx/error.log", .cut = round == 2 };
        ga_logline l3 = { .time_ns = 6, .body = "hello", .len = 5, .stream = GA_LOGS_STDOUT };
        assert_int_equal(ga_otlp_log_record(&b, &l1, 1700000000999ull), 0);
        assert_int_equal(ga_otlp_log_record(&b, &l2, 7), 0);
        assert_int_equal(ga_otlp_log_record(&b, &l3, 8), 0);
        size_t start;
        assert_int_equal(ga_otlp_tr_end(&tr, &b, &start), 0);
        const uint8_t *p = (const uint8_t *)b.data + start;
        size_t n = b.len - start;
        req_t *req = opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL, n, p);
        assert_non_null(req);
        assert_int_equal(req->n_resource_logs, 1);
        assert_int_equal(req->resource_logs[0]->n_scope_logs, 1);
        assert_string_equal(req->resource_logs[0]->scope_logs[0]->scope->name, GA_SDK_NAME);
        assert_int_equal(req->resource_logs[0]->scope_logs[0]->n_log_records, 3);
        rec_t **r = req->resource_logs[0]->scope_logs[0]->log_records;
        assert_int_equal(r[0]->time_unix_nano, 1700000000123456789ull);
        assert_int_equal(r[0]->observed_time_unix_nano, 1700000000999ull);
        assert_int_equal(r[0]->severity_number, 17);
        assert_string_equal(r[0]->severity_text, "ERROR");
        assert_string_equal(r[0]->body->string_value, "ERROR: disk full");
        assert_string_equal(str_attr(r[0], "log.iostream"), "stderr");
        assert_int_equal(r[0]->flags, 1);
        assert_int_equal(r[0]->trace_id.len, 16);
        assert_memory_equal(r[0]->trace_id.data, l1.trace_id, 16);
        assert_int_equal(r[0]->span_id.len, 8);
        assert_memory_equal(r[0]->span_id.data, l1.span_id, 8);
        assert_int_equal(r[1]->severity_number, 0);
        assert_string_equal(r[1]->severity_text, "");
        assert_int_equal(strlen(r[1]->body->string_value), lens[round]);
        assert_string_equal(str_attr(r[1], "log.file.path"), "/var/log/nginx/error.log");
        assert_null(str_attr(r[1], "log.iostream"));
        assert_int_equal(r[1]->n_attributes, round == 2 ? 2 : 1);
        assert_int_equal(r[1]->trace_id.len, 0);
        assert_int_equal(r[1]->flags, 0);
        assert_string_equal(str_attr(r[2], "log.iostream"), "stdout");
        /* canonical: protobuf-c packs what it decoded to the very same bytes */
        size_t m = opentelemetry__proto__collector__logs__v1__export_logs_service_request__get_packed_size(req);
        assert_int_equal(m, n);
        uint8_t *again = malloc(m);
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__pack(req, again);
        assert_memory_equal(again, p, n);
        free(again);
        opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req, NULL);
        ga_buf_free(&b);
    }
    ga_otlp_tr_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_decode_and_repack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
