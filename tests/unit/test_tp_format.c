/* test_tp_format.c — the fast traceparent formatter (protocols/w3c/tp_fast.c, word-at-a-time
 * hex) writes exactly what the reference formatter (protocols/w3c/w3c.c) writes, for every
 * byte value in every position and for many random identities. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/w3c/tp_fast.h"

static void same(const ga_span_ids *ids)
{
    char fast[56] = { 0 }, ref[56] = { 0 };
    ga_tp_format(ids, fast);
    ga_traceparent_format(ids->trace_id, ids->span_id, ids->flags & GA_TF_SAMPLED, ref);
    assert_memory_equal(fast, ref, 55);
}

static void test_every_byte_everywhere(void **state)
{
    (void)state;
    for (int v = 0; v < 256; v++)
        for (int pos = 0; pos < 24; pos++) {
            ga_span_ids ids;
            memset(&ids, 0x5a, sizeof ids);
            if (pos < 16)
                ids.trace_id[pos] = (uint8_t)v;
            else
                ids.span_id[pos - 16] = (uint8_t)v;
            ids.flags = (uint8_t)v;
            same(&ids);
        }
}

static void test_random(void **state)
{
    (void)state;
    srand(7);
    for (int k = 0; k < 100000; k++) {
        ga_span_ids ids;
        uint8_t *b = (uint8_t *)&ids;
        for (size_t i = 0; i < sizeof ids; i++)
            b[i] = (uint8_t)rand();
        same(&ids);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_everywhere),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
