/* test_otlp_http.c — the OTLP/HTTP transport: Retry-After parsing (seconds, IMF-fixdate),
 * which statuses are retried, the jittered backoff; then the real state machine over the
 * dlopen'ed libcurl against a scripted HTTP/1.1 server thread on 127.0.0.1: retry after a
 * 503 with Retry-After, no retry after a 400, request headers (content type, user agent,
 * configured headers), gzip bodies, keep-alive, connection refused, a server that never
 * answers (export timeout), the exit deadline, and the 4 MiB answer limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>
#include <cmocka.h>
#include "exporter/otlp_http.h"
#include "preload/log.h"

/* ---- pure helpers ------------------------------------------------------------------------ */

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = 784111777;                         /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_int_equal(ga_otlp_retry_after_ms("120", 3, now), 120000);
    assert_int_equal(ga_otlp_retry_after_ms(" 5\r\n", 4, now), 5000);
    assert_int_equal(ga_otlp_retry_after_ms("0", 1, now), 0);
    assert_int_equal(ga_otlp_retry_after_ms("999999999", 9, now), 86400000);
    const char *d = "Sun, 06 Nov 1994 08:49:47 GMT";
    assert_int_equal(ga_otlp_retry_after_ms(d, strlen(d), now), 10000);
    d = "Sun, 06 Nov 1994 08:49:30 GMT";                /* in the past */
    assert_int_equal(ga_otlp_retry_after_ms(d, strlen(d), now), 0);
    const char *bad[] = {"", "1.5", "-3", "soon", "Sun, 06 Nov 1994 08:49:37 UTC",
                         "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                         "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
                         "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:4a:37 GMT",
                         "Sun, 06 Nov 1994 08:49:37 GMTX", "Sun 06 Nov 1994 08:49:37 GMT"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ga_otlp_retry_after_ms(bad[i], strlen(bad[i]), now), -1);
}

static void test_statuses(void **state)
{
    (void)state;
    long yes[] = {429, 502, 503, 504};
    long no[] = {200, 400, 401, 404, 413, 500, 501, 505};
    for (size_t i = 0; i < 4; i++)
        assert_true(ga_otlp_status_retryable(yes[i]));
    for (size_t i = 0; i < 8; i++)
        assert_false(ga_otlp_status_retryable(no[i]));
    assert_int_equal(ga_otlp_status_reason(429), GA_FAIL_THROTTLED);
    assert_int_equal(ga_otlp_status_reason(503), GA_FAIL_THROTTLED);
    assert_int_equal(ga_otlp_status_reason(502), GA_FAIL_HTTP_5XX);
    assert_int_equal(ga_otlp_status_reason(500), GA_FAIL_HTTP_5XX);
    assert_int_equal(ga_otlp_status_reason(400), GA_FAIL_HTTP_4XX);
    assert_int_equal(ga_otlp_status_reason(302), GA_FAIL_OTHER);
}

static void test_backoff(void **state)
{
    (void)state;
    const uint64_t lo[] = {500, 1000, 2000, 2500, 2500}, hi[] = {1000, 2000, 4000, 5000, 5000};
    for (int a = 1; a <= 5; a++)
        for (uint64_t r = 0; r < 5000; r += 7) {
            uint64_t d = ga_otlp_backoff_ms(a, r * 2654435761u);
            assert_true(d >= lo[a - 1] && d <= hi[a - 1]);
        }
    assert_int_not_equal(ga_otlp_backoff_ms(2, 1), ga_otlp_backoff_ms(2, 999));  /* jitter */
}

/* ---- a scripted HTTP/1.1 server ---------------------------------------------------------- */

typedef struct reply {
    int status;                 /* 0 = never answer; -1 = close the connection */
    const char *headers;        /* extra header lines, each ending in \r\n */
    size_t body_len;            /* a body of that many 'x' */
} reply;

static struct {
    int lfd, port;
    int cfd;                    /* the connection being served, -1 = none */
    pthread_t thr;
    const reply *script;
    int nscript;
    int requests, accepts;
    char head[8][2048];         /* request heads, in order */
    char *body[8];
    size_t body_len[8];
} S;

