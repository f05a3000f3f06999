/* mysql_calls.c — the MySQL parser's events → spans (application thread).
 *
 * A command with a response gets a slot: its span identity (adopted from a library hook that
 * opened the span, see mysql_hook.h, else new), its start, and up to GA_MY_TEXT_CAP raw bytes
 * of its text (COM_QUERY, COM_STMT_PREPARE, COM_INIT_DB; COM_STMT_EXECUTE gets the prepared
 * text from the statement map). When its response ends the span is emitted. The current
 * database follows the login, COM_INIT_DB, session tracking, and, when the server does not
 * track the schema, a successful `USE name`. A login the server refuses (1045 Access denied)
 * is a span too: operation CONNECT, from the greeting to the ERR, with the error number. */
#include <string.h>
#include "plugins/mysql/mysql_handler.h"
#include "plugins/mysql/mysql_hook.h"
#include "preload/emit.h"

GA_TLS ga_my_hook_op ga_my_tls_op;
GA_TLS ga_my_hook_conn ga_my_tls_conn;

void ga_my_set_name(char *dst, uint8_t *len, const void *src, size_t n)
{
    n = n < GA_MY_NAME_MAX ? n : GA_MY_NAME_MAX;
    memcpy(dst, src, n);
    *len = (uint8_t)n;
}

static ga_my_stmt *ga__stmt_find(ga_my_state *st, uint32_t id)
{
    if (id == 0xffffffffu)
        id = st->last_stmt;
    for (int i = 0; i < GA_MY_STMTS; i++)
        if (st->stmt[i].used && st->stmt[i].id == id)
            return &st->stmt[i];
    return NULL;
}

/* Remember a prepared statement's text, evicting the least recently used. */
static void ga__stmt_add(ga_my_state *st, uint32_t id, const ga_my_slot *s)
{
    ga_my_stmt *victim = &st->stmt[0];
    for (int i = 0; i < GA_MY_STMTS; i++) {
        ga_my_stmt *m = &st->stmt[i];
        if (!m->used || m->id == id) {
            victim = m;
            break;
        }
        if (m->age < victim->age)
            victim = m;
    }
    size_t n = s->text_len < GA_MY_STMT_TEXT ? s->text_len : GA_MY_STMT_TEXT;
    victim->id = id;
    victim->used = 1;
    victim->len = (uint16_t)n;
    victim->truncated = s->truncated || n < s->text_len;
    victim->age = ++st->stmt_age;
    memcpy(victim->text, s->text, n);
    st->last_stmt = id;
}

static void ga__slot_text(ga_my_slot *s, const void *p, size_t n)
{
    size_t room = GA_MY_TEXT_CAP - s->text_len;
    if (n > room) {
        n = room;
        s->truncated = 1;
    }
    memcpy(s->text + s->text_len, p, n);
    s->text_len = (uint16_t)(s->text_len + n);
}

/* The span's identity: the hook's, when this thread's hook is waiting for this command. */
static void ga__identity(ga_my_slot *s, uint8_t cmd)
{
    ga_my_hook_op *h = &ga_my_tls_op;
    if (h->want == cmd && !h->claimed) {
        s->ids = h->ids;
        s->start_ns = h->start_ns;
        s->hooked = 1;
        h->claimed = 1;
        return;
    }
    ga_span_start_leaf(&s->ids);            /* a leaf: its ids are drawn by the exporter */
    s->start_ns = ga_now_ns();
}

