/* semconv.c — the older attribute names of OTEL_SEMCONV_STABILITY_OPT_IN=database/dup and
 * http/dup (contract in semconv.h). Exporter thread only.
 *
 * Database, the v1.24 names and the pre-v1.21 peer names: db.system, db.name, db.statement,
 * db.operation, db.sql.table, net.peer.name, net.peer.port.
 * HTTP, the v1.20 names: http.method, http.status_code, http.url, http.target (path and
 * query), http.scheme, http.client_ip, http.request_content_length,
 * http.response_content_length, http.user_agent, net.protocol.name, net.protocol.version,
 * net.peer.name/port (client spans) or net.host.name/port (server spans),
 * net.sock.peer.addr/port.
 * Cost, only when on: a table scan of about 30 key lengths per attribute, one more attribute
 * per mapped one; span names, kinds and metrics are unchanged. */
#include <string.h>
#include "exporter/attrs.h"
#include "exporter/semconv.h"
#include "preload/ga.h"
#include "preload/record.h"
#include "preload/vars.h"

/* Keys inline, not as pointers: a table of pointers in a shared library costs a relocation
 * per entry at every process start. The longest keys are http.response.status_code (25 bytes)
 * and http.response_content_length (28); a longer one does not compile. Keys are used with
 * their lengths, never as C strings. */
typedef struct ga__map {
    char from[26];
    uint8_t flen;
    char to[29];
    uint8_t tlen;
    uint8_t when;                   /* GA_DUP_* */
} ga__map;

#define GA__M(f, t, w) { f, sizeof f - 1, t, sizeof t - 1, w }
#define GA__HTTP (GA_DUP_HTTP_CLIENT | GA_DUP_HTTP_SERVER)

static const ga__map ga__maps[] = {
    GA__M("db.system.name", "db.system", GA_DUP_DB),
    GA__M("db.namespace", "db.name", GA_DUP_DB),
    GA__M("db.query.text", "db.statement", GA_DUP_DB),
    GA__M("db.operation.name", "db.operation", GA_DUP_DB),
    GA__M("db.collection.name", "db.sql.table", GA_DUP_DB),
    GA__M("server.address", "net.peer.name", GA_DUP_DB | GA_DUP_HTTP_CLIENT),
    GA__M("server.port", "net.peer.port", GA_DUP_DB | GA_DUP_HTTP_CLIENT),
    GA__M("server.address", "net.host.name", GA_DUP_HTTP_SERVER),
    GA__M("server.port", "net.host.port", GA_DUP_HTTP_SERVER),
    GA__M("http.request.method", "http.method", GA__HTTP),
    GA__M("http.response.status_code", "http.status_code", GA__HTTP),
    GA__M("url.full", "http.url", GA__HTTP),
    GA__M("url.scheme", "http.scheme", GA__HTTP),
    GA__M("client.address", "http.client_ip", GA_DUP_HTTP_SERVER),
    GA__M("http.request.body.size", "http.request_content_length", GA__HTTP),
    GA__M("http.response.body.size", "http.response_content_length", GA__HTTP),
    GA__M("user_agent.original", "http.user_agent", GA__HTTP),
    GA__M("network.protocol.name", "net.protocol.name", GA__HTTP),
    GA__M("network.protocol.version", "net.protocol.version", GA__HTTP),
    GA__M("network.peer.address", "net.sock.peer.addr", GA__HTTP),
    GA__M("network.peer.port", "net.sock.peer.port", GA__HTTP),
};

static int ga__loaded;
static unsigned ga__on;             /* GA_DUP_DB | GA_DUP_HTTP_* as configured */
int ga_semconv_active = 1;

static int ga__tok(const char *t, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(t, want, n) == 0;
}

