/* test_otlp_resp.c — the collector's answers read by hand (exporter/otlp_resp.c) against
 * protobuf-c's unpack, the oracle the library used before: google.rpc.Status and the three
 * Export*ServiceResponse types, on valid messages (with unknown fields of every wire type,
 * repeated and merged fields, NULs and long strings), every truncation of them, mutations and
 * random garbage. For each body both must agree: refused, or accepted with the same message
 * (as a C string, cut to the buffer) and the same count of rejected items. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/test_rng.h"
#include "exporter/otlp_resp.h"
#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define CAP 256

static uint64_t rng = 0x9e3779b97f4a7c15ull;       /* the inputs' seed (test_rng.h) */

static uint64_t rnd(void)
{
    return test_rnd(&rng);
}

/* What protobuf-c makes of a Status body: 0 and the message (cut like the decoder's), or -1. */
static int ref_status(const uint8_t *b, size_t n, char *msg)
{
    msg[0] = '\0';
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, n, b);
    if (st == NULL)
        return -1;
    snprintf(msg, CAP, "%s", st->message ? st->message : "");
    google__rpc__status__free_unpacked(st, NULL);
    return 0;
}

/* What protobuf-c makes of an Export*ServiceResponse body of kind k (0 traces, 1 metrics,
 * 2 logs), as ga_otlp_resp_partial() returns it. */
static int ref_partial(int k, const uint8_t *b, size_t n, int64_t *rej, char *msg)
{
    *rej = 0;
    msg[0] = '\0';
    ProtobufCMessage *m;
    const char *em = NULL;
    int has = 0;
    if (k == 0) {
        Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
            opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, n, b);
        m = (ProtobufCMessage *)r;
        if (r && r->partial_success)
            has = 1, *rej = r->partial_success->rejected_spans, em = r->partial_success->error_message;
    } else if (k == 1) {
        Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse *r =
            opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(NULL, n, b);
        m = (ProtobufCMessage *)r;
        if (r && r->partial_success)
            has = 1, *rej = r->partial_success->rejected_data_points, em = r->partial_success->error_message;
    } else {
        Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse *r =
            opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(NULL, n, b);
        m = (ProtobufCMessage *)r;
        if (r && r->partial_success)
            has = 1, *rej = r->partial_success->rejected_log_records, em = r->partial_success->error_message;
    }
    if (m == NULL)
        return -1;
    snprintf(msg, CAP, "%s", em ? em : "");
    protobuf_c_message_free_unpacked(m, NULL);
    return has;
}

/* Both readers on body: the same verdict and values for every kind. Returns the verdict of
 * the Status reader (for the tests that want a particular one). */
static int agree(const uint8_t *b, size_t n)
{
    char m1[CAP], m2[CAP];
    int r1 = ga_otlp_resp_status(b, n, m1, sizeof m1);
    int r2 = ref_status(b, n, m2);
    if (r1 != r2 || strcmp(m1, m2) != 0) {
        fprintf(stderr, "Status: ours %d '%s', protobuf-c %d '%s' (%zu bytes)\n", r1, m1, r2, m2, n);
        fail();
    }
    for (int k = 0; k < 3; k++) {
        int64_t j1, j2;
        int p1 = ga_otlp_resp_partial(b, n, &j1, m1, sizeof m1);
        int p2 = ref_partial(k, b, n, &j2, m2);
        if (p1 != p2 || j1 != j2 || strcmp(m1, m2) != 0) {
            fprintf(stderr, "kind %d: ours %d %lld '%s', protobuf-c %d %lld '%s' (%zu bytes)\n", k, p1,
                    (long long)j1, m1, p2, (long long)j2, m2, n);
            fail();
        }
    }
    return r1;
}

/* ---- writing test bodies ---------------------------------------------------------------- */

typedef struct { uint8_t d[4096]; size_t n; } body_t;

static void put(body_t *b, uint8_t c) { if (b->n < sizeof b->d) b->d[b->n++] = c; }

