/* test_resp_keys_ref.c — which arguments of a Redis command are keys (protocols/resp/resp_keys.c,
 * a binary search without strcasecmp) is what it was before (tests/unit/resp_keys_ref.h: bsearch
 * with strcasecmp): every command the table knows, in three spellings, with numkeys, STREAMS
 * and sub-commands, unknown names, names with a NUL, and random names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/resp_keys_ref.h"

static void check(const char *name, size_t nl, int nargs)
{
    static const char *const rest[] = { "2", "k1", "k2", "STREAMS", "s1", "s2", "0", "0", "x" };
    ga_resp_targ a[10];
    a[0] = (ga_resp_targ){ .p = (const uint8_t *)name, .len = (uint8_t)nl };
    for (int i = 1; i < 10; i++)
        a[i] = (ga_resp_targ){ .p = (const uint8_t *)rest[i - 1], .len = (uint8_t)strlen(rest[i - 1]) };
    for (int n = 0; n <= 10; n++) {
        uint8_t got[10], want[10];
        ga_resp_key_mask(a, n, nargs, got);
        ref_resp_key_mask(a, n, nargs, want);
        if (memcmp(got, want, (size_t)n) != 0)
            fail_msg("key mask of %.*s (%d of %d arguments) differs", (int)nl, name, n, nargs);
    }
}

static void test_every_command(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ref__specs / sizeof ref__specs[0]; i++) {
        char low[32], mixed[32];
        const char *n = ref__specs[i].name;
        size_t l = strlen(n);
        for (size_t k = 0; k <= l; k++) {
            low[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k]);
            mixed[k] = k % 2 ? low[k] : n[k];
        }
        for (int nargs = 1; nargs <= 12; nargs += 5) {
            check(n, l, nargs);
            check(low, l, nargs);
            check(mixed, l, nargs);
            check(n, l - 1, nargs);                 /* a prefix */
        }
    }
}

static void test_other_names(void **state)
{
    (void)state;
    check("GET\0x", 5, 2);
    check("", 0, 2);
    check("_", 1, 2);
    check("ZZZZ", 4, 2);
    check("GEORADIUS_RO", 12, 4);
    check("georadius_ro", 12, 4);
    char buf[24];
    srand(5);
    for (int k = 0; k < 200000; k++) {
        size_t l = 1 + (size_t)rand() % 12;
        for (size_t i = 0; i < l; i++)
            buf[i] = "ABGHLMSXZabz_ET0\xc3"[rand() % 17];
        check(buf, l, 1 + rand() % 8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command),
        cmocka_unit_test(test_other_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
