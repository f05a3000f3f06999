/* test_http_url.c — the exporter side of HTTP records: target splitting, query redaction,
 * url.full with credentials redacted, Host parsing, GENESIS_HTTP_ROUTES matching, and a
 * record decoded into semantic-convention attributes, span names and metric attributes. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "exporter/ops.h"
#include "protocols/http1/http_url.h"
#include "plugins/http/http_rec.h"
#include "plugins/http/http_state.h"
#include "preload/emit.h"
#include "preload/env.h"
#include "protocols/http1/http1.h"
#include "protocols/w3c/tp_fast.h"
#include "exporter/ops.h"

static void test_split(void **state)
{
    (void)state;
    const char *p, *q;
    size_t pl, ql;
    ga_http_split_target("/a/b?x=1&y=2", 12, &p, &pl, &q, &ql);
    assert_int_equal(pl, 4);
    assert_memory_equal(p, "/a/b", 4);
    assert_int_equal(ql, 7);
    assert_memory_equal(q, "x=1&y=2", 7);
    ga_http_split_target("http://h:1/p?z", 14, &p, &pl, &q, &ql);
    assert_int_equal(pl, 2);
    assert_memory_equal(p, "/p", 2);
    assert_int_equal(ql, 1);
    ga_http_split_target("host:443", 8, &p, &pl, &q, &ql);
    assert_int_equal(pl, 0);
    ga_http_split_target("/x#frag", 7, &p, &pl, &q, &ql);
    assert_int_equal(pl, 2);
    assert_int_equal(ql, 0);
}

static void test_redact(void **state)
{
    (void)state;
    char out[128];
    const char *q = "a=1&sig=secret&X-Amz-Signature=zz&password=p&b";
    size_t n = ga_http_redact_query(q, strlen(q), out, sizeof out);
    assert_string_equal(out, "a=1&sig=REDACTED&X-Amz-Signature=REDACTED&password=REDACTED&b");
    assert_int_equal(n, strlen(out));
    n = ga_http_redact_query(q, strlen(q), out, 12);    /* whole pairs only */
    assert_string_equal(out, "a=1");
}

static void test_url_full(void **state)
{
    (void)state;
    char out[200];
    ga_http_url_full("/p?token=abc&x=1", 16, "example.com:8080", 16, out, sizeof out);
    assert_string_equal(out, "http://example.com:8080/p?token=REDACTED&x=1");
    const char *abs = "http://user:pw@h.example/x?y=2";
    ga_http_url_full(abs, strlen(abs), "ignored", 7, out, sizeof out);
    assert_string_equal(out, "http://REDACTED:REDACTED@h.example/x?y=2");
}

static void test_host_port(void **state)
{
    (void)state;
    const char *h;
    size_t hl;
    int port;
    assert_true(ga_http_host_port("a.b:8080", 8, &h, &hl, &port, 80));
    assert_int_equal(hl, 3);
    assert_int_equal(port, 8080);
    assert_true(ga_http_host_port("a.b", 3, &h, &hl, &port, 80));
    assert_int_equal(port, 80);
    assert_true(ga_http_host_port("[::1]:9", 7, &h, &hl, &port, 80));
    assert_memory_equal(h, "::1", 3);
    assert_int_equal(port, 9);
    assert_false(ga_http_host_port("", 0, &h, &hl, &port, 80));
}

static void test_routes(void **state)
{
    (void)state;
    const char *routes = "/users/{id}, /rooms/{room}/messages,/";
    const char *r;
    size_t rl;
    assert_true(ga_http_route_match(routes, "/users/42", 9, &r, &rl));
    assert_memory_equal(r, "/users/{id}", rl);
    assert_true(ga_http_route_match(routes, "/rooms/7/messages", 17, &r, &rl));
    assert_memory_equal(r, "/rooms/{room}/messages", rl);
    assert_true(ga_http_route_match(routes, "/", 1, &r, &rl));
    assert_false(ga_http_route_match(routes, "/users/", 7, &r, &rl));
    assert_false(ga_http_route_match(routes, "/users/1/x", 10, &r, &rl));
    assert_false(ga_http_route_match(NULL, "/", 1, &r, &rl));
}

/* ---- a record through the op descriptors ---- */

static void put_s(ga_rec *r, uint8_t k, const char *s) { ga_rec_put(r, k, GA_AT_STR, s, strlen(s)); }

static const ga_attr *find(const ga_attr *a, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0)
            return &a[i];
    return NULL;
}

static void assert_str_attr(const ga_attr *a, int n, const char *key, const char *want)
{
    const ga_attr *x = find(a, n, key);
    if (x == NULL)
        fail_msg("attribute %s missing", key);
    assert_int_equal(x->type, GA_V_STR);
    if (x->slen != strlen(want) || memcmp(x->s, want, x->slen) != 0)
        fail_msg("%s = %.*s, want %s", key, (int)x->slen, x->s, want);
}

