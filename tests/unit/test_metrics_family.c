/* test_metrics_family.c — the shared region of a family of forked processes
 * (exporter/metrics_family.c): sums across members bucket by bucket, nothing counted twice
 * when a member publishes again, gauges left to the serving member, a real forked child's
 * series reaching its parent, the fixed-size region's overflow counted and dropped, and two
 * threads publishing at once (run under `make tsan`). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "exporter/metrics_family.h"
#include "preload/config.h"

static const double bounds[] = { 0.1, 1, 10 };

/* One member's instruments: a histogram, a counter and a gauge. */
typedef struct member {
    ga_instrument m[3];
} member;

static void member_init(member *p)
{
    memset(p, 0, sizeof *p);
    p->m[0] = (ga_instrument){ .name = "t.duration", .description = "d", .unit = "s", .kind = GA_MK_HISTOGRAM,
                               .bounds = bounds, .nbounds = 3, .max_series = 100000 };
    p->m[1] = (ga_instrument){ .name = "t.count", .description = "c", .unit = "1", .kind = GA_MK_COUNTER,
                               .max_series = 100000 };
    p->m[2] = (ga_instrument){ .name = "t.depth", .description = "g", .unit = "1", .kind = GA_MK_GAUGE,
                               .max_series = 4 };
}

static void member_free(member *p)
{
    for (int i = 0; i < 3; i++)
        ga_instrument_clear(&p->m[i]);
}

static ga_series *series(ga_instrument *m, const char *route)
{
    ga_attr a = { .key = "route", .type = GA_V_STR, .s = route, .slen = strlen(route) };
    return ga_series_get(m, &a, 1);
}

/* The view's instrument of that name and its series for `route`. */
static ga_series *view_series(member *self, const char *name, const char *route)
{
    ga_instrument *list[GA_FAM_INSTS + 8];
    int n = ga_family_view(self->m, 3, list, (int)(sizeof list / sizeof list[0]));
    for (int i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0) {
            ga_attr a = { .key = "route", .type = GA_V_STR, .s = route, .slen = strlen(route) };
            return ga_series_find(list[i], &a, 1);
        }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    ga_cfg.disabled = 0;
    ga_cfg.metrics_exporters = GA_EXP_PROMETHEUS;
    assert_int_equal(ga_family_create(), 0);
    assert_true(ga_family_on());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ga_family_reset();
    return 0;
}

static void test_sums_once(void **state)
{
    (void)state;
    member a, b;
    member_init(&a);
    member_init(&b);
    ga_hist_observe(&a.m[0], series(&a.m[0], "/x"), 0.05);
    ga_hist_observe(&a.m[0], series(&a.m[0], "/x"), 5);
    ga_hist_observe(&b.m[0], series(&b.m[0], "/x"), 0.5);
    ga_hist_observe(&b.m[0], series(&b.m[0], "/x"), 50);
    ga_hist_observe(&b.m[0], series(&b.m[0], "/y"), 0.5);
    ga_counter_add(series(&a.m[1], "/x"), 3);
    ga_counter_add(series(&b.m[1], "/x"), 4);
    ga_series_set(series(&a.m[2], "/x"), 7);
    ga_series_set(series(&b.m[2], "/x"), 100);
    for (int round = 0; round < 3; round++) {   /* publishing again adds nothing */
        assert_int_equal(ga_family_publish(a.m, 3, 0), 0);
        assert_int_equal(ga_family_publish(b.m, 3, 0), 0);
        ga_series *h = view_series(&a, "t.duration", "/x");
        assert_non_null(h);
        assert_int_equal(h->count, 4);
        assert_true(h->sum > 55.549 && h->sum < 55.551);
        assert_true(h->min == 0.05 && h->max == 50);
        assert_int_equal(h->buckets[0], 1);
        assert_int_equal(h->buckets[1], 1);
        assert_int_equal(h->buckets[2], 1);
        assert_int_equal(h->buckets[3], 1);
        assert_int_equal(view_series(&a, "t.duration", "/y")->count, 1);
        assert_int_equal(view_series(&a, "t.count", "/x")->value, 7);
        assert_int_equal(view_series(&a, "t.depth", "/x")->value, 7);     /* the server's own */
    }
    ga_counter_add(series(&b.m[1], "/x"), 1);
    assert_int_equal(ga_family_publish(b.m, 3, 0), 0);
    assert_int_equal(view_series(&a, "t.count", "/x")->value, 8);
    member_free(&a);
    member_free(&b);
}

static void test_forked_child(void **state)
{
    (void)state;
    member a;
    member_init(&a);
    ga_counter_add(series(&a.m[1], "/x"), 2);
    assert_int_equal(ga_family_publish(a.m, 3, 0), 0);
    pid_t pid = fork();
    if (pid == 0) {                     /* the child starts empty: only its own counts */
        member c;
        member_init(&c);
        ga_counter_add(series(&c.m[1], "/x"), 5);
        ga_counter_add(series(&c.m[1], "/child"), 1);
        _exit(ga_family_publish(c.m, 3, 1000) == 0 ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(view_series(&a, "t.count", "/x")->value, 7);
    assert_int_equal(view_series(&a, "t.count", "/child")->value, 1);
    member_free(&a);
}

static void test_overflow_counted(void **state)
{
    (void)state;
    member a;
    member_init(&a);
    enum { N = 60000 };                 /* more than the region holds */
    char r[32];
    for (int i = 0; i < N; i++) {
        snprintf(r, sizeof r, "/route/%d", i);
        ga_counter_add(series(&a.m[1], r), 1);
    }
    assert_int_equal(ga_family_publish(a.m, 3, 0), 0);
    uint64_t dropped = ga_family_dropped();
    assert_true(dropped > 0 && dropped < N);
    ga_instrument *list[GA_FAM_INSTS + 8];
    int n = ga_family_view(a.m, 3, list, (int)(sizeof list / sizeof list[0]));
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i]->name, "t.count") == 0)
            for (ga_series *s = ga_series_first(list[i]); s; s = ga_series_next(list[i], s))
                total += s->value;
    assert_int_equal(total + (int64_t)dropped, N);
    assert_int_equal(ga_family_publish(a.m, 3, 0), 0);    /* lost for good, counted once */
    assert_int_equal(ga_family_dropped(), dropped);
    member_free(&a);
}

#define ROUNDS 2000

static void *publisher(void *arg)
{
    member *p = arg;
    for (int i = 0; i < ROUNDS; i++) {
        ga_hist_observe(&p->m[0], series(&p->m[0], "/t"), 0.5);
        ga_counter_add(series(&p->m[1], "/t"), 1);
        while (ga_family_publish(p->m, 3, 10) != 0)
            ;
    }
    return NULL;
}

static void test_concurrent_publishers(void **state)
{
    (void)state;
    member a, b, self;
    member_init(&a);
    member_init(&b);
    member_init(&self);
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, publisher, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, publisher, &b), 0);
    for (int i = 0; i < 200; i++) {     /* views meanwhile never go backwards */
        static uint64_t last;
        ga_series *h = view_series(&self, "t.duration", "/t");
        if (h != NULL) {
            assert_true(h->count >= last);
            last = h->count;
        }
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(view_series(&self, "t.duration", "/t")->count, 2 * ROUNDS);
    assert_int_equal(view_series(&self, "t.count", "/t")->value, 2 * ROUNDS);
    member_free(&a);
    member_free(&b);
    member_free(&self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sums_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forked_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_publishers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