static int read_request(int fd, int i)
{
    char buf[65536];
    size_t n = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t r = read(fd, buf + n, sizeof buf - n - 1);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t head = (size_t)(end + 4 - buf);
    snprintf(S.head[i], sizeof S.head[i], "%.*s", (int)head, buf);
    const char *cl = strcasestr(S.head[i], "\r\ncontent-length:");
    size_t len = cl ? strtoul(cl + 17, NULL, 10) : 0;
    S.body[i] = malloc(len + 1);
    size_t have = n - head < len ? n - head : len;
    memcpy(S.body[i], buf + head, have);
    while (have < len) {
        ssize_t r = read(fd, S.body[i] + have, len - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
    }
    S.body_len[i] = len;
    return 0;
}

static int answer(int fd, const reply *rp)
{
    if (rp->status < 0)
        return -1;
    if (rp->status == 0) {
        char c;
        while (read(fd, &c, 1) > 0)     /* never answer: wait for the client to give up */
            ;
        return -1;
    }
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/x-protobuf\r\n"
                     "Content-Length: %zu\r\n%s\r\n", rp->status, rp->body_len, rp->headers ? rp->headers : "");
    if (write(fd, head, (size_t)n) != n)
        return -1;
    char chunk[8192];
    memset(chunk, 'x', sizeof chunk);
    for (size_t left = rp->body_len; left > 0;) {
        ssize_t w = write(fd, chunk, left < sizeof chunk ? left : sizeof chunk);
        if (w <= 0)
            return -1;
        left -= (size_t)w;
    }
    return 0;
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(S.lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        __atomic_add_fetch(&S.accepts, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&S.cfd, fd, __ATOMIC_SEQ_CST);
        for (;;) {
            int i = S.requests;
            if (i >= 8 || read_request(fd, i) < 0)
                break;
            __atomic_add_fetch(&S.requests, 1, __ATOMIC_SEQ_CST);
            if (answer(fd, &S.script[i < S.nscript ? i : S.nscript - 1]) < 0)
                break;
        }
        __atomic_store_n(&S.cfd, -1, __ATOMIC_SEQ_CST);
        close(fd);
    }
}

static void server_start(const reply *script, int n)
{
    memset(&S, 0, sizeof S);
    S.cfd = -1;
    S.script = script;
    S.nscript = n;
    S.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    assert_int_equal(bind(S.lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(S.lfd, 8), 0);
    getsockname(S.lfd, (struct sockaddr *)&a, &len);
    S.port = ntohs(a.sin_port);
    pthread_create(&S.thr, NULL, serve, NULL);
}

static void server_stop(void)
{
    shutdown(S.lfd, SHUT_RDWR);
    int c = __atomic_load_n(&S.cfd, __ATOMIC_SEQ_CST);
    if (c >= 0)
        shutdown(c, SHUT_RDWR);     /* a kept-alive connection the server is reading */
    close(S.lfd);
    pthread_join(S.thr, NULL);
    for (int i = 0; i < 8; i++)
        free(S.body[i]);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- the transport ------------------------------------------------------------------------ */

static ga_otlp_http *transport(int port, unsigned timeout_ms, int gzip)
{
    ga_otlp_cfg c;
    memset(&c, 0, sizeof c);
    snprintf(c.url, sizeof c.url, "http://127.0.0.1:%d/v1/traces", port);
    c.timeout_ms = timeout_ms;
    c.gzip = gzip;
    assert_int_equal(ga_otlp_parse_headers("x-tenant=team%20a", &c), 0);
    ga_otlp_http *h = ga_otlp_http_new(&c, "traces");
    assert_non_null(h);
    return h;
}

static void send_text(ga_otlp_http *h, const char *text, uint64_t deadline)
{
    ga_buf b = {0};
    ga_buf_puts(&b, text);
    ga_otlp_http_send(h, &b, deadline);
    ga_buf_free(&b);
}

/* Drive the transport the way the exporter thread does: pollfds, poll, events, tick. */
static ga_otlp_result drive(ga_otlp_http *h)
{
    ga_otlp_result res;
    for (int guard = 0; guard < 100000; guard++) {
        if (ga_otlp_http_result(h, &res))
            return res;
        struct pollfd p[8];
        int next = ga_otlp_http_tick(h, ga_mono_ms());
        int n = ga_otlp_http_pollfds(h, p, 8);
        if (poll(p, (nfds_t)n, next < 0 || next > 50 ? 50 : next) > 0)
            ga_otlp_http_events(h, p, n);
    }
    fail_msg("the transport never finished");
    return res;
}

static int setup(void **state)
{
    (void)state;
    ga_log_level = GA_LOG_OFF;
    return 0;
}

static void test_retry_then_success(void **state)
{
    (void)state;
    const reply script[] = {{503, "Retry-After: 0\r\n", 0}, {200, NULL, 0}};
    server_start(script, 2);
    ga_otlp_http *h = transport(S.port, 5000, 0);
    uint64_t t0 = ga_mono_ms();
    send_text(h, "payload-one", 0);
    assert_true(ga_otlp_http_busy(h));
    ga_otlp_result res = drive(h);
    assert_true(res.ok);
    assert_int_equal(res.attempts, 2);
    assert_int_equal(res.status, 200);
    assert_true(ga_mono_ms() - t0 < 2000);          /* Retry-After: 0 honoured (100 ms floor) */
    assert_int_equal(S.requests, 2);
    assert_non_null(strstr(S.head[1], "POST /v1/traces HTTP/1.1\r\n"));
    assert_non_null(strcasestr(S.head[1], "\r\nContent-Type: application/x-protobuf\r\n"));
    assert_non_null(strcasestr(S.head[1], "\r\nUser-Agent: genesis-auto/" GA_VERSION " OTel-OTLP-Exporter-C/"));
    assert_non_null(strcasestr(S.head[1], "\r\nx-tenant: team a\r\n"));
    assert_null(strcasestr(S.head[1], "Expect:"));
    assert_null(strcasestr(S.head[1], "Content-Encoding"));
    assert_int_equal(S.body_len[1], 11);
    assert_memory_equal(S.body[1], "payload-one", 11);
    /* keep-alive: the next send reuses the connection (the first send of the process may
     * have made one more: the plain TCP probe before libcurl is loaded, otlp_probe.h) */
    int accepts = S.accepts;
    assert_true(accepts == 1 || accepts == 2);
    send_text(h, "payload-two", 0);
    res = drive(h);
    assert_true(res.ok);
    assert_int_equal(S.requests, 3);
    assert_int_equal(S.accepts, accepts);
    ga_otlp_http_free(h);
    server_stop();
}

static void test_no_retry_on_400(void **state)
{
    (void)state;
    const reply script[] = {{400, NULL, 4}, {200, NULL, 0}};
    server_start(script, 2);
    ga_otlp_http *h = transport(S.port, 5000, 0);
    send_text(h, "bad", 0);
    ga_otlp_result res = drive(h);
    assert_false(res.ok);
    assert_int_equal(res.why, GA_FAIL_HTTP_4XX);
    assert_int_equal(res.status, 400);
    assert_int_equal(res.attempts, 1);
    assert_int_equal(S.requests, 1);
    ga_otlp_http_free(h);
    server_stop();
}

static void test_gzip_body(void **state)
{
    (void)state;
    const reply script[] = {{200, NULL, 0}};
    server_start(script, 1);
    ga_otlp_http *h = transport(S.port, 5000, 1);
    char text[3000];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    send_text(h, text, 0);
    assert_true(drive(h).ok);
    assert_non_null(strcasestr(S.head[0], "\r\nContent-Encoding: gzip\r\n"));
    assert_true(S.body_len[0] < 200);
    char out[4000];
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, 15 + 16);
    z.next_in = (Bytef *)S.body[0];
    z.avail_in = (uInt)S.body_len[0];
    z.next_out = (Bytef *)out;
    z.avail_out = sizeof out;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, strlen(text));
    assert_memory_equal(out, text, strlen(text));
    inflateEnd(&z);
    ga_otlp_http_free(h);
    server_stop();
}

