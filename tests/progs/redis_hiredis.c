/* redis_hiredis.c — a client on Debian's libhiredis (0.14) for the Redis integration tests:
 * synchronous commands (redisCommand, redisCommandArgv), pipelined appends (redisAppendCommand
 * + redisGetReply), a SELECT, a WRONGTYPE error, then redisFree. Prints every reply so a run
 * with and without the library can be compared byte for byte.
 *
 * `blind` first queues an empty line (which Redis ignores): the connection's first bytes are not
 * RESP, so the wire parser never follows it and only the hooks see the commands.
 *
 * usage: redis_hiredis <port> [password|-] [blind]   (exit 0 on success, 1 on a connection problem) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>

void print_reply(const char *what, const redisReply *r);
int sync_commands(redisContext *c);
int pipelined_appends(redisContext *c);

void print_reply(const char *what, const redisReply *r)
{
    if (r == NULL) {
        printf("%s: (no reply)\n", what);
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_STATUS: printf("%s: status %s\n", what, r->str); break;
    case REDIS_REPLY_ERROR: printf("%s: error %s\n", what, r->str); break;
    case REDIS_REPLY_INTEGER: printf("%s: integer %lld\n", what, r->integer); break;
    case REDIS_REPLY_NIL: printf("%s: nil\n", what); break;
    case REDIS_REPLY_STRING: printf("%s: string %s\n", what, r->str); break;
    case REDIS_REPLY_ARRAY: printf("%s: array of %zu\n", what, r->elements); break;
    default: printf("%s: type %d\n", what, r->type); break;
    }
}

/* Nine synchronous commands: nine spans. */
int sync_commands(redisContext *c)
{
    redisReply *r;
    r = redisCommand(c, "SET %s %s", "hr:key", "value one");
    print_reply("SET", r);
    freeReplyObject(r);
    r = redisCommand(c, "GET hr:key");
    print_reply("GET", r);
    freeReplyObject(r);
    r = redisCommand(c, "HSET hr:hash f 1");
    print_reply("HSET", r);
    freeReplyObject(r);
    r = redisCommand(c, "GET hr:hash");                 /* WRONGTYPE */
    print_reply("GET hash", r);
    freeReplyObject(r);
    const char *argv[] = { "CLIENT", "SETNAME", "hiredis-test" };
    r = redisCommandArgv(c, 3, argv, NULL);
    print_reply("CLIENT SETNAME", r);
    freeReplyObject(r);
    r = redisCommand(c, "SELECT 3");
    print_reply("SELECT", r);
    freeReplyObject(r);
    r = redisCommand(c, "INCR hr:n");
    print_reply("INCR", r);
    freeReplyObject(r);
    r = redisCommand(c, "DEL hr:n");
    print_reply("DEL", r);
    freeReplyObject(r);
    r = redisCommand(c, "FLUSHDB");
    print_reply("FLUSHDB", r);
    freeReplyObject(r);
    return 0;
}

/* Five appended commands, written together by the first redisGetReply: five spans. */
int pipelined_appends(redisContext *c)
{
    redisAppendCommand(c, "SET hr:p1 a");
    redisAppendCommand(c, "SET hr:p2 b");
    redisAppendCommand(c, "GET hr:p1");
    redisAppendCommand(c, "MGET hr:p1 hr:p2");
    redisAppendCommand(c, "DEL hr:p1 hr:p2");
    for (int i = 0; i < 5; i++) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK)
            return 1;
        print_reply("pipelined", reply);
        freeReplyObject(reply);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    redisContext *c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (c == NULL || c->err) {
        printf("connect: %s\n", c ? c->errstr : "no context");
        return 1;
    }
    if (argc > 3 && strcmp(argv[3], "blind") == 0)
        redisAppendFormattedCommand(c, "\r\n", 2);
    if (argc > 2 && strcmp(argv[2], "-") != 0) {
        redisReply *r = redisCommand(c, "AUTH %s", argv[2]);
        print_reply("AUTH", r);
        freeReplyObject(r);
    }
    redisReply *r = redisCommand(c, "DEL hr:key hr:hash");      /* leftovers of an earlier run */
    freeReplyObject(r);
    int rc = sync_commands(c) || pipelined_appends(c);
    r = redisCommand(c, "SELECT 0");
    freeReplyObject(r);
    r = redisCommand(c, "DEL hr:key hr:hash");
    print_reply("cleanup", r);
    freeReplyObject(r);
    redisFree(c);
    return rc;
}
