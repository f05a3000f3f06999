/* mysql.c — symbol hooks on the MySQL client libraries (libmariadb, libmysqlclient) when a
 * program links them dynamically: mysql_real_connect, mysql_real_query, mysql_query,
 * mysql_send_query + mysql_read_query_result, mysql_stmt_init (to know a statement's
 * connection), mysql_stmt_prepare, mysql_stmt_execute, mysql_close.
 *
 * One query, one span: the hook opens it (identity, start time: plugins/mysql/mysql_hook.h) and
 * the wire parser, seeing the command go out on this thread, adopts and ends it — at the last
 * row of a result set. When the wire cannot be read (TLS, compression) the hook ends the span
 * itself when the call returns, with the error number the library reports. Calls made inside
 * another hooked call (mysql_query → mysql_real_query through the PLT) pass straight through.
 *
 * The real functions are found lazily: dlsym(RTLD_NEXT), else the client library already
 * loaded privately (Python and Perl load extensions RTLD_LOCAL, so RTLD_NEXT finds nothing):
 * dlopen(<soname>, RTLD_NOLOAD), else any loaded object that defines the symbol. A symbol
 * found nowhere is never called: the hook returns the library's error value.
 *
 * GENESIS_SQLCOMMENTER=1 appends `/ *traceparent='00-…'* /` (without the spaces) to COM_QUERY
 * texts up to GA__SQLC_MAX bytes so that the server's own logs carry the trace id. */
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include "hooks/hook.h"
#include "protocols/mysql/mysql.h"
#include "plugins/mysql/mysql_hook.h"
#include "plugins/mysql/mysql_plugin.h"
#include "plugins/mysql/mysql_rec.h"

typedef struct st_mysql MYSQL;
typedef struct st_mysql_stmt MYSQL_STMT;

GA_EXPORT MYSQL *mysql_real_connect(MYSQL *m, const char *host, const char *user,
                                    const char *passwd, const char *db, unsigned int port,
                                    const char *unix_socket, unsigned long flags);
GA_EXPORT int mysql_real_query(MYSQL *m, const char *q, unsigned long len);
GA_EXPORT int mysql_query(MYSQL *m, const char *q);
GA_EXPORT int mysql_send_query(MYSQL *m, const char *q, unsigned long len);
GA_EXPORT char mysql_read_query_result(MYSQL *m);
GA_EXPORT MYSQL_STMT *mysql_stmt_init(MYSQL *m);
GA_EXPORT int mysql_stmt_prepare(MYSQL_STMT *s, const char *q, unsigned long len);
GA_EXPORT int mysql_stmt_execute(MYSQL_STMT *s);
GA_EXPORT void mysql_close(MYSQL *m);

typedef MYSQL *(*ga__connect_fn)(MYSQL *, const char *, const char *, const char *,
                                 const char *, unsigned int, const char *, unsigned long);
typedef int (*ga__query_fn)(MYSQL *, const char *, unsigned long);
typedef int (*ga__query0_fn)(MYSQL *, const char *);
typedef char (*ga__read_fn)(MYSQL *);
typedef MYSQL_STMT *(*ga__stmt_init_fn)(MYSQL *);
typedef int (*ga__prepare_fn)(MYSQL_STMT *, const char *, unsigned long);
typedef int (*ga__stmt_fn)(MYSQL_STMT *);
typedef void (*ga__close_fn)(MYSQL *);
typedef unsigned int (*ga__errno_fn)(MYSQL *);
typedef unsigned int (*ga__stmt_errno_fn)(MYSQL_STMT *);
typedef const char *(*ga__info_fn)(MYSQL *);

/* ------------------------------------------------------------------------------------------
 * Finding the real functions */

enum { S_CONNECT, S_REAL_QUERY, S_QUERY, S_SEND_QUERY, S_READ_RESULT, S_STMT_INIT,
       S_STMT_PREPARE, S_STMT_EXECUTE, S_CLOSE, S_ERRNO, S_STMT_ERRNO, S_SERVER_INFO, S_COUNT };
static const char ga__names[S_COUNT][24] = {
    "mysql_real_connect", "mysql_real_query", "mysql_query", "mysql_send_query",
    "mysql_read_query_result", "mysql_stmt_init", "mysql_stmt_prepare", "mysql_stmt_execute",
    "mysql_close", "mysql_errno", "mysql_stmt_errno", "mysql_get_server_info",
};
static const char ga__sonames[][29] = {
    "libmariadb.so.3", "libmysqlclient.so.21", "libmysqlclient.so.24", "libmysqlclient.so.22",
    "libmysqlclient.so.20", "libmysqlclient.so.18", "libperconaserverclient.so.21",
};
static void *_Atomic ga__real[S_COUNT];

static void *ga__from(void *handle, const char *name)
{
    void *p = handle != NULL ? dlsym(handle, name) : NULL;
    return p != NULL && !ga_real_is_ours(p) ? p : NULL;
}

