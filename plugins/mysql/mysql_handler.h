/* mysql_handler.h — the per-connection state of the MySQL handler (application thread), kept
 * in ga_conn.state (2048 bytes): the wire parser, what is known of the connection (server
 * kind, current database, the host the application named), the commands in flight with their
 * span identity and raw text, and a small statement-id → SQL text map.
 *
 * mysql_handler.c plugs the parser into preload/proto.h; mysql_calls.c turns the parser's
 * events into spans. */
#ifndef GA_MYSQL_HANDLER_H
#define GA_MYSQL_HANDLER_H

#include "protocols/mysql/mysql.h"
#include "plugins/mysql/mysql_rec.h"
#include "preload/conn.h"
#include "preload/fdtable.h"

#define GA_MY_SLOTS 2               /* commands in flight with a span */
#define GA_MY_STMTS 6               /* prepared statements remembered per connection */
#define GA_MY_STMT_TEXT 118         /* bytes of each statement's text */

typedef struct ga_my_slot {
    ga_span_ids ids;
    uint8_t used, cmd, hooked, truncated;
    uint16_t text_len;
    uint32_t stmt_id;
    uint32_t schema_events;         /* ga_my_state.schema_events when the command started */
    uint64_t start_ns;
    char text[GA_MY_TEXT_CAP];
} ga_my_slot;

typedef struct ga_my_stmt {
    uint32_t id;
    uint8_t used, truncated;
    uint16_t len;
    uint16_t age;                   /* for eviction: larger = more recent */
    char text[GA_MY_STMT_TEXT];
} ga_my_stmt;

typedef struct ga_my_state {
    ga_my_parser p;
    ga_addr peer;
    uint8_t mariadb;
    uint8_t db_len;
    uint8_t host_len;
    uint8_t pad;
    uint16_t port;                  /* from mysql_real_connect, 0 = unknown */
    uint16_t stmt_age;
    uint32_t last_stmt;             /* MariaDB: id 0xffffffff = the last one prepared */
    uint32_t schema_events;         /* schema changes reported by the server */
    uint64_t login_ns;              /* when the greeting arrived: a refused login's start */
    char db[GA_MY_NAME_MAX];
    char host[GA_MY_NAME_MAX];
    ga_my_slot slot[GA_MY_SLOTS];
    ga_my_stmt stmt[GA_MY_STMTS];
} ga_my_state;

_Static_assert(sizeof(ga_my_state) <= GA_CONN_STATE_SIZE, "MySQL state must fit ga_conn.state");

/* The sink the handler gives the parser; ctx is the ga_my_state. */
extern const ga_my_sink ga_my_span_sink;

/* `USE name` (or USE `name`) at the start of an SQL text: the name and its length, 0 when the
 * text is not a USE. For servers or paths that do not report the schema change. */
size_t ga_my_use_target(const char *text, size_t len, const char **name);

/* Set a name (database, host) from bytes, bounded. */
void ga_my_set_name(char *dst, uint8_t *len, const void *src, size_t n);

#endif
