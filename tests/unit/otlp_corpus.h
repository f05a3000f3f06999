/* otlp_corpus.h — a corpus of span records for the OTLP encoder tests: the core's connect spans
 * (IPv4, IPv6, unix path with invalid UTF-8, errno), HTTP server and client spans, Redis
 * commands, pipelines, transactions, errors and hook-only spans, MySQL queries, prepares,
 * executes, commands, errors and truncated texts; roots, local and remote parents, tracestate
 * on the record and from TRACESTATE, every status. Records are built with the plug-ins' record
 * keys (plugins/<name>/<name>_rec.h), the way their application-thread sides write them.
 * Test helper, included by one test file. */
#ifndef GA_TEST_OTLP_CORPUS_H
#define GA_TEST_OTLP_CORPUS_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "preload/emit.h"
#include "protocols/http1/http1.h"
#include "protocols/mysql/mysql.h"
#include "protocols/resp/resp_sess.h"
#include "plugins/http/http_rec.h"
#include "plugins/mysql/mysql_rec.h"
#include "plugins/redis/resp_rec.h"

/* The trace TRACEPARENT names in the tests that use this corpus. */
static const uint8_t corpus_env_trace[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                             0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};

static ga_span_ids corpus_ids(int i)
{
    ga_span_ids id;
    memset(&id, 0, sizeof id);
    for (int k = 0; k < 16; k++)
        id.trace_id[k] = (uint8_t)(0x10 + k + i);
    for (int k = 0; k < 8; k++)
        id.span_id[k] = (uint8_t)(0xa0 + k + i);
    id.flags = GA_TF_SAMPLED;
    switch (i % 3) {
    case 1: id.has_parent = 1; memset(id.parent_id, 0x77, 8); break;
    case 2: id.has_parent = 1; id.parent_remote = 1; memset(id.parent_id, 0x55, 8); break;
    default: break;
    }
    return id;
}

static ga_addr corpus_addr(int family, const char *ip, uint16_t port)
{
    ga_addr a = { .family = (uint16_t)family, .port = port };
    inet_pton(family, ip, a.addr);
    return a;
}

static void corpus_str(ga_rec *r, uint8_t key, const char *s)
{
    ga_rec_put(r, key, GA_AT_STR, s, strlen(s));
}

static ga_rec *corpus_begin(ga_rec *out, int *n, uint8_t proto, uint8_t op, uint8_t kind)
{
    ga_span_ids id = corpus_ids(*n);
    ga_rec *r = &out[(*n)++];
    uint64_t t0 = 1700000000000000000ull + (uint64_t)*n * 1000003u;
    ga_rec_init(r, proto, op, kind, &id, t0, t0 + 12345 + (uint64_t)*n * 977u);
    return r;
}

static void corpus_connect(ga_rec *out, int *n)
{
    ga_rec *r = corpus_begin(out, n, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL);
    ga_addr a = corpus_addr(AF_INET, "127.0.0.1", 6379);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_STREAM);

    r = corpus_begin(out, n, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL);
    r->h.status = GA_STATUS_ERROR;
    a = corpus_addr(AF_INET6, "2001:db8::1:0:0:1", 443);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_put_int(r, GA_A_ERRNO, ECONNREFUSED);
    corpus_str(r, GA_A_TRACESTATE, "vendor=x,other=y");

    r = corpus_begin(out, n, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL);
    a = (ga_addr){ .family = AF_UNIX };
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put(r, GA_A_UNIX_PATH, GA_AT_STR, "/tmp/s\xff\xfe\xc3\xa9.sock", 16);
    ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_DGRAM);
    ga_rec_put_int(r, GA_A_ERRNO, 4095);                   /* no E-name: errno_4095 */

    r = corpus_begin(out, n, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL);
    memcpy(r->h.trace_id, corpus_env_trace, 16);          /* the TRACEPARENT trace */
    r->h.status = GA_STATUS_OK;
    a = corpus_addr(AF_INET6, "::ffff:10.0.0.1", 80);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_STREAM);

    r = corpus_begin(out, n, GA_PROTO_CORE, GA_OP_CONNECT, GA_KIND_INTERNAL);
    r->h.status = 7;                                      /* out of range: an empty Status */
    r->h.trace_flags = 0;
    a = corpus_addr(AF_INET6, "::", 1);
    ga_rec_put_addr(r, GA_A_PEER, &a);
}

