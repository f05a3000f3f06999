/* mysql_ops.c — MySQL/MariaDB records → spans and metric series, on the exporter thread
 * (exporter/ops.h; record layout in mysql_rec.h).
 *
 * Span name: db.query.summary when derivable (`SELECT messages`), else the operation
 * (`EXECUTE`, `PREPARE`, `PING`), else `mysql`; a prepare is named `PREPARE <summary>`.
 * db.query.text: COM_QUERY text sanitised (every literal → ?), prepared text verbatim;
 * GENESIS_SQL_TEXT=sanitized|raw|none (default sanitized) — `raw` exports COM_QUERY text as
 * sent, `none` exports no text at all (the summary, which holds no literal, stays).
 * A statement's summary and sanitised text depend only on its text: they are derived once per
 * distinct text (exporter/memo.h) and shared by the span name, the span's attributes and the
 * metric series; attribute values point into that cache, valid until the next record. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "exporter/fmt.h"
#include "exporter/memo.h"
#include "exporter/ops.h"
#include "protocols/mysql/mysql.h"
#include "plugins/mysql/mysql_hook.h"
#include "plugins/mysql/mysql_rec.h"
#include "protocols/sql/sql_summary.h"
#include "protocols/sql/sql_sanitize.h"
#include "plugins/mysql/mysql_plugin.h"

/* The raw facts of one record, read in one pass. */
typedef struct ga__my {
    int64_t info, error;
    int has_info, has_error, has_port, has_host, seen_peer, has_peer;
    ga_addr peer;
    const char *text;
    size_t text_len;
} ga__my;

static void ga__read(const ga_rec *r, ga__my *m)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    memset(m, 0, sizeof *m);
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        int64_t iv = 0;
        if (len == sizeof iv)
            memcpy(&iv, v, sizeof iv);
        switch (key) {
        case GA_A_MY_INFO:
            if (!m->has_info)
                m->info = len == sizeof iv ? iv : 0;
            m->has_info = 1;
            break;
        case GA_A_MY_ERROR: m->has_error = 1; m->error = iv; break;
        case GA_A_MY_HOST:  m->has_host = 1; break;
        case GA_A_MY_PORT:  m->has_port = 1; break;
        case GA_A_MY_TEXT:
            if (m->text == NULL) {
                m->text = (const char *)v;
                m->text_len = len;
            }
            break;
        case GA_A_PEER:
            if (!m->seen_peer && len == sizeof m->peer) {
                memcpy(&m->peer, v, sizeof m->peer);
                m->has_peer = 1;
            }
            m->seen_peer = 1;
            break;
        default: break;
        }
    }
}

/* What a statement's text gives, derived once per distinct text. */
typedef struct ga__sql {
    uint16_t sum_len, san_len;
    uint8_t have_sum, have_san;
    char sum[GA_SQL_SUMMARY_MAX + 1];
    char san[GA_REC_ATTR_CAP];
} ga__sql;

_Static_assert(offsetof(ga__sql, have_san) < GA_MEMO_ZEROED, "the flags must start zeroed");

static ga_memo ga__texts = GA_MEMO_INIT(GA_MY_TEXT_CAP, sizeof(ga__sql), 64);

/* The derived values of a text (the sanitised form only when asked for). */
static const ga__sql *ga__derive(const char *text, size_t len, int sanitized)
{
    static ga__sql uncached;        /* a text the cache cannot hold */
    int fresh;
    ga__sql *d = ga_memo_get(&ga__texts, text, len, &fresh);
    if (d == NULL) {
        d = &uncached;
        d->have_sum = d->have_san = 0;
    }
    if (!d->have_sum) {
        d->sum_len = (uint16_t)ga_sql_summary(text, len, d->sum, sizeof d->sum);
        d->have_sum = 1;
    }
    if (sanitized && !d->have_san) {
        d->san_len = (uint16_t)ga_sql_sanitize(text, len, d->san, sizeof d->san);
        d->have_san = 1;
    }
    return d;
}

/* The summary of the record's text (0 = none); *sum points into the cache. */
static size_t ga__summary(const ga_rec *r, const ga__my *m, const char **sum)
{
    if (r->h.op == GA_OP_MYSQL_COMMAND || m->text == NULL)
        return 0;
    const ga__sql *d = ga__derive(m->text, m->text_len, 0);
    *sum = d->sum;
    return d->sum_len;
}

