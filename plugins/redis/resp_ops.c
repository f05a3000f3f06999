/* resp_ops.c — Redis records → spans and metric series (exporter thread; see exporter/ops.h).
 *
 * Span name and db.operation.name: the command, upper-cased (`GET`, `CLIENT SETNAME`); pipelines
 * `PIPELINE <cmd>` / `PIPELINE`, transactions `MULTI <cmd>` / `MULTI` (semconv, Redis).
 * Attributes: db.system.name=redis, db.namespace (database index), db.query.text (redis-cli
 * syntax, GENESIS_REDIS_ARGS), db.operation.batch.size, server.address/port,
 * db.response.status_code + error.type, code.function.name when a hiredis hook saw the caller,
 * genesis.redis.source (wire | hiredis+wire | hiredis). The core decodes network.peer.*. */
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include "exporter/fmt.h"
#include "exporter/ops.h"
#include "plugins/redis/resp_rec.h"
#include "preload/stack.h"
#include "protocols/resp/resp_raw.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"

#define GA_RESP_QUERY_CAP 300       /* db.query.text bytes (scratch is shared: stay modest) */

/* The raw facts of one record. */
typedef struct ga__resp {
    int64_t info, ncmds, db, port, caller, hookerr;
    const char *name, *code, *host;
    size_t name_len, code_len, host_len;
    const uint8_t *text;
    size_t text_len;
    ga_addr peer;
} ga__resp;

static void ga__read(const ga_rec *r, ga__resp *x)
{
    memset(x, 0, sizeof *x);
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        int64_t iv = 0;
        if (type == GA_AT_INT && len == sizeof iv)
            memcpy(&iv, v, sizeof iv);
        switch (key) {
        case GA_A_PEER: if (len == sizeof x->peer) memcpy(&x->peer, v, len); break;
        case GA_A_RESP_INFO:
            x->info = iv;
            x->ncmds = GA_RESP_INFO_NCMDS(iv);
            x->db = GA_RESP_INFO_DB(iv);
            break;
        case GA_A_RESP_PORT: x->port = iv; break;
        case GA_A_RESP_CALLER: x->caller = iv; break;
        case GA_A_RESP_HOOKERR: x->hookerr = iv; break;
        case GA_A_RESP_NAME: x->name = (const char *)v; x->name_len = len; break;
        case GA_A_RESP_CODE: x->code = (const char *)v; x->code_len = len; break;
        case GA_A_RESP_HOST: x->host = (const char *)v; x->host_len = len; break;
        case GA_A_RESP_TEXT: x->text = v; x->text_len = len; break;
        default: break;
        }
    }
    ga_resp_rarg a[GA_RESP_RAW_ARGS];           /* a raw text: the name is its first argument */
    unsigned nargs;
    if (x->name_len == 0 && (GA_RESP_INFO_FLAGS(x->info) & GA_RESP_GF_RAW) &&
        ga_resp_raw_split(x->text, x->text_len, 1, a, &nargs) > 0) {
        x->name = (const char *)a[0].p;
        x->name_len = a[0].len < GA_RESP_NAME_CAP - 1 ? a[0].len : GA_RESP_NAME_CAP - 1;
    }
}

/* `GET`, `PIPELINE GET`, `PIPELINE`, `MULTI SET`, `MULTI` into buf; returns its length. The
 * command name is upper-cased (redis-rb sends `get`, redis-py `GET`: one operation, one metric
 * series); db.query.text keeps what was sent. */
static size_t ga__opname(const ga__resp *x, char *buf, size_t cap)
{
    int kind = GA_RESP_INFO_KIND(x->info), fl = GA_RESP_INFO_FLAGS(x->info);
    const char *pre = kind == GA_RESP_GK_MULTI ? "MULTI" : kind == GA_RESP_GK_BATCH && x->ncmds >= 2 ? "PIPELINE" : NULL;
    int with_name = x->name_len > 0 && !(pre != NULL && ((fl & GA_RESP_GF_DIFF) || x->ncmds == 0));
    size_t shown = x->name_len ? strnlen(x->name, x->name_len) : 0;    /* up to a NUL */
    char up[64];
    if (shown > sizeof up)
        shown = sizeof up;
    for (size_t i = 0; i < shown; i++)
        up[i] = (char)(x->name[i] >= 'a' && x->name[i] <= 'z' ? x->name[i] - 'a' + 'A' : x->name[i]);
    ga_sb b = ga_sb_init(buf, cap);
    if (pre == NULL) {
        ga_sb_put(&b, up, shown);
    } else {
        ga_sb_puts(&b, pre);
        if (with_name) {
            ga_sb_put(&b, " ", 1);
            ga_sb_put(&b, up, shown);
        }
    }
    return b.len;
}

static size_t ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__resp x;
    ga__read(r, &x);
    return ga__opname(&x, buf, cap);
}

static const char *ga__hookerr_name(int64_t e)
{
    static const char names[][19] = { "REDIS_ERR", "REDIS_ERR_IO", "REDIS_ERR_OTHER",
                                         "REDIS_ERR_EOF", "REDIS_ERR_PROTOCOL", "REDIS_ERR_OOM",
                                         "REDIS_ERR_TIMEOUT" };
    return e > 0 && e < 7 ? names[e] : names[0];
}

/* A string copied into scratch memory (with a NUL: the room left for db.query.text depends
 * on what was used) as one attribute. A writer in wire mode writes it at once: only the room
 * is taken. */