static void put_varint(body_t *b, uint64_t v)
{
    while (v >= 0x80) {
        put(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put(b, (uint8_t)v);
}

static void put_len(body_t *b, int field, const void *s, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    for (size_t i = 0; i < n; i++)
        put(b, ((const uint8_t *)s)[i]);
}

/* An unknown field of a random wire type (numbers from 4 up: unknown everywhere). */
static void put_unknown(body_t *b)
{
    int field = 4 + (int)(rnd() % 3000);
    switch (rnd() % 4) {
    case 0: put_varint(b, (uint64_t)field << 3); put_varint(b, rnd() >> (rnd() % 64)); break;
    case 1: put_varint(b, (uint64_t)field << 3 | 1); for (int i = 0; i < 8; i++) put(b, (uint8_t)rnd()); break;
    case 2: put_varint(b, (uint64_t)field << 3 | 5); for (int i = 0; i < 4; i++) put(b, (uint8_t)rnd()); break;
    default: { uint8_t x[20]; for (int i = 0; i < 20; i++) x[i] = (uint8_t)rnd(); put_len(b, field, x, rnd() % 20); }
    }
}

/* A random printable string of up to 300 bytes, sometimes with a NUL or non-ASCII bytes. */
static size_t rand_str(char *s)
{
    size_t n = rnd() % 300;
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + rnd() % 26);
    if (n && rnd() % 4 == 0)
        s[rnd() % n] = '\0';
    if (n && rnd() % 4 == 0)
        s[rnd() % n] = (char)0xe9;
    return n;
}

/* A random valid PartialSuccess body (fields in any order, repeated, unknown ones). */
static void rand_partial(body_t *b)
{
    int nf = (int)(rnd() % 5);
    for (int i = 0; i < nf; i++) {
        switch (rnd() % 3) {
        case 0: put_varint(b, 1 << 3); put_varint(b, rnd() % 3 ? rnd() % 1000 : rnd()); break;
        case 1: { char s[300]; size_t n = rand_str(s); put_len(b, 2, s, n); break; }
        default: put_unknown(b);
        }
    }
}

/* A random valid body for either reader: Status fields (code, message, Any details) and
 * partial_success (1) fields that are also valid for... (field 1 is a varint in Status and a
 * message in the responses, so each body is valid for one side, and refused by the other). */
static void rand_body(body_t *b, int status)
{
    b->n = 0;
    int nf = (int)(rnd() % 6);
    for (int i = 0; i < nf; i++) {
        int w = (int)(rnd() % 4);
        if (status && w == 0) {
            put_varint(b, 1 << 3);
            put_varint(b, rnd() % 2 ? rnd() % 20 : (uint64_t)(int64_t)-1);
        } else if (status && w == 1) {
            char s[300];
            size_t n = rand_str(s);
            put_len(b, 2, s, n);
        } else if (status && w == 2) {
            body_t any = {0};
            char s[300];
            if (rnd() & 1)
                put_len(&any, 1, "type.googleapis.com/x", 21);
            if (rnd() & 1)
                put_len(&any, 2, s, rand_str(s));
            if (rnd() & 1)
                put_unknown(&any);
            put_len(b, 3, any.d, any.n);
        } else if (!status && w < 3) {
            body_t ps = {0};
            rand_partial(&ps);
            put_len(b, 1, ps.d, ps.n);
        } else {
            put_unknown(b);
        }
    }
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_status_valid(void **state)
{
    (void)state;
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    Google__Rpc__Any any = GOOGLE__RPC__ANY__INIT, *details[] = { &any };
    uint8_t buf[512];
    char msg[CAP];
    st.code = 8;
    st.message = "resource exhausted";
    any.type_url = "type.googleapis.com/google.rpc.RetryInfo";
    any.value = (ProtobufCBinaryData){ .len = 3, .data = (uint8_t *)"\x0a\x01\x00" };
    st.n_details = 1;
    st.details = details;
    size_t n = google__rpc__status__pack(&st, buf);
    assert_int_equal(ga_otlp_resp_status(buf, n, msg, sizeof msg), 0);
    assert_string_equal(msg, "resource exhausted");
    assert_int_equal(agree(buf, n), 0);
    assert_int_equal(ga_otlp_resp_status(buf, n, msg, 9), 0);     /* cut to the buffer */
    assert_string_equal(msg, "resource");
    assert_int_equal(ga_otlp_resp_status(buf, 0, msg, sizeof msg), 0);    /* empty: no message */
    assert_string_equal(msg, "");
    assert_int_equal(ga_otlp_resp_status(NULL, 0, msg, sizeof msg), 0);
    assert_int_equal(ga_otlp_resp_status((const uint8_t *)"{\"code\":8}", 10, msg, sizeof msg), -1);
    assert_string_equal(msg, "");
}

static void test_partial_valid(void **state)
{
    (void)state;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    uint8_t buf[128];
    char msg[CAP];
    int64_t rej;
    ps.rejected_spans = 3;
    ps.error_message = "too old";
    r.partial_success = &ps;
    size_t n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r, buf);
    assert_int_equal(ga_otlp_resp_partial(buf, n, &rej, msg, sizeof msg), 1);
    assert_int_equal(rej, 3);
    assert_string_equal(msg, "too old");
    agree(buf, n);
    ps.rejected_spans = -5;                     /* negative counts come through as they are */
    n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r, buf);
    assert_int_equal(ga_otlp_resp_partial(buf, n, &rej, msg, sizeof msg), 1);
    assert_int_equal(rej, -5);
    agree(buf, n);
    assert_int_equal(ga_otlp_resp_partial(buf, 0, &rej, msg, sizeof msg), 0);  /* full success */
    r.partial_success = NULL;
    n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r, buf);
    assert_int_equal(ga_otlp_resp_partial(buf, n, &rej, msg, sizeof msg), 0);
    const uint8_t empty_ps[] = { 0x0a, 0x00 };  /* present but empty: 1, nothing rejected */
    assert_int_equal(ga_otlp_resp_partial(empty_ps, 2, &rej, msg, sizeof msg), 1);
    assert_int_equal(rej, 0);
    agree(empty_ps, 2);
}

