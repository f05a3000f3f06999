/* test_mysql_stmt.c — MySQL parser: prepared statements (prepare OK with parameter and column
 * definitions, execute with a binary result, close, reset, cursor + fetch, MariaDB's pipelined
 * prepare + execute of id 0xffffffff, cached metadata), MariaDB progress reports, payloads
 * over 16 MiB in both directions, close with commands in flight, and desynchronisation. */
#include "tests/unit/test_mysql_wire.h"

#define MARIADB_CACHE_META_BIT 0x10    /* extended capability bit 4 (1 << 36) */

#define DEF(w, seq) PKT((w), 0, (seq), 3, 'd', 'e', 'f', 0, 0, 0, 1, 'c', 0, 0x0c, 8, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0)

static void prepare_ok(wire *w, uint32_t id, int cols, int params, int deprecate_eof)
{
    uint8_t b[12] = { 0, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24),
                      (uint8_t)cols, 0, (uint8_t)params, 0, 0, 0, 0 };
    uint8_t seq = 1;
    pkt(w, 0, seq++, b, sizeof b);
    for (int i = 0; i < params; i++)
        DEF(w, seq++);
    if (params && !deprecate_eof)
        eof_pkt(w, seq++, 2);
    for (int i = 0; i < cols; i++)
        DEF(w, seq++);
    if (cols && !deprecate_eof)
        eof_pkt(w, seq++, 2);
}

static void execute(wire *w, uint32_t id, uint8_t cursor)
{
    uint8_t b[] = { GA_MY_COM_STMT_EXECUTE, (uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16),
                    (uint8_t)(id >> 24), cursor, 1, 0, 0, 0, 0, 1, 3, 0, 7, 0, 0, 0 };
    pkt(w, 1, 0, b, sizeof b);
}

/* Binary result: count [meta flag], definitions, EOF, rows (0x00 header), EOF. */
static void binary_result(wire *w, int rows, int cache_meta, int send_meta)
{
    uint8_t seq = 1;
    uint8_t b[2] = { 1, (uint8_t)send_meta };
    pkt(w, 0, seq++, b, cache_meta ? 2 : 1);
    if (!cache_meta || send_meta)
        DEF(w, seq++);
    eof_pkt(w, seq++, 2);
    for (int i = 0; i < rows; i++)
        PKT(w, 0, seq++, 0x00, 0x00, 1, 'x');
    eof_pkt(w, seq++, 2);
}

static void test_prepare_execute_close(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_STMT_PREPARE, "SELECT c FROM t WHERE id = ?");
    prepare_ok(&w, 7, 1, 1, 0);
    for (int i = 0; i < 3; i++) {
        execute(&w, 7, 0);
        binary_result(&w, 2, 0, 1);
    }
    PKT(&w, 1, 0, GA_MY_COM_STMT_RESET, 7, 0, 0, 0);
    ok_pkt(&w, 1, 2);
    PKT(&w, 1, 0, GA_MY_COM_STMT_CLOSE, 7, 0, 0, 0);
    cmd_text(&w, GA_MY_COM_STMT_PREPARE, "SELECT * FROM nosuch");
    err_pkt(&w, 1, 1146, "42S02");
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.begun, 7);
    assert_int_equal(s.ended, 6);                       /* STMT_CLOSE has no response */
    assert_string_equal(s.text[0], "SELECT c FROM t WHERE id = ?");
    assert_int_equal(s.res[0].stmt_id, 7);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(s.cmds[i], GA_MY_COM_STMT_EXECUTE);
        assert_int_equal(s.stmt_ids[i], 7);
        assert_int_equal(s.res[i].rows, 2);
    }
    assert_int_equal(s.cmds[5], GA_MY_COM_STMT_CLOSE);
    assert_int_equal(s.res[5].outcome, GA_MY_ERR);
    wire_free(&w);
}

/* MariaDB: cached metadata (no definitions resent) and prepare + execute(-1) pipelined. */
static void test_mariadb_pipelined_cached(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, MARIADB_CACHE_META_BIT);
    cmd_text(&w, GA_MY_COM_STMT_PREPARE, "SELECT c FROM t WHERE id = ?");
    execute(&w, 0xffffffffu, 0);
    prepare_ok(&w, 9, 1, 1, 0);
    binary_result(&w, 1, 1, 0);
    execute(&w, 9, 0);
    binary_result(&w, 4, 1, 1);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, 0);
    assert_int_equal(s.ended, 3);
    assert_int_equal(s.stmt_ids[1], 0xffffffffu);
    assert_int_equal(s.res[0].stmt_id, 9);
    assert_int_equal(s.res[1].rows, 1);
    assert_int_equal(s.res[2].rows, 4);
    wire_free(&w);
}