#define GA__MAX_OBJECTS 64
typedef struct { const char *name[GA__MAX_OBJECTS]; int n; } ga__objects;

static int ga__collect(struct dl_phdr_info *info, size_t size, void *arg)
{
    ga__objects *o = arg;
    if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0' && o->n < GA__MAX_OBJECTS)
        o->name[o->n++] = info->dlpi_name;
    return 0;
}

/* Any loaded object that defines `name` (objects loaded RTLD_LOCAL under another soname). */
static void *ga__scan(const char *name)
{
    ga__objects o = { .n = 0 };
    dl_iterate_phdr(ga__collect, &o);           /* names first: no dlopen under its lock */
    for (int i = 0; i < o.n; i++) {
        void *h = dlopen(o.name[i], RTLD_NOLOAD | RTLD_LAZY);
        void *p = ga__from(h, name);
        if (p != NULL)
            return p;                           /* the handle stays open: it is in use */
        if (h != NULL)
            dlclose(h);
    }
    return NULL;
}

static void *ga__resolve(int s)
{
    int busy = ga_tls_busy;
    ga_tls_busy = 1;                            /* our own I/O hooks pass through meanwhile */
    void *p = ga__from(RTLD_NEXT, ga__names[s]);
    for (size_t i = 0; p == NULL && i < GA_ARRAY_LEN(ga__sonames); i++) {
        void *h = dlopen(ga__sonames[i], RTLD_NOLOAD | RTLD_LAZY);
        p = ga__from(h, ga__names[s]);
        if (p == NULL && h != NULL)
            dlclose(h);
    }
    if (p == NULL)
        p = ga__scan(ga__names[s]);
    ga_tls_busy = busy;
    if (p != NULL)
        atomic_store_explicit(&ga__real[s], p, memory_order_relaxed);
    return p;
}

static void *ga__sym(int s)
{
    void *p = atomic_load_explicit(&ga__real[s], memory_order_relaxed);
    return ga_likely(p != NULL) ? p : ga__resolve(s);
}


/* ------------------------------------------------------------------------------------------
 * The hooks */

#define GA__SQLC_MAX 2048           /* stack buffer for the SQL commenter */

static GA_TLS int ga__depth;        /* inside a hooked call: nested ones pass through */

/* 1 when this call is the outermost hooked call of an observed thread (then ga__leave). */
static int ga__enter(void)
{
    if (ga__depth || !ga_observing())
        return 0;
    ga__depth = 1;
    return 1;
}

static void ga__leave(void) { ga__depth = 0; }

static int ga__errno_of(MYSQL *m)
{
    ga__errno_fn f = (ga__errno_fn)ga__sym(S_ERRNO);
    return f != NULL ? (int)f(m) : -1;
}

static int ga__stmt_errno_of(MYSQL_STMT *s)
{
    ga__stmt_errno_fn f = (ga__stmt_errno_fn)ga__sym(S_STMT_ERRNO);
    return f != NULL ? (int)f(s) : -1;
}

GA_EXPORT MYSQL *mysql_real_connect(MYSQL *m, const char *host, const char *user,
                                    const char *passwd, const char *db, unsigned int port,
                                    const char *unix_socket, unsigned long flags)
{
    ga__connect_fn f = (ga__connect_fn)ga__sym(S_CONNECT);
    if (f == NULL)
        return NULL;
    if (!ga__enter())
        return f(m, host, user, passwd, db, port, unix_socket, flags);
    ga_my_tls_conn = (ga_my_hook_conn){ .host = host, .port = port, .active = 1 };
    ga_my_hook_open(GA_MY_COM_CONNECT);         /* a refused login becomes a span */
    MYSQL *r = f(m, host, user, passwd, db, port, unix_socket, flags);
    int saved = errno;
    ga_my_tls_conn.active = 0;
    if (r != NULL) {
        ga_my_tls_op.want = 0;
        ga__info_fn info = (ga__info_fn)ga__sym(S_SERVER_INFO);
        ga_my_hook_connected(m, host, port, db, info != NULL ? info(m) : NULL);
    } else {
        ga_my_hook_connect_failed(host, port, db, ga__errno_of(m));
    }
    ga__leave();
    errno = saved;
    return r;
}

/* A COM_QUERY call: open the span, maybe add the commenter, call, close the span. `f0`
 * (mysql_query) is called with the NUL-terminated text when it is sent unchanged; `send`:
 * mysql_send_query, whose span ends in mysql_read_query_result. */
static int ga__text_query(MYSQL *m, const char *q, unsigned long len, ga__query_fn f,
                          ga__query0_fn f0, int send)
{
    char buf[GA__SQLC_MAX];
    ga_my_hook_open(GA_MY_COM_QUERY);
    size_t n = f != NULL && ga_my_cfg.sqlcommenter ? ga_my_sqlcommenter(q, len, buf, sizeof buf) : 0;
    int rc = n ? f(m, buf, n) : f0 != NULL ? f0(m, q) : f(m, q, len);
    int saved = errno;
    int err = rc != 0 ? ga__errno_of(m) : 0;
    if (!send || ga_my_tls_op.claimed || err != 0 || ga_my_hook_defer(m, q, len) != 0)
        ga_my_hook_done(m, GA_OP_MYSQL_QUERY, q, len, err);
    errno = saved;
    return rc;
}

