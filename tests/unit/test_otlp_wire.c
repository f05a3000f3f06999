/* test_otlp_wire.c — the OTLP trace encoder that writes the wire format itself
 * (exporter/otlp_span.h) against the protobuf-c object tree it replaced (tests/unit/otlp_ref.h),
 * protobuf-c being the oracle: for the same records and the same attributes, both requests are
 * decoded with protobuf-c and compared field by field (span, resource, scope, every attribute
 * type), and their bytes are compared too (the encoder writes canonical protobuf, as protobuf-c
 * packs it).
 *
 * Covered: the record corpus (tests/unit/otlp_corpus.h); strings empty, NULL, invalid UTF-8,
 * with a NUL, long enough for multi-byte lengths; integers 0, negative, extreme; doubles;
 * booleans; unknown types and keyless attributes (skipped); keys without a known length or
 * empty; empty and invalid names; tracestates; zero times; kind 0; every status; parents;
 * the resource with every attribute type; batches whose lengths need 3- and 4-byte varints. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/otlp_span.h"
#include "tests/unit/otlp_corpus.h"
#include "tests/unit/otlp_ref.h"

static ga_rec recs[64];
static ga_otlp_tr tr;
static ga_pb_arena arena;
static ga_buf wire, ref, wire_text, ref_text;

static int setup(void **state)
{
    (void)state;
    setenv("GENESIS_LOG_LEVEL", "off", 1);
    setenv("OTEL_SERVICE_NAME", "unit-svc", 1);
    setenv("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1);
    setenv("TRACESTATE", "congo=t61rcWkgMzE", 1);
    setenv("GENESIS_HTTP_ROUTES", "/users/{id}/rooms", 1);
    ga_config_load(&ga_cfg, "unit", environ);
    ga_resource_build(&ga_res);
    return ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION);
}

static int teardown(void **state)
{
    (void)state;
    ga_otlp_tr_free(&tr);
    ga_pb_arena_free(&arena);
    ga_buf_free(&wire);
    ga_buf_free(&ref);
    ga_buf_free(&wire_text);
    ga_buf_free(&ref_text);
    return 0;
}

static void dump(const char *p, size_t n, ga_buf *text)
{
    ga_buf_reset(text);
    ref_req_t *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, n, (const uint8_t *)p);
    if (req == NULL)
        fail_msg("protobuf-c cannot decode the request (%zu bytes)", n);
    ref_dump_head(text, req);
    ref_dump_spans(text, req);
    ga_buf_put(text, "", 1);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

/* The finished wire request (wire.data[start..]) and the reference request (ref): the same
 * fields once decoded, and the same bytes. */
static void compare(size_t start)
{
    const char *w = wire.data + start;
    size_t wl = wire.len - start;
    dump(w, wl, &wire_text);
    dump(ref.data, ref.len, &ref_text);
    if (strcmp(wire_text.data, ref_text.data) != 0) {
        size_t i = 0, line = 0;
        while (wire_text.data[i] == ref_text.data[i])
            if (wire_text.data[i++] == '\n')
                line = i;
        fail_msg("decoded requests differ from this line on:\n--- protobuf-c tree\n%.300s\n"
                 "--- wire encoder\n%.300s", ref_text.data + line, wire_text.data + line);
    }
    assert_int_equal(wl, ref.len);
    assert_memory_equal(w, ref.data, wl);
}

static void test_corpus(void **state)
{
    (void)state;
    int n = corpus_build(recs);
    assert_true(n > 30);
    ga_otlp_tr_begin(&tr, &wire);
    for (int i = 0; i < n; i++)
        assert_int_equal(ga_otlp_tr_span(&wire, &recs[i]), 0);
    size_t start;
    assert_int_equal(ga_otlp_tr_end(&tr, &wire, &start), 0);
    assert_int_equal(ref_encode(recs, (unsigned)n, &arena, &ref), 0);
    compare(start);
}

/* One span with the given name, attributes and tracestate, through both encoders. */
static void one_span(const ga_rec *r, const char *name, size_t nl, const ga_attr *a, int n,
                     const char *ts, size_t tl)
{
    ga_otlp_tr_begin(&tr, &wire);
    assert_int_equal(ga_otlp_tr_span_with(&wire, r, name, nl, a, n, ts, tl), 0);
    size_t start;
    assert_int_equal(ga_otlp_tr_end(&tr, &wire, &start), 0);
    ga_pb_arena_reset(&arena);
    ref_span_t *s = ref_span_parts(&arena, r, name, nl, a, n, ts, tl);
    assert_non_null(s);
    assert_int_equal(ref_request(&s, 1, &arena, &ref), 0);
    compare(start);
}

static ga_rec plain_rec(void)
{
    ga_rec r;
    memset(&r, 0, sizeof r);
    ga_span_ids id = corpus_ids(0);
    ga_rec_init(&r, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_CLIENT, &id, 1, 2);
    return r;
}

