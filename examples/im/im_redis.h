/* im_redis.h — a blocking hiredis connection for the IM programs that, when a command fails
 * because the connection dropped, reconnects once and retries the command once. */
#ifndef IM_REDIS_H
#define IM_REDIS_H

#include <hiredis.h>

#include "im_args.h"

typedef struct im_redis {
    redisContext *c;      /* NULL while disconnected */
    im_addr       addr;
} im_redis;

/* Connects (5 s connect and command timeouts). 0, or -1 with the reason logged. */
int  im_redis_open(im_redis *r, const im_addr *a);
void im_redis_close(im_redis *r);

/* redisCommand() with the retry. The reply, to be freed with freeReplyObject(), or NULL when
 * the command failed (connection, or an error reply); the reason is logged. */
redisReply *im_redis_cmd(im_redis *r, const char *fmt, ...);

/* redisCommandArgv() with the retry; same result as im_redis_cmd(). */
redisReply *im_redis_argv(im_redis *r, int argc, const char **argv, const size_t *lens);

/* Runs a command and only says whether it worked: 0 or -1. */
int  im_redis_do(im_redis *r, const char *fmt, ...);

#endif
