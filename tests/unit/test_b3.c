/* test_b3.c — B3 single and multi header values (protocols/w3c/b3.c): the shapes of the
 * openzipkin/b3-propagation README, the malformed ones, and the formatter read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/w3c/b3.h"

#define TID "80f198ee56343ba864fe8b2a57d3eff7"
#define SID "e457b5a2e4d86bd1"

static int parse(const char *s, ga_span_ctx *c, int *st)
{
    return ga_b3_parse(s, strlen(s), c, st);
}

static void test_single_valid(void **state)
{
    (void)state;
    ga_span_ctx c;
    int st = -1;
    assert_int_equal(parse(TID "-" SID "-1", &c, &st), 0);
    assert_int_equal(st, GA_B3_ACCEPT);
    assert_true(c.valid && c.remote && (c.flags & GA_TF_SAMPLED));
    assert_int_equal(c.trace_id[0], 0x80);
    assert_int_equal(c.trace_id[15], 0xf7);
    assert_int_equal(c.span_id[0], 0xe4);
    assert_int_equal(parse(TID "-" SID "-0", &c, &st), 0);
    assert_int_equal(st, GA_B3_DENY);
    assert_int_equal(c.flags & GA_TF_SAMPLED, 0);
    assert_int_equal(parse(TID "-" SID "-d-05e3ac9a4f6e3b90", &c, &st), 0);
    assert_int_equal(st, GA_B3_DEBUG);
    assert_true(c.flags & GA_TF_SAMPLED);
    assert_int_equal(parse("  " TID "-" SID "  ", &c, &st), 0);
    assert_int_equal(st, GA_B3_DEFER);
    /* a 64-bit trace id is left-padded with zeros */
    assert_int_equal(parse("a3ce929d0e0e4736-" SID "-1", &c, &st), 0);
    static const uint8_t zero[8];
    assert_memory_equal(c.trace_id, zero, 8);
    assert_int_equal(c.trace_id[8], 0xa3);
}

static void test_single_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0", "1", "d", "", "-", TID, TID "-", TID "-" SID "-", TID "-" SID "-2",
        TID "-" SID "-1-", TID "-" SID "-1-05e3ac9a4f6e3b9", TID "-" SID "x",
        "80F198EE56343BA864FE8B2A57D3EFF7-" SID, TID "-E457B5A2E4D86BD1",
        "00000000000000000000000000000000-" SID "-1", TID "-0000000000000000-1",
        "80f198ee56343ba864fe8b2a57d3eff-" SID, TID "7-" SID, TID "-" SID "1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ga_span_ctx c;
        int st;
        assert_int_equal(parse(bad[i], &c, &st), -1);
    }
}

static int multi(const char *t, const char *s, const char *smp, const char *f, ga_span_ctx *c, int *st)
{
    return ga_b3_parse_multi(t, t ? strlen(t) : 0, s, s ? strlen(s) : 0, smp, smp ? strlen(smp) : 0,
                             f, f ? strlen(f) : 0, c, st);
}

static void test_multi(void **state)
{
    (void)state;
    ga_span_ctx c;
    int st;
    assert_int_equal(multi(TID, SID, "1", NULL, &c, &st), 0);
    assert_int_equal(st, GA_B3_ACCEPT);
    assert_true(c.flags & GA_TF_SAMPLED);
    assert_int_equal(multi(TID " ", " " SID, "0", NULL, &c, &st), 0);
    assert_int_equal(st, GA_B3_DENY);
    assert_int_equal(multi(TID, SID, "true", NULL, &c, &st), 0);
    assert_int_equal(st, GA_B3_ACCEPT);
    assert_int_equal(multi(TID, SID, NULL, "1", &c, &st), 0);
    assert_int_equal(st, GA_B3_DEBUG);
    assert_int_equal(multi(TID, SID, NULL, NULL, &c, &st), 0);
    assert_int_equal(st, GA_B3_DEFER);
    assert_int_equal(multi(TID, NULL, "1", NULL, &c, &st), -1);
    assert_int_equal(multi(NULL, SID, "1", NULL, &c, &st), -1);
    assert_int_equal(multi(TID, SID, "yes", NULL, &c, &st), -1);
    assert_int_equal(multi(TID, "", "1", NULL, &c, &st), -1);
}

static void test_format_round_trip(void **state)
{
    (void)state;
    ga_span_ids ids;
    memset(&ids, 0, sizeof ids);
    for (int i = 0; i < 16; i++)
        ids.trace_id[i] = (uint8_t)(0x11 * i + 1);
    for (int i = 0; i < 8; i++)
        ids.span_id[i] = (uint8_t)(0xa0 + i);
    for (int sampled = 0; sampled < 2; sampled++) {
        ids.flags = (uint8_t)sampled;
        char out[GA_B3_LEN + 1];
        memset(out, '#', sizeof out);
        ga_b3_format(&ids, out);
        assert_int_equal(out[GA_B3_LEN], '#');
        ga_span_ctx c;
        int st;
        assert_int_equal(ga_b3_parse(out, GA_B3_LEN, &c, &st), 0);
        assert_memory_equal(c.trace_id, ids.trace_id, 16);
        assert_memory_equal(c.span_id, ids.span_id, 8);
        assert_int_equal(st, sampled ? GA_B3_ACCEPT : GA_B3_DENY);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_valid),
        cmocka_unit_test(test_single_invalid),
        cmocka_unit_test(test_multi),
        cmocka_unit_test(test_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
