/* test_elf_sym.c — preload/elf_sym.c: ga_elf_self() names the object its code is linked into
 * (here the test program, the core archive being linked in statically), whichever way it found
 * it (GOT[1] under lazy binding, dladdr1 otherwise); ga_elf_next_sym() finds libc's functions
 * after it, as dlsym(RTLD_NEXT) does, and stops after the object it is given; ga_elf_global_data()
 * finds variables as dlsym(RTLD_DEFAULT) does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

/* A variable is found where the program and libc use it — the program's own copy when it has
 * one (this program refers to stdout) — as dlsym(RTLD_DEFAULT) finds it; a function is not a
 * variable, and an unknown name is nothing. */
static void test_global_data_matches_dlsym(void **state)
{
    (void)state;
    const struct link_map *self = ga_elf_self(), *last = ga_elf_last(self);
    void *p = ga_elf_global_data(self, last, "stdout");
    assert_non_null(p);
    assert_ptr_equal(p, dlsym(RTLD_DEFAULT, "stdout"));
    assert_ptr_equal(p, (void *)&stdout);
    assert_ptr_equal(ga_elf_global_data(self, last, "stderr"), (void *)&stderr);
    assert_null(ga_elf_global_data(self, last, "socket"));
    assert_null(ga_elf_global_data(self, last, "no_such_variable_anywhere"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_is_our_object),
        cmocka_unit_test(test_next_sym_matches_dlsym),
        cmocka_unit_test(test_next_sym_stops_at_last),
        cmocka_unit_test(test_global_data_matches_dlsym),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
