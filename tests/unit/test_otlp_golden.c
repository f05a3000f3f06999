/* test_otlp_golden.c — the spans of a corpus of records (tests/unit/otlp_corpus.h: connect,
 * HTTP server and client, Redis, MySQL; every status, parent kind, tracestate source, invalid
 * UTF-8), as the library exports them over OTLP (exporter/otlp_span.h), decoded with
 * protobuf-c and compared field by field (as canonical text) with
 * tests/unit/otlp_spans.golden: what the protobuf-c-tree encoder produced for the same records
 * before the exporter wrote the wire format itself and before its span names and attributes
 * were made cheap. Any change of a name, an attribute, its type, its order, or a span field
 * shows as a diff.
 *
 * GA_GOLDEN_WRITE=1 rewrites the file (only when a change of the exported data is intended). */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "preload/env.h"
#include "exporter/otlp_span.h"
#include "tests/unit/otlp_corpus.h"
#include "tests/unit/otlp_ref.h"

#define GOLDEN "tests/unit/otlp_spans.golden"

static ga_rec recs[64];

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
    return 0;
}

/* The decoded spans of one encoded request, as text. */
static void dump(const ga_buf *body, ga_buf *text)
{
    ref_req_t *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, body->len, (const uint8_t *)body->data);
    assert_non_null(req);
    ref_dump_spans(text, req);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    static char data[1 << 20];
    *len = fread(data, 1, sizeof data, f);
    fclose(f);
    return data;
}

/* Exported data (names, attributes, span fields) = the golden file. */
static void test_spans_match_golden(void **state)
{
    (void)state;
    int n = corpus_build(recs);
    ga_otlp_tr tr = {0};
    ga_buf body = {0}, text = {0};
    size_t start;
    assert_int_equal(ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION), 0);
    ga_otlp_tr_begin(&tr, &body);
    for (int i = 0; i < n; i++)
        assert_int_equal(ga_otlp_tr_span(&body, &recs[i]), 0);
    assert_int_equal(ga_otlp_tr_end(&tr, &body, &start), 0);
    ga_buf req = { .data = body.data + start, .len = body.len - start };
    dump(&req, &text);
    if (getenv("GA_GOLDEN_WRITE")) {
        FILE *f = fopen(GOLDEN, "wb");
        assert_non_null(f);
        fwrite(text.data, 1, text.len, f);
        fclose(f);
    }
    size_t glen = 0;
    const char *g = read_file(GOLDEN, &glen);
    if (g == NULL)
        fail_msg("cannot read %s (run from the top directory)", GOLDEN);
    if (glen != text.len || memcmp(g, text.data, glen) != 0) {
        size_t i = 0;
        while (i < glen && i < text.len && g[i] == text.data[i])
            i++;
        size_t from = i > 200 ? i - 200 : 0;
        fail_msg("exported spans differ from %s at byte %zu:\n--- golden\n%.*s\n--- now\n%.*s", GOLDEN, i,
                 (int)(glen - from < 400 ? glen - from : 400), g + from,
                 (int)(text.len - from < 400 ? text.len - from : 400), text.data + from);
    }
    ga_buf_free(&body);
    ga_buf_free(&text);
    ga_otlp_tr_free(&tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_spans_match_golden, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