static int ga__cmd_begin(void *ctx, uint8_t cmd, uint32_t stmt_id)
{
    ga_my_state *st = ctx;
    if (cmd == GA_MY_COM_STMT_CLOSE) {
        ga_my_stmt *m = ga__stmt_find(st, stmt_id);
        if (m != NULL)
            m->used = 0;
        return -1;
    }
    if (cmd == GA_MY_COM_QUIT || cmd == GA_MY_COM_STMT_SEND_LONG_DATA)
        return -1;
    for (int i = 0; i < GA_MY_SLOTS; i++) {
        ga_my_slot *s = &st->slot[i];
        if (s->used)
            continue;
        memset(s, 0, offsetof(ga_my_slot, text));
        s->used = 1;
        s->cmd = cmd;
        s->stmt_id = stmt_id;
        s->schema_events = st->schema_events;
        ga__identity(s, cmd);
        ga_my_stmt *m = cmd == GA_MY_COM_STMT_EXECUTE ? ga__stmt_find(st, stmt_id) : NULL;
        if (m != NULL) {
            ga__slot_text(s, m->text, m->len);
            s->truncated |= m->truncated;
        }
        return i;
    }
    return -1;                      /* more in flight than slots: no span for this one */
}

static void ga__cmd_text(void *ctx, int tag, const uint8_t *p, size_t n)
{
    ga_my_state *st = ctx;
    if (tag >= 0 && tag < GA_MY_SLOTS && st->slot[tag].used)
        ga__slot_text(&st->slot[tag], p, n);
}

static void ga__schema(void *ctx, const uint8_t *p, size_t n)
{
    ga_my_state *st = ctx;
    ga_my_set_name(st->db, &st->db_len, p, n);
    st->schema_events++;
}

static void ga__login_db(void *ctx, const uint8_t *p, size_t n)
{
    ga_my_state *st = ctx;
    size_t room = GA_MY_NAME_MAX - st->db_len;
    n = n < room ? n : room;
    memcpy(st->db + st->db_len, p, n);
    st->db_len = (uint8_t)(st->db_len + n);
}

/* mysql_real_connect, running on this thread, named the host and port: keep them. */
static void ga__hook_names(ga_my_state *st)
{
    const ga_my_hook_conn *hc = &ga_my_tls_conn;
    if (hc->active) {
        if (hc->host != NULL)
            ga_my_set_name(st->host, &st->host_len, hc->host, strnlen(hc->host, GA_MY_NAME_MAX));
        st->port = (uint16_t)hc->port;
    }
}

static void ga__greeting(void *ctx, const ga_my_greeting *g)
{
    ga_my_state *st = ctx;
    st->mariadb = (uint8_t)g->mariadb;
    st->login_ns = ga_now_ns();
    ga__hook_names(st);
}

/* The login was refused: one CONNECT span, adopted from mysql_real_connect's hook when it
 * runs on this thread, else from the greeting (or now, when the refusal was the greeting). */
static void ga__login_failed(void *ctx, const ga_my_result *r)
{
    ga_my_state *st = ctx;
    ga_my_slot s;
    s.hooked = 0;
    ga__identity(&s, GA_MY_COM_CONNECT);
    if (!s.hooked && st->login_ns != 0)
        s.start_ns = st->login_ns;
    if (st->login_ns == 0)
        ga__hook_names(st);
    ga_my_span sp = {
        .op = GA_OP_MYSQL_COMMAND, .ids = &s.ids, .start_ns = s.start_ns, .end_ns = ga_now_ns(),
        .info = GA_MY_COM_CONNECT | GA_MY_I_WIRE | (st->mariadb ? GA_MY_I_MARIADB : 0) |
                (s.hooked ? GA_MY_I_HOOK : 0),
        .error = r->error_code ? r->error_code : -1,
        .peer = &st->peer, .db = st->db, .db_len = st->db_len, .host = st->host,
        .host_len = st->host_len, .port = st->port,
    };
    ga_my_emit(&sp);
}

static void ga__stopped(void *ctx, int why)
{
    ga_my_state *st = ctx;
    for (int i = 0; i < GA_MY_SLOTS; i++)
        st->slot[i].used = 0;       /* in-flight spans are dropped with the parse */
}