static void server_record(ga_rec *r, int status)
{
    ga_rec_init(r, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER, NULL, 0, 0);
    ga_rec_put_int(r, GA_A_HTTP_METHOD, GA_H1_M_GET);
    ga_rec_put_int(r, GA_A_HTTP_STATUS, status);
    ga_rec_put_int(r, GA_A_HTTP_VERSION, 11);
    ga_addr peer = { .family = AF_INET, .port = 5555 };
    inet_pton(AF_INET, "10.1.2.3", peer.addr);
    ga_rec_put_addr(r, GA_A_PEER, &peer);
    put_s(r, GA_A_HTTP_HOST, "svc:8080");
    put_s(r, GA_A_HTTP_TARGET, "/users/42?sig=x&a=b");
    put_s(r, GA_A_HTTP_UA, "curl/8");
}

static void test_server_record(void **state)
{
    (void)state;
    setenv("GENESIS_HTTP_ROUTES", "/users/{id}", 1);
    ga_env_read(environ);                  /* the constructor read it before main() */
    ga_rec r;
    server_record(&r, 503);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.request.method", "GET");
    assert_str_attr(a, n, "url.path", "/users/42");
    assert_str_attr(a, n, "url.query", "sig=REDACTED&a=b");
    assert_str_attr(a, n, "url.scheme", "http");
    assert_str_attr(a, n, "http.route", "/users/{id}");
    assert_str_attr(a, n, "server.address", "svc");
    assert_str_attr(a, n, "client.address", "10.1.2.3");
    assert_str_attr(a, n, "network.protocol.version", "1.1");
    assert_str_attr(a, n, "user_agent.original", "curl/8");
    assert_str_attr(a, n, "error.type", "503");
    assert_int_equal(find(a, n, "server.port")->i, 8080);
    assert_int_equal(find(a, n, "http.response.status_code")->i, 503);
    char name[64];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "GET /users/{id}");
    const ga_op_desc *d = ga_op_find(&r);
    assert_ptr_equal(d->metric, &ga_inst_http_server_duration);
    n = d->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.route", "/users/{id}");
    assert_null(find(a, n, "url.path"));            /* never a raw path as a label */
    assert_null(find(a, n, "client.address"));
    server_record(&r, 404);                         /* servers: 4xx is not an error */
    n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_null(find(a, n, "error.type"));
}

static void test_client_record(void **state)
{
    (void)state;
    ga_rec r;
    ga_rec_init(&r, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT, NULL, 0, 0);
    ga_rec_put_int(&r, GA_A_HTTP_METHOD, GA_H1_M_OTHER);
    ga_rec_put_int(&r, GA_A_HTTP_ERROR, GA_HTTP_ERR_CLOSED);
    put_s(&r, GA_A_HTTP_METHOD_ORIG, "PURGE");
    put_s(&r, GA_A_HTTP_TARGET, "/cache?token=t");
    ga_addr peer = { .family = AF_INET, .port = 81 };
    inet_pton(AF_INET, "127.0.0.1", peer.addr);
    ga_rec_put_addr(&r, GA_A_PEER, &peer);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.request.method", "_OTHER");
    assert_str_attr(a, n, "http.request.method_original", "PURGE");
    assert_str_attr(a, n, "url.full", "http://127.0.0.1:81/cache?token=REDACTED");
    assert_str_attr(a, n, "server.address", "127.0.0.1");
    assert_str_attr(a, n, "error.type", "connection_closed");
    char name[64];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "HTTP");
    const ga_op_desc *d = ga_op_find(&r);
    assert_ptr_equal(d->metric, &ga_inst_http_client_duration);
    n = d->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "server.address", "127.0.0.1");
    assert_int_equal(find(a, n, "server.port")->i, 81);
    assert_null(find(a, n, "url.full"));
}

/* The fast traceparent path accepts exactly what the shared W3C parser accepts. */
static void test_tp_fast_path(void **state)
{
    (void)state;
    const char *base = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    char s[64];
    unsigned seed = 1;
    for (int round = 0; round < 20000; round++) {
        strcpy(s, base);
        size_t n = 55;
        int muts = round % 4;
        for (int m = 0; m < muts; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % 55;
            const char pool[] = "0f-aFx 0\t";
            s[at] = pool[(seed >> 20) % (sizeof pool - 1)];
        }
        if (round % 7 == 0)
            memset(s + 3, '0', 32);
        if (round % 11 == 0)
            memset(s + 36, '0', 16);
        ga_span_ctx a, b;
        memset(&a, 0x5a, sizeof a);
        memset(&b, 0x5a, sizeof b);
        int ra = ga_tp_parse(s, n, &a), rb = ga_traceparent_parse(s, n, &b);
        assert_int_equal(ra, rb);
        if (ra == 0)
            assert_memory_equal(&a, &b, sizeof a);
    }
    ga_span_ids ids = { .flags = 1 };
    ga_span_ctx c;
    assert_int_equal(ga_traceparent_parse(base, 55, &c), 0);
    memcpy(ids.trace_id, c.trace_id, 16);
    memcpy(ids.span_id, c.span_id, 8);
    ga_tp_format(&ids, s);
    assert_memory_equal(s, base, 55);
}

