/* stacks_prog.c — call-site stacks (tests/integration/test_stacks.py): a program built with
 * -g -rdynamic whose load_user_history() issues a slow query through libmariadb
 * (SELECT SLEEP(0.2)) and a slow Redis command through hiredis (BLPOP with a 0.2 s timeout on
 * an empty list), and whose load_user_profile() issues fast ones (SELECT 1, PING) and one that
 * fails fast (a Redis error reply).
 *
 * usage: stacks_prog REDIS_PORT MYSQL_PORT MYSQL_USER MYSQL_PASSWORD */
#include <hiredis/hiredis.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MYSQL *db;
static redisContext *rc;

static int query(const char *q)
{
    if (mysql_real_query(db, q, strlen(q)) != 0) {
        fprintf(stderr, "query failed: %s\n", mysql_error(db));
        return -1;
    }
    MYSQL_RES *res = mysql_store_result(db);
    if (res != NULL)
        mysql_free_result(res);
    return 0;
}

static int command(const char *cmd)
{
    redisReply *r = redisCommand(rc, cmd);
    if (r == NULL) {
        fprintf(stderr, "redis failed: %s\n", rc->errstr);
        return -1;
    }
    freeReplyObject(r);
    return 0;
}

/* Exported (-rdynamic) and noinline: each stays a named frame of its own. */
int load_user_history(void);
int load_user_profile(void);

__attribute__((noinline)) int load_user_history(void)
{
    int rc1 = query("SELECT SLEEP(0.2)");
    int rc2 = command("BLPOP stacks:empty 0.2");
    return rc1 | rc2;
}

__attribute__((noinline)) int load_user_profile(void)
{
    int r = query("SELECT 1") | command("PING");
    command("NOSUCHCOMMAND");                    /* an error reply: a stack, however fast */
    return r;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s REDIS_PORT MYSQL_PORT USER PASSWORD\n", argv[0]);
        return 2;
    }
    rc = redisConnect("127.0.0.1", atoi(argv[1]));
    if (rc == NULL || rc->err) {
        fprintf(stderr, "redis connect failed\n");
        return 1;
    }
    db = mysql_init(NULL);
    if (mysql_real_connect(db, "127.0.0.1", argv[3], argv[4], NULL, (unsigned)atoi(argv[2]), NULL, 0) == NULL) {
        fprintf(stderr, "mysql connect failed: %s\n", mysql_error(db));
        return 1;
    }
    int r = load_user_profile() | load_user_history();
    mysql_close(db);
    redisFree(rc);
    printf("done\n");
    return r ? 1 : 0;
}