static void ga__keep(ga_aw *w, const char *key, uint8_t klen, const char *s, size_t l)
{
    char *p = ga_attr_scratch_get(w->sc, l + 1);
    if (p == NULL)
        return;
    if (w->out != NULL) {
        memcpy(p, s, l);
        p[l] = '\0';
        s = p;
    }
    ga_aw_str(w, key, klen, s, l);
}

/* Attributes shared by spans and metric series. */
static void ga__common(const ga__resp *x, ga_aw *w)
{
    char b[128];
    size_t l;
    ga_aw_str(w, GA_K("db.system.name"), "redis", 5);
    l = ga__opname(x, b, sizeof b);
    ga__keep(w, GA_K("db.operation.name"), b, l);
    if (GA_RESP_INFO_SRC(x->info) != GA_RESP_SRC_HOOK) {   /* the hook alone cannot follow SELECT */
        l = ga_fmt_i64(b, x->db);
        ga__keep(w, GA_K("db.namespace"), b, l);
    }
    if (x->host_len > 0) {
        ga_aw_str(w, GA_K("server.address"), x->host, x->host_len);
    } else if (x->peer.family == AF_INET || x->peer.family == AF_INET6) {
        const char *p = ga_attr_peer(w->sc, &x->peer, &l);
        if (p != NULL)
            ga__keep(w, GA_K("server.address"), p, l);
    }
    int port = x->port ? (int)x->port : (x->peer.family == AF_INET || x->peer.family == AF_INET6) ? x->peer.port : 0;
    if (port > 0)
        ga_aw_int(w, GA_K("server.port"), port);
    int fl = GA_RESP_INFO_FLAGS(x->info);
    if ((fl & GA_RESP_GF_ERROR) && x->code_len > 0) {
        ga_aw_str(w, GA_K("db.response.status_code"), x->code, x->code_len);
        ga_aw_str(w, GA_K("error.type"), x->code, x->code_len);
    } else if (x->hookerr) {
        const char *e = ga__hookerr_name(x->hookerr);
        ga__keep(w, GA_K("error.type"), e, strlen(e));
    } else if (fl & GA_RESP_GF_CLOSED) {
        ga__keep(w, GA_K("error.type"), "connection_closed", 17);
    }
}

/* The function that called the hiredis API (only when the symbol is a function that
 * really contains the address). */
static void ga__caller(const ga__resp *x, ga_aw *w)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    void *pc = (void *)(uintptr_t)x->caller;
    if (pc == NULL || dladdr1(pc, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL ||
        info.dli_sname == NULL || ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
        (uintptr_t)pc - (uintptr_t)info.dli_saddr >= sym->st_size)
        return;
    ga__keep(w, GA_K("code.function.name"), info.dli_sname, strnlen(info.dli_sname, 95));
}

/* Everything is decoded once, at the INFO key (always present); the other keys add nothing. */
static void ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                     ga_aw *w)
{
    (void)type; (void)v; (void)len;
    if (key != GA_A_RESP_INFO)
        return;
    ga__resp x;
    ga__read(r, &x);
    ga__common(&x, w);
    if (x.peer.family == AF_INET || x.peer.family == AF_INET6)
        ga_aw_str(w, GA_K("network.transport"), "tcp", 3);
    else if (x.peer.family == AF_UNIX)
        ga_aw_str(w, GA_K("network.transport"), "unix", 4);
    int kind = GA_RESP_INFO_KIND(x.info);
    if ((kind == GA_RESP_GK_BATCH && x.ncmds >= 2) ||
        (kind == GA_RESP_GK_MULTI && (x.ncmds >= 2 || x.ncmds == 0)))
        ga_aw_int(w, GA_K("db.operation.batch.size"), x.ncmds);
    static const char src[][13] = { "wire", "hiredis+wire", "hiredis" };
    static const uint8_t src_len[] = { 4, 12, 7 };
    int s = GA_RESP_INFO_SRC(x.info);
    s = s <= 2 ? s : 0;
    ga_aw_str(w, GA_K("genesis.redis.source"), src[s], src_len[s]);
    if (x.caller && !ga_rec_has_stack(r))          /* the stack names the caller then */
        ga__caller(&x, w);
    ga_attr_scratch *sc = w->sc;
    size_t room = sizeof sc->buf - sc->used;
    size_t cap = room > 64 + GA_RESP_QUERY_CAP ? GA_RESP_QUERY_CAP : room > 64 ? room - 64 : 0;
    char *q = cap ? ga_attr_scratch_get(sc, cap) : NULL;     /* 64 bytes left for the peer address */
    if (q != NULL && x.text_len > 0) {
        int fl = GA_RESP_INFO_FLAGS(x.info), mode = GA_RESP_INFO_MODE(x.info);
        size_t l = (fl & GA_RESP_GF_RAW) ? ga_resp_text_render_raw(x.text, x.text_len, mode, q, cap) :
                   ga_resp_text_render(x.text, x.text_len, mode, (fl & GA_RESP_GF_TRUNC) != 0, q, cap);
        ga_aw_str(w, GA_K("db.query.text"), q, l);
    }
}

static int ga__metric_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga__resp x;
    ga__read(r, &x);
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    ga__common(&x, &w);
    return w.n;
}

/* The descriptors of the plug-in's ops into o[0 .. nops), when the exporter reads its first
 * record (ops.h: a function, not a table of pointers the loader would relocate). */
static void ga__ops(ga_op_desc *o)
{
    o[GA_OP_RESP - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
                                      .metric = &ga_inst_db_client_duration,
                                      .metric_attrs = ga__metric_attrs, .semconv = GA_SC_DB };
}

const struct ga_plugin_exp ga_redis_exp = { .fill = ga__ops, .nops = GA_OP_RESP_COUNT - 1 };
