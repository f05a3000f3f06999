/* im_mysql.c — the reconnecting libmariadb connection of im-logic. */
#include "im_mysql.h"

#include <errmsg.h>
#include <stdlib.h>
#include <string.h>

#include "im_util.h"

static MYSQL *im_mysql_connect(const im_mysql *d)
{
    unsigned int proto = MYSQL_PROTOCOL_TCP, connect_s = 5, io_s = 30;
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        im_log("mysql: out of memory");
        return NULL;
    }
    mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, d->addr.host, d->user, d->password, d->db, d->addr.port, NULL, 0)) {
        im_log("mysql %s:%u: cannot connect: %s", d->addr.host, d->addr.port, mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

int im_mysql_open(im_mysql *d, const im_addr *a, const char *user, const char *password,
                  const char *db)
{
    d->addr = *a;
    d->user = user;
    d->password = password;
    d->db = db;
    d->m = im_mysql_connect(d);
    return d->m ? 0 : -1;
}

void im_mysql_close(im_mysql *d)
{
    if (d->m)
        mysql_close(d->m);
    d->m = NULL;
}

static int im_mysql_gone(unsigned int err)
{
    return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST || err == CR_CONNECTION_ERROR ||
           err == CR_CONN_HOST_ERROR;
}

/* Sends sql, reconnecting once (and sending it once more) if the connection dropped. */
static int im_mysql_query(im_mysql *d, const im_buf *sql)
{
    if (!d->m && !(d->m = im_mysql_connect(d)))
        return -1;
    if (mysql_real_query(d->m, im_buf_str(sql), sql->len) == 0)
        return 0;
    unsigned int err = mysql_errno(d->m);
    if (im_mysql_gone(err)) {
        im_log("mysql: %s; reconnecting", mysql_error(d->m));
        im_mysql_close(d);
        if (!(d->m = im_mysql_connect(d)))
            return -1;
        if (mysql_real_query(d->m, im_buf_str(sql), sql->len) == 0)
            return 0;
    }
    im_log("mysql: %s", mysql_error(d->m));
    return -1;
}

int im_mysql_exec(im_mysql *d, const im_buf *sql)
{
    if (im_mysql_query(d, sql) != 0)
        return -1;
    MYSQL_RES *res = mysql_store_result(d->m);   /* none expected; free one if there is */
    if (res)
        mysql_free_result(res);
    return 0;
}

MYSQL_RES *im_mysql_select(im_mysql *d, const im_buf *sql)
{
    if (im_mysql_query(d, sql) != 0)
        return NULL;
    MYSQL_RES *res = mysql_store_result(d->m);
    if (!res)
        im_log("mysql: no result: %s", mysql_error(d->m));
    return res;
}

unsigned long long im_mysql_insert_id(const im_mysql *d)
{
    return d->m ? (unsigned long long)mysql_insert_id(d->m) : 0;
}

int im_mysql_quote(im_mysql *d, im_buf *sql, const char *s)
{
    size_t n = strlen(s);
    char *esc = malloc(2 * n + 1);
    if (!esc || (!d->m && !(d->m = im_mysql_connect(d)))) {
        free(esc);
        return -1;
    }
    unsigned long len = mysql_real_escape_string(d->m, esc, s, (unsigned long)n);
    if (len == (unsigned long)-1) {
        free(esc);
        return -1;
    }
    im_buf_append(sql, "'", 1);
    im_buf_append(sql, esc, len);
    im_buf_append(sql, "'", 1);
    free(esc);
    return sql->oom ? -1 : 0;
}