static const char *ga__command_name(unsigned cmd)
{
    switch (cmd) {
    case GA_MY_COM_INIT_DB:          return "INIT_DB";
    case GA_MY_COM_CONNECT:          return "CONNECT";         /* a refused login */
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
static const char *ga__operation(const ga_rec *r, const ga__my *m)
{
    if (r->h.op == GA_OP_MYSQL_PREPARE)
        return "PREPARE";
    if (r->h.op == GA_OP_MYSQL_COMMAND)
        return ga__command_name((unsigned)m->info & GA_MY_I_CMD);
    return NULL;
}

static size_t ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__my m;
    const char *sum = "";
    ga__read(r, &m);
    size_t n = ga__summary(r, &m, &sum);
    n = strnlen(sum, n);                            /* a name stops at a NUL */
    const char *op = ga__operation(r, &m);
    ga_sb b = ga_sb_init(buf, cap);
    if (r->h.op == GA_OP_MYSQL_PREPARE) {
        ga_sb_put(&b, "PREPARE", 7);
        if (n > 0) {
            ga_sb_put(&b, " ", 1);
            ga_sb_put(&b, sum, n);
        }
    } else if (n > 0) {
        ga_sb_put(&b, sum, n);
    } else if (r->h.op == GA_OP_MYSQL_EXECUTE) {
        ga_sb_put(&b, "EXECUTE", 7);
    } else {
        ga_sb_puts(&b, op != NULL ? op : "mysql");
    }
    return b.len;
}

/* server.address / server.port from the peer, when the application did not name them. */
static void ga__server_from_peer(const ga__my *m, ga_aw *w)
{
    if (!m->has_peer || (m->peer.family != AF_INET && m->peer.family != AF_INET6))
        return;
    if (!m->has_host) {
        size_t l;
        const char *p = ga_attr_peer(w->sc, &m->peer, &l);
        ga_aw_str(w, GA_K("server.address"), p, l);
    }
    if (!m->has_port)
        ga_aw_int(w, GA_K("server.port"), m->peer.port);
}

/* The attributes of INFO: system, operation, server from the peer, closed connection. */
static void ga__info(const ga_rec *r, int64_t info, ga_aw *w)
{
    ga__my m;
    ga__read(r, &m);
    if (info & GA_MY_I_MARIADB)
        ga_aw_str(w, GA_K("db.system.name"), "mariadb", 7);
    else
        ga_aw_str(w, GA_K("db.system.name"), "mysql", 5);
    const char *op = ga__operation(r, &m);
    if (op != NULL)
        ga_aw_str(w, GA_K("db.operation.name"), op, strlen(op));
    ga__server_from_peer(&m, w);
    if ((info & GA_MY_I_CLOSED) && !m.has_error)
        ga_aw_str(w, GA_K("error.type"), "connection_closed", 17);
}

/* db.query.text (unless metric) and db.query.summary. */
static void ga__text(const ga_rec *r, const uint8_t *v, size_t len, ga_aw *w, int metric)
{
    int mode = ga_my_cfg.sql_text;
    int sanitize = !metric && mode == GA_SQL_SANITIZED && r->h.op == GA_OP_MYSQL_QUERY;
    int summary = r->h.op == GA_OP_MYSQL_QUERY || r->h.op == GA_OP_MYSQL_EXECUTE;
    const ga__sql *d = sanitize || summary ? ga__derive((const char *)v, len, sanitize) : NULL;
    if (!metric && mode != GA_SQL_NONE) {
        if (sanitize)
            ga_aw_str(w, GA_K("db.query.text"), d->san, d->san_len);
        else
            ga_aw_str(w, GA_K("db.query.text"), (const char *)v, len);
    }
    if (summary && d->sum_len > 0)
        ga_aw_str(w, GA_K("db.query.summary"), d->sum, d->sum_len);
}

static void ga__decode(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                       ga_aw *w, int metric)
{
    int64_t iv = 0;
    if (type == GA_AT_INT && len == sizeof iv)
        memcpy(&iv, v, sizeof iv);
    switch (key) {
    case GA_A_MY_INFO:
        ga__info(r, iv, w);
        break;
    case GA_A_MY_ERROR: {
        char *code = ga_attr_scratch_get(w->sc, GA_FMT_U64_MAX + 1);
        if (code == NULL)
            break;
        size_t k = ga_fmt_i64(code, iv);
        ga_aw_str(w, GA_K("db.response.status_code"), code, k);
        ga_aw_str(w, GA_K("error.type"), code, k);
        break;
    }
    case GA_A_MY_DB:
        ga_aw_str(w, GA_K("db.namespace"), (const char *)v, len);
        break;
    case GA_A_MY_HOST:
        ga_aw_str(w, GA_K("server.address"), (const char *)v, len);
        break;
    case GA_A_MY_PORT:
        ga_aw_int(w, GA_K("server.port"), iv);
        break;
    case GA_A_MY_TEXT:
        ga__text(r, v, len, w, metric);
        break;
    default:
        break;
    }
}

static void ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                     ga_aw *w)
{
    ga__decode(r, key, type, v, len, w, 0);
}

/* The metric series: db.system.name, db.namespace, db.operation.name, db.query.summary,
 * db.response.status_code, error.type, server.address, server.port — never the text. */
static int ga__metric_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        ga__decode(r, key, type, v, len, &w, 1);
    return w.n;
}

/* The descriptors of the plug-in's ops into o[0 .. nops), when the exporter reads its first
 * record (ops.h: a function, not a table of pointers the loader would relocate). */
static void ga__ops(ga_op_desc *o)
{
    /* Query, prepare, execute and the other commands: one description. */
    for (int op = GA_OP_MYSQL_QUERY; op < GA_OP_MYSQL_COUNT; op++)
        o[op - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
                                  .metric = &ga_inst_db_client_duration,
                                  .metric_attrs = ga__metric_attrs, .semconv = GA_SC_DB };
}

const struct ga_plugin_exp ga_mysql_exp = { .fill = ga__ops, .nops = GA_OP_MYSQL_COUNT - 1 };
