/* mysql_client.c — a libmariadb client for the MySQL integration tests: the same scripted work
 * run bare and under the library must print the same output.
 *
 *   mysql_client text|prepared|send HOST PORT USER PASSWORD DB [compress]
 *
 * text:     COM_QUERY through mysql_real_query / mysql_query: a literal that must never be
 *           exported, errors 1064 and 1146, `USE other`, multi-statements, a 10,000-row result
 *           read row by row with pauses (mysql_use_result), then a final query.
 * prepared: one statement prepared, executed 100 times; a prepare that fails (1146).
 * send:     mysql_send_query + mysql_read_query_result.
 * compress: use the compressed protocol (the library then sees the calls, not the wire). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mysql.h>

static void fail(MYSQL *m, const char *what)
{
    printf("%s: error %u (%s)\n", what, mysql_errno(m), mysql_sqlstate(m));
}

/* Run a text query and print its rows (or its error). */
static void query(MYSQL *m, const char *q)
{
    if (mysql_real_query(m, q, strlen(q)) != 0) {
        fail(m, "query");
        return;
    }
    do {
        MYSQL_RES *res = mysql_store_result(m);
        if (res != NULL) {
            MYSQL_ROW row;
            unsigned n = mysql_num_fields(res);
            while ((row = mysql_fetch_row(res)) != NULL)
                for (unsigned i = 0; i < n; i++)
                    printf("%s%s", row[i] ? row[i] : "NULL", i + 1 < n ? "\t" : "\n");
            mysql_free_result(res);
        } else if (mysql_field_count(m) == 0) {
            printf("ok, %llu rows affected\n", (unsigned long long)mysql_affected_rows(m));
        }
    } while (mysql_next_result(m) == 0);
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* 10,000 rows streamed: the span must end only after the last one. */
static void big_result(MYSQL *m)
{
    const char *q = "SELECT id FROM big ORDER BY id";
    if (mysql_real_query(m, q, strlen(q)) != 0) {
        fail(m, "big");
        return;
    }
    MYSQL_RES *res = mysql_use_result(m);
    unsigned long long n = 0, sum = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)) != NULL) {
        sum += strtoull(row[0], NULL, 10);
        if (++n % 2000 == 0)
            pause_ms(20);
    }
    mysql_free_result(res);
    printf("big: %llu rows, sum %llu\n", n, sum);
}

static void text(MYSQL *m)
{
    query(m, "SELECT id, body FROM messages WHERE body = 's3cr3t'");
    query(m, "SELEC 1");
    query(m, "SELECT * FROM nosuch");
    if (mysql_query(m, "/* session tracking tells the new schema */ USE other") != 0)
        fail(m, "use");
    query(m, "SELECT DATABASE()");
    query(m, "SELECT 1 AS a; SELECT 2 AS b; SELECT id FROM test.messages WHERE id IN (1, 2, 3)");
    query(m, "USE test");
    big_result(m);
    query(m, "SELECT COUNT(*) FROM messages");
}

static void execute_many(MYSQL *m)
{
    MYSQL_STMT *st = mysql_stmt_init(m);
    const char *q = "SELECT body FROM messages WHERE id = ?";
    if (mysql_stmt_prepare(st, q, strlen(q)) != 0) {
        printf("prepare: error %u\n", mysql_stmt_errno(st));
        return;
    }
    int id = 0;
    char body[128];
    unsigned long len = 0;
    MYSQL_BIND in = { .buffer_type = MYSQL_TYPE_LONG, .buffer = &id };
    MYSQL_BIND out = { .buffer_type = MYSQL_TYPE_STRING, .buffer = body,
                       .buffer_length = sizeof body, .length = &len };
    mysql_stmt_bind_param(st, &in);
    mysql_stmt_bind_result(st, &out);
    unsigned found = 0;
    for (int i = 0; i < 100; i++) {
        id = 1 + i % 3;
        if (mysql_stmt_execute(st) != 0) {
            printf("execute: error %u\n", mysql_stmt_errno(st));
            break;
        }
        mysql_stmt_store_result(st);
        while (mysql_stmt_fetch(st) == 0)
            found++;
        mysql_stmt_free_result(st);
    }
    printf("prepared: %u rows\n", found);
    mysql_stmt_close(st);
}

static void prepared(MYSQL *m)
{
    execute_many(m);
    MYSQL_STMT *st = mysql_stmt_init(m);
    const char *bad = "SELECT * FROM nosuch WHERE id = ?";
    if (mysql_stmt_prepare(st, bad, strlen(bad)) != 0)
        printf("prepare nosuch: error %u\n", mysql_stmt_errno(st));
    mysql_stmt_close(st);
}

static void send_read(MYSQL *m)
{
    const char *q = "SELECT body FROM messages WHERE id = 2";
    if (mysql_send_query(m, q, strlen(q)) != 0 || mysql_read_query_result(m) != 0) {
        fail(m, "send");
        return;
    }
    MYSQL_RES *res = mysql_store_result(m);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    printf("send: %s\n", row ? row[0] : "(none)");
    if (res)
        mysql_free_result(res);
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s text|prepared|send HOST PORT USER PASSWORD DB [compress]\n",
                argv[0]);
        return 2;
    }
    MYSQL *m = mysql_init(NULL);
    if (argc == 8 && strcmp(argv[7], "compress") == 0)
        mysql_options(m, MYSQL_OPT_COMPRESS, NULL);
    if (mysql_real_connect(m, argv[2], argv[4], argv[5], argv[6], (unsigned)atoi(argv[3]), NULL,
                           CLIENT_MULTI_STATEMENTS) == NULL) {
        fail(m, "connect");
        return 1;
    }
    if (strcmp(argv[1], "text") == 0)
        text(m);
    else if (strcmp(argv[1], "prepared") == 0)
        prepared(m);
    else
        send_read(m);
    mysql_close(m);
    return 0;
}
