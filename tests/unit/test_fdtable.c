/* test_fdtable.c — descriptor states: classification of real files and sockets, close and
 * reuse, dup over a tracked fd, close_range, and the INTERNAL/STOLEN rules that keep our
 * threads away from application descriptors; IPv4-mapped IPv6 peers recorded as IPv4. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
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

static void test_internal_and_stolen(void **state)
{
    (void)state;
    ga_tls_internal = 1;
    ga_fd_new_socket(80, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_int_equal(state_of(80), GA_FD_INTERNAL);
    assert_true(ga_fd_internal_may_use(80));
    ga_tls_internal = 0;
    assert_null(ga_fd_socket(80));               /* never observed */
    ga_fd_closed(80);                            /* the application closes our socket */
    assert_int_equal(state_of(80), GA_FD_STOLEN);
    assert_false(ga_fd_internal_may_use(80));    /* we must not touch that number again */
    ga_fd_new_socket(81, AF_INET, SOCK_STREAM, GA_ROLE_CLIENT);
    assert_false(ga_fd_internal_may_use(81));    /* an application socket */
    ga_fd_closed(80);                            /* the application closes what it reused */
    assert_int_equal(state_of(80), GA_FD_OTHER);
    assert_true(ga_fd_internal_may_use(80));
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
        cmocka_unit_test(test_internal_and_stolen),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_v4_mapped_peer),
    };
    return cmocka_run_group_tests_name("fdtable", tests, NULL, NULL);
}
