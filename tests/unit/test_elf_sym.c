/* test_elf_sym.c — preload/elf_sym.c: ga_elf_self() names the object its code is linked into
 * (here the test program, the core archive being linked in statically), whichever way it found
 * it (GOT[1] under lazy binding, dladdr1 otherwise); ga_elf_next_sym() finds libc's functions
 * after it, as dlsym(RTLD_NEXT) does, and stops after the object it is given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dlfcn.h>
#include <link.h>
#include <cmocka.h>
#include "preload/elf_sym.h"

static void test_self_is_our_object(void **state)
{
    (void)state;
    struct link_map *self = ga_elf_self();
    assert_non_null(self);
    assert_ptr_equal(self, ga_elf_object_of((const void *)&test_self_is_our_object));
}

static void test_next_sym_matches_dlsym(void **state)
{
    (void)state;
    const struct link_map *self = ga_elf_self();
    assert_ptr_equal(ga_elf_next_sym(self, NULL, "socket"), dlsym(RTLD_NEXT, "socket"));
    assert_ptr_equal(ga_elf_next_sym(self, NULL, "close"), dlsym(RTLD_NEXT, "close"));
    assert_null(ga_elf_next_sym(self, NULL, "no_such_function_anywhere"));
}

/* The walk stops after `last`: bounded by our own object, nothing is found after it; bounded
 * by the chain's end as it is now (ga_elf_last), the same as unbounded. */
static void test_next_sym_stops_at_last(void **state)
{
    (void)state;
    const struct link_map *self = ga_elf_self(), *last = ga_elf_last(self);
    assert_non_null(last);
    assert_null(last->l_next);
    assert_null(ga_elf_next_sym(self, self, "socket"));
    assert_ptr_equal(ga_elf_next_sym(self, last, "socket"), dlsym(RTLD_NEXT, "socket"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_is_our_object),
        cmocka_unit_test(test_next_sym_matches_dlsym),
        cmocka_unit_test(test_next_sym_stops_at_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
