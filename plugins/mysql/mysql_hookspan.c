/* mysql_hookspan.c — the library hooks' half of a MySQL span (contracts in mysql_hook.h):
 * opening it in ga_my_tls_op, emitting it when the wire parser did not claim it, keeping the
 * span of mysql_send_query open until mysql_read_query_result, the per-handle memory of what
 * mysql_real_connect was given, and the optional SQL commenter. Application thread: no
 * allocation, no lock (the handle table is claimed slot by slot with compare-and-swap). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "plugins/mysql/mysql_hook.h"
#include "plugins/mysql/mysql_handler.h"
#include "plugins/mysql/mysql_plugin.h"
#include "preload/emit.h"

#define GA__HANDLES 32

typedef struct ga__handle {
    const void *_Atomic key;
    uint8_t mariadb, db_len, host_len, pending;
    uint16_t port;
    uint16_t text_len;
    uint8_t truncated;
    char db[GA_MY_NAME_MAX];
    char host[GA_MY_NAME_MAX];
    ga_my_hook_op op;                       /* mysql_send_query waiting for its result */
    char text[GA_MY_TEXT_CAP];
} ga__handle;

static ga__handle ga__handles[GA__HANDLES];

#define GA__STMTS 64

typedef struct ga__stmt {
    const void *_Atomic key;                /* MYSQL_STMT * */
    const void *m;                          /* its MYSQL * */
    uint16_t len;
    uint8_t truncated;
    char text[GA_MY_STMT_TEXT];             /* as prepared */
} ga__stmt;

static ga__stmt ga__stmts[GA__STMTS];
static _Atomic unsigned ga__stmt_next;
static ga__handle *ga__find(const void *m)
{
    for (int i = 0; m != NULL && i < GA__HANDLES; i++)
        if (atomic_load_explicit(&ga__handles[i].key, memory_order_relaxed) == m)
            return &ga__handles[i];
    return NULL;
}

void ga_my_hook_connected(const void *m, const char *host, unsigned port, const char *db,
                          const char *server_info)
{
    ga__handle *h = ga__find(m);
    for (int i = 0; h == NULL && i < GA__HANDLES; i++) {
        const void *expected = NULL;
        if (atomic_compare_exchange_strong(&ga__handles[i].key, &expected, m))
            h = &ga__handles[i];
    }
    if (h == NULL)
        return;
    h->pending = 0;
    h->port = (uint16_t)port;
    h->mariadb = server_info != NULL && strstr(server_info, "MariaDB") != NULL;
    host = host != NULL ? host : "localhost";
    ga_my_set_name(h->host, &h->host_len, host, strnlen(host, GA_MY_NAME_MAX));
    h->db_len = 0;
    if (db != NULL)
        ga_my_set_name(h->db, &h->db_len, db, strnlen(db, GA_MY_NAME_MAX));
}

static ga__stmt *ga__stmt_find(const void *stmt)
{
    for (int i = 0; stmt != NULL && i < GA__STMTS; i++)
        if (atomic_load_explicit(&ga__stmts[i].key, memory_order_relaxed) == stmt)
            return &ga__stmts[i];
    return NULL;
}

void ga_my_hook_stmt_init(const void *stmt, const void *m)
{
    ga__stmt *e = ga__stmt_find(stmt);
    if (e == NULL)
        e = &ga__stmts[atomic_fetch_add_explicit(&ga__stmt_next, 1, memory_order_relaxed) % GA__STMTS];
    atomic_store_explicit(&e->key, NULL, memory_order_relaxed);
    e->m = m;
    e->len = 0;
    atomic_store_explicit(&e->key, stmt, memory_order_relaxed);
}

void ga_my_hook_open(uint8_t cmd)
{
    ga_my_hook_op *op = &ga_my_tls_op;
    if (ga_my_cfg.sqlcommenter)
        ga_span_start(&op->ids, NULL);          /* its traceparent goes into the SQL text */
    else
        ga_span_start_leaf(&op->ids);           /* a leaf: its ids are drawn by the exporter */
    op->start_ns = ga_now_ns();
    op->claimed = 0;
    op->want = cmd;
}

static void ga__emit(const ga__handle *h, const ga_my_hook_op *op, uint8_t rop, int closed,
                     const char *text, size_t len, int truncated, int error)
{
    uint8_t cmd = rop == GA_OP_MYSQL_PREPARE ? GA_MY_COM_STMT_PREPARE :
                  rop == GA_OP_MYSQL_EXECUTE ? GA_MY_COM_STMT_EXECUTE :
                  rop == GA_OP_MYSQL_COMMAND ? GA_MY_COM_CONNECT : GA_MY_COM_QUERY;
    if (len > GA_MY_TEXT_CAP) {
        len = GA_MY_TEXT_CAP;
        truncated = 1;
    }
    ga_my_span sp = {
        .op = rop, .ids = &op->ids, .start_ns = op->start_ns, .end_ns = ga_now_ns(),
        .info = cmd | GA_MY_I_HOOK | (truncated ? GA_MY_I_TRUNCATED : 0) |
                (closed ? GA_MY_I_CLOSED : 0) | (h != NULL && h->mariadb ? GA_MY_I_MARIADB : 0),
        .error = error, .text = text, .text_len = text != NULL ? len : 0,
    };
    if (h != NULL) {
        sp.db = h->db;
        sp.db_len = h->db_len;
        sp.host = h->host;
        sp.host_len = h->host_len;
        sp.port = h->port;
    }
    ga_my_emit(&sp);
}

