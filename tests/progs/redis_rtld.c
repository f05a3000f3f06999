/* redis_rtld.c — the Python/Perl extension situation: a module linked against libhiredis is
 * loaded with dlopen(RTLD_LOCAL), so libhiredis is invisible to dlsym(RTLD_NEXT) from a
 * preloaded library, while the module's own calls to redisConnect/redisCommand... still bind
 * to the preloaded hooks (global scope first). The hooks must find the real functions anyway.
 *
 * Built twice: as a program (default) and, with -DREDIS_EXT, as the module redis_ext.so
 * (mk/resp.mk) whose ext_run() talks to Redis.
 *
 * usage: redis_rtld <path/to/redis_ext.so> <port> */
#include <stdio.h>
#include <stdlib.h>

#ifdef REDIS_EXT
#include <hiredis/hiredis.h>

int ext_run(int port);

int ext_run(int port)
{
    redisContext *c = redisConnect("127.0.0.1", port);
    if (c == NULL || c->err)
        return 1;
    redisReply *r = redisCommand(c, "SET %s %s", "rtld:key", "v");
    printf("SET: %s\n", r && r->str ? r->str : "(none)");
    freeReplyObject(r);
    redisAppendCommand(c, "GET rtld:key");
    redisAppendCommand(c, "DEL rtld:key");
    for (int i = 0; i < 2; i++) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK)
            return 1;
        redisReply *rr = reply;
        if (rr->type == REDIS_REPLY_INTEGER)
            printf("reply: %lld\n", rr->integer);
        else
            printf("reply: %s\n", rr->str ? rr->str : "(nil)");
        freeReplyObject(reply);
    }
    redisFree(c);
    return 0;
}

#else
#include <dlfcn.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    void *h = dlopen(argv[1], RTLD_LOCAL | RTLD_NOW);
    if (h == NULL) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    int (*run)(int) = (int (*)(int))dlsym(h, "ext_run");
    if (run == NULL)
        return 1;
    int rc = run(atoi(argv[2]));
    fflush(stdout);
    return rc;
}
#endif
