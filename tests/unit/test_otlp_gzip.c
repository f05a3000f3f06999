/* test_otlp_gzip.c — the gzip of OTLP bodies (exporter/otlp_gzip.h), checked with zlib's
 * inflate: the trace request encoder on batches of the record corpus (repeated, mixed, one
 * span, thousands), on spans of different lengths, on spans bigger than DEFLATE's 32 KiB
 * window, on truncated and corrupted requests, on random bytes and on nothing; the CRC-32 and
 * size trailer; and that repeated spans shrink well. The general encoder (libdeflate) too. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>
#include "exporter/otlp_gzip.h"
#include "exporter/otlp_span.h"
#include "tests/unit/otlp_corpus.h"
#include "exporter/resource.h"
#include "preload/config.h"

static ga_buf gz, body, back;
static ga_otlp_tr tr;

static int setup(void **state)
{
    (void)state;
    setenv("GENESIS_LOG_LEVEL", "off", 1);
    ga_config_load(&ga_cfg, "unit", environ);
    ga_resource_build(&ga_res);
    return ga_otlp_tr_init(&tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION);
}

static int teardown(void **state)
{
    (void)state;
    ga_buf_free(&gz);
    ga_buf_free(&body);
    ga_buf_free(&back);
    ga_otlp_tr_free(&tr);
    return 0;
}

/* gunzip gz into back; asserts it is one complete gzip member. */
static void gunzip(void)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    ga_buf_reset(&back);
    size_t cap = 1 << 16;
    for (;;) {
        char *p = ga_buf_room(&back, cap);
        assert_non_null(p);
        z.next_in = (Bytef *)gz.data + z.total_in;
        z.avail_in = (uInt)(gz.len - z.total_in);
        z.next_out = (Bytef *)p;
        z.avail_out = (uInt)cap;
        int rc = inflate(&z, Z_NO_FLUSH);
        back.len += cap - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            fail_msg("inflate: %d (%s)", rc, z.msg ? z.msg : "");
        assert_true(z.avail_out == 0 || z.avail_in > 0);
    }
    assert_int_equal(z.total_in, gz.len);               /* nothing after the trailer */
    inflateEnd(&z);
}

static void round_trip(const void *in, size_t n, int spans)
{
    assert_int_equal(spans ? ga_otlp_gzip_spans(in, n, &gz) : ga_otlp_gzip(in, n, &gz), 0);
    gunzip();
    assert_int_equal(back.len, n);
    if (n)
        assert_memory_equal(back.data, in, n);
}

/* A request of the records recs[0..n), in body; returns where it starts. */
static size_t request(const ga_rec *recs, size_t n)
{
    size_t start;
    ga_otlp_tr_begin(&tr, &body);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ga_otlp_tr_span(&body, &recs[i]), 0);
    assert_int_equal(ga_otlp_tr_end(&tr, &body, &start), 0);
    return start;
}

static void test_requests(void **state)
{
    (void)state;
    static ga_rec recs[64], many[3000];
    int n = corpus_build(recs);
    size_t start = request(recs, (size_t)n);              /* every kind, mixed */
    round_trip(body.data + start, body.len - start, 1);
    start = request(recs, 1);
    round_trip(body.data + start, body.len - start, 1);
    for (size_t i = 0; i < 3000; i++) {                  /* one endpoint, new ids and times */
        many[i] = recs[5];
        ga_span_ids id = corpus_ids((int)i);
        memcpy(many[i].h.trace_id, id.trace_id, 16);
        memcpy(many[i].h.span_id, id.span_id, 8);
        many[i].h.start_ns += i * 1000003u;
        many[i].h.end_ns += i * 1000033u;
    }
    start = request(many, 3000);
    size_t plain = body.len - start;
    round_trip(body.data + start, plain, 1);
    assert_true(gz.len * 4 < plain);                      /* repeated spans shrink */
    for (size_t i = 0; i < 3000; i++)                     /* alternating lengths */
        many[i] = recs[i % 2 ? 5 : 9 + (i % 7)];
    start = request(many, 3000);
    round_trip(body.data + start, body.len - start, 1);
}

static void test_big_spans(void **state)
{
    (void)state;
    static char text[70000];
    size_t start;
    ga_attr a[2];
    memset(text, 'q', sizeof text);
    a[0] = (ga_attr){ .key = "k", .klen = 1, .type = GA_V_STR, .s = text, .slen = 40000 };
    a[1] = (ga_attr){ .key = "j", .klen = 1, .type = GA_V_STR, .s = text, .slen = 20000 };
    ga_rec r;
    memset(&r, 0, sizeof r);
    ga_otlp_tr_begin(&tr, &body);
    for (int i = 0; i < 4; i++) {                         /* beyond the 32 KiB window */
        r.h.span_id[0] = (uint8_t)i;
        assert_int_equal(ga_otlp_tr_span_with(&body, &r, "n", 1, a, i % 2 ? 1 : 2, NULL, 0), 0);
    }
    assert_int_equal(ga_otlp_tr_end(&tr, &body, &start), 0);
    round_trip(body.data + start, body.len - start, 1);
}

static void test_damaged_and_random(void **state)
{
    (void)state;
    static ga_rec recs[64];
    int n = corpus_build(recs);
    size_t start = request(recs, (size_t)n);
    char *req = malloc(body.len - start);
    size_t len = body.len - start;
    memcpy(req, body.data + start, len);
    srand(3);
    for (int k = 0; k < 3000; k++) {
        char *bad = malloc(len);
        memcpy(bad, req, len);
        size_t cut = (size_t)rand() % (len + 1);
        for (int j = 0; j < k % 5; j++)                   /* flipped bytes: broken varints */
            bad[rand() % (int)len] ^= (char)(1 << (rand() % 8));
        round_trip(bad, cut, 1);
        free(bad);
    }
    unsigned char rnd[4096];
    for (int k = 0; k < 300; k++) {
        size_t l = (size_t)rand() % sizeof rnd;
        for (size_t i = 0; i < l; i++)
            rnd[i] = (unsigned char)(k % 2 ? rand() : rand() % 4 ? 0x12 : rand());
        round_trip(rnd, l, 1);
        round_trip(rnd, l, 0);
    }
    round_trip("", 0, 1);
    round_trip("", 0, 0);
    free(req);
}

static void test_trailer(void **state)
{
    (void)state;
    static const char msg[] = "\x0a\x05\x12\x03\x12\x01x";
    assert_int_equal(ga_otlp_gzip_spans(msg, 7, &gz), 0);
    assert_int_equal((uint8_t)gz.data[0], 0x1f);
    assert_int_equal((uint8_t)gz.data[1], 0x8b);
    uint32_t crc, size;
    memcpy(&crc, gz.data + gz.len - 8, 4);
    memcpy(&size, gz.data + gz.len - 4, 4);
    assert_int_equal(crc, (uint32_t)crc32(0, (const Bytef *)msg, 7));
    assert_int_equal(size, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_big_spans),
        cmocka_unit_test(test_damaged_and_random),
        cmocka_unit_test(test_trailer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
