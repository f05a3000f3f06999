/* test_tp_fast.c — the fast traceparent formatter and parser (protocols/w3c/tp_fast.c)
 * against the shared W3C code: random identities and every flags value formatted; valid
 * values, and values with one or two bytes replaced by every byte value at every position,
 * parsed by both with the same verdict and the same result. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/w3c/tp_fast.h"

static void test_format_equals_reference(void **state)
{
    (void)state;
    uint64_t x = 0x243f6a8885a308d3ull;
    for (int round = 0; round < 100000; round++) {
        ga_span_ids ids;
        memset(&ids, 0, sizeof ids);
        for (size_t i = 0; i < 16; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            ids.trace_id[i] = (uint8_t)(round < 256 ? (uint64_t)round : x >> 56);
            if (i < 8)
                ids.span_id[i] = (uint8_t)(x >> 40);
        }
        ids.flags = (uint8_t)round;
        char fast[56], ref[56];
        memset(fast, '#', sizeof fast);
        ga_tp_format(&ids, fast);
        assert_int_equal(ga_traceparent_format(ids.trace_id, ids.span_id, ids.flags & GA_TF_SAMPLED, ref), 55);
        assert_memory_equal(fast, ref, 55);
        assert_int_equal(fast[55], '#');        /* exactly 55 bytes written */
        static const uint8_t zero[16];
        int valid = memcmp(ids.trace_id, zero, 16) != 0 && memcmp(ids.span_id, zero, 8) != 0;
        ga_span_ctx back;
        assert_int_equal(ga_tp_parse(fast, 55, &back), valid ? 0 : -1);
    }
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint8_t next_byte(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(rng >> 56);
}

/* Both parsers on s[0..n): the same verdict, and on success the same context. */
static void same_parse(const char *s, size_t n)
{
    ga_span_ctx fast, ref;
    memset(&fast, 0x5a, sizeof fast);
    memset(&ref, 0x5a, sizeof ref);
    int a = ga_tp_parse(s, n, &fast), b = ga_traceparent_parse(s, n, &ref);
    assert_int_equal(a, b);
    if (a == 0)
        assert_memory_equal(&fast, &ref, sizeof fast);
}

static void random_value(char *v)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(v, "00-", 3);
    for (int i = 3; i < 55; i++)
        v[i] = hex[next_byte() & 15];
    v[35] = v[52] = '-';
}

static void test_parse_equals_reference(void **state)
{
    (void)state;
    char v[56];
    for (int round = 0; round < 2000; round++) {
        random_value(v);
        same_parse(v, 55);
        for (int pos = 0; pos < 55; pos++) {          /* every byte value at every position */
            char keep = v[pos];
            for (int b = 0; b < 256; b++) {
                v[pos] = (char)b;
                same_parse(v, 55);
            }
            v[pos] = keep;
        }
        if (round < 500)
            continue;
        for (int k = 0; k < 200; k++) {               /* two bytes at once */
            int p1 = next_byte() % 55, p2 = next_byte() % 55;
            char k1 = v[p1], k2 = v[p2];
            v[p1] = (char)next_byte();
            v[p2] = (char)next_byte();
            same_parse(v, 55);
            v[p1] = k1;
            v[p2] = k2;
        }
    }
    /* all-zero ids are invalid; one non-zero digit anywhere makes them valid */
    memcpy(v, "00-00000000000000000000000000000000-0000000000000000-01", 55);
    same_parse(v, 55);
    for (int pos = 3; pos < 52; pos++) {
        if (pos == 35)
            continue;
        char keep = v[pos];
        v[pos] = '1';
        same_parse(v, 55);
        v[pos] = keep;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_equals_reference),
        cmocka_unit_test(test_parse_equals_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