void ga_my_hook_connect_failed(const char *host, unsigned port, const char *db, int error)
{
    ga_my_hook_op *o = &ga_my_tls_op;
    if (o->want == GA_MY_COM_CONNECT && !o->claimed && error > 0 && (error < 2000 || error > 2999)) {
        ga__handle h = { .port = (uint16_t)port };
        host = host != NULL ? host : "localhost";
        ga_my_set_name(h.host, &h.host_len, host, strnlen(host, GA_MY_NAME_MAX));
        if (db != NULL)
            ga_my_set_name(h.db, &h.db_len, db, strnlen(db, GA_MY_NAME_MAX));
        ga__emit(&h, o, GA_OP_MYSQL_COMMAND, 0, NULL, 0, 0, error);
    }
    o->want = 0;
}

/* A successful `USE name` the wire did not see: the handle's database changes. */
static void ga__use(ga__handle *h, const char *text, size_t len)
{
    const char *name;
    size_t n = h != NULL && text != NULL ? ga_my_use_target(text, len, &name) : 0;
    if (n > 0)
        ga_my_set_name(h->db, &h->db_len, name, n);
}

void ga_my_hook_done(const void *m, uint8_t op, const char *text, size_t len, int error)
{
    ga_my_hook_op *o = &ga_my_tls_op;
    if (o->want != 0 && !o->claimed) {
        ga__handle *h = ga__find(m);
        if (op == GA_OP_MYSQL_QUERY && error == 0)
            ga__use(h, text, len);
        ga__emit(h, o, op, 0, text, len, 0, error);
    }
    o->want = 0;
}

void ga_my_hook_stmt_done(const void *stmt, uint8_t op, const char *text, size_t len, int error)
{
    ga__stmt *e = ga__stmt_find(stmt);
    if (e != NULL && op == GA_OP_MYSQL_PREPARE && error == 0 && text != NULL) {
        e->len = (uint16_t)(len < GA_MY_STMT_TEXT ? len : GA_MY_STMT_TEXT);
        e->truncated = len > GA_MY_STMT_TEXT;
        memcpy(e->text, text, e->len);
    }
    ga_my_hook_op *o = &ga_my_tls_op;
    if (o->want != 0 && !o->claimed) {
        int truncated = 0;
        if (e != NULL && op == GA_OP_MYSQL_EXECUTE && e->len > 0) {
            text = e->text;
            len = e->len;
            truncated = e->truncated;
        }
        ga__emit(ga__find(e != NULL ? e->m : NULL), o, op, 0, text, len, truncated, error);
    }
    o->want = 0;
}

int ga_my_hook_defer(const void *m, const char *text, size_t len)
{
    ga__handle *h = ga__find(m);
    ga_my_hook_op *o = &ga_my_tls_op;
    if (h == NULL)
        return -1;
    if (text == NULL)
        len = 0;
    h->op = *o;
    h->truncated = len > GA_MY_TEXT_CAP;
    h->text_len = (uint16_t)(h->truncated ? GA_MY_TEXT_CAP : len);
    memcpy(h->text, text, h->text_len);
    h->pending = 1;
    o->want = 0;
    return 0;
}

void ga_my_hook_resume_done(const void *m, int error)
{
    ga__handle *h = ga__find(m);
    if (h == NULL || !h->pending)
        return;
    h->pending = 0;
    if (error == 0)
        ga__use(h, h->text, h->text_len);
    ga__emit(h, &h->op, GA_OP_MYSQL_QUERY, 0, h->text, h->text_len, h->truncated, error);
}

void ga_my_hook_forget(const void *m)
{
    ga__handle *h = ga__find(m);
    if (h == NULL)
        return;
    if (h->pending)
        ga__emit(h, &h->op, GA_OP_MYSQL_QUERY, 1, h->text, h->text_len, h->truncated, 0);
    h->pending = 0;
    atomic_store_explicit(&h->key, NULL, memory_order_relaxed);
}

/* May a comment be appended to this text? Not after `;` (an empty statement would follow)
 * nor when a `#` or `--` comment could swallow it. */
static int ga__commentable(const char *t, size_t len)
{
    while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\n' || t[len - 1] == '\t' ||
                       t[len - 1] == '\r'))
        len--;
    if (len == 0 || t[len - 1] == ';')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '#' || (t[i] == '-' && i + 1 < len && t[i + 1] == '-'))
            return 0;
    return 1;
}

size_t ga_my_sqlcommenter(const char *text, size_t len, char *buf, size_t cap)
{
    static const char pre[] = "/*traceparent='", post[] = "'*/";
    const ga_my_hook_op *o = &ga_my_tls_op;
    size_t add = sizeof pre - 1 + 55 + sizeof post - 1;
    if (!ga_my_cfg.sqlcommenter || o->want == 0 || text == NULL || len + add > cap || !ga__commentable(text, len))
        return 0;
    char tp[56];
    ga_traceparent_format(o->ids.trace_id, o->ids.span_id, o->ids.flags, tp);
    memcpy(buf, text, len);
    memcpy(buf + len, pre, sizeof pre - 1);
    memcpy(buf + len + sizeof pre - 1, tp, 55);
    memcpy(buf + len + sizeof pre - 1 + 55, post, sizeof post - 1);
    return len + add;
}
