/* mysql_handler.c — the MySQL/MariaDB plug-in's wire entry points (preload/plugin.h):
 * detection from the server greeting a client reads, whatever the port; the connection's bytes
 * to the parser (protocols/mysql/mysql.h) whose events become spans (mysql_calls.c); in-flight
 * commands ended at close. Application thread, connection state locked by the bridge. */
#include <string.h>
#include "plugins/mysql/mysql_handler.h"
#include "plugins/mysql/mysql_plugin.h"
#include "preload/log.h"

/* Only the client side of a connection is parsed: its first bytes are the greeting it reads. */
int ga_my_detect(const ga_fd *e, int out, const uint8_t *p, size_t n)
{
    if (out || e->role == GA_ROLE_SERVER || e->role == GA_ROLE_LISTENER)
        return 0;
    return ga_my_looks_like_greeting(p, n);
}

/* The parser gave up: stop handing this connection's bytes over at all. */
static void ga__stopped(ga_fd *e, const ga_my_state *st)
{
    int why = st->p.stop;
    atomic_store_explicit(&e->proto, why == GA_MY_STOP_TLS ? GA_PROTO_TLS : GA_PROTO_NONE,
                          memory_order_relaxed);
    if (why == GA_MY_STOP_COMPRESS)
        ga_warn_once("MySQL compressed protocol in use: its queries are traced only "
                     "through libmariadb/libmysqlclient hooks");
}

void ga_my_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n)
{
    ga_my_state *st = (ga_my_state *)c->state;
    if (st->p.phase == 0 && st->peer.family == 0)
        st->peer = e->peer;
    if (p == NULL) {                /* bytes we cannot see (sendfile): the stream is lost */
        ga_my_give_up(&st->p);
        ga__stopped(e, st);
        return;
    }
    ga_my_feed(&st->p, out, p, n, &ga_my_span_sink, st);
    if (st->p.stop != GA_MY_STOP_NONE)
        ga__stopped(e, st);
}

void ga_my_closed(ga_conn *c)
{
    ga_my_state *st = (ga_my_state *)c->state;
    ga_my_close(&st->p, &ga_my_span_sink, st);
}
