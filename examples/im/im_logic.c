/* im_logic.c — im-logic, the IM business service: stores messages in MySQL, keeps the recent
 * history and the push queues in Redis, and asks the comet node holding the recipient's device
 * to push (a NATS request). This file: options, connections, routes and the message JSON. */
#include "im_logic.h"

#include <unistd.h>

#include "im_args.h"
#include "im_util.h"

void im_logic_msg_json(im_buf *b, const char *id, const char *from, const char *to,
                       const char *text)
{
    im_buf_printf(b, "{\"id\":%s,\"from\":", id);
    im_buf_json_str(b, from);
    im_buf_puts(b, ",\"to\":");
    im_buf_json_str(b, to);
    im_buf_puts(b, ",\"text\":");
    im_buf_json_str(b, text);
    im_buf_puts(b, "}");
}

static const im_route logic_routes[] = {
    { "/send", "POST", im_logic_send },
    { "/history", "GET", im_logic_history },
    { "/healthz", "GET", im_http_healthz },
};

typedef struct logic_args {
    const char *listen, *mysql, *user, *password, *db, *redis, *nats;
    im_addr     listen_addr, mysql_addr, redis_addr, nats_addr;
} logic_args;

static int logic_parse_args(int argc, char **argv, logic_args *a)
{
    const im_opt opts[] = {
        { "listen", "127.0.0.1:PORT", "address to listen on", 1, &a->listen },
        { "mysql", "127.0.0.1:PORT", "MySQL/MariaDB server (TCP)", 1, &a->mysql },
        { "mysql-user", "USER", "MySQL user", 1, &a->user },
        { "mysql-password", "PW", "MySQL password", 1, &a->password },
        { "mysql-db", "DB", "database holding the im schema (schema.sql)", 1, &a->db },
        { "redis", "127.0.0.1:PORT", "Redis server", 1, &a->redis },
        { "nats", "127.0.0.1:PORT", "NATS server (delivery requests to im-comet)", 1, &a->nats },
    };
    int rc = im_args_parse(argc, argv, opts, sizeof opts / sizeof opts[0],
                           "The IM logic service: stores messages (MySQL), caches history and "
                           "queues pushes (Redis),\nasks im-comet to push (NATS).");
    if (rc != IM_ARGS_RUN)
        return rc;
    if (im_addr_parse(a->listen, &a->listen_addr, 1) != 0)
        return im_args_bad_value("listen", a->listen, "127.0.0.1:PORT");
    if (im_addr_parse(a->mysql, &a->mysql_addr, 0) != 0)
        return im_args_bad_value("mysql", a->mysql, "127.0.0.1:PORT");
    if (im_addr_parse(a->redis, &a->redis_addr, 0) != 0)
        return im_args_bad_value("redis", a->redis, "127.0.0.1:PORT");
    if (im_addr_parse(a->nats, &a->nats_addr, 0) != 0)
        return im_args_bad_value("nats", a->nats, "127.0.0.1:PORT");
    return IM_ARGS_RUN;
}

int main(int argc, char **argv)
{
    logic_args a = { 0 };
    im_logic L = { 0 };
    int lfd, rc;
    im_log_init("im-logic");
    if ((rc = logic_parse_args(argc, argv, &a)) != IM_ARGS_RUN)
        return rc == IM_ARGS_HELP ? 0 : 2;
    if (im_signals_install() != 0)
        return 1;
    if (im_mysql_open(&L.db, &a.mysql_addr, a.user, a.password, a.db) != 0)
        return 1;
    if (im_redis_open(&L.redis, &a.redis_addr) != 0 || im_nats_open(&L.nats, &a.nats_addr, "im-logic") != 0 ||
        im_http_listen(&a.listen_addr, &lfd) != 0) {
        im_mysql_close(&L.db);
        im_redis_close(&L.redis);
        im_nats_close(L.nats);
        mysql_library_end();
        return 1;
    }
    im_http_announce(lfd);
    rc = im_http_serve(lfd, logic_routes, sizeof logic_routes / sizeof logic_routes[0], &L);
    close(lfd);
    im_nats_close(L.nats);
    nats_Close();
    im_redis_close(&L.redis);
    im_mysql_close(&L.db);
    mysql_library_end();
    im_log("stopped");
    return rc == 0 ? 0 : 1;
}
