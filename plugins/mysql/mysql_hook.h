/* mysql_hook.h — how a library-level hook (plugins/mysql/hook_libmysql.c) and the wire parser
 * (plugins/mysql/mysql_handler.c) share one span per query.
 *
 * The hook runs first, on the application thread that calls mysql_real_query() & co.: it
 * gives the call a span identity and a start time and publishes them in ga_my_tls_op with the
 * command byte that call is about to send (`want`). While the real library function runs, the
 * same thread writes that command on the socket; the wire parser, seeing a command of that
 * kind with `want` set and not yet `claimed`, adopts the identity and start time, sets
 * `claimed`, and from then on owns the span: it ends it when the response is complete (for a
 * result set, at its last row, possibly long after the hook returned). A hook whose op was
 * not claimed (the wire is TLS or compressed, or the call failed before sending) emits the
 * span itself when the call returns.
 *
 * mysql_real_connect() publishes the host and port it was given in ga_my_tls_conn for the
 * duration of the call; the wire parser copies them when it sees the server greeting on that
 * thread (server.address as the application named it, e.g. "db.example" rather than an IP).
 *
 * Both variables are thread-local: no lock, no sharing between threads. */
#ifndef GA_MYSQL_HOOK_H
#define GA_MYSQL_HOOK_H

#include <stdint.h>
#include "preload/ga.h"
#include "preload/context.h"

typedef struct ga_my_hook_op {
    ga_span_ids ids;
    uint64_t start_ns;
    uint8_t want;           /* COM_* the hooked call sends; 0 = no hook span open */
    uint8_t claimed;        /* the wire parser adopted the span (and will emit it) */
} ga_my_hook_op;

typedef struct ga_my_hook_conn {
    const char *host;       /* the application's argument; valid while `active` */
    unsigned port;
    uint8_t active;
} ga_my_hook_conn;

extern GA_TLS ga_my_hook_op ga_my_tls_op;
extern GA_TLS ga_my_hook_conn ga_my_tls_conn;

/* The hooks' side (plugins/mysql/mysql_hookspan.c). `m` is the application's MYSQL handle, used
 * only as a key (never dereferenced); NULL when the call has none (statements). */

/* A connection succeeded: remember what the application named, for spans the wire parser
 * cannot see. Bounded table; when full those spans simply lack the names. */
void ga_my_hook_connected(const void *m, const char *host, unsigned port, const char *db,
                          const char *server_info);

/* mysql_real_connect(m) failed with `error` (mysql_errno). The span of the attempt, opened
 * with ga_my_hook_open(GA_MY_COM_CONNECT), is emitted when the wire parser did not claim it
 * (the login went over TLS) and the server refused it (an error number outside the client
 * library's own 2000-2999: refused connections are the connect span's, not a database call). */
void ga_my_hook_connect_failed(const char *host, unsigned port, const char *db, int error);

/* mysql_close(m): forget it (a deferred span is emitted as ended by the close). */
void ga_my_hook_forget(const void *m);

/* Open the span of a call that is about to send command `cmd` (ga_my_tls_op). */
void ga_my_hook_open(uint8_t cmd);

/* The call returned. If the wire parser did not claim the span, emit it now (op, text as the
 * application passed it, error number or 0). Closes ga_my_tls_op either way. */
void ga_my_hook_done(const void *m, uint8_t op, const char *text, size_t len, int error);

/* mysql_stmt_init(m) returned stmt: remember its connection (bounded table, the oldest entry
 * is reused). */
void ga_my_hook_stmt_init(const void *stmt, const void *m);

/* mysql_stmt_prepare / mysql_stmt_execute on stmt returned (prepare: its text; execute: NULL).
 * A successful prepare's text is remembered; an unclaimed span is emitted like
 * ga_my_hook_done, with the statement's connection names and, for an execute, its text. */
void ga_my_hook_stmt_done(const void *stmt, uint8_t op, const char *text, size_t len, int error);

/* mysql_send_query(m) returned without error and unclaimed: keep the span open on the handle
 * until mysql_read_query_result(m). Returns 0 when kept, -1 when there is no room (then call
 * ga_my_hook_done). */
int ga_my_hook_defer(const void *m, const char *text, size_t len);

/* mysql_read_query_result(m) returned (error = its error number, 0 on success): end the span
 * mysql_send_query left open, if any. */
void ga_my_hook_resume_done(const void *m, int error);

/* GENESIS_SQLCOMMENTER=1: write `text` + a traceparent comment of the open span into buf;
 * returns the new length, or 0 when the text must be sent unchanged (off, too long, or it
 * ends with `;` or holds a line comment the appended comment could fall into). */
size_t ga_my_sqlcommenter(const char *text, size_t len, char *buf, size_t cap);

#endif
