/* test_fdtable.c — descriptor states: classification of real files and sockets, close and
 * reuse, dup over a tracked fd, close_range, and the ownership tokens (ga_own) that keep our
 * threads away from application descriptors: valid only while the entry is INTERNAL and of
 * the token's generation, dead for good once the application closed the number, and a dead
 * token's close touches nothing; IPv4-mapped IPv6 peers recorded as IPv4. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "preload/fdtable.h"

static int state_of(int fd)
{
    ga_fd *e = ga_fd_peek(fd);
    return e ? ga_fd_state(e) : GA_FD_UNKNOWN;
}

static void test_classify(void **state)
{
    (void)state;
    int file = open("/dev/null", O_RDONLY);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_null(ga_fd_socket(file));             /* fstat: not a socket */
    assert_int_equal(state_of(file), GA_FD_OTHER);
    ga_fd *e = ga_fd_socket(sv[0]);              /* created behind our back: classified */
    assert_non_null(e);
    assert_int_equal(e->family, AF_UNIX);
    assert_int_equal(e->socktype, SOCK_STREAM);
    close(file);
    close(sv[0]);
    close(sv[1]);
}

static void test_close_and_reuse(void **state)
{
    (void)state;
    ga_fd *e = ga_fd_new_socket(40, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_non_null(e);
    uint32_t gen = atomic_load(&e->gen);
    assert_int_equal(state_of(40), GA_FD_SOCKET);
    ga_fd_closed(40);
    assert_int_equal(state_of(40), GA_FD_OTHER);  /* a later socket comes through a hook */
    assert_true(atomic_load(&e->gen) != gen);
    assert_null(ga_fd_socket(40));
}

static void test_dup_over_tracked(void **state)
{
    (void)state;
    ga_fd *a = ga_fd_new_socket(50, AF_INET6, SOCK_STREAM, GA_ROLE_SERVER);
    a->peer.port = 8080;
    ga_fd_new_socket(51, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    ga_fd_duped(50, 51);                         /* dup2(50, 51): 51 closed, then a copy */
    ga_fd *b = ga_fd_peek(51);
    assert_int_equal(ga_fd_state(b), GA_FD_SOCKET);
    assert_int_equal(b->family, AF_INET6);
    assert_int_equal(b->peer.port, 8080);
    ga_fd_closed(50);
    assert_int_equal(state_of(51), GA_FD_SOCKET); /* the copy lives on */
}

static void test_close_range(void **state)
{
    (void)state;
    for (int fd = 60; fd < 70; fd++)
        ga_fd_new_socket(fd, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    ga_fd_closed_range(62, 65);
    for (int fd = 60; fd < 70; fd++)
        assert_int_equal(state_of(fd), fd >= 62 && fd <= 65 ? GA_FD_OTHER : GA_FD_SOCKET);
    ga_fd_closed_range(0, ~0u);
    assert_int_equal(state_of(69), GA_FD_OTHER);
}

static void test_internal_never_inherited(void **state)
{
    (void)state;
    ga_tls_internal = 1;
    ga_fd_new_socket(80, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_int_equal(state_of(80), GA_FD_INTERNAL);
    assert_true(ga_fd_internal_may_use(80));
    ga_tls_internal = 0;
    assert_null(ga_fd_socket(80));               /* never observed */
    ga_fd_closed(80);                            /* the application closes our socket */
    assert_false(ga_fd_internal_may_use(80));    /* we must not touch that number again */
    ga_fd_new_socket(81, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_false(ga_fd_internal_may_use(81));    /* an application socket */
    ga_fd_closed(80);                            /* the application closes what it reused */
    assert_false(ga_fd_internal_may_use(80));    /* still not ours: a whitelist */
    assert_false(ga_fd_internal_may_use(82));    /* never seen */
}

/* Our token outlives every life the application gives the number: close, a socket, a file
 * opened behind the hooks, another close. */
static void test_token_dies_with_the_number(void **state)
{
    (void)state;
    ga_own o = ga_fd_own(90);
    assert_int_equal(o.fd, 90);
    assert_true(ga_fd_own_valid(o));
    assert_true(ga_fd_internal_may_use(90));
    ga_fd_closed(90);                            /* the application closes it */
    assert_false(ga_fd_own_valid(o));
    ga_fd_closed(90);                            /* ... opens a file there and closes it */
    assert_false(ga_fd_own_valid(o));
    assert_int_equal(state_of(90), GA_FD_OTHER);
    ga_fd_new_socket(90, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_false(ga_fd_own_valid(o));
    ga_fd_closed(90);
    assert_false(ga_fd_own_valid(o));
    ga_own again = ga_fd_own(90);                /* ours again, by a new creation only */
    assert_true(ga_fd_own_valid(again));
    assert_false(ga_fd_own_valid(o));
    ga_fd_closed(90);
    assert_false(ga_fd_own_valid(GA_OWN_NONE));
    assert_int_equal(ga_fd_own(-1).fd, -1);
}

static void test_dup_and_range_kill_tokens(void **state)
{
    (void)state;
    ga_own a = ga_fd_own(95), b = ga_fd_own(96), c = ga_fd_own(200);
    ga_fd_new_socket(97, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    ga_fd_duped(97, 95);                         /* dup2(97, 95) by the application */
    assert_false(ga_fd_own_valid(a));
    assert_int_equal(state_of(95), GA_FD_SOCKET);
    ga_fd_duped(96, 98);                         /* a copy of ours is not ours */
    assert_true(ga_fd_own_valid(b));
    assert_false(ga_fd_internal_may_use(98));
    ga_fd_closed_range(96, 150);                 /* close_range(96, 150) */
    assert_false(ga_fd_own_valid(b));
    assert_true(ga_fd_own_valid(c));
    ga_fd_closed_range(3, ~0u);
    assert_false(ga_fd_own_valid(c));
}

static void test_own_close(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    ga_own o = ga_fd_own(p[0]);
    assert_true(ga_fd_own_valid(o));
    ga_fd_closed(p[0]);                          /* the application closes our pipe ... */
    close(p[0]);
    int file = open("/dev/null", O_RDONLY);      /* ... and the number is its file now */
    assert_int_equal(file, p[0]);
    errno = 1234;
    assert_int_equal(ga_fd_own_close(&o), 0);    /* answered without touching the kernel */
    assert_int_equal(errno, 1234);
    assert_int_equal(o.fd, -1);
    assert_true(fcntl(file, F_GETFD) >= 0);      /* the application's file is still open */
    close(file);

    ga_own w = ga_fd_own(p[1]);
    assert_int_equal(ga_fd_own_close(&w), 0);    /* ours: really closed */
    assert_int_equal(fcntl(p[1], F_GETFD), -1);
    assert_int_equal(state_of(p[1]), GA_FD_OTHER);
    assert_int_equal(ga_fd_own_close(&w), 0);    /* forgotten: a second close is a no-op */
}

static void test_pack(void **state)
{
    (void)state;
    ga_own o = { .fd = 1234567, .gen = 0xfedcba98u };
    ga_own u = ga_own_unpack(ga_own_pack(o));
    assert_int_equal(u.fd, o.fd);
    assert_int_equal(u.gen, o.gen);
    assert_int_equal(ga_own_unpack(ga_own_pack(GA_OWN_NONE)).fd, -1);
}

/* One thread makes and closes tokens on a number while another (the application) closes the
 * same number over and over: a race detector finds nothing (`make tsan`), and once the
 * application has closed the number after the last token was made, no token is valid. Numbers
 * far above any open descriptor: nothing real is closed. */
enum { RACE_FD = 5000, RACE_N = 20000 };
static _Atomic int race_stop;
static ga_own race_tok[RACE_N];

static void *race_app(void *arg)
{
    (void)arg;
    while (!atomic_load(&race_stop))
        ga_fd_closed(RACE_FD);
    return NULL;
}

static void test_tokens_race_with_application_closes(void **state)
{
    (void)state;
    pthread_t t;
    atomic_store(&race_stop, 0);
    assert_int_equal(pthread_create(&t, NULL, race_app, NULL), 0);
    for (int i = 0; i < RACE_N; i++) {
        race_tok[i] = ga_fd_own(RACE_FD);
        (void)ga_fd_own_valid(race_tok[i]);
        if (i % 3 == 0) {
            ga_own o = race_tok[i];
            ga_fd_own_close(&o);
        }
    }
    atomic_store(&race_stop, 1);
    pthread_join(t, NULL);
    ga_fd_closed(RACE_FD);                       /* the application's last close */
    for (int i = 0; i < RACE_N; i++)
        assert_false(ga_fd_own_valid(race_tok[i]));
    assert_false(ga_fd_internal_may_use(RACE_FD));
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_null(ga_fd_peek(-1));
    assert_null(ga_fd_get((int)GA_FD_MAX));
    ga_fd_closed(-5);                            /* no crash */
    ga_fd_duped(-1, 5);
}

/* A dual-stack socket's ::ffff:a.b.c.d peer is the IPv4 peer a.b.c.d; other IPv6 peers stay IPv6,
 * and a short length is never read past. */
static void test_v4_mapped_peer(void **state)
{
    (void)state;
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(3306) };
    ga_addr a;
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr), 1);
    ga_addr_from_sockaddr(&a, (struct sockaddr *)&s6, sizeof s6);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(a.port, 3306);
    const uint8_t lo[16] = { 127, 0, 0, 1 };
    assert_memory_equal(a.addr, lo, 16);         /* the rest of the address is zero */

    assert_int_equal(inet_pton(AF_INET6, "::1", &s6.sin6_addr), 1);
    ga_addr_from_sockaddr(&a, (struct sockaddr *)&s6, sizeof s6);
    assert_int_equal(a.family, AF_INET6);
    assert_memory_equal(a.addr, &s6.sin6_addr, 16);

    assert_int_equal(inet_pton(AF_INET6, "64:ff9b::7f00:1", &s6.sin6_addr), 1);   /* NAT64: not mapped */
    ga_addr_from_sockaddr(&a, (struct sockaddr *)&s6, sizeof s6);
    assert_int_equal(a.family, AF_INET6);

    assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", &s6.sin6_addr), 1);
    ga_addr_from_sockaddr(&a, (struct sockaddr *)&s6, sizeof s6 - 1);
    assert_int_equal(a.family, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_close_and_reuse),
        cmocka_unit_test(test_dup_over_tracked),
        cmocka_unit_test(test_close_range),
        cmocka_unit_test(test_internal_never_inherited),
        cmocka_unit_test(test_token_dies_with_the_number),
        cmocka_unit_test(test_dup_and_range_kill_tokens),
        cmocka_unit_test(test_own_close),
        cmocka_unit_test(test_pack),
        cmocka_unit_test(test_tokens_race_with_application_closes),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_v4_mapped_peer),
    };
    return cmocka_run_group_tests_name("fdtable", tests, NULL, NULL);
}
