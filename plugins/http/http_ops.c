/* http_ops.c — HTTP records → spans and metric series, on the exporter thread (ops.h):
 * span names (`GET`, `GET {route}` with GENESIS_HTTP_ROUTES, `HTTP` for unknown methods),
 * the semantic-convention attributes of server and client spans (url.path/url.query or
 * url.full, redacted), and the attributes of http.server/client.request.duration series.
 * All derived attributes are produced when the facts key (GA_A_HTTP_FACTS, what the
 * application thread writes) or the method key (records made entry by entry) is met.
 * http.server.active_requests is read from the plug-in's own in-flight counters. */
#include <stdlib.h>
#include <string.h>
#include "exporter/fmt.h"
#include "exporter/ops.h"
#include "protocols/http1/http1.h"
#include "protocols/http1/http_url.h"
#include "plugins/http/http_active.h"
#include "plugins/http/http_plugin.h"
#include "plugins/http/http_rec.h"
#include "plugins/http/http_state.h"

/* The raw facts of one HTTP record. */
typedef struct ga__hr {
    int server, method, status, version, err;
    int64_t req_body, resp_body;
    const char *morig, *target, *host, *ua, *xff;
    size_t morig_n, target_n, host_n, ua_n, xff_n;
    ga_addr peer;
    int has_peer;
} ga__hr;

/* An exchange's facts as the application thread copied them (GA_A_HTTP_FACTS: ga_http_xchg
 * from GA_HTTP_FACTS_AT, then the texts used). A text that would reach past the entry is
 * left out. */
static void ga__facts(ga__hr *h, const uint8_t *v, size_t len)
{
    ga_http_xchg x;
    if (len < GA_HTTP_FACTS_HEAD || len > GA_HTTP_FACTS_HEAD + GA_HTTP_TEXT_CAP)
        return;
    memcpy((char *)&x + GA_HTTP_FACTS_AT, v, GA_HTTP_FACTS_HEAD);
    h->method = x.method ? x.method : GA_H1_M_OTHER;
    h->status = x.status;
    h->version = x.version;
    h->req_body = (int64_t)x.req_body;
    const char *t = (const char *)v + GA_HTTP_FACTS_HEAD;
    size_t used = len - GA_HTTP_FACTS_HEAD;
    const char **at[GA_HT_COUNT] = { &h->morig, &h->target, &h->host, &h->ua, &h->xff };
    size_t *n[GA_HT_COUNT] = { &h->morig_n, &h->target_n, &h->host_n, &h->ua_n, &h->xff_n };
    for (int f = 0; f < GA_HT_COUNT; f++) {
        if (x.t_len[f] > 0 && (size_t)x.t_off[f] + x.t_len[f] <= used) {
            *at[f] = t + x.t_off[f];
            *n[f] = x.t_len[f];
        }
    }
}

static void ga__read(const ga_rec *r, ga__hr *h)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    memset(h, 0, sizeof *h);
    h->server = r->h.op == GA_OP_HTTP_SERVER;
    h->req_body = h->resp_body = -1;
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        int64_t iv = 0;
        if (type == GA_AT_INT && len == sizeof iv)
            memcpy(&iv, v, sizeof iv);
        switch (key) {
        case GA_A_HTTP_METHOD:      h->method = (int)iv; break;
        case GA_A_HTTP_STATUS:      h->status = (int)iv; break;
        case GA_A_HTTP_VERSION:     h->version = (int)iv; break;
        case GA_A_HTTP_ERROR:       h->err = (int)iv; break;
        case GA_A_HTTP_REQ_BODY:    h->req_body = iv; break;
        case GA_A_HTTP_RESP_BODY:   h->resp_body = iv; break;
        case GA_A_HTTP_METHOD_ORIG: h->morig = (const char *)v; h->morig_n = len; break;
        case GA_A_HTTP_TARGET:      h->target = (const char *)v; h->target_n = len; break;
        case GA_A_HTTP_HOST:        h->host = (const char *)v; h->host_n = len; break;
        case GA_A_HTTP_UA:          h->ua = (const char *)v; h->ua_n = len; break;
        case GA_A_HTTP_XFF:         h->xff = (const char *)v; h->xff_n = len; break;
        case GA_A_HTTP_FACTS:       ga__facts(h, v, len); break;
        case GA_A_PEER:
            if (type == GA_AT_ADDR && len == sizeof h->peer) {
                memcpy(&h->peer, v, sizeof h->peer);
                h->has_peer = h->peer.family != 0;
            }
            break;
        default: break;
        }
    }
}

