/* hiredis.c — symbol hooks on hiredis' synchronous API: redisConnect*, redisCommand,
 * redisvCommand, redisCommandArgv, redisAppendCommand*, redisGetReply, redisBufferWrite,
 * redisFree.
 *
 * One command, one span: the outermost hook announces the command on its thread (span identity,
 * caller, context; plugins/redis/resp_link.h) and names the context whose I/O is under way; the
 * wire session claims the announcement when the command is written and ends the span when the
 * reply is read. An announcement nobody claimed (the wire could not follow the bytes) is ended
 * here when hiredis hands the reply back. libhiredis calls its own exported functions through
 * the PLT (redisCommand → redisvAppendCommand, redisGetReply → redisBufferWrite): nested
 * hooks only pass through.
 *
 * Real functions are resolved lazily: dlsym(RTLD_NEXT); then, because Python and Perl load
 * extension modules RTLD_LOCAL (invisible to RTLD_NEXT), dlopen(<soname>, RTLD_NOLOAD) + dlsym;
 * then the calling module itself (a module carrying its own copy of hiredis). If nothing is
 * found the hook never calls NULL: it fails the way hiredis reports failure (NULL context or
 * reply, REDIS_ERR) — a call that, without the library, could not even have been linked.
 *
 * The struct layouts of redisContext/redisReply are read (err, reply type and text) only when
 * the resolved library is a known major version (0.x, 1.x) and only for hook-only spans. */
#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include "preload/ga.h"
#include "preload/emit.h"
#include "preload/namepool.h"
#include "hooks/hook.h"
#include "protocols/resp/resp_cmd.h"
#include "plugins/redis/resp_emit.h"
#include "plugins/redis/resp_link.h"

typedef struct redisContext redisContext;

#define GA_HR_SYMBOLS(X) \
    X(redisConnect,                      redisContext *, (const char *, int)) \
    X(redisConnectWithTimeout,           redisContext *, (const char *, int, const struct timeval)) \
    X(redisConnectNonBlock,              redisContext *, (const char *, int)) \
    X(redisConnectBindNonBlock,          redisContext *, (const char *, int, const char *)) \
    X(redisConnectBindNonBlockWithReuse, redisContext *, (const char *, int, const char *)) \
    X(redisConnectUnix,                  redisContext *, (const char *)) \
    X(redisConnectUnixWithTimeout,       redisContext *, (const char *, const struct timeval)) \
    X(redisConnectUnixNonBlock,          redisContext *, (const char *)) \
    X(redisvCommand,                     void *, (redisContext *, const char *, va_list)) \
    X(redisCommandArgv,                  void *, (redisContext *, int, const char **, const size_t *)) \
    X(redisvAppendCommand,               int, (redisContext *, const char *, va_list)) \
    X(redisAppendCommandArgv,            int, (redisContext *, int, const char **, const size_t *)) \
    X(redisAppendFormattedCommand,       int, (redisContext *, const char *, size_t)) \
    X(redisGetReply,                     int, (redisContext *, void **)) \
    X(redisBufferWrite,                  int, (redisContext *, int *)) \
    X(redisFree,                         void, (redisContext *))

#define GA_HR_ENUM(name, ret, args) GA_HR_##name,
#define GA_HR_TYPE(name, ret, args) typedef ret (*ga_hr_##name##_fn) args;
#define GA_HR_PROTO(name, ret, args) GA_EXPORT ret name args;

enum { GA_HR_SYMBOLS(GA_HR_ENUM) GA_HR_COUNT };
GA_HR_SYMBOLS(GA_HR_TYPE)
GA_HR_SYMBOLS(GA_HR_PROTO)
GA_EXPORT void *redisCommand(redisContext *c, const char *format, ...);
GA_EXPORT int redisAppendCommand(redisContext *c, const char *format, ...);

GA_NAMEPOOL(GA_HR_SYMBOLS, GA_HR_COUNT);      /* the names, without relocations */
static void *_Atomic ga__hr_real[GA_HR_COUNT];
static _Atomic int ga__hr_layout;          /* 0 unknown, 1 hiredis 0.x, 2 hiredis 1.x */

enum { GA_REDIS_OK = 0, GA_REDIS_ERR = -1, GA_REPLY_ERROR = 6 };

/* ------------------------------------------------------------------ resolution */