/* Text f of x: appended to its area as the request's pieces would be. */
static void put_text(ga_http_xchg *x, int f, const char *s)
{
    size_t n = strlen(s);
    x->t_off[f] = x->t_used;
    x->t_len[f] = (uint8_t)n;
    memcpy(x->text + x->t_used, s, n);
    x->t_used = (uint8_t)(x->t_used + n);
}

/* The records the application thread writes (ga_http_rec_fill: the exchange's facts copied as
 * they are) decode to what the entry-by-entry records above decode to. */
static void test_records_from_facts(void **state)
{
    (void)state;
    setenv("GENESIS_HTTP_ROUTES", "/users/{id}", 1);
    ga_env_read(environ);
    static ga_http_state st;
    ga_http_xchg *x = &st.slot[1];
    memset(&st, 0, sizeof st);
    st.side = GA_HTTP_SIDE_SERVER;
    st.ts_slot = 0xff;
    st.peer = (ga_addr){ .family = AF_INET, .port = 5555 };
    inet_pton(AF_INET, "10.1.2.3", st.peer.addr);
    x->idx = 1;
    x->method = GA_H1_M_GET;
    x->version = 11;
    x->status = 503;
    x->req_body = 7;
    put_text(x, GA_HT_TARGET, "/users/42?sig=x&a=b");
    put_text(x, GA_HT_HOST, "svc:8080");
    put_text(x, GA_HT_UA, "curl/8");
    ga_rec r;
    ga_rec_init(&r, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER, NULL, 0, 0);
    ga_http_rec_fill(&r, &st, x, 0, 321);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.request.method", "GET");
    assert_str_attr(a, n, "url.path", "/users/42");
    assert_str_attr(a, n, "url.query", "sig=REDACTED&a=b");
    assert_str_attr(a, n, "http.route", "/users/{id}");
    assert_str_attr(a, n, "server.address", "svc");
    assert_str_attr(a, n, "client.address", "10.1.2.3");
    assert_str_attr(a, n, "network.protocol.version", "1.1");
    assert_str_attr(a, n, "user_agent.original", "curl/8");
    assert_str_attr(a, n, "error.type", "503");
    assert_null(find(a, n, "http.request.method_original"));
    assert_int_equal(find(a, n, "server.port")->i, 8080);
    assert_int_equal(find(a, n, "http.response.status_code")->i, 503);
    assert_int_equal(find(a, n, "http.request.body.size")->i, 7);
    assert_int_equal(find(a, n, "http.response.body.size")->i, 321);
    char name[64];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "GET /users/{id}");
    const ga_op_desc *d = ga_op_find(&r);
    n = d->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.route", "/users/{id}");
    assert_int_equal(find(a, n, "http.response.status_code")->i, 503);

    /* A client's unknown method, closed before any response: no status, no response body. */
    memset(&st, 0, sizeof st);
    st.side = GA_HTTP_SIDE_CLIENT;
    st.peer = (ga_addr){ .family = AF_INET, .port = 81 };
    inet_pton(AF_INET, "127.0.0.1", st.peer.addr);
    x->method = GA_H1_M_OTHER;
    put_text(x, GA_HT_METHOD, "PURGE");
    put_text(x, GA_HT_TARGET, "/cache?token=t");
    ga_rec_init(&r, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT, NULL, 0, 0);
    ga_http_rec_fill(&r, &st, x, GA_HTTP_ERR_CLOSED, 0);
    n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "http.request.method", "_OTHER");
    assert_str_attr(a, n, "http.request.method_original", "PURGE");
    assert_str_attr(a, n, "url.full", "http://127.0.0.1:81/cache?token=REDACTED");
    assert_str_attr(a, n, "error.type", "connection_closed");
    assert_null(find(a, n, "http.response.status_code"));
    assert_null(find(a, n, "http.response.body.size"));
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "HTTP");

    /* A text whose place reaches past the entry (a damaged record) is left out, not read. */
    x->t_off[GA_HT_TARGET] = (uint8_t)(x->t_used - 2);
    ga_rec_init(&r, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT, NULL, 0, 0);
    ga_http_rec_fill(&r, &st, x, 0, 0);
    n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_null(find(a, n, "url.full"));
    assert_str_attr(a, n, "http.request.method_original", "PURGE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_url_full),
        cmocka_unit_test(test_host_port),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_tp_fast_path),
        cmocka_unit_test(test_server_record),
        cmocka_unit_test(test_client_record),
        cmocka_unit_test(test_records_from_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
