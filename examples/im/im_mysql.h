/* im_mysql.h — a libmariadb connection for im-logic: always TCP to a numeric host and port
 * (never the unix socket); when a statement fails because the connection dropped, it
 * reconnects once and runs the statement once more. */
#ifndef IM_MYSQL_H
#define IM_MYSQL_H

#include <mysql.h>

#include "im_args.h"
#include "im_buf.h"

typedef struct im_mysql {
    MYSQL      *m;          /* NULL while disconnected */
    im_addr     addr;
    const char *user;
    const char *password;
    const char *db;
} im_mysql;

/* Connects. 0, or -1 with the reason logged. The strings must outlive d. */
int       im_mysql_open(im_mysql *d, const im_addr *a, const char *user, const char *password,
                        const char *db);
void      im_mysql_close(im_mysql *d);

/* A statement without a result set. 0 or -1 (logged). */
int       im_mysql_exec(im_mysql *d, const im_buf *sql);

/* A SELECT: the stored result (mysql_free_result() it), or NULL (logged). */
MYSQL_RES *im_mysql_select(im_mysql *d, const im_buf *sql);

/* The AUTO_INCREMENT id of the last INSERT. */
unsigned long long im_mysql_insert_id(const im_mysql *d);

/* Appends s as a quoted SQL string ('...' through mysql_real_escape_string). 0 or -1. */
int       im_mysql_quote(im_mysql *d, im_buf *sql, const char *s);

#endif