static void corpus_http_server(ga_rec *r, int method, int status, const char *target)
{
    ga_rec_put_int(r, GA_A_HTTP_METHOD, method);
    if (status)
        ga_rec_put_int(r, GA_A_HTTP_STATUS, status);
    ga_rec_put_int(r, GA_A_HTTP_VERSION, 11);
    ga_rec_put_int(r, GA_A_HTTP_REQ_BODY, 0);
    if (status)
        ga_rec_put_int(r, GA_A_HTTP_RESP_BODY, 1400);
    ga_addr a = corpus_addr(AF_INET, "127.0.0.1", 51234);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    corpus_str(r, GA_A_HTTP_HOST, "127.0.0.1:8080");
    if (target)
        corpus_str(r, GA_A_HTTP_TARGET, target);
}

static void corpus_http(ga_rec *out, int *n)
{
    ga_rec *r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER);
    corpus_http_server(r, GA_H1_M_GET, 200, "/index.html");
    corpus_str(r, GA_A_HTTP_UA, "curl/7.88.1");

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER);
    r->h.status = GA_STATUS_ERROR;
    corpus_http_server(r, GA_H1_M_POST, 503, "/users/42/rooms?token=abc&x=1&password=p");
    corpus_str(r, GA_A_HTTP_XFF, "203.0.113.9 , 10.0.0.1");
    corpus_str(r, GA_A_HTTP_UA, "Mozilla/5.0 \xe2\x82\xac \xff");

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER);
    corpus_http_server(r, GA_H1_M_OTHER, 404, "/nothing");
    corpus_str(r, GA_A_HTTP_METHOD_ORIG, "PROPFIND");

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_SERVER, GA_KIND_SERVER);
    corpus_http_server(r, GA_H1_M_HEAD, 0, NULL);         /* closed before an answer */
    ga_rec_put_int(r, GA_A_HTTP_ERROR, GA_HTTP_ERR_CLOSED);

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT);
    ga_rec_put_int(r, GA_A_HTTP_METHOD, GA_H1_M_GET);
    ga_rec_put_int(r, GA_A_HTTP_STATUS, 404);
    ga_rec_put_int(r, GA_A_HTTP_VERSION, 10);
    ga_rec_put_int(r, GA_A_HTTP_REQ_BODY, 0);
    ga_rec_put_int(r, GA_A_HTTP_RESP_BODY, 17);
    ga_addr a = corpus_addr(AF_INET, "10.1.2.3", 8081);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    corpus_str(r, GA_A_HTTP_TARGET, "/api/v1/items?id=7&api_key=s3cr3t");

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT);
    ga_rec_put_int(r, GA_A_HTTP_METHOD, GA_H1_M_PUT);
    ga_rec_put_int(r, GA_A_HTTP_STATUS, 201);
    ga_rec_put_int(r, GA_A_HTTP_REQ_BODY, 99);
    a = corpus_addr(AF_INET6, "fe80::1:2", 9000);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    corpus_str(r, GA_A_HTTP_TARGET, "/upload");

    r = corpus_begin(out, n, GA_PROTO_HTTP, GA_OP_HTTP_CLIENT, GA_KIND_CLIENT);
    ga_rec_put_int(r, GA_A_HTTP_METHOD, GA_H1_M_DELETE);
    ga_rec_put_int(r, GA_A_HTTP_STATUS, 500);
    a = corpus_addr(AF_INET, "192.168.1.20", 80);
    ga_rec_put_addr(r, GA_A_PEER, &a);
    corpus_str(r, GA_A_HTTP_HOST, "api.example.com");
    corpus_str(r, GA_A_HTTP_TARGET, "http://api.example.com/thing/1");
}

