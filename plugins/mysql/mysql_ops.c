/* mysql_ops.c — MySQL/MariaDB records → spans and metric series, on the exporter thread
 * (exporter/ops.h; record layout in mysql_rec.h).
 *
 * Span name: db.query.summary when derivable (`SELECT messages`), else the operation
 * (`EXECUTE`, `PREPARE`, `PING`), else `mysql`; a prepare is named `PREPARE <summary>`.
 * db.query.text: COM_QUERY text sanitised (every literal → ?), prepared text verbatim;
 * GENESIS_SQL_TEXT=sanitized|raw|none (default sanitized) — `raw` exports COM_QUERY text as
 * sent, `none` exports no text at all (the summary, which holds no literal, stays).
 * Values are formatted into static buffers: the exporter thread is the only caller and every
 * consumer copies them before the next record is decoded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "exporter/ops.h"
#include "protocols/mysql/mysql.h"
#include "plugins/mysql/mysql_hook.h"
#include "plugins/mysql/mysql_rec.h"
#include "protocols/sql/sql_summary.h"
#include "protocols/sql/sql_sanitize.h"
#include "plugins/mysql/mysql_plugin.h"

static int ga__find(const ga_rec *r, uint8_t want, const uint8_t **v, size_t *len)
{
    size_t off = 0;
    uint8_t key, type;
    while (ga_rec_next(r, &off, &key, &type, v, len))
        if (key == want)
            return 1;
    return 0;
}

static int64_t ga__int(const ga_rec *r, uint8_t key, int64_t def)
{
    const uint8_t *v;
    size_t len;
    int64_t x;
    if (!ga__find(r, key, &v, &len) || len != sizeof x)
        return def;
    memcpy(&x, v, sizeof x);
    return x;
}

/* The summary of the record's text into buf; its length (0 = none). */
static size_t ga__summary(const ga_rec *r, char *buf, size_t cap)
{
    const uint8_t *v;
    size_t len;
    buf[0] = '\0';
    if (r->h.op == GA_OP_MYSQL_COMMAND || !ga__find(r, GA_A_MY_TEXT, &v, &len))
        return 0;
    return ga_sql_summary((const char *)v, len, buf, cap);
}

static const char *ga__command_name(unsigned cmd)
{
    switch (cmd) {
    case GA_MY_COM_INIT_DB:          return "INIT_DB";
    case GA_MY_COM_PING:             return "PING";
    case GA_MY_COM_STMT_RESET:       return "STMT_RESET";
    case GA_MY_COM_STMT_FETCH:       return "FETCH";
    case GA_MY_COM_CHANGE_USER:      return "CHANGE_USER";
    case GA_MY_COM_RESET_CONNECTION: return "RESET_CONNECTION";
    case GA_MY_COM_STATISTICS:       return "STATISTICS";
    case GA_MY_COM_SET_OPTION:       return "SET_OPTION";
    case GA_MY_COM_FIELD_LIST:       return "FIELD_LIST";
    case 0x0a:                       return "PROCESS_INFO";
    case 0x0c:                       return "KILL";
    case 0x07:                       return "REFRESH";
    case 0x08:                       return "SHUTDOWN";
    case 0x05:                       return "CREATE_DB";
    case 0x06:                       return "DROP_DB";
    default:                         return NULL;
    }
}

/* db.operation.name: only what the protocol itself says (never parsed from the text). */
static const char *ga__operation(const ga_rec *r)
{
    if (r->h.op == GA_OP_MYSQL_PREPARE)
        return "PREPARE";
    if (r->h.op == GA_OP_MYSQL_COMMAND)
        return ga__command_name((unsigned)ga__int(r, GA_A_MY_INFO, 0) & GA_MY_I_CMD);
    return NULL;
}

static void ga__name(const ga_rec *r, char *buf, size_t cap)
{
    char sum[GA_SQL_SUMMARY_MAX + 1];
    size_t n = ga__summary(r, sum, sizeof sum);
    const char *op = ga__operation(r);
    if (r->h.op == GA_OP_MYSQL_PREPARE)
        snprintf(buf, cap, "PREPARE%s%s", n ? " " : "", sum);
    else if (n > 0)
        snprintf(buf, cap, "%s", sum);
    else if (r->h.op == GA_OP_MYSQL_EXECUTE)
        snprintf(buf, cap, "EXECUTE");
    else
        snprintf(buf, cap, "%s", op != NULL ? op : "mysql");
}

