/* test_prom_req.c — the scrape request parser and Accept negotiation (exporter/prom.h):
 * complete/incomplete/malformed requests, methods and paths, and which exposition format a
 * given Accept header selects (OpenMetrics only when it is preferred; 0.0.4 as fallback). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/prom.h"

static int parse(const char *s, ga_prom_req *r) { return ga_prom_parse_request(s, strlen(s), r); }

static void test_complete_requests(void **state)
{
    (void)state;
    ga_prom_req r;
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &r), 1);
    assert_int_equal(r.method, GA_PROM_GET);
    assert_true(r.path_ok);
    assert_false(r.om);
    assert_int_equal(parse("HEAD / HTTP/1.0\n\n", &r), 1);        /* bare LF, no headers */
    assert_int_equal(r.method, GA_PROM_HEAD);
    assert_true(r.path_ok);
    assert_int_equal(parse("GET /metrics?name[]=x HTTP/1.1\r\n\r\n", &r), 1);
    assert_true(r.path_ok);
    assert_int_equal(parse("GET /other HTTP/1.1\r\n\r\n", &r), 1);
    assert_false(r.path_ok);
    assert_int_equal(parse("GET /metricsx HTTP/1.1\r\n\r\n", &r), 1);
    assert_false(r.path_ok);
    assert_int_equal(parse("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", &r), 1);
    assert_int_equal(r.method, GA_PROM_OTHER);
}

static void test_incomplete_requests(void **state)
{
    (void)state;
    ga_prom_req r;
    assert_int_equal(parse("", &r), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\n", &r), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\nAccept: text/plain\r\n", &r), 0);
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\n\r", &r), 0);
}

static void test_malformed_requests(void **state)
{
    (void)state;
    ga_prom_req r;
    const char *bad[] = {
        "GET\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/2.0\r\n\r\n",
        "GET /metrics HTTP/1.1 extra\r\n\r\n",
        " GET /metrics HTTP/1.1\r\n\r\n",
        "G\"T /metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n: empty\r\n\r\n",
        "\x16\x03\x01\x02\x10\x01\x11\x01\xfc\x03\x03\n\n",      /* TLS ClientHello-like */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(parse(bad[i], &r), -1);
    const char nul[] = "GET /metrics HTTP/1.1\r\nX: a\0b\r\n\r\n";
    assert_int_equal(ga_prom_parse_request(nul, sizeof nul - 1, &r), -1);
}

static int om(const char *accept) { return ga_prom_accept_om(accept, strlen(accept)); }

static void test_accept_negotiation(void **state)
{
    (void)state;
    /* Prometheus 2.42's scrape Accept header */
    assert_true(om("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                   "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
    /* the example of SPECS §6.1 (newer Prometheus) */
    assert_true(om("application/openmetrics-text;version=1.0.0;escaping=allow-utf8;q=0.5,"
                   "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
                   "escaping=allow-utf8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"));
    assert_true(om("application/openmetrics-text"));
    assert_true(om("Application/OpenMetrics-Text; version=1.0.0; charset=utf-8"));
    assert_false(om("text/plain;version=0.0.4"));
    assert_false(om("text/plain"));
    assert_false(om("*/*"));
    assert_false(om(""));
    assert_false(om("application/json"));
    assert_false(om("application/openmetrics-text;q=0"));
    assert_false(om("application/openmetrics-text;version=2.0.0"));       /* unknown version */
    assert_false(om("text/plain;q=0.9,application/openmetrics-text;q=0.5"));
    assert_true(om("text/plain;q=0.4,application/openmetrics-text;q=0.5"));
    ga_prom_req r;
    assert_int_equal(parse("GET /metrics HTTP/1.1\r\naccept:application/openmetrics-text; version=1.0.0\r\n\r\n",
                           &r), 1);
    assert_true(r.om);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_requests),
        cmocka_unit_test(test_incomplete_requests),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_accept_negotiation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