static void ga__note_layout(void *fn)
{
    Dl_info info;
    if (atomic_load_explicit(&ga__hr_layout, memory_order_relaxed) != 0 ||
        dladdr(fn, &info) == 0 || info.dli_fname == NULL)
        return;
    if (strstr(info.dli_fname, "libhiredis.so.0."))
        atomic_store(&ga__hr_layout, 1);
    else if (strstr(info.dli_fname, "libhiredis.so.1"))
        atomic_store(&ga__hr_layout, 2);
}

/* dlsym in a handle, refusing our own definition. */
static void *ga__sym_in(void *handle, int sym)
{
    void *p = dlsym(handle, GA_NAMEPOOL_NAME(sym));
    return ga_real_is_ours(p) ? NULL : p;
}

/* The libhiredis every module would bind to: global scope, else a loaded soname. */
static void *ga__hr_global(int sym)
{
    static const char sonames[][20] = {
        "libhiredis.so.0.14", "libhiredis.so.1.1.0", "libhiredis.so.1.0.0", "libhiredis.so.0.13",
        "libhiredis.so.1", "libhiredis.so",
    };
    void *p = ga__sym_in(RTLD_NEXT, sym);
    for (size_t i = 0; p == NULL && i < GA_ARRAY_LEN(sonames); i++) {
        void *h = dlopen(sonames[i], RTLD_NOLOAD | RTLD_LAZY);
        if (h != NULL) {
            p = ga__sym_in(h, sym);
            dlclose(h);
        }
    }
    return p;
}

