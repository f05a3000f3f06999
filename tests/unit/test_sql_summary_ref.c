/* test_sql_summary_ref.c — the SQL lexer, sanitiser and db.query.summary
 * (protocols/sql/: a character table in the lexer, each word classified once by the summary)
 * give, statement by statement, exactly what they gave before (tests/unit/sql_sanitize_ref.h
 * and sql_summary_ref.h: per-character tests, keyword lists scanned with strlen): the same
 * tokens, the same sanitised text, the same summary — for every keyword they know in three
 * spellings, for hundreds of thousands of random statements made of keywords, identifiers,
 * quoted names, literals, comments and punctuation, for random bytes, and for small output
 * buffers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/sql/sql_sanitize.h"
#include "tests/unit/sql_summary_ref.h"

static const char *const words[] = {
    "SELECT", "select", "Insert", "INSERT", "UPDATE", "update", "DELETE", "REPLACE", "CREATE",
    "DROP", "ALTER", "TRUNCATE", "RENAME", "TABLE", "DATABASE", "SCHEMA", "INDEX", "VIEW",
    "PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "SEQUENCE", "USER", "ROLE", "SERVER",
    "TABLESPACE", "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "CROSS", "NATURAL", "STRAIGHT_JOIN",
    "ON", "USING", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "EXCEPT", "INTERSECT", "FOR",
    "LOCK", "SET", "VALUES", "WINDOW", "INTO", "PARTITION", "RETURNING", "FULL", "OUTER",
    "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "QUICK", "FROM", "from", "TEMPORARY",
    "OR", "UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE", "IF", "NOT", "EXISTS",
    "DEFINER", "ALGORITHM", "SQL", "SECURITY", "AGGREGATE", "WITH", "CALL", "SHOW", "BEGIN",
    "USE", "TRUE", "FALSE", "IN", "AS", "BY", "users", "orders", "t1", "db2", "messages",
    "SELECTS", "INTOX", "STRAIGHT_JOINS", "x", "id", "@v", "@@session.x", "a$b", "caf\xc3\xa9",
    "`t`", "`odd``name`", "`cut", "'str'", "\"dq\"", "N'x'", "0x1F", "12", "3.5e2", "?",
    ",", ",", ".", ".", "(", ")", ";", "=", "*", "-- c\n", "/* c */", "/*!500 ", "*/", "#x\n",
    " ", "  ", "\n",
};

static void check_tokens(const char *in, size_t n)
{
    ga_sql_lex a, b;
    ga_sql_token x, y;
    ga_sql_lex_init(&a, in, n);
    ref_sql_lex_init(&b, in, n);
    for (;;) {
        int tx = ga_sql_next(&a, &x), ty = ref_sql_next(&b, &y);
        if (tx != ty || x.start != y.start || x.len != y.len || a.in_exec != b.in_exec)
            fail_msg("lexing [%.*s]: token %d at %zu+%zu, before %d at %zu+%zu", (int)n, in,
                     tx, x.start, x.len, ty, y.start, y.len);
        if (ga_sql_is_literal(&a, &x) != ref_sql_is_literal(&b, &y))
            fail_msg("lexing [%.*s]: literal at %zu differs", (int)n, in, x.start);
        if (tx == GA_SQL_END)
            break;
    }
}

static void check(const char *in, size_t n, size_t cap)
{
    char got[GA_SQL_SUMMARY_MAX + 1], want[GA_SQL_SUMMARY_MAX + 1];
    size_t g = ga_sql_summary(in, n, got, cap), w = ref_sql_summary(in, n, want, cap);
    if (g != w || (cap > 0 && strcmp(got, want) != 0))
        fail_msg("summary of [%.*s] (cap %zu): [%s], before [%s]", (int)n, in, cap, got, want);
    char sg[700], sw[700];
    size_t scap = cap > 0 && cap < n ? cap : n;
    size_t kg = ga_sql_sanitize(in, n, sg, scap), kw = ref_sql_sanitize(in, n, sw, scap);
    if (kg != kw || memcmp(sg, sw, kg) != 0)
        fail_msg("sanitising [%.*s] (cap %zu): [%.*s], before [%.*s]", (int)n, in, scap,
                 (int)kg, sg, (int)kw, sw);
    check_tokens(in, n);
}

static void test_every_word(void **state)
{
    (void)state;
    char buf[128];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        snprintf(buf, sizeof buf, "%s t", words[i]);
        check(buf, strlen(buf), sizeof buf);
        snprintf(buf, sizeof buf, "SELECT a FROM t %s u", words[i]);
        check(buf, strlen(buf), GA_SQL_SUMMARY_MAX + 1);
        snprintf(buf, sizeof buf, "CREATE %s x", words[i]);
        check(buf, strlen(buf), GA_SQL_SUMMARY_MAX + 1);
        snprintf(buf, sizeof buf, "INSERT %s y", words[i]);
        check(buf, strlen(buf), GA_SQL_SUMMARY_MAX + 1);
    }
}

static void test_random_statements(void **state)
{
    (void)state;
    char buf[600];
    srand(42);
    size_t nw = sizeof words / sizeof words[0];
    for (int k = 0; k < 200000; k++) {
        size_t len = 0;
        int tokens = 1 + rand() % 24;
        for (int i = 0; i < tokens; i++) {
            const char *w = words[rand() % nw];
            size_t l = strlen(w);
            if (len + l + 1 >= sizeof buf)
                break;
            memcpy(buf + len, w, l);
            len += l;
            if (rand() % 3)
                buf[len++] = ' ';
        }
        size_t cap = k % 17 == 0 ? (size_t)(rand() % 24) : GA_SQL_SUMMARY_MAX + 1;
        check(buf, len, cap);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    char buf[64];
    static const char alphabet[] = "SELECTFROMINTOupdate `'\"(),.;-/*!#@?0x1\n";
    srand(7);
    for (int k = 0; k < 100000; k++) {
        size_t len = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = k % 2 ? (char)rand() : alphabet[rand() % (int)(sizeof alphabet - 1)];
        check(buf, len, GA_SQL_SUMMARY_MAX + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_word),
        cmocka_unit_test(test_random_statements),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
