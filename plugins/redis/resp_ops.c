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
#include <stdio.h>
#include <string.h>
#include "exporter/ops.h"
#include "plugins/redis/resp_rec.h"
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
}

/* `GET`, `PIPELINE GET`, `PIPELINE`, `MULTI SET`, `MULTI`. The command name is upper-cased
 * (redis-rb sends `get`, redis-py `GET`: one operation, one metric series); db.query.text keeps
 * what was sent. */
static void ga__opname(const ga__resp *x, char *buf, size_t cap)
{
    int kind = GA_RESP_INFO_KIND(x->info), fl = GA_RESP_INFO_FLAGS(x->info);
    const char *pre = kind == GA_RESP_GK_MULTI ? "MULTI" : kind == GA_RESP_GK_BATCH && x->ncmds >= 2 ? "PIPELINE" : NULL;
    int with_name = x->name_len > 0 && !(pre != NULL && ((fl & GA_RESP_GF_DIFF) || x->ncmds == 0));
    char up[64];
    size_t n = x->name_len < sizeof up ? x->name_len : sizeof up;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)(x->name[i] >= 'a' && x->name[i] <= 'z' ? x->name[i] - 'a' + 'A' : x->name[i]);
    if (pre == NULL)
        snprintf(buf, cap, "%.*s", (int)n, n ? up : "redis");
    else if (with_name)
        snprintf(buf, cap, "%s %.*s", pre, (int)n, up);
    else
        snprintf(buf, cap, "%s", pre);
}

static void ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__resp x;
    ga__read(r, &x);
    ga__opname(&x, buf, cap);
}

/* A formatted string in scratch memory as one attribute. */
static int ga__fmt(ga_attr *out, int n, int max, ga_attr_scratch *sc, const char *key, const char *s)
{
    size_t l = strlen(s);
    char *p = ga_attr_scratch_get(sc, l + 1);
    if (p == NULL)
        return n;
    memcpy(p, s, l + 1);
    return ga_attr_add_str(out, n, max, key, p, l);
}

static const char *ga__hookerr_name(int64_t e)
{
    static const char *const names[] = { "REDIS_ERR", "REDIS_ERR_IO", "REDIS_ERR_OTHER",
                                         "REDIS_ERR_EOF", "REDIS_ERR_PROTOCOL", "REDIS_ERR_OOM",
                                         "REDIS_ERR_TIMEOUT" };
    return e > 0 && e < 7 ? names[e] : names[0];
}

/* Attributes shared by spans and metric series. */
static int ga__common(const ga__resp *x, ga_attr *out, int n, int max, ga_attr_scratch *sc)
{
    char b[128];
    n = ga_attr_add_str(out, n, max, "db.system.name", "redis", 5);
    ga__opname(x, b, sizeof b);
    n = ga__fmt(out, n, max, sc, "db.operation.name", b);
    if (GA_RESP_INFO_SRC(x->info) != GA_RESP_SRC_HOOK) {   /* the hook alone cannot follow SELECT */
        snprintf(b, sizeof b, "%lld", (long long)x->db);
        n = ga__fmt(out, n, max, sc, "db.namespace", b);
    }
    if (x->host_len > 0) {
        n = ga_attr_add_str(out, n, max, "server.address", x->host, x->host_len);
    } else if (x->peer.family == AF_INET || x->peer.family == AF_INET6) {
        ga_addr_format(&x->peer, b, sizeof b);
        n = ga__fmt(out, n, max, sc, "server.address", b);
    }
    int port = x->port ? (int)x->port : (x->peer.family == AF_INET || x->peer.family == AF_INET6) ? x->peer.port : 0;
    if (port > 0)
        n = ga_attr_add_int(out, n, max, "server.port", port);
    int fl = GA_RESP_INFO_FLAGS(x->info);
    if ((fl & GA_RESP_GF_ERROR) && x->code_len > 0) {
        n = ga_attr_add_str(out, n, max, "db.response.status_code", x->code, x->code_len);
        n = ga_attr_add_str(out, n, max, "error.type", x->code, x->code_len);
    } else if (x->hookerr) {
        n = ga__fmt(out, n, max, sc, "error.type", ga__hookerr_name(x->hookerr));
    } else if (fl & GA_RESP_GF_CLOSED) {
        n = ga__fmt(out, n, max, sc, "error.type", "connection_closed");
    }
    return n;
}

