/* test_sql_sanitize.c — the SQL sanitiser (every literal → ?, comments dropped, IN lists
 * collapsed, truncated texts safe) and db.query.summary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/sql/sql_sanitize.h"
#include "protocols/sql/sql_summary.h"

static void check_sanitized(const char *in, const char *want)
{
    char out[1024];
    size_t n = ga_sql_sanitize(in, strlen(in), out, sizeof out);
    out[n] = '\0';
    if (strcmp(out, want) != 0)
        fail_msg("sanitize(%s)\n   = [%s]\n want [%s]", in, out, want);
    assert_true(n <= strlen(in));
}

static void check_summary(const char *in, const char *want)
{
    char out[GA_SQL_SUMMARY_MAX + 1];
    size_t n = ga_sql_summary(in, strlen(in), out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("summary(%s)\n   = [%s]\n want [%s]", in, out, want);
    assert_int_equal(n, strlen(want));
}

static void test_literals(void **state)
{
    check_sanitized("SELECT * FROM t WHERE a = 's3cr3t' AND b = \"x\" AND c = 42",
                    "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?");
    check_sanitized("SELECT 1.5, -2, 3e10, .5, 1.2E-3, 0xDEAD, X'0A', x'0a', b'101', 0b11",
                    "SELECT ?, -?, ?, ?, ?, ?, ?, ?, ?, ?");
    check_sanitized("SELECT N'x', _utf8mb4'y', _binary'z', TRUE, false, NULL",
                    "SELECT ?, ?, ?, ?, ?, NULL");
    check_sanitized("SELECT 'it''s', 'a\\'b', \"q\"\"q\"", "SELECT ?, ?, ?");
    check_sanitized("SELECT DATE '2024-01-01' + INTERVAL 3 DAY", "SELECT DATE ? + INTERVAL ? DAY");
    check_sanitized("SELECT t1.c2, `we'ird`, @v, @@session.x FROM db1.t3",
                    "SELECT t1.c2, `we'ird`, @v, @@session.x FROM db1.t3");
    check_sanitized("SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = ?");
    check_sanitized("SELECT 1abc FROM t2", "SELECT 1abc FROM t2");
    check_sanitized("SELECT data->'$.k' FROM j", "SELECT data->? FROM j");
}

static void test_comments(void **state)
{
    check_sanitized("SELECT /* 's3cr3t' */ a FROM t -- 'x'\nWHERE b # 'y'\n= 1",
                    "SELECT  a FROM t \nWHERE b \n= ?");
    check_sanitized("SELECT/*c*/1", "SELECT ?");
    check_sanitized("/*!40101 SET NAMES 'utf8' */", "/*!40101 SET NAMES ? */");
    check_sanitized("SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1", "SELECT /*+ MAX_EXECUTION_TIME(?) */ ?");
    check_sanitized("SELECT 1--/**/ 2", "SELECT ?--/**/ ?");
    check_sanitized("SELECT 1 /* unterminated 's3cr3t'", "SELECT ? ");
    check_sanitized("/* why */ USE other", "USE other");
    check_sanitized("  \n SELECT 1", "SELECT ?");
}

static void test_in_lists(void **state)
{
    check_sanitized("SELECT a FROM t WHERE id IN (1, 2, 3)", "SELECT a FROM t WHERE id IN (?)");
    check_sanitized("SELECT a FROM t WHERE id in('a','b')", "SELECT a FROM t WHERE id in(?)");
    check_sanitized("SELECT a FROM t WHERE id IN (?, ?, -1)", "SELECT a FROM t WHERE id IN (?)");
    check_sanitized("SELECT a FROM t WHERE id IN (SELECT b FROM u WHERE c = 1)",
                    "SELECT a FROM t WHERE id IN (SELECT b FROM u WHERE c = ?)");
    check_sanitized("SELECT a FROM t WHERE id IN (x, 2)", "SELECT a FROM t WHERE id IN (x, ?)");
}

/* Texts cut short by the capture limit: an open literal still disappears. */
static void test_truncated(void **state)
{
    check_sanitized("INSERT INTO t VALUES ('s3cr", "INSERT INTO t VALUES (?");
    check_sanitized("SELECT 'a\\", "SELECT ?");
    check_sanitized("SELECT 12", "SELECT ?");
    check_sanitized("SELECT X'AB", "SELECT ?");
    check_sanitized("", "");
}

static void test_summary(void **state)
{
    check_summary("SELECT * FROM messages WHERE id = 1", "SELECT messages");
    check_summary("select 1", "SELECT");
    check_summary("INSERT INTO messages (a) VALUES ('x')", "INSERT messages");
    check_summary("INSERT shipping_details SELECT * FROM orders", "INSERT shipping_details SELECT orders");
    check_summary("UPDATE LOW_PRIORITY users SET a = 1", "UPDATE users");
    check_summary("DELETE FROM `db`.`t` WHERE x = 1", "DELETE db.t");
    check_summary("SELECT a FROM t1, t2 AS z JOIN t3 ON 1 WHERE b IN (SELECT c FROM t4)",
                  "SELECT t1 t2 t3 SELECT t4");
    check_summary("SELECT 1; SELECT 2 FROM x", "SELECT SELECT x");
    check_summary("REPLACE INTO kv VALUES (1, 2)", "REPLACE kv");
    check_summary("WITH c AS (SELECT a FROM x) SELECT * FROM c", "SELECT x SELECT c");
    check_summary("CREATE TABLE IF NOT EXISTS t (id INT)", "CREATE TABLE t");
    check_summary("DROP TEMPORARY TABLE t", "DROP TABLE t");
    check_summary("CALL proc('s3cr3t')", "CALL proc");
    check_summary("USE other", "USE");
    check_summary("SHOW TABLES", "SHOW");
    check_summary("BEGIN", "BEGIN");
    check_summary("  /* c */ SET autocommit = 1", "SET");
    check_summary("", "");
    check_summary("'s3cr3t'", "");
}

static void test_summary_bounded(void **state)
{
    char q[4096] = "SELECT a FROM ";
    for (int i = 0; i < 150; i++)
        strcat(q, i ? ", table_with_a_long_name" : "table_with_a_long_name");
    char out[GA_SQL_SUMMARY_MAX + 1];
    size_t n = ga_sql_summary(q, strlen(q), out, sizeof out);
    assert_true(n <= GA_SQL_SUMMARY_MAX);
    assert_int_equal(strlen(out), n);
    char small[8];
    n = ga_sql_summary("SELECT * FROM messages", 22, small, sizeof small);
    assert_int_equal(n, 6);
    assert_string_equal(small, "SELECT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_in_lists),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_summary_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
