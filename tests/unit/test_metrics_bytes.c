/* test_metrics_bytes.c — genesis.network.io from fd-table scans of open sockets paired with
 * the final totals of GA_OP_CONN_CLOSE records by (fd, generation): every byte is counted
 * exactly once whatever the order of scans, closes and records; accepted (server-side)
 * connections have no peer port; a reused descriptor number is a new socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/metrics_reg.h"
#include "preload/fdtable.h"

#define FD 900

static int setup(void **state)
{
    (void)state;
    ga_metrics_clear();
    ga_metrics_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    (void)ga_fd_own(FD);                        /* leave the entry closed */
    ga_metrics_clear();
    return 0;
}

static ga_fd *open_socket(int role, uint8_t last_octet, uint16_t port)
{
    ga_fd *e = ga_fd_new_socket(FD, AF_INET, SOCK_STREAM, role);
    assert_non_null(e);
    e->peer = (ga_addr){ .family = AF_INET, .port = port, .addr = {10, 0, 0, last_octet} };
    return e;
}

static void set_bytes(ga_fd *e, uint64_t in, uint64_t out)
{
    atomic_store(&e->bytes_in, in);
    atomic_store(&e->bytes_out, out);
}

/* What a CONN_CLOSE record needs of an entry, kept before the close resets it. */
typedef struct sock { ga_addr peer; int role; uint32_t gen; } sock;

static sock snap(const ga_fd *e)
{
    return (sock){ .peer = e->peer, .role = e->role, .gen = atomic_load(&e->gen) };
}

/* The CONN_CLOSE record emit.c writes for this socket, with these final totals. */
static void close_record(const sock *k, uint64_t in, uint64_t out)
{
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONN_CLOSE;
    ga_rec_put_addr(&r, GA_A_PEER, &k->peer);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_put_int(&r, GA_A_BYTES_IN, (int64_t)in);
    ga_rec_put_int(&r, GA_A_BYTES_OUT, (int64_t)out);
    ga_rec_put_int(&r, GA_A_FD, FD);
    ga_rec_put_int(&r, GA_A_FD_GEN, k->gen);
    ga_rec_put_int(&r, GA_A_ROLE, k->role);
    ga_metrics_on_record(&r);
}

/* Value of the series for one direction and peer address (-1 when absent). */
static int64_t io(const char *dir, const char *addr, int *has_port)
{
    const ga_instrument *m = &ga_minst[GA_MI_NET_IO];
    for (const ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) {
        int match = 0, port = 0;
        for (int i = 0; i < s->nattrs; i++) {
            const ga_attr *a = &s->attrs[i];
            if (strcmp(a->key, "network.io.direction") == 0 && strcmp(a->s, dir) == 0)
                match++;
            if (strcmp(a->key, "network.peer.address") == 0 && strcmp(a->s, addr) == 0)
                match++;
            port |= strcmp(a->key, "network.peer.port") == 0;
        }
        if (match == 2) {
            if (has_port)
                *has_port = port;
            return s->value;
        }
    }
    return -1;
}

static void test_scan_then_close(void **state)
{
    (void)state;
    ga_fd *e = open_socket(GA_ROLE_CLIENT, 1, 6379);
    sock k = snap(e);
    set_bytes(e, 100, 10);
    ga_metrics_collect();
    assert_int_equal(io("receive", "10.0.0.1", NULL), 100);
    assert_int_equal(io("transmit", "10.0.0.1", NULL), 10);
    set_bytes(e, 150, 10);
    ga_metrics_collect();
    ga_metrics_collect();                       /* nothing new: nothing added */
    assert_int_equal(io("receive", "10.0.0.1", NULL), 150);
    set_bytes(e, 170, 12);                      /* more traffic, then the close */
    (void)ga_fd_own(FD);                        /* the entry changes (close) ... */
    ga_metrics_collect();                       /* ... a scan misses the socket ... */
    ga_bytes_tick();
    close_record(&k, 170, 12);              /* ... and its record is drained later */
    ga_metrics_collect();
    int has_port = 0;
    assert_int_equal(io("receive", "10.0.0.1", &has_port), 170);
    assert_int_equal(io("transmit", "10.0.0.1", NULL), 12);
    assert_true(has_port);
}

static void test_close_without_scan(void **state)
{
    (void)state;
    ga_fd *e = open_socket(GA_ROLE_CLIENT, 2, 80);
    sock k = snap(e);
    close_record(&k, 1000, 0);
    (void)ga_fd_own(FD);
    ga_metrics_collect();
    assert_int_equal(io("receive", "10.0.0.2", NULL), 1000);
    assert_int_equal(io("transmit", "10.0.0.2", NULL), -1);     /* zero bytes: no series */
}

static void test_close_record_before_scan_sees_change(void **state)
{
    (void)state;
    ga_fd *e = open_socket(GA_ROLE_CLIENT, 3, 80);
    sock k = snap(e);
    set_bytes(e, 5, 5);
    ga_metrics_collect();
    close_record(&k, 7, 9);                 /* drained before any scan missed it */
    (void)ga_fd_own(FD);
    ga_metrics_collect();
    assert_int_equal(io("receive", "10.0.0.3", NULL), 7);
    assert_int_equal(io("transmit", "10.0.0.3", NULL), 9);
}

static void test_server_side_and_reuse(void **state)
{
    (void)state;
    ga_fd *e = open_socket(GA_ROLE_SERVER, 4, 40001);
    set_bytes(e, 10, 20);
    ga_metrics_collect();
    int has_port = 1;
    assert_int_equal(io("receive", "10.0.0.4", &has_port), 10);
    assert_false(has_port);                     /* the client's ephemeral port is no label */
    e = open_socket(GA_ROLE_SERVER, 4, 40002);  /* same fd number, new generation */
    set_bytes(e, 1, 2);
    ga_metrics_collect();
    assert_int_equal(io("receive", "10.0.0.4", NULL), 11);
    assert_int_equal(io("transmit", "10.0.0.4", NULL), 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_then_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_without_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_record_before_scan_sees_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_side_and_reuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
