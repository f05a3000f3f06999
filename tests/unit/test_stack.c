/* test_stack.c — call-site stacks: the record encoding of instruction pointers
 * (preload/stack.c) and the exporter's rendering (exporter/stack_sym.c, stack_elf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/stack_sym.h"
#include "preload/stack.h"

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t ips[] = { 0x55d0c0de1234, 0x55d0c0de1100, 0x7f12345678ab, 0x55d0c0de0fff, 1, 0,
                       UINT64_MAX, 0x7fffffffffff };
    uint8_t enc[GA_STACK_DEPTH * 10];
    size_t len = ga_stack_encode(ips, 8, enc, sizeof enc);
    uint64_t out[GA_STACK_DEPTH];
    assert_int_equal(ga_stack_decode(enc, len, out, GA_STACK_DEPTH), 8);
    assert_memory_equal(out, ips, sizeof ips);
    /* near frames cost a few bytes each: the deltas are small */
    uint64_t near[4] = { 0x55d0c0de1234, 0x55d0c0de1100, 0x55d0c0de1500, 0x55d0c0de0400 };
    assert_true(ga_stack_encode(near, 4, enc, sizeof enc) <= 7 + 3 * 3);
}

static void test_cap_keeps_whole_frames(void **state)
{
    (void)state;
    uint64_t ips[] = { 0x55d0c0de1234, 0x7f12345678ab, 0x55d0c0de0fff };
    uint8_t enc[64];
    size_t full = ga_stack_encode(ips, 3, enc, sizeof enc);
    for (size_t cap = 0; cap < full; cap++) {
        size_t len = ga_stack_encode(ips, 3, enc, cap);
        uint64_t out[3];
        int n = ga_stack_decode(enc, len, out, 3);
        assert_true(len <= cap);
        assert_true(n < 3);
        for (int i = 0; i < n; i++)
            assert_true(out[i] == ips[i]);
    }
    /* a value cut in the middle of a varint decodes to the whole frames before it */
    uint64_t out[3];
    assert_int_equal(ga_stack_decode(enc, full - 1, out, 3), 2);
}

/* A static function: only the test binary's .symtab names it (dladdr cannot). */
__attribute__((noinline)) static int ga__static_frame(int x)
{
    return x * 3 + 1;
}

static void test_render_names_static_function(void **state)
{
    (void)state;
    assert_int_equal(ga__static_frame(1), 4);
    uint64_t ips[] = { (uint64_t)(uintptr_t)&ga__static_frame + 4 };
    char text[512], fn[64];
    size_t n = ga_stack_render(ips, 1, text, sizeof text, fn, sizeof fn);
    assert_int_equal(n, strlen(text));
    assert_string_equal(fn, "ga__static_frame");
    assert_non_null(strstr(text, "ga__static_frame+0x4 ("));
    assert_non_null(strstr(text, "test_stack+0x"));
    /* an address in no module */
    uint64_t none[] = { 0x10 };
    ga_stack_render(none, 1, text, sizeof text, fn, sizeof fn);
    assert_string_equal(text, "?+0x10");
    assert_string_equal(fn, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cap_keeps_whole_frames),
        cmocka_unit_test(test_render_names_static_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