static void ga__load(void)
{
    static const char known[][14] = {
        "http", "database", "messaging", "messaging/dup", "rpc", "rpc/dup", "code", "code/dup" };
    ga_var *v = GA_VAR(OTEL_SEMCONV_STABILITY_OPT_IN);
    const char *s = ga_var_raw(v);
    int bad = 0;
    ga__loaded = 1;
    ga__on = 0;
    while (s != NULL && *s) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        const char *t = s;
        while (*s && *s != ',')
            s++;
        size_t n = (size_t)(s - t);
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        if (n == 0)
            continue;
        if (ga__tok(t, n, "database/dup")) {
            ga__on |= GA_DUP_DB;
        } else if (ga__tok(t, n, "http/dup")) {
            ga__on |= GA_DUP_HTTP_CLIENT | GA_DUP_HTTP_SERVER;
        } else {
            int ok = 0;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                ok |= ga__tok(t, n, known[i]);
            bad |= !ok;
        }
    }
    ga_semconv_active = ga__on != 0;
    if (bad)
        ga_var_warn(v, "a comma list of http, http/dup, database, database/dup (messaging, rpc, "
                    "code and their /dup are accepted and change nothing)", "the values it knows");
}

void ga_semconv_reset(void)
{
    ga__loaded = 0;
    ga_semconv_active = 1;
}

unsigned ga_semconv_dup_mode(int domain, int kind)
{
    if (ga_unlikely(!ga__loaded))
        ga__load();
    if (ga__on == 0)
        return 0;
    if (domain == GA_SC_DB)
        return ga__on & GA_DUP_DB;
    if (domain == GA_SC_HTTP)
        return ga__on & (kind == GA_KIND_SERVER ? GA_DUP_HTTP_SERVER : GA_DUP_HTTP_CLIENT);
    return 0;
}

/* http.target = url.path [ "?" url.query ]: the path waits in the writer for its query.
 * Returns the mode with GA_DUP_PENDING set or cleared. w->dup is 0 meanwhile. */
static unsigned ga__target(ga_aw *w, unsigned mode, const char *key, uint8_t klen,
                           const char *s, size_t len)
{
    if (klen == 8 && memcmp(key, "url.path", 8) == 0) {
        w->dup_path = s;
        w->dup_path_len = len;
        return mode | GA_DUP_PENDING;
    }
    if (klen == 9 && memcmp(key, "url.query", 9) == 0 && (mode & GA_DUP_PENDING)) {
        size_t n = w->dup_path_len + 1 + len;
        char *t = ga_attr_scratch_get(w->sc, n);
        if (t != NULL) {
            memcpy(t, w->dup_path, w->dup_path_len);
            t[w->dup_path_len] = '?';
            memcpy(t + w->dup_path_len + 1, s, len);
            ga_aw_str(w, GA_K("http.target"), t, n);
        }
        return mode & ~GA_DUP_PENDING;
    }
    return mode;
}

void ga_semconv_dup(ga_aw *w, const char *key, uint8_t klen, int type, const char *s,
                    size_t len, int64_t v)
{
    unsigned mode = w->dup;
    w->dup = 0;                     /* the older names are written plainly */
    if (klen == 0)
        klen = (uint8_t)strlen(key);
    if ((mode & GA_DUP_HTTP_SERVER) && type == GA_V_STR)
        mode = ga__target(w, mode, key, klen, s, len);
    for (size_t i = 0; i < sizeof ga__maps / sizeof ga__maps[0]; i++) {
        const ga__map *m = &ga__maps[i];
        if (m->flen != klen || !(m->when & mode) || memcmp(m->from, key, klen) != 0)
            continue;
        if (type == GA_V_STR)
            ga_aw_str(w, m->to, m->tlen, s, len);
        else
            ga_aw_int(w, m->to, m->tlen, v);
        break;
    }
    w->dup = mode;
}

void ga_semconv_dup_end(ga_aw *w)
{
    unsigned mode = w->dup;
    w->dup = 0;
    if (mode & GA_DUP_PENDING)
        ga_aw_str(w, GA_K("http.target"), w->dup_path, w->dup_path_len);
}