/* A RESP text blob for one command: the arguments given, nargs in all (the rest not kept). */
static size_t corpus_blob(uint8_t *b, int nargs, const char *const *args, int n, int more)
{
    size_t o = 0;
    b[o++] = (uint8_t)nargs;
    b[o++] = (uint8_t)n;
    b[o++] = more ? GA_RESP_TXT_MORE : 0;
    for (int i = 0; i < n; i++) {
        if (args[i] == NULL) {
            b[o++] = GA_RESP_TXT_SECRET;
            continue;
        }
        size_t l = strlen(args[i]);
        b[o++] = (uint8_t)l;
        memcpy(b + o, args[i], l);
        o += l;
    }
    return o;
}

static ga_rec *corpus_redis_rec(ga_rec *out, int *n, int kind, int flags, int src, int db, int ncmds,
                                const char *name)
{
    ga_rec *r = corpus_begin(out, n, GA_PROTO_REDIS, GA_OP_RESP, GA_KIND_CLIENT);
    ga_rec_put_int(r, GA_A_RESP_INFO, GA_RESP_INFO(kind, flags, GA_RESP_ARGS_KEYS, src, db, ncmds));
    if (src != GA_RESP_SRC_HOOK) {
        ga_addr a = corpus_addr(AF_INET, "127.0.0.1", 6379);
        ga_rec_put_addr(r, GA_A_PEER, &a);
    }
    if (name)
        corpus_str(r, GA_A_RESP_NAME, name);
    return r;
}

static void corpus_redis(ga_rec *out, int *n)
{
    uint8_t b[256];
    static const char *const get[] = {"GET", "key:__rand_int__"};
    ga_rec *r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, 0, GA_RESP_SRC_WIRE, 0, 1, "GET");
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 2, get, 2, 0));

    static const char *const set[] = {"SET", "user:1", "hello world"};
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, 0, GA_RESP_SRC_HOOK_WIRE, 3, 1, "SET");
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 3, set, 3, 0));

    static const char *const mset[] = {"MSET", "a", "1", "b", "2"};
    static const char *const auth[] = {"AUTH", NULL};
    size_t l = corpus_blob(b, 5, mset, 5, 0);
    l += corpus_blob(b + l, 2, auth, 2, 0);
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, GA_RESP_GF_DIFF, GA_RESP_SRC_WIRE, 0, 2, "MSET");
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, l);

    l = corpus_blob(b, 2, get, 2, 0);
    l += corpus_blob(b + l, 2, get, 2, 0);
    l += corpus_blob(b + l, 2, get, 2, 0);
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, GA_RESP_GF_TRUNC, GA_RESP_SRC_WIRE, 1, 3, "GET");
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, l);

    static const char *const hset[] = {"HSET", "h", "f"};
    r = corpus_redis_rec(out, n, GA_RESP_GK_MULTI, GA_RESP_GF_ERROR, GA_RESP_SRC_WIRE, 0, 1, "HSET");
    r->h.status = GA_STATUS_ERROR;
    corpus_str(r, GA_A_RESP_CODE, "WRONGTYPE");
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 4, hset, 3, 1));

    r = corpus_redis_rec(out, n, GA_RESP_GK_MULTI, 0, GA_RESP_SRC_WIRE, 0, 0, NULL);

    static const char *const client[] = {"CLIENT", "SETNAME", "worker \"1\"\n"};
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, GA_RESP_GF_CLOSED, GA_RESP_SRC_WIRE, 2, 1,
                         "CLIENT SETNAME");
    r->h.status = GA_STATUS_ERROR;
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 3, client, 3, 0));

    static const char *const xread[] = {"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"};
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, 0, GA_RESP_SRC_HOOK, 0, 1, "XREAD");
    corpus_str(r, GA_A_RESP_HOST, "redis.internal");
    ga_rec_put_int(r, GA_A_RESP_PORT, 6380);
    ga_rec_put_int(r, GA_A_RESP_HOOKERR, 1);
    r->h.status = GA_STATUS_ERROR;
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 8, xread, 8, 0));

    static const char *const eval[] = {"EVAL", "return 1", "1", "k\xff"};
    r = corpus_redis_rec(out, n, GA_RESP_GK_BATCH, 0, GA_RESP_SRC_WIRE, 0, 1, "EVAL");
    ga_addr a6 = corpus_addr(AF_INET6, "::1", 6379);
    ga_rec_put_addr(r, GA_A_PEER, &a6);             /* the last peer wins */
    ga_rec_put(r, GA_A_RESP_TEXT, GA_AT_STR, b, corpus_blob(b, 4, eval, 4, 0));
}

