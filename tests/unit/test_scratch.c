/* test_scratch.c — the scratch pool (preload/scratch.c): every slot distinct and whole, NULL
 * once all are taken and a slot again after one is given back, no slot handed to two threads
 * at once under contention, and a forked child keeping taken only the slots of the thread
 * that forked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "preload/scratch.h"

static void test_exhaust_and_give_back(void **state)
{
    (void)state;
    uint8_t *s[GA_SCRATCH_SLOTS];
    for (int i = 0; i < GA_SCRATCH_SLOTS; i++) {
        s[i] = ga_scratch_get();
        assert_non_null(s[i]);
        memset(s[i], i, GA_SCRATCH_SIZE);           /* whole slot writable, no overlap */
    }
    assert_null(ga_scratch_get());
    for (int i = 0; i < GA_SCRATCH_SLOTS; i++) {
        assert_int_equal(s[i][0], (uint8_t)i);
        assert_int_equal(s[i][GA_SCRATCH_SIZE - 1], (uint8_t)i);
    }
    ga_scratch_put(s[17]);
    uint8_t *again = ga_scratch_get();
    assert_ptr_equal(again, s[17]);
    assert_null(ga_scratch_get());
    for (int i = 0; i < GA_SCRATCH_SLOTS; i++)
        ga_scratch_put(s[i]);
    ga_scratch_put(NULL);
}

#define THREADS 8
#define ROUNDS 20000

static _Atomic int clashes;

/* Each round: take a slot, stamp it with this thread's tag, check the stamp survived a
 * moment, give it back. Two holders of one slot would overwrite each other's stamp. */
static void *hammer(void *arg)
{
    uint8_t tag = (uint8_t)(uintptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        uint8_t *p = ga_scratch_get();
        if (p == NULL)
            continue;
        memset(p, tag, 64);
        for (volatile int k = 0; k < 20; k++)
            ;
        for (int i = 0; i < 64; i++)
            if (p[i] != tag)
                atomic_fetch_add(&clashes, 1);
        ga_scratch_put(p);
    }
    return NULL;
}

static void test_threads_never_share(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, (void *)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&clashes), 0);
}

static pthread_barrier_t held, release;

static void *hold_one(void *arg)
{
    void *p = ga_scratch_get();
    *(void **)arg = p;
    pthread_barrier_wait(&held);
    pthread_barrier_wait(&release);
    ga_scratch_put(p);
    return NULL;
}

static void test_fork_child_keeps_only_its_own(void **state)
{
    (void)state;
    pthread_barrier_init(&held, NULL, 2);
    pthread_barrier_init(&release, NULL, 2);
    void *other = NULL;
    pthread_t t;
    pthread_create(&t, NULL, hold_one, &other);
    pthread_barrier_wait(&held);
    void *mine = ga_scratch_get();
    assert_non_null(other);
    assert_non_null(mine);
    pid_t pid = fork();
    if (pid == 0) {
        ga_scratch_after_fork();                    /* what the library's atfork handler does */
        int got = 0, saw_mine = 0, saw_other = 0;
        void *s[GA_SCRATCH_SLOTS];
        while (got < GA_SCRATCH_SLOTS && (s[got] = ga_scratch_get()) != NULL) {
            saw_mine |= s[got] == mine;
            saw_other |= s[got] == other;
            got++;
        }
        /* The other thread does not exist here: its slot is free again; ours is still ours. */
        _exit(got == GA_SCRATCH_SLOTS - 1 && saw_other && !saw_mine ? 0 : 1);
    }
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    ga_scratch_put(mine);
    pthread_barrier_wait(&release);
    pthread_join(t, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exhaust_and_give_back),
        cmocka_unit_test(test_threads_never_share),
        cmocka_unit_test(test_fork_child_keeps_only_its_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
