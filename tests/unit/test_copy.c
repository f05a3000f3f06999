/* test_copy.c — ga_copy_small (protocols/common/copy.h) against memcpy, the function it stands
 * in for: every length from 0 to 200 at every source and destination alignment modulo 16, the
 * bytes copied exactly and nothing written before or after them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/common/copy.h"

#define MAXN 200
#define GUARD 32

static void test_same_as_memcpy(void **state)
{
    (void)state;
    uint8_t src[GUARD + MAXN + 16 + GUARD], got[GUARD + MAXN + 16 + GUARD], want[sizeof got];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 131 + 7);
    for (size_t n = 0; n <= MAXN; n++)
        for (size_t so = 0; so < 16; so++)
            for (size_t dof = 0; dof < 16; dof++) {
                memset(got, 0xa5, sizeof got);
                memset(want, 0xa5, sizeof want);
                memcpy(want + GUARD + dof, src + GUARD + so, n);
                ga_copy_small(got + GUARD + dof, src + GUARD + so, n);
                if (memcmp(got, want, sizeof got) != 0)
                    fail_msg("n %zu, source offset %zu, destination offset %zu: differs from memcpy",
                             n, so, dof);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_memcpy),
    };
    return cmocka_run_group_tests_name("copy", tests, NULL, NULL);
}
