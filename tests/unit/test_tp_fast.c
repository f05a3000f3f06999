/* test_tp_fast.c — the table-driven traceparent formatter (protocols/w3c/tp_fast.c) against
 * the shared W3C formatter, for random identities and every flags value. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_equals_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
