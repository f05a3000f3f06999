/* test_mysql_commands.c — MySQL parser, command phase: COM_QUERY (with and without query
 * attributes), OK / ERR, result sets with and without DEPRECATE_EOF, multi-results, LOCAL
 * INFILE, session-tracked schema, prepared statements (prepare, execute, close, cursor fetch,
 * pipelined MariaDB execute), MariaDB progress reports, payloads over 16 MiB, close in flight,
 * and desynchronisation. Every conversation is also fed in 1, 2, 3 and 7-byte chunks. */
#include "tests/unit/test_mysql_wire.h"

/* A text result set: `cols` definitions, [EOF], `rows` rows, terminator with `status`. */
static void result_set(wire *w, int cols, int rows, int deprecate_eof, uint16_t status)
{
    uint8_t seq = 1;
    uint8_t count = (uint8_t)cols;
    pkt(w, 0, seq++, &count, 1);
    for (int i = 0; i < cols; i++)
        PKT(w, 0, seq++, 3, 'd', 'e', 'f', 0, 0, 0, 1, 'c', 0, 0x0c, 8, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0);
    if (!deprecate_eof)
        eof_pkt(w, seq++, 0);
    for (int i = 0; i < rows; i++)
        PKT(w, 0, seq++, 1, '7');
    if (deprecate_eof) {
        uint8_t b[7] = { 0xfe, 0, 0, (uint8_t)status, (uint8_t)(status >> 8), 0, 0 };
        pkt(w, 0, seq++, b, sizeof b);
    } else {
        eof_pkt(w, seq++, status);
    }
}

static void test_query_ok_err(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "INSERT INTO t VALUES ('s3cr3t')");
    ok_pkt(&w, 1, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT * FROM nosuch");
    err_pkt(&w, 1, 1146, "42S02");
    PKT(&w, 1, 0, GA_MY_COM_PING);
    ok_pkt(&w, 1, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.begun, 3);
    assert_int_equal(s.ended, 3);
    assert_string_equal(s.text[0], "INSERT INTO t VALUES ('s3cr3t')");
    assert_int_equal(s.res[0].outcome, GA_MY_OK);
    assert_int_equal(s.res[1].outcome, GA_MY_ERR);
    assert_int_equal(s.res[1].error_code, 1146);
    assert_string_equal(s.res[1].sqlstate, "42S02");
    assert_int_equal(s.cmds[2], GA_MY_COM_PING);
    assert_int_equal(s.text[2][0], 0);
    wire_free(&w);
}

static void test_result_set_eof(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT c FROM t");
    result_set(&w, 2, 3, 0, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT c FROM t");
    result_set(&w, 1, 0, 0, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.ended, 2);
    assert_int_equal(s.res[0].rows, 3);
    assert_int_equal(s.res[0].result_sets, 1);
    assert_int_equal(s.res[1].rows, 0);
    assert_int_equal(s.stopped, 0);
    wire_free(&w);
}

static void test_result_set_deprecate_eof(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 0, GA_MY_CLIENT_DEPRECATE_EOF, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT c FROM t");
    result_set(&w, 3, 5, 1, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "DO 1");
    ok_pkt(&w, 1, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.ended, 2);
    assert_int_equal(s.res[0].rows, 5);
    assert_int_equal(s.res[1].outcome, GA_MY_OK);
    wire_free(&w);
}

/* Multi-statements: a result set, an OK, then an error end one command. */
static void test_multi_results(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1; UPDATE t SET a = 1; SELECT 2");
    result_set(&w, 1, 1, 0, GA_MY_STATUS_MORE_RESULTS | 2);
    ok_pkt(&w, 3, GA_MY_STATUS_MORE_RESULTS | 2);
    result_set(&w, 1, 2, 0, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1; SELEC 2");
    result_set(&w, 1, 1, 0, GA_MY_STATUS_MORE_RESULTS | 2);
    err_pkt(&w, 5, 1064, "42000");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.ended, 2);
    assert_int_equal(s.res[0].outcome, GA_MY_OK);
    assert_int_equal(s.res[0].rows, 3);
    assert_int_equal(s.res[0].result_sets, 2);
    assert_int_equal(s.res[1].outcome, GA_MY_ERR);
    assert_int_equal(s.res[1].error_code, 1064);
    wire_free(&w);
}

static void test_local_infile(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "LOAD DATA LOCAL INFILE '/tmp/x' INTO TABLE t");
    PKT(&w, 0, 1, 0xfb, '/', 't', 'm', 'p', '/', 'x');
    PKT(&w, 1, 2, '1', '\n', '2', '\n');
    PKT(&w, 1, 3, '3', '\n');
    pkt(&w, 1, 4, "", 0);
    ok_pkt(&w, 5, 2);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1");
    ok_pkt(&w, 1, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, 0);
    assert_int_equal(s.begun, 2);
    assert_int_equal(s.ended, 2);
    wire_free(&w);
}

/* OK packet with session state: SESSION_TRACK_SCHEMA "other". */
static void test_session_schema(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, GA_MY_CLIENT_SESSION_TRACK, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "USE other");
    PKT(&w, 0, 1, 0x00, 0, 0, 0x02, 0x40, 0, 0, 0,       /* status AUTOCOMMIT|STATE_CHANGED */
        20, 0x00, 10, 4, 'a', 'u', 't', 'o', 4, 'O', 'N', 0, 0,     /* system variable */
        0x01, 6, 5, 'o', 't', 'h', 'e', 'r');                       /* schema */
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_string_equal(s.schema, "other");
    assert_int_equal(s.res[0].outcome, GA_MY_OK);
    wire_free(&w);
}

static void test_query_attributes(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 0, GA_MY_CLIENT_QUERY_ATTRS, 0);
    PKT(&w, 1, 0, GA_MY_COM_QUERY, 0, 1, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1');
    ok_pkt(&w, 1, 2);
    /* one attribute: null bitmap 0, bind flag, type 253 (string) name "n", value "v" */
    PKT(&w, 1, 0, GA_MY_COM_QUERY, 1, 1, 0, 1, 253, 0, 1, 'n', 1, 'v', 'D', 'O', ' ', '2');
    ok_pkt(&w, 1, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_string_equal(s.text[0], "SELECT 1");
    assert_string_equal(s.text[1], "DO 2");
    wire_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_ok_err),
        cmocka_unit_test(test_result_set_eof),
        cmocka_unit_test(test_result_set_deprecate_eof),
        cmocka_unit_test(test_multi_results),
        cmocka_unit_test(test_local_infile),
        cmocka_unit_test(test_session_schema),
        cmocka_unit_test(test_query_attributes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