static void test_cursor_fetch(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_STMT_PREPARE, "SELECT c FROM t");
    prepare_ok(&w, 3, 1, 0, 0);
    execute(&w, 3, 1);
    PKT(&w, 0, 1, 1);
    DEF(&w, 2);
    eof_pkt(&w, 3, 2 | GA_MY_STATUS_CURSOR_EXISTS);
    PKT(&w, 1, 0, GA_MY_COM_STMT_FETCH, 3, 0, 0, 0, 10, 0, 0, 0);
    PKT(&w, 0, 1, 0x00, 0x00, 1, 'x');
    PKT(&w, 0, 2, 0x00, 0x00, 1, 'y');
    eof_pkt(&w, 3, 2 | 0x80);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.ended, 3);
    assert_int_equal(s.res[1].rows, 0);
    assert_int_equal(s.res[2].rows, 2);
    wire_free(&w);
}

static void test_progress_reports(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "ALTER TABLE t ADD c INT");
    PKT(&w, 0, 1, 0xff, 0xff, 0xff, 1, 1, 2, 0x10, 0x27, 0);
    PKT(&w, 0, 2, 0xff, 0xff, 0xff, 1, 1, 2, 0x20, 0x4e, 0);
    ok_pkt(&w, 3, 2);
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.res[0].outcome, GA_MY_OK);
    wire_free(&w);
}

/* A 16 MiB + 10 byte query (two packets) and a 16 MiB row: streamed, never buffered. */
static void test_huge_payloads(void **state)
{
    const size_t big = 0xffffff;
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    uint8_t *q = malloc(big);
    q[0] = GA_MY_COM_QUERY;
    memset(q + 1, 'x', big - 1);
    pkt(&w, 1, 0, q, big);
    memset(q, 'y', 10);
    pkt(&w, 1, 1, q, 10);
    PKT(&w, 0, 1, 1);
    PKT(&w, 0, 2, 3, 'd', 'e', 'f', 0, 0, 0, 1, 'c', 0, 0x0c, 8, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0);
    eof_pkt(&w, 3, 0);
    q[0] = 0xfe;                                        /* a row: lenenc 0xfe + 16 MiB */
    memset(q + 1, 0, 8);
    q[3] = 1;
    pkt(&w, 0, 4, q, big);
    pkt(&w, 0, 5, q, 0);                                /* exact multiple: empty packet ends it */
    PKT(&w, 0, 6, 1, 'z');
    eof_pkt(&w, 7, 2);
    free(q);
    ga_my_parser ps;
    memset(&ps, 0, sizeof ps);
    seen *s = calloc(1, sizeof *s);
    feed(&ps, &w, 65536, s);
    assert_int_equal(s->stopped, 0);
    assert_int_equal(s->ended, 1);
    assert_int_equal(s->text_total[0], big - 1 + 10);
    assert_int_equal(s->res[0].rows, 2);
    free(s);
    wire_free(&w);
}

static void test_close_in_flight(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT c FROM t");
    PKT(&w, 0, 1, 1);
    ga_my_parser ps;
    seen s;
    run_all_splits(&w, &s, &ps);
    assert_int_equal(s.ended, 0);
    ga_my_close(&ps, &test_sink, &s);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.res[0].outcome, GA_MY_CLOSED);
    wire_free(&w);
}

static void test_desync(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, 0, 0);
    PKT(&w, 1, 5, GA_MY_COM_QUERY, 'x');                /* a command with sequence id 5 */
    seen s;
    run_all_splits(&w, &s, NULL);
    assert_int_equal(s.stopped, GA_MY_STOP_DESYNC);
    wire_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_execute_close),
        cmocka_unit_test(test_mariadb_pipelined_cached),
        cmocka_unit_test(test_cursor_fetch),
        cmocka_unit_test(test_progress_reports),
        cmocka_unit_test(test_huge_payloads),
        cmocka_unit_test(test_close_in_flight),
        cmocka_unit_test(test_desync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