static ga_rec *corpus_mysql_rec(ga_rec *out, int *n, uint8_t op, uint32_t info, int error,
                                const char *db, const char *text)
{
    ga_rec *r = corpus_begin(out, n, GA_PROTO_MYSQL, op, GA_KIND_CLIENT);
    ga_addr peer = corpus_addr(AF_INET, "127.0.0.1", 3306);
    ga_my_span s = {
        .op = op, .info = info, .ids = NULL, .error = error, .peer = &peer,
        .db = db, .db_len = db ? strlen(db) : 0, .text = text, .text_len = text ? strlen(text) : 0,
    };
    uint64_t t0 = r->h.start_ns, t1 = r->h.end_ns;
    ga_span_ids id = corpus_ids(*n - 1);
    s.ids = &id;
    s.start_ns = t0;
    s.end_ns = t1;
    ga_rec_init(r, GA_PROTO_MYSQL, op, GA_KIND_CLIENT, &id, t0, t1);
    ga_my_rec_fill(r, &s);
    return r;
}

static void corpus_mysql(ga_rec *out, int *n)
{
    const uint32_t w = GA_MY_I_WIRE | GA_MY_I_MARIADB;
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_COM_QUERY, 0, "test",
                     "SELECT body FROM messages WHERE id = 7");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_I_HOOK | GA_MY_COM_QUERY, 0, "shop",
                     "insert into `orders` (a, b) values ('x''y', 0x1F), (2, \"z\") /* c */");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, GA_MY_I_WIRE | GA_MY_COM_QUERY, 1146, NULL,
                     "SELECT a.x, b.y FROM t1 a JOIN db2.t2 b ON a.id = b.id WHERE a.v IN (1, 2, 3)");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_COM_QUERY, 0, NULL,
                     "UPDATE users SET name = 'caf\xc3\xa9' WHERE id = -5; DELETE FROM sessions");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_COM_QUERY, 0, NULL,
                     "CREATE TABLE IF NOT EXISTS t9 (id INT)");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_COM_QUERY, 0, NULL, "SHOW VARIABLES LIKE 'x%'");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_PREPARE, w | GA_MY_COM_STMT_PREPARE, 0, "test",
                     "SELECT * FROM messages WHERE id = ?");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_EXECUTE, w | GA_MY_COM_STMT_EXECUTE, 0, "test",
                     "SELECT * FROM messages WHERE id = ?");
    corpus_mysql_rec(out, n, GA_OP_MYSQL_EXECUTE, w | GA_MY_COM_STMT_EXECUTE, 0, NULL, NULL);
    corpus_mysql_rec(out, n, GA_OP_MYSQL_COMMAND, w | GA_MY_COM_PING, 0, NULL, NULL);
    corpus_mysql_rec(out, n, GA_OP_MYSQL_COMMAND, w | GA_MY_I_CLOSED | GA_MY_COM_INIT_DB, 0, "x", NULL);
    corpus_mysql_rec(out, n, GA_OP_MYSQL_COMMAND, w | 0x42, 0, NULL, NULL);     /* unknown */
    char big[400];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "SELECT c FROM wide WHERE s = '", 30);
    big[sizeof big - 1] = '\0';
    corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, w | GA_MY_COM_QUERY, 0, NULL, big);
    ga_rec *r = corpus_mysql_rec(out, n, GA_OP_MYSQL_QUERY, GA_MY_I_HOOK | GA_MY_COM_QUERY, 2013, NULL,
                                 "SELECT 1");
    (void)r;
}

/* Every record of the corpus into out (at least 64 slots); returns how many. */
static int corpus_build(ga_rec *out)
{
    int n = 0;
    corpus_connect(out, &n);
    corpus_http(out, &n);
    corpus_redis(out, &n);
    corpus_mysql(out, &n);
    return n;
}

#endif
