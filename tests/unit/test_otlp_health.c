/* test_otlp_health.c — what a fork family knows about its collectors (exporter/otlp_health.c)
 * and the family-wide "once" of warnings (preload/family.c, preload/log.c): endpoint keys,
 * back-off after a failure, one probe at a time after it, a success clearing everything,
 * another endpoint unaffected; then the same state seen from a forked child and a sibling
 * (the page is shared, not copied), and a warning printed once by a whole family. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "exporter/otlp_health.h"
#include "preload/family.h"
#include "preload/log.h"

#define URL_T "http://Collector:4318/v1/traces"
#define URL_M "http://collector:4318/v1/metrics"
#define URL_O "http://other:4318/v1/traces"

static void test_keys(void **state)
{
    (void)state;
    assert_int_equal(ga_otlp_health_key(URL_T), ga_otlp_health_key(URL_M));
    assert_int_not_equal(ga_otlp_health_key(URL_T), ga_otlp_health_key(URL_O));
    assert_int_not_equal(ga_otlp_health_key("http://c:1/x"), ga_otlp_health_key("https://c:1/x"));
    assert_int_not_equal(ga_otlp_health_key("http://c:1"), 0);
}

static void test_backoff_and_probe(void **state)
{
    (void)state;
    uint64_t until = 0, now = 1000000;
    assert_int_equal(ga_otlp_health_gate(URL_T, now, 5000, &until), 1);   /* nothing known */
    ga_otlp_health_report(URL_T, 0, now, 0);                              /* rnd 0: 500 ms */
    assert_int_equal(ga_otlp_health_gate(URL_M, now + 1, 5000, &until), 0);
    assert_int_equal(until, now + 500);
    assert_int_equal(ga_otlp_health_gate(URL_O, now + 1, 5000, &until), 1); /* another one */
    /* after the back-off: the first caller probes, the others wait for it */
    assert_int_equal(ga_otlp_health_gate(URL_T, now + 600, 300, &until), 1);
    assert_int_equal(ga_otlp_health_gate(URL_M, now + 601, 300, &until), 0);
    assert_int_equal(until, now + 900);
    /* the probe failed again: a longer back-off (attempt 2: 1 s base, rnd 0: 1000 ms) */
    ga_otlp_health_report(URL_T, 0, now + 700, 0);
    assert_int_equal(ga_otlp_health_gate(URL_T, now + 800, 300, &until), 0);
    assert_int_equal(until, now + 1700);
    /* a probe that never reports (its process died) lapses by itself */
    assert_int_equal(ga_otlp_health_gate(URL_T, now + 1700, 300, &until), 1);
    assert_int_equal(ga_otlp_health_gate(URL_T, now + 2001, 300, &until), 1);
    /* an answer clears it for everyone */
    ga_otlp_health_report(URL_M, 1, now + 2100, 0);
    assert_int_equal(ga_otlp_health_gate(URL_T, now + 2101, 300, &until), 1);
    assert_int_equal(ga_otlp_health_gate(URL_M, now + 2101, 300, &until), 1);
}

/* A child learns, its sibling and its parent know at once. */
static void test_family_shares(void **state)
{
    (void)state;
    ga_family_ensure();
    assert_non_null(atomic_load(&ga_family_page));
    const char *url = "http://family-test:9/v1/traces";
    pid_t p = fork();
    if (p == 0) {
        ga_otlp_health_report(url, 0, 5000000, 0);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(p, &st, 0), p);
    p = fork();
    if (p == 0) {
        uint64_t until = 0;
        _exit(ga_otlp_health_gate(url, 5000001, 300, &until) == 0 && until == 5000500 ? 0 : 1);
    }
    assert_int_equal(waitpid(p, &st, 0), p);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    uint64_t until = 0;
    assert_int_equal(ga_otlp_health_gate(url, 5000002, 300, &until), 0);
}

/* A warning kind said by one member is not said again by another. */
static void test_family_warns_once(void **state)
{
    (void)state;
    ga_family_ensure();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int saved = dup(2);
    dup2(fds[1], 2);
    for (int i = 0; i < 3; i++) {
        pid_t p = fork();
        if (p == 0) {
            ga_warn(GA_LK_PROM, "family warning %d", i);
            ga_warn_once("family site warning %d", i);
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
    }
    ga_warn(GA_LK_PROM, "family warning parent");
    dup2(saved, 2);
    close(fds[1]);
    char buf[1024] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "genesis: family warning 0\ngenesis: family site warning 0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_backoff_and_probe),
        cmocka_unit_test(test_family_shares),
        cmocka_unit_test(test_family_warns_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
