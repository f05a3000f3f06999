/* test_elf_sym.c — preload/elf_sym.c: ga_elf_self() names the object its code is linked into
 * (here the test program, the core archive being linked in statically), whichever way it found
 * it (GOT[1] under lazy binding, dladdr1 otherwise); ga_elf_next_syms() finds libc's functions
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

static void test_next_syms_match_dlsym(void **state)
{
    (void)state;
    const char *names[] = { "socket", "close", "no_such_function_anywhere" };
    void *out[3] = { NULL, NULL, NULL };
    ga_elf_next_syms(ga_elf_self(), NULL, names, 3, out);
    assert_ptr_equal(out[0], dlsym(RTLD_NEXT, "socket"));
    assert_ptr_equal(out[1], dlsym(RTLD_NEXT, "close"));
    assert_null(out[2]);
}

/* The walk stops after `last`: bounded by our own object, nothing is found after it; bounded
 * by the chain's end as it is now (ga_elf_last), the same as unbounded. */
static void test_next_syms_stop_at_last(void **state)
{
    (void)state;
    const struct link_map *self = ga_elf_self(), *last = ga_elf_last(self);
    assert_non_null(last);
    assert_null(last->l_next);
    const char *names[] = { "socket" };
    void *out[1] = { NULL };
    ga_elf_next_syms(self, self, names, 1, out);
    assert_null(out[0]);
    ga_elf_next_syms(self, last, names, 1, out);
    assert_ptr_equal(out[0], dlsym(RTLD_NEXT, "socket"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_is_our_object),
        cmocka_unit_test(test_next_syms_match_dlsym),
        cmocka_unit_test(test_next_syms_stop_at_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