GA_EXPORT int mysql_real_query(MYSQL *m, const char *q, unsigned long len)
{
    ga__query_fn f = (ga__query_fn)ga__sym(S_REAL_QUERY);
    if (f == NULL)
        return 1;
    if (!ga__enter())
        return f(m, q, len);
    int rc = ga__text_query(m, q, len, f, NULL, 0);
    ga__leave();
    return rc;
}

/* mysql_query = mysql_real_query(strlen): the same span; the real mysql_query is called
 * unless the commenter changes the text (then the real mysql_real_query, if there is one). */
GA_EXPORT int mysql_query(MYSQL *m, const char *q)
{
    ga__query0_fn f0 = (ga__query0_fn)ga__sym(S_QUERY);
    if (f0 == NULL)
        return 1;
    if (!ga__enter() || q == NULL)
        return f0(m, q);
    int rc = ga__text_query(m, q, strlen(q), (ga__query_fn)ga__sym(S_REAL_QUERY), f0, 0);
    ga__leave();
    return rc;
}

GA_EXPORT int mysql_send_query(MYSQL *m, const char *q, unsigned long len)
{
    ga__query_fn f = (ga__query_fn)ga__sym(S_SEND_QUERY);
    if (f == NULL)
        return 1;
    if (!ga__enter())
        return f(m, q, len);
    int rc = ga__text_query(m, q, len, f, NULL, 1);
    ga__leave();
    return rc;
}

GA_EXPORT char mysql_read_query_result(MYSQL *m)
{
    ga__read_fn f = (ga__read_fn)ga__sym(S_READ_RESULT);
    if (f == NULL)
        return 1;
    if (!ga__enter())
        return f(m);
    char rc = f(m);
    int saved = errno;
    ga_my_hook_resume_done(m, rc ? ga__errno_of(m) : 0);
    ga__leave();
    errno = saved;
    return rc;
}

/* mysql_stmt_init: which connection a statement belongs to, for spans the wire cannot see. */
GA_EXPORT MYSQL_STMT *mysql_stmt_init(MYSQL *m)
{
    ga__stmt_init_fn f = (ga__stmt_init_fn)ga__sym(S_STMT_INIT);
    if (f == NULL)
        return NULL;
    if (!ga__enter())
        return f(m);
    MYSQL_STMT *s = f(m);
    if (s != NULL) {
        int saved = errno;
        ga_my_hook_stmt_init(s, m);
        errno = saved;
    }
    ga__leave();
    return s;
}

/* A statement call returned (prepare: its text; execute: none, it was prepared). */
static int ga__stmt_call(MYSQL_STMT *s, const char *q, unsigned long len, uint8_t cmd,
                         int rc_of_call)
{
    int saved = errno;
    int err = rc_of_call != 0 ? ga__stmt_errno_of(s) : 0;
    ga_my_hook_stmt_done(s, cmd == GA_MY_COM_STMT_PREPARE ? GA_OP_MYSQL_PREPARE : GA_OP_MYSQL_EXECUTE,
                         q, len, err);
    errno = saved;
    return rc_of_call;
}

GA_EXPORT int mysql_stmt_prepare(MYSQL_STMT *s, const char *q, unsigned long len)
{
    ga__prepare_fn f = (ga__prepare_fn)ga__sym(S_STMT_PREPARE);
    if (f == NULL)
        return 1;
    if (!ga__enter())
        return f(s, q, len);
    ga_my_hook_open(GA_MY_COM_STMT_PREPARE);
    int rc = ga__stmt_call(s, q, len, GA_MY_COM_STMT_PREPARE, f(s, q, len));
    ga__leave();
    return rc;
}

GA_EXPORT int mysql_stmt_execute(MYSQL_STMT *s)
{
    ga__stmt_fn f = (ga__stmt_fn)ga__sym(S_STMT_EXECUTE);
    if (f == NULL)
        return 1;
    if (!ga__enter())
        return f(s);
    ga_my_hook_open(GA_MY_COM_STMT_EXECUTE);
    int rc = ga__stmt_call(s, NULL, 0, GA_MY_COM_STMT_EXECUTE, f(s));
    ga__leave();
    return rc;
}

GA_EXPORT void mysql_close(MYSQL *m)
{
    ga__close_fn f = (ga__close_fn)ga__sym(S_CLOSE);
    if (f == NULL)
        return;
    if (ga__enter()) {
        int saved = errno;
        ga_my_hook_forget(m);
        errno = saved;
        ga__leave();
    }
    f(m);
}
