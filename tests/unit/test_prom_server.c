/* test_prom_server.c — the Prometheus endpoint component (exporter/prom_server.c,
 * prom_conn.c) driven by hand the way the exporter thread drives it (pollfds → poll →
 * events, tick): both formats, HEAD, 400/404/405, oversized and slow requests dropped,
 * bounded connections (the slowest closed for a new one), port in use (no endpoint), an IPv6 host, the application taking the
 * listener's number (the endpoint listens again; the application's file there is never touched),
 * and the fork rules (a child never binds when its parent tried; the listener is closed at the
 * final flush). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "exporter/exporter.h"
#include "exporter/metrics_conf.h"
#include "exporter/metrics_reg.h"
#include "exporter/prom_server.h"
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/log.h"

void ga_metrics_component_get(ga_component *c);
void ga_prom_component_get(ga_component *c);
static ga_component ga_metrics_component, ga_prom_component;

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

/* Open both components on a free loopback port. */
static int setup(void **state)
{
    (void)state;
    ga_log_level = GA_LOG_OFF;
    ga_cfg.metrics_exporters = GA_EXP_PROMETHEUS;
    ga_resource_build(&ga_res);
    ga_metrics_component_get(&ga_metrics_component);
    ga_prom_component_get(&ga_prom_component);
    assert_int_equal(ga_metrics_component.open(), 0);
    ga_mconf.prom_port = free_port();
    assert_int_equal(ga_prom_component.open(), 0);
    assert_int_equal(ga_prom_port(), ga_mconf.prom_port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ga_prom_component.flush(1, 0);
    ga_metrics_clear();
    return 0;
}

/* One turn of the exporter loop for our component. */
static void loop_once(int ms)
{
    struct pollfd p[16];
    int n = ga_prom_component.pollfds(p, 16);
    if (poll(p, (nfds_t)n, ms) > 0)
        ga_prom_component.events(p, n);
    ga_prom_component.tick(ga_mono_ms());
}

static int client(void)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)ga_mconf.prom_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    fcntl(c, F_SETFL, O_NONBLOCK);
    return c;
}

/* Send req, run the loop until the server closes; returns the whole response. */
static const char *exchange(const char *req, size_t len)
{
    static char resp[1 << 20];
    size_t got = 0;
    int c = client();
    assert_int_equal(send(c, req, len, 0), (ssize_t)len);
    for (int i = 0; i < 400; i++) {
        loop_once(5);
        ssize_t r = recv(c, resp + got, sizeof resp - 1 - got, 0);
        if (r == 0)
            break;
        if (r > 0)
            got += (size_t)r;
    }
    close(c);
    resp[got] = '\0';
    return resp;
}

static const char *get(const char *req) { return exchange(req, strlen(req)); }