static void test_connection_refused(void **state)
{
    (void)state;
    ga_otlp_http *h = transport(free_port(), 1500, 0);
    uint64_t t0 = ga_mono_ms();
    send_text(h, "x", 0);
    ga_otlp_result res = drive(h);
    assert_false(res.ok);
    assert_int_equal(res.why, GA_FAIL_CONNECT);
    assert_true(res.attempts >= 1 && res.attempts <= 3);
    assert_true(ga_mono_ms() - t0 <= 1600);         /* retries stay within the export timeout */
    ga_otlp_http_free(h);
}

static void test_never_answers(void **state)
{
    (void)state;
    const reply script[] = {{0, NULL, 0}};
    server_start(script, 1);
    ga_otlp_http *h = transport(S.port, 300, 0);
    uint64_t t0 = ga_mono_ms();
    send_text(h, "x", 0);
    ga_otlp_result res = drive(h);
    uint64_t took = ga_mono_ms() - t0;
    assert_false(res.ok);
    assert_int_equal(res.why, GA_FAIL_TIMEOUT);
    assert_true(took >= 250 && took < 1000);
    /* the exit flush: a deadline shorter than the timeout abandons the request */
    ga_otlp_http *h2 = transport(S.port, 10000, 0);
    t0 = ga_mono_ms();
    send_text(h2, "y", 0);
    ga_otlp_http_wait(h2, t0 + 200);
    took = ga_mono_ms() - t0;
    assert_true(ga_otlp_http_result(h2, &res));
    assert_false(res.ok);
    assert_int_equal(res.why, GA_FAIL_TIMEOUT);
    assert_true(took >= 190 && took < 600);
    ga_otlp_http_free(h);
    ga_otlp_http_free(h2);
    server_stop();
}

static void test_answer_too_big(void **state)
{
    (void)state;
    const reply script[] = {{200, NULL, GA_OTLP_MAX_RESPONSE + 1}};
    server_start(script, 1);
    ga_otlp_http *h = transport(S.port, 5000, 0);
    send_text(h, "x", 0);
    ga_otlp_result res = drive(h);
    assert_false(res.ok);
    assert_int_equal(res.why, GA_FAIL_OTHER);
    assert_int_equal(res.attempts, 1);
    ga_otlp_http_free(h);
    server_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test_setup(test_retry_then_success, setup),
        cmocka_unit_test_setup(test_no_retry_on_400, setup),
        cmocka_unit_test_setup(test_gzip_body, setup),
        cmocka_unit_test_setup(test_connection_refused, setup),
        cmocka_unit_test_setup(test_never_answers, setup),
        cmocka_unit_test_setup(test_answer_too_big, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
