/* test_map_once.c — a region mapped once per process: one mapping however many threads ask,
 * a late mapper taken over instead of anyone giving up, the late mapper's own region unmapped,
 * a failed mapping reported as NULL to every caller with errno kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/mman.h>
#include <cmocka.h>
#include "preload/log.h"
#include "preload/map_once.h"

#define BYTES (1u << 20)

static ga_map_once region = { .what = "the test region", .log_kind = GA_LK_RING };
static _Atomic int inits;
static void *_Atomic mapped[8];             /* every region init saw, in order */
static _Atomic int first_sleeps_ms;         /* the first init stalls this long (a preempted mapper) */
static _Atomic int first_in_init;

static void init(void *p, void *arg)
{
    int n = atomic_fetch_add(&inits, 1);
    if (n < 8)
        atomic_store(&mapped[n], p);
    *(int *)p = *(int *)arg;
    if (n == 0 && atomic_load(&first_sleeps_ms) > 0) {
        atomic_store(&first_in_init, 1);
        struct timespec ts = { 0, atomic_load(&first_sleeps_ms) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static void fresh(int stall_ms)
{
    ga_map_once_reset(&region);
    atomic_store(&inits, 0);
    for (int i = 0; i < 8; i++)
        atomic_store(&mapped[i], NULL);
    atomic_store(&first_sleeps_ms, stall_ms);
    atomic_store(&first_in_init, 0);
}

static void *get(void *arg)
{
    return ga_map_once_get(&region, BYTES, init, arg);
}

static void test_once(void **state)
{
    (void)state;
    fresh(0);
    int tag = 7;
    errno = 1234;
    int *p = get(&tag);
    assert_non_null(p);
    assert_int_equal(errno, 1234);
    assert_int_equal(*p, 7);
    assert_ptr_equal(get(&tag), p);
    assert_int_equal(atomic_load(&inits), 1);
}

/* The first mapper stalls for 200 ms inside its mapping; threads arriving meanwhile do not
 * give up: after GA_MAP_ONCE_WAIT_NS one of them maps, and everyone — the late mapper too —
 * ends up with that region, the late mapper's own one unmapped. */
#define WAITERS 6

static void test_late_mapper_taken_over(void **state)
{
    (void)state;
    fresh(200);
    int tag = 1;
    pthread_t late, w[WAITERS];
    assert_int_equal(pthread_create(&late, NULL, get, &tag), 0);
    while (!atomic_load(&first_in_init))
        sched_yield();
    for (int i = 0; i < WAITERS; i++)
        assert_int_equal(pthread_create(&w[i], NULL, get, &tag), 0);
    void *got[WAITERS], *late_got;
    for (int i = 0; i < WAITERS; i++)
        pthread_join(w[i], &got[i]);
    pthread_join(late, &late_got);
    void *winner = atomic_load(&region.ptr);
    assert_non_null(winner);
    assert_true(winner != atomic_load(&mapped[0]));
    for (int i = 0; i < WAITERS; i++)
        assert_ptr_equal(got[i], winner);
    assert_ptr_equal(late_got, winner);
    /* One takeover per late mapper (usually exactly one), never a mapping per waiter. */
    int n = atomic_load(&inits);
    assert_in_range(n, 2, WAITERS);
    /* Every region but the winner is gone: msync on an unmapped page fails with ENOMEM. */
    for (int i = 0; i < n; i++) {
        void *m = atomic_load(&mapped[i]);
        if (m == winner)
            continue;
        assert_int_equal(msync(m, 4096, MS_ASYNC), -1);
        assert_int_equal(errno, ENOMEM);
    }
}

static void test_failure_is_null_for_everyone(void **state)
{
    (void)state;
    fresh(0);
    ga_log_level = GA_LOG_OFF;                  /* the error line is not what is tested */
    int tag = 0;
    errno = 4321;
    assert_null(ga_map_once_get(&region, (size_t)1 << 62, init, &tag));
    assert_int_equal(errno, 4321);
    assert_null(ga_map_once_get(&region, BYTES, init, &tag));   /* failed stays failed */
    assert_int_equal(errno, 4321);
    assert_int_equal(atomic_load(&inits), 0);
    fresh(0);                                   /* after fork: tried afresh */
    assert_non_null(ga_map_once_get(&region, BYTES, init, &tag));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once),
        cmocka_unit_test(test_late_mapper_taken_over),
        cmocka_unit_test(test_failure_is_null_for_everyone),
    };
    return cmocka_run_group_tests_name("map_once", tests, NULL, NULL);
}
