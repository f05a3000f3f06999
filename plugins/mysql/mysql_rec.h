/* mysql_rec.h — the MySQL records: the plug-in's op ids and attribute keys, and how a
 * finished database call becomes one record on the ring.
 *
 * Both producers — the wire parser's handler (mysql_handler.c) and the library hooks when the
 * wire is not visible (hook_libmysql.c: TLS connections) — describe the call as a ga_my_span
 * and hand it to ga_my_emit(). The application thread only copies raw facts (bounded raw SQL
 * bytes, numbers, names); mysql_ops.c decodes them, sanitising the text and deriving
 * db.query.summary and the span name on the exporter thread. */
#ifndef GA_MYSQL_REC_H
#define GA_MYSQL_REC_H

#include <stddef.h>
#include <stdint.h>
#include "preload/record.h"
#include "preload/context.h"

enum ga_my_op {
    GA_OP_MYSQL_QUERY = 1,                  /* COM_QUERY: text sanitised on export */
    GA_OP_MYSQL_PREPARE,                    /* COM_STMT_PREPARE: text verbatim */
    GA_OP_MYSQL_EXECUTE,                    /* COM_STMT_EXECUTE: the prepared text verbatim */
    GA_OP_MYSQL_COMMAND,                    /* any other command with a response (PING, ...) */
    GA_OP_MYSQL_COUNT
};

enum ga_my_key {
    GA_A_MY_INFO = GA_A_PLUGIN_FIRST,        /* int: GA_MY_I_* bits and the command byte */
    GA_A_MY_ERROR,                          /* int: MySQL/MariaDB error number */
    GA_A_MY_DB,                             /* str: db.namespace */
    GA_A_MY_HOST,                           /* str: server.address as the application named it */
    GA_A_MY_PORT,                           /* int: server.port as the application named it */
    GA_A_MY_TEXT,                           /* str: raw SQL bytes (possibly truncated) */
};

/* GA_A_MY_INFO bits (the low byte is the command). */
#define GA_MY_I_CMD         0x00ffu
#define GA_MY_I_MARIADB     0x0100u         /* db.system.name mariadb (else mysql) */
#define GA_MY_I_TRUNCATED   0x0200u         /* GA_A_MY_TEXT holds only the text's beginning */
#define GA_MY_I_HOOK        0x0400u         /* opened by a library hook */
#define GA_MY_I_WIRE        0x0800u         /* seen on the wire */
#define GA_MY_I_CLOSED      0x1000u         /* the connection ended before the response */

/* Raw SQL bytes kept on the application thread (the rest is flagged truncated). */
#define GA_MY_TEXT_CAP 256
#define GA_MY_NAME_MAX 64           /* database and host names */

typedef struct ga_my_span {
    uint8_t op;                     /* enum ga_my_op */
    uint32_t info;                  /* GA_MY_I_* | command byte */
    const ga_span_ids *ids;
    uint64_t start_ns, end_ns;
    int error;                      /* error number; 0 = success */
    const ga_addr *peer;            /* NULL or family 0 = unknown */
    const char *db;                 /* db.namespace, or NULL */
    size_t db_len;
    const char *host;               /* server.address as given to mysql_real_connect, or NULL */
    size_t host_len;
    unsigned port;                  /* server.port from the hook, 0 = from the peer */
    const char *text;               /* SQL text, or NULL */
    size_t text_len;
} ga_my_span;

/* Fill a begun record (ga_rec_init, preload/emit.h: no attributes yet) from s: status and
 * attributes (pure: no clock, no ring). Names are cut to GA_MY_NAME_MAX bytes; the text is
 * put last and cut to what fits, the cut flagged GA_MY_I_TRUNCATED. */
void ga_my_rec_fill(ga_rec *r, const ga_my_span *s);

/* Begin a record through the emit door, fill it, commit it (application thread; dropped and
 * counted when the ring is full). */
void ga_my_emit(const ga_my_span *s);

#endif