/* The module that called us may carry its own hiredis (not cached: it is per module). */
static void *ga__hr_from_caller(int sym, const void *caller)
{
    Dl_info info;
    if (caller == NULL || dladdr(caller, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    void *h = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    if (h == NULL)
        return NULL;
    void *p = ga__sym_in(h, sym);
    dlclose(h);
    return p;
}

/* The real function, or NULL (never our own). The lookup runs with the reentrancy guard set,
 * so whatever the loader does is not observed. */
static void *ga__hr_get(int sym, const void *caller)
{
    void *p = atomic_load_explicit(&ga__hr_real[sym], memory_order_acquire);
    if (ga_likely(p != NULL))
        return p;
    int busy = ga_tls_busy;
    ga_tls_busy = 1;
    p = ga__hr_global(sym);
    if (p != NULL) {
        ga__note_layout(p);
        atomic_store_explicit(&ga__hr_real[sym], p, memory_order_release);
    } else {
        p = ga__hr_from_caller(sym, caller);
    }
    ga_tls_busy = busy;
    return p;
}

#define GA_HR(name, caller) ((ga_hr_##name##_fn)ga__hr_get(GA_HR_##name, (caller)))
#define GA_CALLER() __builtin_return_address(0)

/* ------------------------------------------------------------------ layouts (known versions) */

/* redisContext.err: first field in 0.x, after the funcs pointer in 1.x. */
static int ga__ctx_err(const redisContext *c)
{
    int layout = atomic_load_explicit(&ga__hr_layout, memory_order_relaxed), err = 0;
    if (c != NULL && layout != 0)
        memcpy(&err, (const char *)c + (layout == 1 ? 0 : 8), sizeof err);
    return err;
}

/* An error reply's text (type is the first field in every version; len/str move). */
static int ga__reply_error(const void *reply, const char **str, size_t *len)
{
    int type, layout = atomic_load_explicit(&ga__hr_layout, memory_order_relaxed);
    if (reply == NULL)
        return 0;
    memcpy(&type, reply, sizeof type);
    if (type != GA_REPLY_ERROR)
        return 0;
    *str = NULL;
    *len = 0;
    if (layout != 0) {
        size_t off_len = layout == 1 ? 16 : 24;
        memcpy(len, (const char *)reply + off_len, sizeof *len);
        memcpy(str, (const char *)reply + off_len + 8, sizeof *str);
        if (*str == NULL)
            *len = 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ calls and spans */

typedef struct ga__call {
    int active, outer;
    uint32_t seq;
} ga__call;

/* Enter a hook. `name` (may be NULL) announces a command: sync = it does its own I/O. */
static void ga__enter(ga__call *k, const redisContext *c, const char *name, size_t nlen, int sync,
                      const void *caller)
{
    k->active = k->outer = 0;
    k->seq = 0;
    if (!ga_observing())
        return;
    ga_resp_link *l = &ga_resp_tls;
    k->active = 1;
    if (l->depth++ > 0)
        return;
    k->outer = 1;
    l->cur_ctx = c;
    if (name != NULL && c != NULL)
        k->seq = ga_resp_link_announce(c, name, nlen, ga_now_ns(), sync, (uint64_t)(uintptr_t)caller);
}

static void ga__leave(ga__call *k)
{
    if (!k->active)
        return;
    ga_resp_link *l = &ga_resp_tls;
    l->depth--;
    if (k->outer)
        l->cur_ctx = NULL;
}

/* A span for an announced command the wire never saw, ended now. */
static void ga__hook_only(ga_resp_link_op *op, const void *reply, int err)
{
    char host[GA_RESP_HOST_CAP];
    int port = 0;
    ga_resp_op o = {0};
    o.start_ns = op->announced_ns;
    o.end_ns = ga_now_ns();
    o.ncmds = 1;
    o.name = op->name;
    o.name_len = op->name_len;
    o.hook = &op->info;
    o.host = host;
    o.host_len = (uint8_t)ga_resp_ctx_host(op->ctx, host, sizeof host, &port);
    const char *msg;
    size_t mlen;
    char code[GA_RESP_CODE_CAP];
    if (ga__reply_error(reply, &msg, &mlen)) {
        o.flags = GA_RESP_GF_ERROR;
        o.code = code;
        o.code_len = (uint8_t)ga_resp_error_code(msg ? msg : "ERR", msg ? mlen : 3, code, sizeof code);
    } else if (reply == NULL && err != 0) {
        o.flags = GA_RESP_GF_ERROR;
    }
    ga_resp_where w = { .peer = NULL, .port = port, .hookerr = reply == NULL ? err : 0 };
    ga_resp_emit(&o, &w);
    ga_resp_link_drop(op);
}

/* After a synchronous command: claimed by the wire (nothing to do), answered unseen (end it
 * here), failed (end it with the context's error) or only queued (non-blocking: stays). */
static void ga__after_command(ga__call *k, const redisContext *c, const void *reply)
{
    if (k->active && k->seq != 0) {
        int busy = ga_tls_busy;
        ga_tls_busy = 1;
        ga_resp_link_op *op = ga_resp_link_find(k->seq);
        int err = reply == NULL ? ga__ctx_err(c) : 0;
        if (op != NULL && (reply != NULL || err != 0))
            ga__hook_only(op, reply, err);
        ga_tls_busy = busy;
    }
    ga__leave(k);
}

/* The command's name from a format string (`SET %s %s` → `SET`), argv, or a RESP buffer. */
static size_t ga__fmt_name(const char *fmt, const char **name)
{
    size_t n = 0;
    *name = fmt;
    while (fmt != NULL && fmt[n] != '\0' && fmt[n] != ' ' && fmt[n] != '%' && n < GA_RESP_LINK_NAME)
        n++;
    return fmt != NULL && (fmt[n] == '\0' || fmt[n] == ' ') ? n : 0;
}

static size_t ga__argv_name(int argc, const char **argv, const size_t *argvlen, char *buf)
{
    if (argc < 1 || argv == NULL || argv[0] == NULL)
        return 0;
    size_t l0 = argvlen ? argvlen[0] : strlen(argv[0]);
    if (l0 >= GA_RESP_LINK_NAME)
        l0 = GA_RESP_LINK_NAME - 1;
    memcpy(buf, argv[0], l0);
    int cls = ga_resp_cmd_class(argv[0], l0);
    if (argc >= 2 && argv[1] != NULL && (cls == GA_RC_CLIENT || cls == GA_RC_ACL || cls == GA_RC_CONTAINER)) {
        size_t l1 = argvlen ? argvlen[1] : strlen(argv[1]);
        if (ga_resp_is_subcommand(argv[1], l1) && l0 + 1 + l1 < GA_RESP_LINK_NAME) {
            buf[l0] = ' ';
            memcpy(buf + l0 + 1, argv[1], l1);
            return l0 + 1 + l1;
        }
    }
    return l0;
}

/* `*<n>\r\n$<len>\r\n<name>` → name. */
static size_t ga__resp_name(const char *cmd, size_t len, const char **name)
{
    const char *p = cmd ? memchr(cmd, '$', len < 32 ? len : 32) : NULL;
    const char *nl = p ? memchr(p, '\n', (size_t)(cmd + len - p)) : NULL;
    size_t n = 0;
    for (const char *q = p ? p + 1 : NULL; q != NULL && q < nl && *q >= '0' && *q <= '9'; q++)
        n = n * 10 + (size_t)(*q - '0');
    if (nl == NULL || n == 0 || n >= GA_RESP_LINK_NAME || (size_t)(cmd + len - nl - 1) < n)
        return 0;
    *name = nl + 1;
    return n;
}

/* ------------------------------------------------------------------ connect and free */

static redisContext *ga__connected(redisContext *c, const char *host, int port)
{
    if (c != NULL && ga_observing())
        ga_resp_ctx_remember(c, host, port);
    return c;
}

GA_EXPORT redisContext *redisConnect(const char *ip, int port)
{
    ga_hr_redisConnect_fn f = GA_HR(redisConnect, GA_CALLER());
    return f ? ga__connected(f(ip, port), ip, port) : NULL;
}

GA_EXPORT redisContext *redisConnectWithTimeout(const char *ip, int port, const struct timeval tv)
{
    ga_hr_redisConnectWithTimeout_fn f = GA_HR(redisConnectWithTimeout, GA_CALLER());
    return f ? ga__connected(f(ip, port, tv), ip, port) : NULL;
}

GA_EXPORT redisContext *redisConnectNonBlock(const char *ip, int port)
{
    ga_hr_redisConnectNonBlock_fn f = GA_HR(redisConnectNonBlock, GA_CALLER());
    return f ? ga__connected(f(ip, port), ip, port) : NULL;
}

GA_EXPORT redisContext *redisConnectBindNonBlock(const char *ip, int port, const char *src)
{
    ga_hr_redisConnectBindNonBlock_fn f = GA_HR(redisConnectBindNonBlock, GA_CALLER());
    return f ? ga__connected(f(ip, port, src), ip, port) : NULL;
}

GA_EXPORT redisContext *redisConnectBindNonBlockWithReuse(const char *ip, int port, const char *src)
{
    ga_hr_redisConnectBindNonBlockWithReuse_fn f = GA_HR(redisConnectBindNonBlockWithReuse, GA_CALLER());
    return f ? ga__connected(f(ip, port, src), ip, port) : NULL;
}

GA_EXPORT redisContext *redisConnectUnix(const char *path)
{
    ga_hr_redisConnectUnix_fn f = GA_HR(redisConnectUnix, GA_CALLER());
    return f ? ga__connected(f(path), path, 0) : NULL;
}

GA_EXPORT redisContext *redisConnectUnixWithTimeout(const char *path, const struct timeval tv)
{
    ga_hr_redisConnectUnixWithTimeout_fn f = GA_HR(redisConnectUnixWithTimeout, GA_CALLER());
    return f ? ga__connected(f(path, tv), path, 0) : NULL;
}

GA_EXPORT redisContext *redisConnectUnixNonBlock(const char *path)
{
    ga_hr_redisConnectUnixNonBlock_fn f = GA_HR(redisConnectUnixNonBlock, GA_CALLER());
    return f ? ga__connected(f(path), path, 0) : NULL;
}

GA_EXPORT void redisFree(redisContext *c)
{
    ga_hr_redisFree_fn f = GA_HR(redisFree, GA_CALLER());
    if (c != NULL && ga_observing()) {
        ga_resp_link_drop_ctx(c);
        ga_resp_ctx_forget(c);
    }
    if (f != NULL)
        f(c);
}

/* ------------------------------------------------------------------ commands */

static void *ga__vcommand(ga_hr_redisvCommand_fn f, redisContext *c, const char *format, va_list ap,
                          const void *caller)
{
    const char *name;
    size_t nlen = ga__fmt_name(format, &name);
    ga__call k;
    ga__enter(&k, c, name, nlen, 1, caller);
    void *reply = f(c, format, ap);
    ga__after_command(&k, c, reply);
    return reply;
}

GA_EXPORT void *redisCommand(redisContext *c, const char *format, ...)
{
    ga_hr_redisvCommand_fn f = GA_HR(redisvCommand, GA_CALLER());
    if (f == NULL)
        return NULL;
    va_list ap;
    va_start(ap, format);
    void *reply = ga__vcommand(f, c, format, ap, GA_CALLER());
    va_end(ap);
    return reply;
}

GA_EXPORT void *redisvCommand(redisContext *c, const char *format, va_list ap)
{
    ga_hr_redisvCommand_fn f = GA_HR(redisvCommand, GA_CALLER());
    return f ? ga__vcommand(f, c, format, ap, GA_CALLER()) : NULL;
}

GA_EXPORT void *redisCommandArgv(redisContext *c, int argc, const char **argv, const size_t *argvlen)
{
    ga_hr_redisCommandArgv_fn f = GA_HR(redisCommandArgv, GA_CALLER());
    if (f == NULL)
        return NULL;
    char name[GA_RESP_LINK_NAME];
    ga__call k;
    ga__enter(&k, c, name, ga__argv_name(argc, argv, argvlen, name), 1, GA_CALLER());
    void *reply = f(c, argc, argv, argvlen);
    ga__after_command(&k, c, reply);
    return reply;
}

/* Appending only queues the command: the announcement waits for the write. */
static int ga__appended(ga__call *k, int rc)
{
    if (k->seq != 0 && rc != GA_REDIS_OK)
        ga_resp_link_drop(ga_resp_link_find(k->seq));
    ga__leave(k);
    return rc;
}

GA_EXPORT int redisAppendCommand(redisContext *c, const char *format, ...)
{
    ga_hr_redisvAppendCommand_fn f = GA_HR(redisvAppendCommand, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    const char *name;
    size_t nlen = ga__fmt_name(format, &name);
    ga__call k;
    ga__enter(&k, c, name, nlen, 0, GA_CALLER());
    va_list ap;
    va_start(ap, format);
    int rc = f(c, format, ap);
    va_end(ap);
    return ga__appended(&k, rc);
}

GA_EXPORT int redisvAppendCommand(redisContext *c, const char *format, va_list ap)
{
    ga_hr_redisvAppendCommand_fn f = GA_HR(redisvAppendCommand, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    const char *name;
    size_t nlen = ga__fmt_name(format, &name);
    ga__call k;
    ga__enter(&k, c, name, nlen, 0, GA_CALLER());
    return ga__appended(&k, f(c, format, ap));
}

GA_EXPORT int redisAppendCommandArgv(redisContext *c, int argc, const char **argv, const size_t *argvlen)
{
    ga_hr_redisAppendCommandArgv_fn f = GA_HR(redisAppendCommandArgv, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    char name[GA_RESP_LINK_NAME];
    ga__call k;
    ga__enter(&k, c, name, ga__argv_name(argc, argv, argvlen, name), 0, GA_CALLER());
    return ga__appended(&k, f(c, argc, argv, argvlen));
}

GA_EXPORT int redisAppendFormattedCommand(redisContext *c, const char *cmd, size_t len)
{
    ga_hr_redisAppendFormattedCommand_fn f = GA_HR(redisAppendFormattedCommand, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    const char *name = NULL;
    size_t nlen = ga__resp_name(cmd, len, &name);
    ga__call k;                     /* not a whole command (or inline): no announcement */
    ga__enter(&k, c, nlen ? name : NULL, nlen, 0, GA_CALLER());
    return ga__appended(&k, f(c, cmd, len));
}

/* ------------------------------------------------------------------ replies and writes */

GA_EXPORT int redisGetReply(redisContext *c, void **reply)
{
    ga_hr_redisGetReply_fn f = GA_HR(redisGetReply, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    ga__call k;
    ga__enter(&k, c, NULL, 0, 0, GA_CALLER());
    int rc = f(c, reply);
    if (k.outer) {
        /* The oldest command still announced for c was answered (or failed) unseen. */
        int busy = ga_tls_busy;
        ga_tls_busy = 1;
        void *r = rc == GA_REDIS_OK && reply != NULL ? *reply : NULL;
        int err = rc != GA_REDIS_OK ? ga__ctx_err(c) : 0;
        ga_resp_link_op *op = ga_resp_link_oldest(c);
        if (op != NULL && (r != NULL || err != 0))
            ga__hook_only(op, r, err);
        ga_tls_busy = busy;
    }
    ga__leave(&k);
    return rc;
}

GA_EXPORT int redisBufferWrite(redisContext *c, int *done)
{
    ga_hr_redisBufferWrite_fn f = GA_HR(redisBufferWrite, GA_CALLER());
    if (f == NULL)
        return GA_REDIS_ERR;
    ga__call k;
    ga__enter(&k, c, NULL, 0, 0, GA_CALLER());
    int rc = f(c, done);
    ga__leave(&k);
    return rc;
}
