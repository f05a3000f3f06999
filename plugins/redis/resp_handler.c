/* resp_handler.c — Redis on the wire: detection, the per-connection session, spans
 * (the plug-in's wire entry points, preload/plugin.h; the session is protocols/resp/resp_sess.h).
 *
 * Detection: the client side's first bytes are a RESP multibulk header (`*<n>\r\n$`), or an
 * inline command — a known command word, or any word on 6379 or a port listed in
 * GENESIS_REDIS_PORTS. The session then only reports operations once a well-formed RESP reply has
 * been read, so a look-alike protocol (memcached text, a misdetected line protocol) is
 * dropped at its first answer without a span. A connection that stops parsing is handed back
 * to the bridge as GA_PROTO_NONE, so its later bytes cost nothing.
 *
 * Configuration (redis_plugin.c): GENESIS_REDIS_ARGS = none|keys|all (default keys),
 * GENESIS_REDIS_PORTS = comma-separated ports. */
#include <string.h>
#include "preload/emit.h"
#include "protocols/resp/resp_cmd.h"
#include "plugins/redis/resp_emit.h"
#include "plugins/redis/resp_handler.h"
#include "plugins/redis/resp_link.h"

/* The connection state in ga_conn.state. */
typedef struct ga_resp_conn {
    ga_resp_sess s;
    ga_resp_env env;            /* set up at the first bytes: callbacks, argument mode */
    ga_addr peer;
    uint8_t socktype;
    uint8_t init;
} ga_resp_conn;

_Static_assert(sizeof(ga_resp_conn) <= GA_CONN_STATE_SIZE, "RESP state must fit ga_conn.state");

/* ------------------------------------------------------------------ detection */

/* `*<n>\r\n$<len>\r\n` — every byte present must fit (the chunk may end early). */
static int ga__multibulk(const uint8_t *p, size_t n)
{
    static const char shape[] = "*9\r\n$9";       /* '9' = one or more digits */
    size_t i = 0;
    for (size_t k = 0; shape[k] != '\0'; k++) {
        if (i == n)
            return i >= 2;
        if (shape[k] == '9') {
            size_t d = 0;
            while (i < n && p[i] >= '0' && p[i] <= '9' && d < 10)
                i++, d++;
            if (d == 0 || (d == 10 && i < n && p[i] >= '0' && p[i] <= '9'))
                return 0;
        } else if (p[i++] != (uint8_t)shape[k]) {
            return 0;
        }
    }
    return 1;
}

static const char ga__inline_words[][10] = {
    "PING", "ECHO", "AUTH", "HELLO", "SELECT", "INFO", "GET", "SET", "DEL", "EXISTS", "INCR",
    "KEYS", "SCAN", "TYPE", "TTL", "EXPIRE", "HGET", "HSET", "HGETALL", "LPUSH", "RPUSH",
    "LRANGE", "SADD", "SMEMBERS", "ZADD", "ZRANGE", "PUBLISH", "SUBSCRIBE", "MONITOR",
    "DBSIZE", "FLUSHDB", "FLUSHALL", "CLIENT", "CONFIG", "COMMAND", "QUIT", "MULTI",
};

/* An inline command: a word of letters ended by a blank or the end of line. */
static int ga__inline(const uint8_t *p, size_t n, int hinted)
{
    size_t w = 0;
    while (w < n && w < 16 && ((p[w] | 0x20) >= 'a' && (p[w] | 0x20) <= 'z'))
        w++;
    if (w < 3 || w == n || (p[w] != ' ' && p[w] != '\r' && p[w] != '\n'))
        return 0;
    if (hinted)
        return 1;
    for (size_t i = 0; i < GA_ARRAY_LEN(ga__inline_words); i++)
        if (ga_resp_ieq((const char *)p, w, ga__inline_words[i]))
            return 1;
    return 0;
}

static int ga__hinted(uint16_t port)
{
    for (int i = 0; i < ga_redis_cfg.nports; i++)
        if (ga_redis_cfg.ports[i] == port)
            return 1;
    return 0;
}

int ga_redis_detect(const ga_fd *e, int out, const uint8_t *p, size_t n)
{
    if (!out || n == 0 || e->role == GA_ROLE_SERVER || e->role == GA_ROLE_LISTENER)
        return 0;
    if (p[0] == '*')
        return ga__multibulk(p, n);
    return ga__inline(p, n, ga__hinted(e->peer.port));
}

/* ------------------------------------------------------------------ session glue */

static uint64_t ga__now(void *ud)
{
    (void)ud;
    return ga_now_ns();
}

static void ga__emit(void *ud, const ga_resp_op *op)
{
    const ga_resp_conn *rc = ud;
    ga_resp_where w = { .peer = &rc->peer, .socktype = rc->socktype };
    ga_resp_emit(op, &w);
}

void ga_redis_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n)
{
    (void)fd;
    ga_resp_conn *rc = (ga_resp_conn *)c->state;
    if (ga_unlikely(!rc->init)) {
        rc->peer = e->peer;
        rc->socktype = e->socktype;
        rc->env = (ga_resp_env){ .ud = rc, .now = ga__now, .emit = ga__emit,
                                 .claim = ga_resp_link_claim, .args_mode = ga_redis_cfg.args_mode };
        rc->init = 1;
    }
    if (p == NULL)
        rc->s.flags |= GA_RESP_SF_DEAD;         /* bytes we cannot see (sendfile) */
    else
        ga_resp_sess_feed(&rc->s, out, p, n, &rc->env);
    if (ga_resp_sess_dead(&rc->s))
        atomic_store_explicit(&e->proto, GA_PROTO_NONE, memory_order_relaxed);
}

void ga_redis_closed(ga_conn *c)
{
    ga_resp_conn *rc = (ga_resp_conn *)c->state;
    if (!rc->init)
        return;
    rc->env.claim = NULL;
    ga_resp_sess_close(&rc->s, &rc->env);
}
