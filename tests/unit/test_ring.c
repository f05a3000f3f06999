/* test_ring.c — the record ring: FIFO order, drop-newest when full with an exact drop
 * count, reuse after release, and no loss or duplication with several producer threads
 * against one consumer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "preload/config.h"
#include "preload/ring.h"

static void put(uint32_t tid, uint64_t seq)
{
    ga_rec *r = ga_ring_reserve();
    if (r == NULL)
        return;
    r->h.tid = tid;
    r->h.start_ns = seq;
    ga_ring_commit(r);
}

static void test_fifo_and_full(void **state)
{
    (void)state;
    ga_ring_unmap();                             /* fresh ring */
    ga_cfg.queue_size = 8;
    for (uint64_t i = 0; i < 10; i++)
        put(1, i);
    assert_int_equal(ga_ring_capacity(), 8);
    assert_int_equal(ga_ring_dropped(), 2);      /* the two newest */
    assert_int_equal(ga_ring_depth(), 8);
    for (uint64_t i = 0; i < 8; i++) {
        ga_rec *r = ga_ring_peek();
        assert_non_null(r);
        assert_int_equal(r->h.start_ns, i);
        ga_ring_release(r);
    }
    assert_null(ga_ring_peek());
    put(1, 42);                                  /* slots are reusable */
    ga_rec *r = ga_ring_peek();
    assert_non_null(r);
    assert_int_equal(r->h.start_ns, 42);
    ga_ring_release(r);
}

static void test_tlv(void **state)
{
    (void)state;
    ga_rec r;
    memset(&r, 0, sizeof r);
    ga_rec_put_int(&r, GA_A_ERRNO, 111);
    char big[1000];
    memset(big, 'x', sizeof big);
    ga_rec_put(&r, GA_A_UNIX_PATH, GA_AT_STR, big, sizeof big);   /* truncated, never overflows */
    ga_rec_put_int(&r, GA_A_TRANSPORT, 1);                       /* no room left: dropped */
    assert_true(r.h.attr_len <= GA_REC_ATTR_CAP);
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    assert_true(ga_rec_next(&r, &off, &key, &type, &v, &len));
    assert_int_equal(key, GA_A_ERRNO);
    int64_t iv;
    memcpy(&iv, v, 8);
    assert_int_equal(iv, 111);
    assert_true(ga_rec_next(&r, &off, &key, &type, &v, &len));
    assert_int_equal(key, GA_A_UNIX_PATH);
    assert_int_equal(len, GA_REC_ATTR_CAP - 12 - 4);
    assert_false(ga_rec_next(&r, &off, &key, &type, &v, &len));
}

#define PRODUCERS 4
#define PER_PRODUCER 50000

static void *producer(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        ga_rec *r;
        while ((r = ga_ring_reserve()) == NULL)
            ;                                    /* test only: retry instead of dropping */
        r->h.tid = id;
        r->h.start_ns = i;
        ga_ring_commit(r);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    ga_ring_unmap();
    ga_cfg.queue_size = 256;
    pthread_t t[PRODUCERS];
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        pthread_create(&t[i], NULL, producer, (void *)i);
    uint64_t next[PRODUCERS] = {0}, total = 0;
    while (total < (uint64_t)PRODUCERS * PER_PRODUCER) {
        ga_rec *r = ga_ring_peek();
        if (r == NULL)
            continue;
        assert_true(r->h.tid < PRODUCERS);
        assert_int_equal(r->h.start_ns, next[r->h.tid]);   /* per-producer order kept */
        next[r->h.tid]++;
        total++;
        ga_ring_release(r);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(t[i], NULL);
    assert_null(ga_ring_peek());
}

/* Many threads whose first record arrives at once, while the ring is not mapped yet: one maps
 * it, the others wait for it, and none drops its record. On a small machine the mapping
 * thread is often preempted by the waiting ones, so each round is a real chance to lose. */
#define RACERS 16
#define ROUNDS 1000

static pthread_barrier_t race_start;

static void *first_record(void *arg)
{
    pthread_barrier_wait(&race_start);
    put((uint32_t)(uintptr_t)arg, 0);
    return NULL;
}

static void test_first_use_race(void **state)
{
    (void)state;
    ga_cfg.queue_size = 64;
    for (int round = 0; round < ROUNDS; round++) {
        ga_ring_unmap();                         /* back to "not mapped yet" */
        pthread_barrier_init(&race_start, NULL, RACERS);
        pthread_t t[RACERS];
        for (uintptr_t i = 0; i < RACERS; i++)
            assert_int_equal(pthread_create(&t[i], NULL, first_record, (void *)i), 0);
        for (int i = 0; i < RACERS; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&race_start);
        if (ga_ring_dropped() != 0)
            fail_msg("round %d: %llu of %d first records dropped while the ring was mapped",
                     round, (unsigned long long)ga_ring_dropped(), RACERS);
        assert_int_equal(ga_ring_depth(), RACERS);
    }
}

/* A child after a real fork: the parent's queued records are gone, the ring is empty and
 * usable at its full capacity, and the parent's ring is untouched. */
static void test_fork_child_ring_empty(void **state)
{
    (void)state;
    ga_ring_unmap();
    ga_cfg.queue_size = 16;
    for (uint64_t i = 0; i < 5; i++)
        put(1, i);
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        ga_ring_after_fork();
        int ok = ga_ring_depth() == 0 && ga_ring_peek() == NULL && ga_ring_dropped() == 0;
        for (uint64_t i = 0; i < 16; i++)
            put(2, 100 + i);
        ok = ok && ga_ring_depth() == 16 && ga_ring_capacity() == 16;
        ga_rec *r = ga_ring_peek();
        ok = ok && r != NULL && r->h.tid == 2 && r->h.start_ns == 100;
        _exit(ok ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(p, &st, 0), p);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(ga_ring_depth(), 5);
    ga_rec *r = ga_ring_peek();
    assert_non_null(r);
    assert_int_equal(r->h.tid, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_full),
        cmocka_unit_test(test_tlv),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_first_use_race),
        cmocka_unit_test(test_fork_child_ring_empty),
    };
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
