/* test_kafka_hdrs.c — protocols/kafka/kafka_hdrs.c: a record's header block read the way
 * librdkafka reads it (rd_kafka_msg_headers_parse, rd_kafka_header_get_last): the last header
 * of the name wins, null values, empty and negative counts, multi-byte varints, and every kind
 * of damage refused without reading past the block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/kafka/kafka_hdrs.h"

static int last(const uint8_t *b, size_t n, const char *name, const char **v, size_t *vl)
{
    const uint8_t *p = (const uint8_t *)"x";
    *vl = 99;
    int r = ga_kafka_hdr_last(b, n, name, strlen(name), &p, vl);
    *v = (const char *)p;
    return r;
}

static void test_found_and_last(void **state)
{
    (void)state;
    /* 3 headers: a=1, tp=AB, tp=C */
    static const uint8_t b[] = { 6, 2, 'a', 2, '1', 4, 't', 'p', 4, 'A', 'B', 4, 't', 'p', 2, 'C' };
    const char *v;
    size_t vl;
    assert_int_equal(last(b, sizeof b, "tp", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(vl, 1);
    assert_memory_equal(v, "C", 1);
    assert_int_equal(last(b, sizeof b, "a", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_memory_equal(v, "1", 1);
    assert_int_equal(last(b, sizeof b, "t", &v, &vl), GA_KAFKA_HDR_NONE);
    for (size_t cut = 1; cut < sizeof b; cut++)        /* every truncation is refused */
        assert_int_equal(last(b, cut, "tp", &v, &vl), GA_KAFKA_HDR_BAD);
}

static void test_null_and_empty(void **state)
{
    (void)state;
    static const uint8_t nul[] = { 2, 4, 't', 'p', 1 };         /* value length -1 */
    static const uint8_t empty[] = { 2, 4, 't', 'p', 0 };
    const char *v;
    size_t vl;
    assert_int_equal(last(nul, sizeof nul, "tp", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_null(v);
    assert_int_equal(vl, 0);
    assert_int_equal(last(empty, sizeof empty, "tp", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_non_null(v);
    assert_int_equal(vl, 0);
    static const uint8_t zero[] = { 0 }, neg[] = { 1 }, negval[] = { 2, 4, 't', 'p', 3 };
    assert_int_equal(last(zero, 1, "tp", &v, &vl), GA_KAFKA_HDR_NONE);
    assert_int_equal(last(neg, 1, "tp", &v, &vl), GA_KAFKA_HDR_NONE);
    assert_int_equal(last(negval, sizeof negval, "tp", &v, &vl), GA_KAFKA_HDR_BAD);   /* -2 */
    assert_int_equal(last(NULL, 0, "tp", &v, &vl), GA_KAFKA_HDR_NONE);
    assert_string_equal(v, "x");                        /* nothing returned unless found */
    assert_int_equal(vl, 99);
}

static void test_varints(void **state)
{
    (void)state;
    uint8_t b[300];
    size_t n = 0;
    b[n++] = 2;
    b[n++] = 4; b[n++] = 't'; b[n++] = 'p';
    b[n++] = 0x80 | (400 & 0x7f); b[n++] = 400 >> 7;    /* 200 bytes, zigzag 400 */
    memset(b + n, 'v', 200);
    n += 200;
    const char *v;
    size_t vl;
    assert_int_equal(last(b, n, "tp", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(vl, 200);
    static const uint8_t toolong[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    assert_int_equal(last(toolong, sizeof toolong, "tp", &v, &vl), GA_KAFKA_HDR_BAD);
    static const uint8_t huge[] = { 0x82, 0xa0, 0x98, 0x07 };                  /* millions of headers */
    assert_int_equal(last(huge, sizeof huge, "tp", &v, &vl), GA_KAFKA_HDR_BAD);
    static const uint8_t keylen[] = { 2, 0xfe, 0xff, 0xff, 0xff, 0x0f };       /* key past the end */
    assert_int_equal(last(keylen, sizeof keylen, "tp", &v, &vl), GA_KAFKA_HDR_BAD);
}

/* Names of every length from 1 to 20 (8 to 16 are compared with two overlapping words): a key
 * equal to the name is found; keys that differ in any one byte, or are one byte longer or
 * shorter, are not. */
static void test_name_lengths(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 20; n++) {
        char name[21];
        for (size_t i = 0; i < n; i++)
            name[i] = (char)('a' + i);
        name[n] = '\0';
        for (size_t d = 0; d <= n; d++) {           /* d == n: the key as the name */
            uint8_t b[64];
            size_t k = 0;
            b[k++] = 2;                             /* one header */
            b[k++] = (uint8_t)(2 * n);
            memcpy(b + k, name, n);
            if (d < n)
                b[k + d] ^= 0x01;                   /* one byte differs */
            k += n;
            b[k++] = 2;                             /* value "v" */
            b[k++] = 'v';
            const char *v;
            size_t vl;
            assert_int_equal(last(b, k, name, &v, &vl), d == n ? GA_KAFKA_HDR_FOUND : GA_KAFKA_HDR_NONE);
            if (d < n) {                            /* the same letter in upper case: found */
                b[2 + d] ^= 0x01 ^ 0x20;
                assert_int_equal(last(b, k, name, &v, &vl), GA_KAFKA_HDR_FOUND);
            }
            if (d == n && n > 1) {
                char shorter[21];
                memcpy(shorter, name, n - 1);
                shorter[n - 1] = '\0';
                assert_int_equal(last(b, k, shorter, &v, &vl), GA_KAFKA_HDR_NONE);
            }
        }
    }
}

/* One header named traceparent, the block the fast path takes: values of 0 to 63 bytes are
 * found at their place, as the scan finds them; a 64-byte value (a two-byte varint), a null
 * value, a byte after the value, a count of 2 with one header, and a cut block go to the scan
 * and get its answer. */
static void test_one_header(void **state)
{
    (void)state;
    static const char name[] = "traceparent";
    for (size_t vlen = 0; vlen <= 64; vlen++) {
        uint8_t b[160];
        size_t k = 0;
        b[k++] = 2;
        b[k++] = 22;
        memcpy(b + k, name, 11);
        k += 11;
        if (vlen < 64) {
            b[k++] = (uint8_t)(2 * vlen);
        } else {
            b[k++] = 0x80;                          /* 128 = zigzag 64, two bytes */
            b[k++] = 0x01;
        }
        memset(b + k, 'v', vlen);
        k += vlen;
        const char *v, *sv;
        size_t vl, svl;
        assert_int_equal(last(b, k, name, &v, &vl), GA_KAFKA_HDR_FOUND);
        assert_int_equal(vl, vlen);
        assert_ptr_equal(v, (const char *)b + k - vlen);
        assert_int_equal(ga_kafka_hdr_last_scan(b, k, name, 11, (const uint8_t **)&sv, &svl), GA_KAFKA_HDR_FOUND);
        assert_ptr_equal(sv, v);
        assert_int_equal(svl, vl);
        b[k] = 'x';                                 /* a byte after the value: still found */
        assert_int_equal(last(b, k + 1, name, &v, &vl), GA_KAFKA_HDR_FOUND);
        assert_int_equal(vl, vlen);
        assert_int_equal(last(b, k - 1, name, &v, &vl), GA_KAFKA_HDR_BAD);   /* cut short */
        b[0] = 4;                                   /* a count of 2: the block is cut */
        assert_int_equal(last(b, k, name, &v, &vl), GA_KAFKA_HDR_BAD);
    }
    static const uint8_t null_value[] = { 2, 22, 't', 'r', 'a', 'c', 'e', 'p', 'a', 'r', 'e', 'n', 't', 1 };
    const char *v;
    size_t vl;
    assert_int_equal(last(null_value, sizeof null_value, name, &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_null(v);
    assert_int_equal(vl, 0);
    assert_int_equal(last(null_value, sizeof null_value, "traceparenT", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_null(v);
}

/* Names are matched in any ASCII case, and only so: a `Traceparent` or `TRACEPARENT` (not the
 * fast path's exact one-header block) is found as the scan finds it, the last of any spelling
 * wins, and bytes that differ by 0x20 but are not letters ('-' and CR, '3' and DC3) differ. */
static void test_any_case(void **state)
{
    (void)state;
    static const char tp1[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    uint8_t b[200];
    size_t k = 0;
    const char *v;
    size_t vl;
    b[k++] = 2;
    b[k++] = 22;
    memcpy(b + k, "Traceparent", 11);
    k += 11;
    b[k++] = 110;
    memcpy(b + k, tp1, 55);
    k += 55;
    assert_int_equal(last(b, k, "traceparent", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(vl, 55);
    assert_ptr_equal(v, (const char *)b + k - 55);
    memcpy(b + 2, "TRACEPARENT", 11);
    assert_int_equal(last(b, k, "traceparent", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(last(b, k, "tracepArent", &v, &vl), GA_KAFKA_HDR_FOUND);
    /* then a second, lower-case one with "x": the last of either spelling */
    b[0] = 4;
    b[k++] = 22;
    memcpy(b + k, "traceparent", 11);
    k += 11;
    b[k++] = 2;
    b[k++] = 'x';
    assert_int_equal(last(b, k, "TraceParent", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(vl, 1);
    assert_memory_equal(v, "x", 1);
    static const uint8_t notb3[] = { 4, 24, 'X', '\r', 'B', '3', '-', 'T', 'r', 'a', 'c', 'e', 'I', 'd', 2, 'a',
                                     4, 0x13, 0x13, 2, 'b' };
    assert_int_equal(last(notb3, sizeof notb3, "x-b3-traceid", &v, &vl), GA_KAFKA_HDR_NONE);
    assert_int_equal(last(notb3, sizeof notb3, "X\rb3-traceid", &v, &vl), GA_KAFKA_HDR_FOUND);
    assert_int_equal(last(notb3, sizeof notb3, "33", &v, &vl), GA_KAFKA_HDR_NONE);
    assert_true(ga_kafka_name_ieq("X-B3-TraceId", "x-b3-traceid", 12));
    assert_false(ga_kafka_name_ieq("@", "`", 1));     /* 0x40 and 0x60: not letters */
    assert_false(ga_kafka_name_ieq("[", "{", 1));
    assert_false(ga_kafka_name_ieq("tr", "traceparent", 11));   /* stops at the NUL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_and_last),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_name_lengths),
        cmocka_unit_test(test_one_header),
        cmocka_unit_test(test_any_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