/* Hand-made edge cases: wrong wire types, field 0, groups, long varints and tags, lengths
 * past the end, NULs, merged partial_success. */
static void test_edges(void **state)
{
    (void)state;
    static const struct { const char *b; size_t n; } cases[] = {
        { "\x08\x01", 2 },                              /* Status code; response: wrong type */
        { "\x0a\x00", 2 },
        { "\x0a\x02\x08\x05", 4 },
        { "\x0a\x02\x08", 3 },                          /* length past the end */
        { "\x12\x03" "a\0b", 5 },                       /* NUL inside the message */
        { "\x0a\x04\x12\x02" "a\0", 6 },
        { "\x00\x01", 2 },                              /* field 0 */
        { "\x80\x01\x00", 3 },                          /* field 16 varint, two-byte tag */
        { "\x0b\x0c", 2 },                              /* group start/end */
        { "\x0e", 1 },                                  /* wire type 6 */
        { "\x0f", 1 },
        { "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11 },     /* 10-byte varint */
        { "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 }, /* 11 bytes */
        { "\x0a\x0b\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13 },
        { "\x8a\x80\x80\x80\x00\x00", 6 },              /* 5-byte tag of field 1 */
        { "\x8a\x80\x80\x80\x80\x00\x00", 7 },          /* 6-byte tag */
        { "\x12\x80\x80\x80\x80\x00", 6 },              /* 5-byte length 0 */
        { "\x12\x80\x80\x80\x80\x80\x00", 7 },          /* 6-byte length */
        { "\x12\xff\xff\xff\xff\x0f", 6 },              /* huge length */
        { "\x12\x81\x80\x80\x80\x10" "x", 7 },        /* length 2^32 + 1: past the end */
        { "\x0a\x08\x12\x81\x80\x80\x80\x10" "x\x08\x02", 10 },
        { "\x1a\x02\x08\x01", 4 },                      /* Any with a varint type_url */
        { "\x1a\x02\x10\x01", 4 },
        { "\x1a\x02\x18\x01", 4 },                      /* Any with an unknown varint */
        { "\x0a\x04\x08\x05\x10\x01\x0a\x02\x08\x07", 10 },         /* merged: 7 */
        { "\x0a\x04\x08\x05\x12\x00\x0a\x02\x12\x01", 10 },         /* inner length past end */
        { "\x0a\x05\x08\x05\x12\x01x\x0a\x00", 9 },                 /* merged with empty */
        { "\x0a\x05\x08\x05\x12\x01x\x0a\x02\x08\x00", 11 },        /* later explicit 0 */
        { "\x0a\x05\x08\x05\x12\x01x\x0a\x02\x12\x00", 11 },        /* later explicit "" */
        { "\x0a\x03\x12\x01x\x0a\x03\x12\x01y", 10 },
        { "\x09\x01\x02\x03\x04\x05\x06\x07\x08", 9 },  /* Status code as fixed64 */
        { "\x0d\x01\x02\x03\x04", 5 },
        { "\x0d\x01\x02\x03", 4 },                      /* fixed32 cut */
        { "\x19\x01\x02\x03\x04\x05\x06\x07", 8 },      /* fixed64 cut */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        agree((const uint8_t *)cases[i].b, cases[i].n);
}

/* Random valid bodies of both kinds, every one of their truncations, and mutations. */
static void test_random_valid_truncated_mutated(void **state)
{
    (void)state;
    body_t b;
    int accepted[2] = {0, 0};
    for (int round = 0; round < 4000; round++) {
        int status = round & 1;
        rand_body(&b, status);
        accepted[status] += agree(b.d, b.n) == 0;
        for (size_t cut = 0; cut < b.n; cut++)
            agree(b.d, cut);
        for (int m = 0; m < 8 && b.n; m++) {
            body_t c = b;
            c.d[rnd() % c.n] ^= (uint8_t)(1u << (rnd() % 8));
            agree(c.d, c.n);
        }
    }
    assert_true(accepted[1] == 2000);           /* every random Status is valid */
}

/* Garbage: random bytes of random lengths, and bodies with a random prefix. */
static void test_garbage(void **state)
{
    (void)state;
    uint8_t g[256];
    for (int round = 0; round < 100000; round++) {
        size_t n = rnd() % sizeof g;
        for (size_t i = 0; i < n; i++)
            g[i] = (uint8_t)rnd();
        if (round % 3 == 0 && n > 0)
            g[0] = (uint8_t)(rnd() % 4 == 0 ? 0x0a : 0x12);     /* start like a real field */
        agree(g, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_valid),
        cmocka_unit_test(test_partial_valid),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_valid_truncated_mutated),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