/* server.address / server.port from the peer, when the application did not name them. */
static int ga__server_from_peer(const ga_rec *r, ga_attr *out, int n, int max)
{
    static char addr[48];
    const uint8_t *v;
    size_t len;
    ga_addr a;
    if (!ga__find(r, GA_A_PEER, &v, &len) || len != sizeof a)
        return n;
    memcpy(&a, v, sizeof a);
    if (a.family != AF_INET && a.family != AF_INET6)
        return n;
    if (!ga__find(r, GA_A_MY_HOST, &v, &len)) {
        ga_addr_format(&a, addr, sizeof addr);
        n = ga_attr_add_str(out, n, max, "server.address", addr, strlen(addr));
    }
    if (!ga__find(r, GA_A_MY_PORT, &v, &len))
        n = ga_attr_add_int(out, n, max, "server.port", a.port);
    return n;
}

/* The attributes of INFO: system, operation, server from the peer, closed connection. */
static int ga__info(const ga_rec *r, int64_t info, ga_attr *out, int n, int max)
{
    const char *sys = (info & GA_MY_I_MARIADB) ? "mariadb" : "mysql";
    n = ga_attr_add_str(out, n, max, "db.system.name", sys, strlen(sys));
    const char *op = ga__operation(r);
    if (op != NULL)
        n = ga_attr_add_str(out, n, max, "db.operation.name", op, strlen(op));
    n = ga__server_from_peer(r, out, n, max);
    const uint8_t *v;
    size_t len;
    if ((info & GA_MY_I_CLOSED) && !ga__find(r, GA_A_MY_ERROR, &v, &len))
        n = ga_attr_add_str(out, n, max, "error.type", "connection_closed", 17);
    return n;
}

/* db.query.text (unless metric) and db.query.summary. */
static int ga__text(const ga_rec *r, const uint8_t *v, size_t len, ga_attr *out, int n, int max,
                    int metric)
{
    static char text[GA_REC_ATTR_CAP], sum[GA_SQL_SUMMARY_MAX + 1];
    int mode = ga_my_cfg.sql_text;
    if (!metric && mode != GA_SQL_NONE) {
        if (mode == GA_SQL_SANITIZED && r->h.op == GA_OP_MYSQL_QUERY) {
            size_t k = ga_sql_sanitize((const char *)v, len, text, sizeof text);
            n = ga_attr_add_str(out, n, max, "db.query.text", text, k);
        } else {
            n = ga_attr_add_str(out, n, max, "db.query.text", (const char *)v, len);
        }
    }
    if (r->h.op == GA_OP_MYSQL_QUERY || r->h.op == GA_OP_MYSQL_EXECUTE) {
        size_t k = ga_sql_summary((const char *)v, len, sum, sizeof sum);
        if (k > 0)
            n = ga_attr_add_str(out, n, max, "db.query.summary", sum, k);
    }
    return n;
}

static int ga__decode(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                      ga_attr *out, int n, int max, int metric)
{
    static char code[24];
    int64_t iv = 0;
    if (type == GA_AT_INT && len == sizeof iv)
        memcpy(&iv, v, sizeof iv);
    switch (key) {
    case GA_A_MY_INFO:
        return ga__info(r, iv, out, n, max);
    case GA_A_MY_ERROR: {
        int k = snprintf(code, sizeof code, "%lld", (long long)iv);
        n = ga_attr_add_str(out, n, max, "db.response.status_code", code, (size_t)k);
        return ga_attr_add_str(out, n, max, "error.type", code, (size_t)k);
    }
    case GA_A_MY_DB:
        return ga_attr_add_str(out, n, max, "db.namespace", (const char *)v, len);
    case GA_A_MY_HOST:
        return ga_attr_add_str(out, n, max, "server.address", (const char *)v, len);
    case GA_A_MY_PORT:
        return ga_attr_add_int(out, n, max, "server.port", iv);
    case GA_A_MY_TEXT:
        return ga__text(r, v, len, out, n, max, metric);
    default:
        return n;
    }
}

static int ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                    ga_attr *out, int n, int max, ga_attr_scratch *sc)
{
    return ga__decode(r, key, type, v, len, out, n, max, 0);
}

/* The metric series: db.system.name, db.namespace, db.operation.name, db.query.summary,
 * db.response.status_code, error.type, server.address, server.port — never the text. */
static int ga__metric_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    int n = 0;
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        n = ga__decode(r, key, type, v, len, out, n, max, 1);
    return n;
}

#define GA__MYSQL_OP(o) [(o) - 1] = { .name = ga__name, .attr = ga__attr, \
    .metric = &ga_inst_db_client_duration, .metric_attrs = ga__metric_attrs }

static const ga_op_desc ga__ops[GA_OP_MYSQL_COUNT - 1] = {
    GA__MYSQL_OP(GA_OP_MYSQL_QUERY),
    GA__MYSQL_OP(GA_OP_MYSQL_PREPARE),
    GA__MYSQL_OP(GA_OP_MYSQL_EXECUTE),
    GA__MYSQL_OP(GA_OP_MYSQL_COMMAND),
};

const struct ga_plugin_exp ga_mysql_exp = { .ops = ga__ops, .nops = GA_OP_MYSQL_COUNT - 1 };