static int ga__route(const ga__hr *h, const char **route, size_t *rlen)
{
    const char *path, *q, *routes = ga_http_routes();
    size_t pl, ql;
    if (!h->server || h->target == NULL || routes == NULL || routes[0] == '\0')
        return 0;                   /* (no route templates: the common case, nothing to split) */
    ga_http_split_target(h->target, h->target_n, &path, &pl, &q, &ql);
    return ga_http_route_match(routes, path, pl, route, rlen);
}

static size_t ga__name(const ga_rec *r, char *buf, size_t cap)
{
    ga__hr h;
    const char *route;
    size_t rl;
    ga__read(r, &h);
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_puts(&b, h.method == GA_H1_M_OTHER ? "HTTP" : ga_h1_method_name(h.method));
    if (ga__route(&h, &route, &rl)) {
        ga_sb_put(&b, " ", 1);
        ga_sb_put(&b, route, rl);
    }
    return b.len;
}

/* error.type: the status code for errors (5xx; 4xx on clients), else the transport failure. */
static void ga__error_type(const ga__hr *h, ga_aw *w)
{
    if (h->status >= 500 || (!h->server && h->status >= 400)) {
        char *p = ga_attr_scratch_get(w->sc, GA_FMT_U64_MAX + 1);
        if (p != NULL)
            ga_aw_str(w, GA_K("error.type"), p, ga_fmt_i64(p, h->status));
    } else if (h->err == GA_HTTP_ERR_CLOSED) {
        ga_aw_str(w, GA_K("error.type"), "connection_closed", 17);
    }
}

/* Attributes both the span and its metric series carry. */
static void ga__common(const ga__hr *h, ga_aw *w)
{
    const char *m = ga_h1_method_name(h->method);
    ga_aw_str(w, GA_K("http.request.method"), m, strlen(m));
    if (h->status)
        ga_aw_int(w, GA_K("http.response.status_code"), h->status);
    ga_aw_str(w, GA_K("network.protocol.name"), "http", 4);
    if (h->version)
        ga_aw_str(w, GA_K("network.protocol.version"), h->version == 10 ? "1.0" : "1.1", 3);
    ga__error_type(h, w);
}

/* server.address / server.port: the Host field, else (clients) the peer. */
static void ga__server_addr(const ga__hr *h, ga_aw *w)
{
    const char *host;
    size_t hl;
    int port;
    if (h->host && ga_http_host_port(h->host, h->host_n, &host, &hl, &port, 80)) {
        ga_aw_str(w, GA_K("server.address"), host, hl);
        ga_aw_int(w, GA_K("server.port"), port);
        return;
    }
    if (h->server || !h->has_peer)
        return;
    size_t l;
    const char *p = ga_attr_peer(w->sc, &h->peer, &l);
    if (p == NULL)
        return;
    ga_aw_str(w, GA_K("server.address"), p, l);
    ga_aw_int(w, GA_K("server.port"), h->peer.port);
}

static void ga__server_attrs(const ga__hr *h, ga_aw *w)
{
    const char *path, *q, *route;
    size_t pl, ql, rl;
    ga_http_split_target(h->target ? h->target : "", h->target_n, &path, &pl, &q, &ql);
    ga_aw_str(w, GA_K("url.path"), path, pl);
    char *rq = ql ? ga_attr_scratch_get(w->sc, 160) : NULL;
    if (rq != NULL)
        ga_aw_str(w, GA_K("url.query"), rq, ga_http_redact_query(q, ql, rq, 160));
    ga_aw_str(w, GA_K("url.scheme"), "http", 4);
    if (ga__route(h, &route, &rl))
        ga_aw_str(w, GA_K("http.route"), route, rl);
    if (h->xff != NULL) {
        const char *comma = memchr(h->xff, ',', h->xff_n);
        size_t l = comma ? (size_t)(comma - h->xff) : h->xff_n;
        while (l > 0 && h->xff[l - 1] == ' ')
            l--;
        ga_aw_str(w, GA_K("client.address"), h->xff, l);
    } else if (h->has_peer) {
        size_t l;
        const char *p = ga_attr_peer(w->sc, &h->peer, &l);
        ga_aw_str(w, GA_K("client.address"), p, l);
    }
}

