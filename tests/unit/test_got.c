/* test_got.c — ga_got_redirect on a real library (libcurl, loaded RTLD_LOCAL): the slots bound to
 * the "real" definition are pointed at the hook in the object and its dependencies, a second call
 * changes nothing, a slot bound elsewhere is left alone, skipped objects are skipped, and the
 * read-only relocation pages are read-only again afterwards. libcurl's curl_getenv() calls
 * getenv() through its PLT, which makes the redirect visible from outside. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "preload/got.h"

static char *(*real_getenv)(const char *);
static int fake_calls, other_calls;

static char *fake_getenv(const char *name)
{
    fake_calls++;
    return strcmp(name, "GA_GOT_TEST") == 0 ? (char *)"fake" : real_getenv(name);
}

static char *other_getenv(const char *name)
{
    other_calls++;
    return real_getenv(name);
}

typedef struct lib {
    void *h;
    struct link_map *lm;
    char *(*curl_getenv)(const char *);
    void (*curl_free)(void *);
} lib;

static void open_curl(lib *l)
{
    l->h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    assert_non_null(l->h);
    assert_int_equal(dlinfo(l->h, RTLD_DI_LINKMAP, &l->lm), 0);
    *(void **)&l->curl_getenv = dlsym(l->h, "curl_getenv");
    *(void **)&l->curl_free = dlsym(l->h, "curl_free");
    assert_non_null(l->curl_getenv);
    assert_non_null(l->curl_free);
}

static int curl_sees(const lib *l, const char *want)
{
    char *v = l->curl_getenv("GA_GOT_TEST");
    int same = v != NULL && strcmp(v, want) == 0;
    l->curl_free(v);
    return same;
}

/* libcurl's lines of /proc/self/maps (address ranges and permissions). */
static void curl_maps(char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0;
    out[0] = '\0';
    while (fgets(line, sizeof line, f))
        if (strstr(line, "libcurl") && n + strlen(line) < cap) {
            memcpy(out + n, line, strlen(line) + 1);
            n += strlen(line);
        }
    fclose(f);
}

static void test_redirect(void **state)
{
    (void)state;
    lib l;
    open_curl(&l);
    *(void **)&real_getenv = dlsym(RTLD_DEFAULT, "getenv");
    setenv("GA_GOT_TEST", "real", 1);
    assert_true(curl_sees(&l, "real"));

    static char before[8192], after[8192];
    curl_maps(before, sizeof before);
    const void *skip[] = { (void *)real_getenv };                 /* libc itself */
    ga_got_sym sym = { .name = "getenv", .hook = (void *)fake_getenv, .real = (void *)real_getenv };
    ga_got_result r;
    assert_int_equal(ga_got_redirect(l.lm, &sym, 1, skip, 1, NULL, &r), 0);
    assert_false(r.failed);
    assert_true(r.objects >= 2);                                  /* libcurl and its dependencies */
    assert_true(r.rewritten >= 1);
    assert_true(curl_sees(&l, "fake"));
    assert_true(fake_calls >= 1);
    curl_maps(after, sizeof after);
    assert_string_equal(before, after);                           /* RELRO read-only again */

    assert_int_equal(ga_got_redirect(l.lm, &sym, 1, skip, 1, NULL, &r), 0);
    assert_int_equal(r.rewritten, 0);                             /* idempotent */

    /* A slot bound to something other than `real` keeps it. */
    ga_got_sym elsewhere = { .name = "getenv", .hook = (void *)other_getenv, .real = (void *)real_getenv };
    assert_int_equal(ga_got_redirect(l.lm, &elsewhere, 1, skip, 1, NULL, &r), 0);
    assert_int_equal(r.rewritten, 0);
    assert_true(curl_sees(&l, "fake"));

    /* A skipped object is not touched: libcurl keeps the fake. */
    ga_got_sym back = { .name = "getenv", .hook = (void *)other_getenv, .real = (void *)fake_getenv };
    const void *skip2[] = { (void *)real_getenv, (void *)l.curl_getenv };
    assert_int_equal(ga_got_redirect(l.lm, &back, 1, skip2, 2, NULL, &r), 0);
    assert_true(curl_sees(&l, "fake"));
    assert_int_equal(other_calls, 0);

    /* Without the skip it is rewritten. */
    assert_int_equal(ga_got_redirect(l.lm, &back, 1, skip, 1, NULL, &r), 0);
    assert_true(r.rewritten >= 1);
    assert_true(curl_sees(&l, "real"));
    assert_true(other_calls >= 1);
}

static void test_bad_input(void **state)
{
    (void)state;
    ga_got_result r;
    ga_got_sym sym = { .name = "getenv" };
    assert_int_equal(ga_got_redirect(NULL, &sym, 1, NULL, 0, NULL, &r), -1);
    assert_non_null(r.why);
    lib l;
    open_curl(&l);
    assert_int_equal(ga_got_redirect(l.lm, &sym, 0, NULL, 0, NULL, &r), -1);
    /* No `real`, no `lazy`: nothing can match, nothing is written. */
    assert_int_equal(ga_got_redirect(l.lm, &sym, 1, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.rewritten, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests_name("got", tests, NULL, NULL);
}
