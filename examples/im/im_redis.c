/* im_redis.c — the reconnecting hiredis connection of the IM programs. */
#include "im_redis.h"

#include <stdarg.h>
#include <sys/time.h>

#include "im_util.h"

int im_redis_open(im_redis *r, const im_addr *a)
{
    struct timeval tv = { .tv_sec = 5, .tv_usec = 0 };
    r->addr = *a;
    r->c = redisConnectWithTimeout(a->host, a->port, tv);
    if (!r->c || r->c->err) {
        im_log("redis %s:%u: cannot connect: %s", a->host, a->port,
               r->c ? r->c->errstr : "out of memory");
        im_redis_close(r);
        return -1;
    }
    if (redisSetTimeout(r->c, tv) != REDIS_OK) {
        im_log("redis %s:%u: cannot set the timeout", a->host, a->port);
        im_redis_close(r);
        return -1;
    }
    return 0;
}

void im_redis_close(im_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

/* After a failed command: whether the connection is gone (then it is reopened: 1 if it was). */
static int im_redis_revive(im_redis *r)
{
    if (r->c && r->c->err == 0)
        return 0;
    im_log("redis %s:%u: %s; reconnecting", r->addr.host, r->addr.port,
           r->c ? r->c->errstr : "not connected");
    im_redis_close(r);
    im_addr a = r->addr;
    return im_redis_open(r, &a) == 0;
}

/* Checks a reply: error replies are failures. */
static redisReply *im_redis_check(redisReply *rep)
{
    if (rep && rep->type == REDIS_REPLY_ERROR) {
        im_log("redis: %s", rep->str);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

/* redisvCommand() with one reconnect-and-retry when the connection dropped. */
static redisReply *im_redis_vcmd(im_redis *r, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    redisReply *rep = r->c ? redisvCommand(r->c, fmt, ap) : NULL;
    if (!rep && im_redis_revive(r))
        rep = redisvCommand(r->c, fmt, again);
    va_end(again);
    if (!rep && r->c && r->c->err)
        im_log("redis %s:%u: %s", r->addr.host, r->addr.port, r->c->errstr);
    return im_redis_check(rep);
}

redisReply *im_redis_cmd(im_redis *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = im_redis_vcmd(r, fmt, ap);
    va_end(ap);
    return rep;
}

redisReply *im_redis_argv(im_redis *r, int argc, const char **argv, const size_t *lens)
{
    redisReply *rep = r->c ? redisCommandArgv(r->c, argc, argv, lens) : NULL;
    if (!rep && im_redis_revive(r))
        rep = redisCommandArgv(r->c, argc, argv, lens);
    if (!rep && r->c && r->c->err)
        im_log("redis %s:%u: %s", r->addr.host, r->addr.port, r->c->errstr);
    return im_redis_check(rep);
}

int im_redis_do(im_redis *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = im_redis_vcmd(r, fmt, ap);
    va_end(ap);
    if (!rep)
        return -1;
    freeReplyObject(rep);
    return 0;
}