size_t ga_my_use_target(const char *text, size_t len, const char **name)
{
    const char *t = text, *end = text + len;
    while (t < end && (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r'))
        t++;
    if (end - t < 5 || (t[0] | 32) != 'u' || (t[1] | 32) != 's' || (t[2] | 32) != 'e' ||
        (t[3] != ' ' && t[3] != '\t' && t[3] != '`'))
        return 0;
    t += 3;
    while (t < end && (*t == ' ' || *t == '\t'))
        t++;
    int quoted = t < end && *t == '`';
    const char *b = t + quoted, *e = b;
    while (e < end && (quoted ? *e != '`' : (*e != ' ' && *e != ';' && *e != '\n' && *e != '\t')))
        e++;
    *name = b;
    return (size_t)(e - b);
}

static uint8_t ga__op(uint8_t cmd)
{
    switch (cmd) {
    case GA_MY_COM_QUERY:              return GA_OP_MYSQL_QUERY;
    case GA_MY_COM_STMT_PREPARE:       return GA_OP_MYSQL_PREPARE;
    case GA_MY_COM_STMT_EXECUTE:
    case GA_MY_COM_STMT_BULK_EXECUTE:  return GA_OP_MYSQL_EXECUTE;
    default:                           return GA_OP_MYSQL_COMMAND;
    }
}

/* What a successful command changes: the statement map, the current database. */
static void ga__apply(ga_my_state *st, const ga_my_slot *s, const ga_my_result *r)
{
    if (s->cmd == GA_MY_COM_STMT_PREPARE)
        ga__stmt_add(st, r->stmt_id, s);
    else if (s->cmd == GA_MY_COM_INIT_DB && !s->truncated)
        ga_my_set_name(st->db, &st->db_len, s->text, s->text_len);
    else if (s->cmd == GA_MY_COM_QUERY && st->schema_events == s->schema_events &&
             s->text_len >= 5 && ((s->text[0] | 32) == 'u' || (uint8_t)s->text[0] <= ' ')) {
        const char *name;                     /* only what may be a USE is looked at */
        size_t n = ga_my_use_target(s->text, s->text_len, &name);
        if (n > 0)
            ga_my_set_name(st->db, &st->db_len, name, n);
    }
}

static void ga__resp_end(void *ctx, int tag, const ga_my_result *r)
{
    ga_my_state *st = ctx;
    if (tag < 0 || tag >= GA_MY_SLOTS || !st->slot[tag].used)
        return;
    ga_my_slot *s = &st->slot[tag];
    if (r->outcome == GA_MY_OK)
        ga__apply(st, s, r);
    uint32_t info = s->cmd | GA_MY_I_WIRE | (st->mariadb ? GA_MY_I_MARIADB : 0) |
                    (s->hooked ? GA_MY_I_HOOK : 0) | (s->truncated ? GA_MY_I_TRUNCATED : 0) |
                    (r->outcome == GA_MY_CLOSED ? GA_MY_I_CLOSED : 0);
    int with_text = s->cmd == GA_MY_COM_QUERY || s->cmd == GA_MY_COM_STMT_PREPARE ||
                    s->cmd == GA_MY_COM_STMT_EXECUTE || s->cmd == GA_MY_COM_STMT_BULK_EXECUTE;
    ga_my_span sp = {
        .op = ga__op(s->cmd), .info = info, .ids = &s->ids, .start_ns = s->start_ns,
        .end_ns = ga_now_ns(), .error = r->outcome == GA_MY_ERR ? (r->error_code ? r->error_code : -1) : 0,
        .peer = &st->peer, .db = st->db, .db_len = st->db_len, .host = st->host,
        .host_len = st->host_len, .port = st->port,
        .text = with_text ? s->text : NULL, .text_len = with_text ? s->text_len : 0,
    };
    ga_my_emit(&sp);
    s->used = 0;
}

const ga_my_sink ga_my_span_sink = {
    .greeting = ga__greeting,
    .login_db = ga__login_db,
    .stopped = ga__stopped,
    .login_failed = ga__login_failed,
    .cmd_begin = ga__cmd_begin,
    .cmd_text = ga__cmd_text,
    .schema = ga__schema,
    .resp_end = ga__resp_end,
};