static void test_attribute_types(void **state)
{
    (void)state;
    static char big[300];
    memset(big, 'x', sizeof big);
    ga_attr a[] = {
        { .key = "s", .klen = 1, .type = GA_V_STR, .s = "value", .slen = 5 },
        { .key = "empty", .klen = 5, .type = GA_V_STR, .s = "", .slen = 0 },
        { .key = "null", .klen = 4, .type = GA_V_STR, .s = NULL, .slen = 3 },
        { .key = "bad", .klen = 3, .type = GA_V_STR, .s = "a\xff\xc3\xa9\xe2\x82", .slen = 6 },
        { .key = "nul", .klen = 3, .type = GA_V_STR, .s = "ab\0cd", .slen = 5 },
        { .key = "nulbad", .klen = 6, .type = GA_V_STR, .s = "\xff" "b\0\xfe", .slen = 4 },
        { .key = "long", .klen = 4, .type = GA_V_STR, .s = big, .slen = sizeof big },
        { .key = "ascii8", .klen = 6, .type = GA_V_STR, .s = "abcdefgh" "ijklmnop\xc3\xa9", .slen = 18 },
        { .key = "zero", .klen = 4, .type = GA_V_INT, .i = 0 },
        { .key = "neg", .klen = 3, .type = GA_V_INT, .i = -1 },
        { .key = "min", .klen = 3, .type = GA_V_INT, .i = INT64_MIN },
        { .key = "max", .klen = 3, .type = GA_V_INT, .i = INT64_MAX },
        { .key = "port", .klen = 4, .type = GA_V_INT, .i = 6379 },
        { .key = "d", .klen = 1, .type = GA_V_DOUBLE, .d = 0.25 },
        { .key = "d0", .klen = 2, .type = GA_V_DOUBLE, .d = 0.0 },
        { .key = "dneg", .klen = 4, .type = GA_V_DOUBLE, .d = -1e300 },
        { .key = "t", .klen = 1, .type = GA_V_BOOL, .i = 1 },
        { .key = "f", .klen = 1, .type = GA_V_BOOL, .i = 0 },
        { .key = "seven", .klen = 5, .type = GA_V_BOOL, .i = 7 },
        { .key = "unknown", .klen = 7, .type = 99 },               /* skipped by both */
        { .key = NULL, .type = GA_V_INT, .i = 5 },                 /* skipped by both */
        { .key = "no.klen", .type = GA_V_STR, .s = "x", .slen = 1 },
        { .key = "", .type = GA_V_INT, .i = 3 },                   /* key field left out */
    };
    ga_rec r = plain_rec();
    one_span(&r, "name", 4, a, (int)(sizeof a / sizeof a[0]), NULL, 0);
}

static void test_span_fields(void **state)
{
    (void)state;
    ga_attr a = { .key = "k", .klen = 1, .type = GA_V_INT, .i = 1 };
    ga_rec r = plain_rec();
    one_span(&r, "", 0, &a, 1, "", 0);                             /* empty name, tracestate */
    one_span(&r, "n\xff\xfe", 3, NULL, 0, "a=\xff", 3);              /* invalid UTF-8 */
    one_span(&r, "nul\0after", 9, &a, 1, "ts\0x", 4);                /* cut at the NUL */
    for (int status = 0; status <= 7; status++) {
        for (int kind = 0; kind <= 3; kind++) {
            r = plain_rec();
            r.h.status = (uint8_t)status;
            r.h.kind = (uint8_t)kind;
            r.h.has_parent = (uint8_t)(kind & 1);
            r.h.parent_remote = (uint8_t)(status & 1);
            r.h.trace_flags = (uint8_t)(status & 1);
            r.h.start_ns = status == 3 ? 0 : 1700000000000000000ull;
            r.h.end_ns = kind == 2 ? 0 : UINT64_MAX;
            one_span(&r, "x", 1, &a, 1, status == 5 ? "k=v" : NULL, 3);
        }
    }
    ga_attr many[GA_MAX_ATTRS];
    for (int i = 0; i < GA_MAX_ATTRS; i++)
        many[i] = (ga_attr){ .key = "attribute.with.a.long.name", .klen = 26, .type = GA_V_STR,
                             .s = "and a value that is not short", .slen = 29 };
    char name[255];
    memset(name, 'n', sizeof name);
    one_span(&r, name, sizeof name, many, GA_MAX_ATTRS, NULL, 0);
}

static void test_resource_types(void **state)
{
    (void)state;
    ga_resource saved = ga_res;
    ga_res.attrs[ga_res.n++] = (ga_attr){ .key = "res.double", .type = GA_V_DOUBLE, .d = 2.5 };
    ga_res.attrs[ga_res.n++] = (ga_attr){ .key = "res.bool", .type = GA_V_BOOL, .i = 1 };
    ga_res.attrs[ga_res.n++] = (ga_attr){ .key = "res.bad", .type = GA_V_STR, .s = "\xff", .slen = 1 };
    ga_res.attrs[ga_res.n++] = (ga_attr){ .key = "res.empty", .type = GA_V_STR, .s = "", .slen = 0 };
    ga_otlp_tr_free(&tr);
    assert_int_equal(ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION), 0);
    ga_rec r = plain_rec();
    one_span(&r, "n", 1, NULL, 0, NULL, 0);
    ga_res = saved;
    ga_otlp_tr_free(&tr);
    assert_int_equal(ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION), 0);
}

/* Enough spans that the lengths of ScopeSpans and ResourceSpans take 3 and 4 bytes. */
static void test_big_batches(void **state)
{
    (void)state;
    static ga_rec many[6000];
    int n = corpus_build(recs);
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = recs[i % (size_t)n];
    unsigned sizes[] = { 1, 40, 300, 6000 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        ga_otlp_tr_begin(&tr, &wire);
        for (unsigned i = 0; i < sizes[k]; i++)
            assert_int_equal(ga_otlp_tr_span(&wire, &many[i]), 0);
        size_t start;
        assert_int_equal(ga_otlp_tr_end(&tr, &wire, &start), 0);
        assert_int_equal(ref_encode(many, sizes[k], &arena, &ref), 0);
        assert_int_equal(wire.len - start, ref.len);
        assert_memory_equal(wire.data + start, ref.data, ref.len);
    }
    assert_true(ref.len > (2u << 20));                             /* 4-byte lengths */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_attribute_types),
        cmocka_unit_test(test_span_fields),
        cmocka_unit_test(test_resource_types),
        cmocka_unit_test(test_big_batches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
