/* test_otlp_encode.c — the OTLP traces component's requests, checked by decoding their bytes
 * back with the protobuf-c unpack functions: ids (16/8 bytes, empty parent for roots), flags
 * (W3C byte + has-is-remote + is-remote), kind, times, typed attributes, status, trace_state
 * (record or TRACESTATE), resource, scope; invalid UTF-8 repaired; the queue bound; a failed
 * encoding; partial success; gzip; the protobuf-c KeyValue builder and arena limit of the
 * tests' oracle (tests/unit/otlp_pbc.h).
 *
 * The component's internals are static: this file includes otlp_traces.c to reach them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <arpa/inet.h>
#include <zlib.h>
#include <cmocka.h>
#include "exporter/otlp_traces.c"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tests/unit/otlp_pbc.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KV;
typedef Opentelemetry__Proto__Trace__V1__Span ga_pb_span;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ga_pb_resource_spans;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest ga_pb_trace_req;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse ga_pb_trace_resp;

static const uint8_t TRACE1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t ENV_TRACE[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                      0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};

static int setup(void **state)
{
    (void)state;
    setenv("GENESIS_LOG_LEVEL", "off", 1);
    setenv("OTEL_SERVICE_NAME", "unit-svc", 1);
    setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1);
    setenv("TRACESTATE", "congo=t61rcWkgMzE", 1);
    ga_config_load(&ga_cfg, "unit", environ);
    ga_resource_build(&ga_res);
    memset(&T, 0, sizeof T);
    T.b.cfg = (ga_bsp_cfg){ .schedule_delay_ms = 5000, .max_queue_size = 16, .max_export_batch_size = 16 };
    T.b.on = 1;
    memset(&ga_self, 0, sizeof ga_self);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(T.q);
    ga_otlp_tr_free(&T.tr);
    ga_buf_free(&T.body);
    memset(&T, 0, sizeof T);
    return 0;
}

static ga_rec rec_base(uint8_t last_span_byte)
{
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONNECT;
    r.h.kind = GA_KIND_INTERNAL;
    r.h.trace_flags = GA_TF_SAMPLED;
    r.h.start_ns = 1700000000000000000ull;
    r.h.end_ns = 1700000000000123456ull;
    memcpy(r.h.trace_id, TRACE1, 16);
    memset(r.h.span_id, 0xa0, 8);
    r.h.span_id[7] = last_span_byte;
    return r;
}

static void queue_test_records(void)
{
    ga_rec r = rec_base(1);                          /* root, IPv4 */
    ga_addr a = { .family = AF_INET, .port = 6379 };
    inet_pton(AF_INET, "127.0.0.1", a.addr);
    ga_rec_put_addr(&r, GA_A_PEER, &a);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga__tr_span(&r);

    r = rec_base(2);                                 /* remote parent, IPv6, error, tracestate */
    r.h.has_parent = 1;
    r.h.parent_remote = 1;
    memset(r.h.parent_id, 0x77, 8);
    r.h.status = GA_STATUS_ERROR;
    ga_addr a6 = { .family = AF_INET6, .port = 443 };
    inet_pton(AF_INET6, "::1", a6.addr);
    ga_rec_put_addr(&r, GA_A_PEER, &a6);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_put_int(&r, GA_A_ERRNO, ECONNREFUSED);
    ga_rec_put(&r, GA_A_TRACESTATE, GA_AT_STR, "vendor=x", 8);
    ga__tr_span(&r);

    r = rec_base(3);                                 /* local parent, unix path, bad UTF-8 */
    r.h.has_parent = 1;
    memset(r.h.parent_id, 0x55, 8);
    ga_rec_put(&r, GA_A_UNIX_PATH, GA_AT_STR, "/tmp/s\xff\xfe.sock", 14);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga__tr_span(&r);

    r = rec_base(4);                                 /* the trace continued from TRACEPARENT */
    memcpy(r.h.trace_id, ENV_TRACE, 16);
    r.h.has_parent = 1;
    r.h.parent_remote = 1;
    memcpy(r.h.parent_id, "\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8);
    ga__tr_span(&r);
}

static const Opentelemetry__Proto__Common__V1__AnyValue *attr(KV **kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i]->key, key) == 0)
            return kv[i]->value;
    return NULL;
}