static void ga__client_attrs(const ga__hr *h, ga_aw *w)
{
    char auth[GA_FMT_IP_MAX + 8];
    const char *a = h->host;
    size_t al = h->host_n;
    if (a == NULL && h->has_peer) {
        al = ga_fmt_ip_port(auth, &h->peer);
        a = auth;
    }
    char *u = ga_attr_scratch_get(w->sc, 200);
    if (u != NULL && h->target != NULL)
        ga_aw_str(w, GA_K("url.full"), u, ga_http_url_full(h->target, h->target_n, a ? a : "", al, u, 200));
}

static void ga__attr(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                     ga_aw *w)
{
    (void)type; (void)v; (void)len;
    if (key != GA_A_HTTP_METHOD && key != GA_A_HTTP_FACTS)
        return;                     /* everything is derived at the facts (or method) key */
    ga__hr h;
    ga__read(r, &h);
    ga__common(&h, w);
    if (h.morig != NULL)
        ga_aw_str(w, GA_K("http.request.method_original"), h.morig, h.morig_n);
    ga__server_addr(&h, w);
    if (h.server)
        ga__server_attrs(&h, w);
    else
        ga__client_attrs(&h, w);
    if (h.ua != NULL)
        ga_aw_str(w, GA_K("user_agent.original"), h.ua, h.ua_n);
    if (h.req_body >= 0)
        ga_aw_int(w, GA_K("http.request.body.size"), h.req_body);
    if (h.resp_body >= 0)
        ga_aw_int(w, GA_K("http.response.body.size"), h.resp_body);
}

/* http.server.request.duration: method, scheme, status, route, protocol, error.type.
 * http.client.request.duration: method, server address/port, status, protocol, error.type. */
static int ga__metric_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga__hr h;
    const char *route;
    size_t rl;
    ga__read(r, &h);
    ga_attr_scratch_reset(sc);
    ga_aw w = ga_aw_array(out, max, sc);
    ga__common(&h, &w);
    if (h.server) {
        ga_aw_str(&w, GA_K("url.scheme"), "http", 4);
        if (ga__route(&h, &route, &rl))
            ga_aw_str(&w, GA_K("http.route"), route, rl);
    } else {
        ga__server_addr(&h, &w);
    }
    return w.n;
}

/* http.server.active_requests from the plug-in's in-flight counters: a series per method
 * once that method was seen (a request that ends brings it back to 0, kept). */
static const ga_instrument ga__active = { .name = "http.server.active_requests",
    .description = "Number of active HTTP server requests.", .unit = "{request}",
    .kind = GA_MK_UPDOWN, .max_series = 16 };

static void ga__collect(void)
{
    for (int m = GA_H1_M_NONE + 1; m < GA_H1_M_COUNT; m++) {
        const char *name = ga_h1_method_name(m);
        int64_t v = atomic_load_explicit(&ga_http_active[m], memory_order_relaxed);
        ga_attr a[2] = {
            { .key = "http.request.method", .klen = 19, .type = GA_V_STR, .s = name, .slen = strlen(name) },
            { .key = "url.scheme", .klen = 10, .type = GA_V_STR, .s = "http", .slen = 4 },
        };
        ga_series_set(ga_metrics_series(&ga__active, a, 2, v != 0), v);
    }
}

/* The descriptors of the plug-in's ops into o[0 .. nops), when the exporter reads its first
 * record (ops.h: a function, not a table of pointers the loader would relocate). */
static void ga__ops(ga_op_desc *o)
{
    o[GA_OP_HTTP_SERVER - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
        .metric = &ga_inst_http_server_duration, .metric_attrs = ga__metric_attrs,
        .semconv = GA_SC_HTTP };
    o[GA_OP_HTTP_CLIENT - 1] = (ga_op_desc){ .name = ga__name, .attr = ga__attr,
        .metric = &ga_inst_http_client_duration, .metric_attrs = ga__metric_attrs,
        .semconv = GA_SC_HTTP };
}

const struct ga_plugin_exp ga_http_exp = { .fill = ga__ops, .nops = GA_OP_HTTP_COUNT - 1,
                                           .collect = ga__collect };