/* The function that called the hiredis API (only when the symbol is a function that
 * really contains the address). */
static int ga__caller(const ga__resp *x, ga_attr *out, int n, int max, ga_attr_scratch *sc)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    void *pc = (void *)(uintptr_t)x->caller;
    if (pc == NULL || dladdr1(pc, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 || sym == NULL ||
        info.dli_sname == NULL || ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
        (uintptr_t)pc - (uintptr_t)info.dli_saddr >= sym->st_size)
        return n;
    char b[96];
    snprintf(b, sizeof b, "%s", info.dli_sname);
    return ga__fmt(out, n, max, sc, "code.function.name", b);
}

/* Everything is decoded once, at the INFO key (always present); the other keys add nothing. */
static int ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                    ga_attr *out, int n, int max, ga_attr_scratch *sc)
{
    (void)type; (void)v; (void)len;
    if (key != GA_A_RESP_INFO)
        return n;
    ga__resp x;
    ga__read(r, &x);
    n = ga__common(&x, out, n, max, sc);
    if (x.peer.family == AF_INET || x.peer.family == AF_INET6)
        n = ga_attr_add_str(out, n, max, "network.transport", "tcp", 3);
    else if (x.peer.family == AF_UNIX)
        n = ga_attr_add_str(out, n, max, "network.transport", "unix", 4);
    int kind = GA_RESP_INFO_KIND(x.info);
    if ((kind == GA_RESP_GK_BATCH && x.ncmds >= 2) ||
        (kind == GA_RESP_GK_MULTI && (x.ncmds >= 2 || x.ncmds == 0)))
        n = ga_attr_add_int(out, n, max, "db.operation.batch.size", x.ncmds);
    static const char *const src[] = { "wire", "hiredis+wire", "hiredis" };
    int s = GA_RESP_INFO_SRC(x.info);
    n = ga_attr_add_str(out, n, max, "genesis.redis.source", src[s <= 2 ? s : 0], strlen(src[s <= 2 ? s : 0]));
    if (x.caller)
        n = ga__caller(&x, out, n, max, sc);
    size_t room = sizeof sc->buf - sc->used;
    size_t cap = room > 64 + GA_RESP_QUERY_CAP ? GA_RESP_QUERY_CAP : room > 64 ? room - 64 : 0;
    char *q = cap ? ga_attr_scratch_get(sc, cap) : NULL;     /* 64 bytes left for the peer address */
    if (q != NULL && x.text_len > 0) {
        size_t l = ga_resp_text_render(x.text, x.text_len, GA_RESP_INFO_MODE(x.info),
                                       (GA_RESP_INFO_FLAGS(x.info) & GA_RESP_GF_TRUNC) != 0, q, cap);
        n = ga_attr_add_str(out, n, max, "db.query.text", q, l);
    }
    return n;
}

static int ga__metric_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga__resp x;
    ga__read(r, &x);
    sc->used = 0;
    return ga__common(&x, out, 0, max, sc);
}

static const ga_op_desc ga__ops[GA_OP_RESP_COUNT - 1] = {
    [GA_OP_RESP - 1] = { .name = ga__name, .attr = ga__attr,
                         .metric = &ga_inst_db_client_duration, .metric_attrs = ga__metric_attrs },
};

const struct ga_plugin_exp ga_redis_exp = { .ops = ga__ops, .nops = GA_OP_RESP_COUNT - 1 };