static void assert_str_attr(KV **kv, size_t n, const char *key, const char *want)
{
    const Opentelemetry__Proto__Common__V1__AnyValue *v = attr(kv, n, key);
    assert_non_null(v);
    assert_int_equal(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
    assert_string_equal(v->string_value, want);
}

static void assert_int_attr(KV **kv, size_t n, const char *key, int64_t want)
{
    const Opentelemetry__Proto__Common__V1__AnyValue *v = attr(kv, n, key);
    assert_non_null(v);
    assert_int_equal(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
    assert_int_equal(v->int_value, want);
}

static ga_pb_trace_req *encode_and_decode(unsigned n)
{
    assert_int_equal(ga__encode(n), 0);
    ga_pb_trace_req *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, T.body.len - T.start, (const uint8_t *)T.body.data + T.start);
    assert_non_null(req);
    return req;
}

static void test_resource_and_scope(void **state)
{
    (void)state;
    queue_test_records();
    ga_pb_trace_req *req = encode_and_decode(4);
    assert_int_equal(req->n_resource_spans, 1);
    ga_pb_resource_spans *rs = req->resource_spans[0];
    assert_non_null(rs->resource);
    KV **ra = rs->resource->attributes;
    size_t rn = rs->resource->n_attributes;
    assert_str_attr(ra, rn, "service.name", "unit-svc");
    assert_str_attr(ra, rn, "telemetry.sdk.name", "genesis-auto");
    assert_str_attr(ra, rn, "telemetry.sdk.language", "c");
    assert_int_attr(ra, rn, "process.pid", getpid());
    assert_int_equal(rs->n_scope_spans, 1);
    assert_string_equal(rs->scope_spans[0]->scope->name, "genesis-auto");
    assert_string_equal(rs->scope_spans[0]->scope->version, GA_VERSION);
    assert_int_equal(rs->scope_spans[0]->n_spans, 4);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void test_root_span(void **state)
{
    (void)state;
    queue_test_records();
    ga_pb_trace_req *req = encode_and_decode(4);
    ga_pb_span *s = req->resource_spans[0]->scope_spans[0]->spans[0];
    assert_int_equal(s->trace_id.len, 16);
    assert_memory_equal(s->trace_id.data, TRACE1, 16);
    assert_int_equal(s->span_id.len, 8);
    assert_int_equal(s->span_id.data[7], 1);
    assert_int_equal(s->parent_span_id.len, 0);
    assert_int_equal(s->flags, 0x101);
    assert_int_equal(s->kind, 1);
    assert_string_equal(s->name, "connect 127.0.0.1:6379");
    assert_int_equal(s->start_time_unix_nano, 1700000000000000000ull);
    assert_int_equal(s->end_time_unix_nano, 1700000000000123456ull);
    assert_true(s->status == NULL || s->status->code == 0);
    assert_true(s->trace_state == NULL || s->trace_state[0] == '\0');
    assert_int_equal(s->n_attributes, 4);
    assert_str_attr(s->attributes, s->n_attributes, "network.peer.address", "127.0.0.1");
    assert_int_attr(s->attributes, s->n_attributes, "network.peer.port", 6379);
    assert_str_attr(s->attributes, s->n_attributes, "network.transport", "tcp");
    assert_str_attr(s->attributes, s->n_attributes, "network.type", "ipv4");
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void test_child_spans(void **state)
{
    (void)state;
    queue_test_records();
    ga_pb_trace_req *req = encode_and_decode(4);
    ga_pb_span **sp = req->resource_spans[0]->scope_spans[0]->spans;
    /* remote parent, error */
    assert_int_equal(sp[1]->parent_span_id.len, 8);
    assert_memory_equal(sp[1]->parent_span_id.data, "\x77\x77\x77\x77\x77\x77\x77\x77", 8);
    assert_int_equal(sp[1]->flags, 0x301);
    assert_string_equal(sp[1]->name, "connect [::1]:443");
    assert_non_null(sp[1]->status);
    assert_int_equal(sp[1]->status->code, 2);
    assert_string_equal(sp[1]->trace_state, "vendor=x");
    assert_str_attr(sp[1]->attributes, sp[1]->n_attributes, "error.type", "ECONNREFUSED");
    assert_str_attr(sp[1]->attributes, sp[1]->n_attributes, "network.type", "ipv6");
    /* local parent; invalid UTF-8 replaced by U+FFFD in the name and the attribute */
    assert_int_equal(sp[2]->flags, 0x101);
    assert_string_equal(sp[2]->name, "connect /tmp/s\xEF\xBF\xBD\xEF\xBF\xBD.sock");
    assert_str_attr(sp[2]->attributes, sp[2]->n_attributes, "network.peer.address",
                    "/tmp/s\xEF\xBF\xBD\xEF\xBF\xBD.sock");
    /* the span continuing TRACEPARENT carries TRACESTATE */
    assert_memory_equal(sp[3]->trace_id.data, ENV_TRACE, 16);
    assert_string_equal(sp[3]->trace_state, "congo=t61rcWkgMzE");
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void test_batches_and_queue_bound(void **state)
{
    (void)state;
    T.b.cfg.max_queue_size = 4;
    T.b.cfg.max_export_batch_size = 8;    /* never reached: no send in this test */
    for (int i = 0; i < 6; i++) {
        ga_rec r = rec_base((uint8_t)(10 + i));
        ga__tr_span(&r);
    }
    assert_int_equal(T.b.count, 4);
    assert_int_equal(ga_self.spans_dropped_batch_full, 2);
    /* a batch of 3 leaves one queued; the ring wraps around */
    ga_pb_trace_req *req = encode_and_decode(3);
    assert_int_equal(req->resource_spans[0]->scope_spans[0]->n_spans, 3);
    assert_int_equal(req->resource_spans[0]->scope_spans[0]->spans[2]->span_id.data[7], 12);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
    ga__dequeue(3);
    ga_rec r = rec_base(20);
    ga__tr_span(&r);
    req = encode_and_decode(2);
    assert_int_equal(req->resource_spans[0]->scope_spans[0]->spans[0]->span_id.data[7], 13);
    assert_int_equal(req->resource_spans[0]->scope_spans[0]->spans[1]->span_id.data[7], 20);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void test_encode_failure(void **state)
{
    (void)state;
    queue_test_records();
    assert_int_equal(ga__encode(4), 0);
    T.body.failed = 1;                  /* memory ran out half-way: the request is not sent */
    assert_int_equal(ga_otlp_tr_span(&T.body, &T.q[0]), -1);
    assert_int_equal(ga_otlp_tr_end(&T.tr, &T.body, &T.start), -1);
    assert_int_equal(ga__encode(4), 0); /* the next request starts clean */
}

static void test_arena_limit(void **state)
{
    (void)state;
    ga_pb_arena a = { .limit = 1024 };  /* far too small: the builder fails cleanly */
    ga_attr at[GA_MAX_ATTRS];
    char big[2000];
    memset(big, 'v', sizeof big);
    for (int i = 0; i < GA_MAX_ATTRS; i++)
        at[i] = (ga_attr){ .key = "k", .type = GA_V_STR, .s = big, .slen = sizeof big };
    assert_null(ga_otlp_resource(&a, at, GA_MAX_ATTRS));
    assert_true(a.failed);
    ga_pb_arena_free(&a);
}

static void test_partial_success(void **state)
{
    (void)state;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    ps.rejected_spans = 3;
    ps.error_message = "too old";
    ga_pb_trace_resp resp = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    resp.partial_success = &ps;
    uint8_t buf[64];
    size_t n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&resp, buf);
    ga_otlp_result res = { .ok = 1, .body = buf, .body_len = n };
    ga__partial_success(&res);
    assert_int_equal(ga_self.spans_rejected, 3);
    res.body_len = 0;                   /* empty answer = full success */
    ga__partial_success(&res);
    res.body = (const uint8_t *)"{\"json\":1}";   /* not protobuf: ignored */
    res.body_len = 10;
    ga__partial_success(&res);
    assert_int_equal(ga_self.spans_rejected, 3);
}

static void test_kvs_types(void **state)
{
    (void)state;
    ga_pb_arena a = {0};
    ga_attr at[] = {
        { .key = "s", .type = GA_V_STR, .s = "abcdef", .slen = 3 },
        { .key = "i", .type = GA_V_INT, .i = -42 },
        { .key = "d", .type = GA_V_DOUBLE, .d = 0.25 },
        { .key = "b", .type = GA_V_BOOL, .i = 1 },
        { .key = "x", .type = 99 },     /* unknown type: skipped */
    };
    size_t n;
    KV **kv = ga_otlp_kvs(&a, at, 5, &n);
    assert_int_equal(n, 4);
    assert_string_equal(kv[0]->value->string_value, "abc");
    assert_int_equal(kv[1]->value->int_value, -42);
    assert_true(kv[2]->value->double_value == 0.25);
    assert_int_equal(kv[3]->value->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
    assert_int_equal(kv[3]->value->bool_value, 1);
    assert_null(ga_otlp_kvs(&a, at, 0, &n));
    assert_int_equal(n, 0);
    ga_pb_arena_free(&a);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    queue_test_records();
    assert_int_equal(ga__encode(4), 0);
    const char *body = T.body.data + T.start;
    size_t len = T.body.len - T.start;
    ga_buf gz = {0};
    assert_int_equal(ga_otlp_gzip(body, len, &gz), 0);
    assert_int_equal((uint8_t)gz.data[0], 0x1f);
    assert_int_equal((uint8_t)gz.data[1], 0x8b);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    uint8_t *out = malloc(len + 16);
    z.next_in = (Bytef *)gz.data;
    z.avail_in = (uInt)gz.len;
    z.next_out = out;
    z.avail_out = (uInt)(len + 16);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, len);
    assert_memory_equal(out, body, len);
    inflateEnd(&z);
    free(out);
    ga_buf_free(&gz);
}

static void test_utf8_repair(void **state)
{
    (void)state;
    ga_pb_arena a = {0};
    assert_string_equal(ga_otlp_str(&a, "h\xc3\xa9llo", 6), "h\xc3\xa9llo");      /* valid 2-byte */
    assert_string_equal(ga_otlp_str(&a, "\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80"); /* valid 4-byte */
    assert_string_equal(ga_otlp_str(&a, "a\xc0\xaf", 3), "a\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong */
    assert_string_equal(ga_otlp_str(&a, "\xed\xa0\x80", 3), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(ga_otlp_str(&a, "x\xe2\x82", 3), "x\xEF\xBF\xBD\xEF\xBF\xBD"); /* truncated */
    assert_string_equal(ga_otlp_str(&a, "", 0), "");
    ga_pb_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resource_and_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_span, setup, teardown),
        cmocka_unit_test_setup_teardown(test_child_spans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_and_queue_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kvs_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_repair, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
