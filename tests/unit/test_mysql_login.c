/* test_mysql_login.c — MySQL parser, connection phase: detection of the greeting, MariaDB vs
 * MySQL, the initial database (never the user), SSL request, compression, refused logins,
 * and independence from how the bytes are split. */
#include "tests/unit/test_mysql_wire.h"

static void test_greeting_detection(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 1, 0xffff);
    assert_true(ga_my_looks_like_greeting(w.m[0].p, w.m[0].n));
    assert_true(ga_my_looks_like_greeting(w.m[0].p, 4));          /* header alone */
    assert_true(ga_my_looks_like_greeting(w.m[0].p, 9));          /* version cut short */
    const char *http = "HTTP/1.1 200 OK\r\n\r\n", *resp = "+OK\r\n", *ssh = "SSH-2.0-OpenSSH_9.2\r\n";
    assert_false(ga_my_looks_like_greeting((const uint8_t *)http, strlen(http)));
    assert_false(ga_my_looks_like_greeting((const uint8_t *)resp, strlen(resp)));
    assert_false(ga_my_looks_like_greeting((const uint8_t *)ssh, strlen(ssh)));
    static const uint8_t err[] = { 0x17, 0, 0, 0, 0xff, 0x69, 0x04, 'H', 'o', 's', 't' };
    assert_false(ga_my_looks_like_greeting(err, sizeof err));
    wire_free(&w);
}

static void test_mariadb_login(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, GA_MY_CLIENT_SESSION_TRACK, 0);
    seen s;
    ga_my_parser ps;
    run_all_splits(&w, &s, &ps);
    assert_int_equal(s.greetings, 1);
    assert_true(s.mariadb);
    assert_string_equal(s.version, "5.5.5-10.11.6-MariaDB-0+deb12u1");
    assert_string_equal(s.db, "test");
    assert_int_equal(s.stopped, 0);
    assert_null(memmem(s.all, s.all_len, "secretuser", 10));     /* the user is never told */
    assert_true(ps.caps & GA_MY_CLIENT_SESSION_TRACK);
    assert_false(ps.caps & GA_MY_CLIENT_DEPRECATE_EOF);
    wire_free(&w);
}

static void test_mysql_greeting(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 0, 0xffff);
    login(&w, 0, 0, "u", NULL);
    ok_pkt(&w, 2, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1");
    ok_pkt(&w, 1, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_false(s.mariadb);
    assert_string_equal(s.version, "8.0.36");
    assert_string_equal(s.db, "");
    assert_int_equal(s.ended, 1);
    wire_free(&w);
}

/* Auth switch and extra auth data before the final OK. */
static void test_auth_exchange(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 0, 0xffff);
    login(&w, 0, 0, "u", "db");
    PKT(&w, 0, 2, 0xfe, 'c', 'a', 'c', 'h', 'i', 'n', 'g', 0, 1, 2, 3);
    PKT(&w, 1, 3, 9, 9, 9, 9, 9, 9, 9, 9);
    PKT(&w, 0, 4, 0x01, 0x03);
    ok_pkt(&w, 5, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 2");
    err_pkt(&w, 1, 1064, "42000");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, 0);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.res[0].outcome, GA_MY_ERR);
    assert_int_equal(s.res[0].error_code, 1064);
    assert_string_equal(s.res[0].sqlstate, "42000");
    wire_free(&w);
}

static void test_ssl_request_stops(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 1, 0xffffffffu);
    uint8_t ssl[32] = { 0 };
    uint32_t caps = GA_MY_CLIENT_PROTOCOL_41 | GA_MY_CLIENT_SSL | GA_MY_CLIENT_SECURE_CONN;
    memcpy(ssl, &caps, 4);
    pkt(&w, 1, 1, ssl, sizeof ssl);
    PKT(&w, 1, 0x16, 0x03, 0x01, 0x00, 0x10);                     /* TLS from here on */
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, GA_MY_STOP_TLS);
    assert_int_equal(s.begun, 0);
    wire_free(&w);
}

static void test_compression_stops(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 1, 0xffffffffu & ~GA_MY_CLIENT_MYSQL);
    login(&w, GA_MY_CLIENT_COMPRESS, 0, "u", NULL);
    ok_pkt(&w, 2, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, GA_MY_STOP_COMPRESS);
    assert_int_equal(s.begun, 0);
    wire_free(&w);
}

static void test_refused(void **state)
{
    wire w = { .n = 0 };
    greeting(&w, 1, 0xffff);
    login(&w, 0, 0, "u", "db");
    err_pkt(&w, 2, 1045, "28000");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, GA_MY_STOP_AUTH_FAILED);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.refusal.outcome, GA_MY_ERR);
    assert_int_equal(s.refusal.error_code, 1045);
    assert_string_equal(s.refusal.sqlstate, "28000");
    assert_string_equal(s.db, "db");
    wire_free(&w);
}

/* An ERR instead of the greeting (1040 Too many connections): refused, then stopped. */
static void test_refused_greeting(void **state)
{
    static const uint8_t err[] = { 0xff, 0x10, 0x04, 'T', 'o', 'o', ' ', 'm', 'a', 'n', 'y' };
    seen s;
    memset(&s, 0, sizeof s);
    ga_my_parser ps;
    memset(&ps, 0, sizeof ps);
    uint8_t pkt[4 + sizeof err] = { sizeof err, 0, 0, 0 };
    memcpy(pkt + 4, err, sizeof err);
    ga_my_feed(&ps, 0, pkt, sizeof pkt, &test_sink, &s);
    assert_int_equal(s.refused, 1);
    assert_int_equal(s.refusal.error_code, 1040);
    assert_string_equal(s.refusal.sqlstate, "");
    assert_int_equal(s.stopped, GA_MY_STOP_AUTH_FAILED);
    assert_int_equal(s.greetings, 0);
}

/* A client that speaks first is not MySQL: the parser gives up at once. */
static void test_client_first_desyncs(void **state)
{
    wire w = { .n = 0 };
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, GA_MY_STOP_DESYNC);
    wire_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting_detection),
        cmocka_unit_test(test_mariadb_login),
        cmocka_unit_test(test_mysql_greeting),
        cmocka_unit_test(test_auth_exchange),
        cmocka_unit_test(test_ssl_request_stops),
        cmocka_unit_test(test_compression_stops),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_refused_greeting),
        cmocka_unit_test(test_client_first_desyncs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