static void test_text_and_openmetrics(void **state)
{
    (void)state;
    const char *r = get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    assert_non_null(strstr(r, "\r\n\r\n# HELP target_info Target metadata\n"));
    assert_non_null(strstr(r, "genesis_sdk_operations_total{"));
    const char *body = strstr(r, "\r\n\r\n") + 4;
    size_t clen = 0;
    sscanf(strstr(r, "Content-Length: "), "Content-Length: %zu", &clen);
    assert_int_equal(clen, strlen(body));
    r = get("GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n");
    assert_non_null(strstr(r, "\r\nContent-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
    assert_non_null(strstr(r, "\n# EOF\n"));
}

static void test_head_and_errors(void **state)
{
    (void)state;
    const char *r = get("HEAD /metrics HTTP/1.0\r\n\r\n");
    assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n");        /* no body */
    r = get("GET /nope HTTP/1.1\r\n\r\n");
    assert_true(strncmp(r, "HTTP/1.1 404 ", 13) == 0);
    r = get("DELETE /metrics HTTP/1.1\r\n\r\n");
    assert_true(strncmp(r, "HTTP/1.1 405 ", 13) == 0);
    assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
    r = get("garbage\r\n\r\n");
    assert_true(strncmp(r, "HTTP/1.1 400 ", 13) == 0);
    static char big[GA_PROM_REQ_MAX + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    r = exchange(big, sizeof big);                          /* headers never end: 400 */
    assert_true(strncmp(r, "HTTP/1.1 400 ", 13) == 0);
}

static void test_slow_clients_dropped(void **state)
{
    (void)state;
    int c[GA_PROM_MAX_CLIENTS + 1];
    for (int i = 0; i <= GA_PROM_MAX_CLIENTS; i++) {
        c[i] = client();
        send(c[i], "GET /metrics HTTP/1.1\r\n", 23, 0);         /* never completed */
    }
    for (int i = 0; i < 20; i++)
        loop_once(2);
    int busy = 0;
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        busy += ga_prom_cl[i].state != GA_CL_FREE;
    assert_int_equal(busy, GA_PROM_MAX_CLIENTS);
    char buf[16];
    ssize_t r0 = recv(c[0], buf, sizeof buf, 0);            /* the slowest made room for the last */
    assert_true(r0 == 0 || (r0 < 0 && errno == ECONNRESET));   /* (reset: its request unread) */
    assert_int_equal(recv(c[GA_PROM_MAX_CLIENTS], buf, sizeof buf, 0), -1);   /* still open */
    struct pollfd p[16];
    assert_int_equal(ga_prom_component.pollfds(p, 16), GA_PROM_MAX_CLIENTS + 1);   /* listener too */
    int next = ga_prom_component.tick(ga_mono_ms());
    assert_true(next > 0 && next <= GA_PROM_READ_MS);
    ga_prom_component.tick(ga_mono_ms() + GA_PROM_READ_MS + 1);   /* deadline passed: all dropped */
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        assert_int_equal(ga_prom_cl[i].state, GA_CL_FREE);
    for (int i = 0; i < 20; i++)
        loop_once(2);
    assert_int_equal(recv(c[1], buf, sizeof buf, 0), 0);     /* closed without an answer */
    for (int i = 0; i <= GA_PROM_MAX_CLIENTS; i++)
        close(c[i]);
    assert_true(strncmp(get("GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK\r\n", 17) == 0);   /* still serving */
}

/* A daemon closes every descriptor, the listener's included, and opens a file on its number:
 * the endpoint comes back on a new descriptor, and the file is neither polled nor closed. */
static void test_listener_taken_back(void **state)
{
    (void)state;
    ga_own old = ga_prom_lfd;
    ga_fd_closed(old.fd);                    /* what the close hook does, then the close */
    close(old.fd);
    int file = open("/dev/null", O_RDONLY);
    assert_int_equal(file, old.fd);
    for (int i = 0; i < 5 && !ga_fd_own_valid(ga_prom_lfd); i++)
        loop_once(2);
    assert_true(ga_fd_own_valid(ga_prom_lfd));
    assert_int_not_equal(ga_prom_lfd.fd, old.fd);
    assert_int_equal(ga_prom_port(), ga_mconf.prom_port);
    assert_true(strncmp(get("GET /metrics HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK\r\n", 17) == 0);
    ga_prom_component.flush(1, 0);          /* closes the new listener, not the file */
    assert_true(fcntl(file, F_GETFD) >= 0);
    close(file);
}

static void test_port_in_use(void **state)
{
    (void)state;
    ga_own lfd = ga_prom_lfd;
    ga_prom_lfd = GA_OWN_NONE;               /* a second process on the same port */
    assert_int_equal(ga_prom_component.open(), -1);
    assert_int_equal(ga_prom_lfd.fd, -1);
    assert_int_equal(ga_prom_port(), -1);
    ga_prom_lfd = lfd;
}

static void test_ipv6_host(void **state)
{
    (void)state;
    ga_prom_component.flush(1, 0);
    snprintf(ga_mconf.prom_host, sizeof ga_mconf.prom_host, "[::1]");
    ga_mconf.prom_port = free_port();
    assert_int_equal(ga_prom_component.open(), 0);
    assert_int_equal(ga_prom_port(), ga_mconf.prom_port);
    struct sockaddr_in6 a;
    socklen_t l = sizeof a;
    assert_int_equal(getsockname(ga_prom_lfd.fd, (struct sockaddr *)&a, &l), 0);
    assert_int_equal(a.sin6_family, AF_INET6);
    snprintf(ga_mconf.prom_host, sizeof ga_mconf.prom_host, "localhost");
}

static void test_fork_child_never_binds(void **state)
{
    (void)state;
    ga_prom_component.flush(1, 0);          /* listener closed at the final flush */
    assert_int_equal(ga_prom_lfd.fd, -1);
    ga_prom_component.after_fork();         /* the parent had tried: the child never binds */
    ga_mconf.prom_port = free_port();
    assert_int_equal(ga_prom_component.open(), -1);
    assert_int_equal(ga_prom_port(), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_and_openmetrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_clients_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listener_taken_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_child_never_binds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
