/* attrs.c — record TLV → semantic-convention attributes and span names (see attrs.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "exporter/attrs.h"
#include "exporter/ops.h"
#include "preload/plugin.h"

const ga_op_desc *ga_op_find(const ga_rec *r)
{
    const ga_plugin *p = ga_plugin_get(r->h.proto);
    if (p == NULL || p->exp == NULL || r->h.op == 0 || r->h.op > p->exp->nops)
        return NULL;
    return &p->exp->ops[r->h.op - 1];
}

const char *ga_errno_name(int err, char *buf, size_t cap)
{
    const char *n = strerrorname_np(err);
    if (n != NULL)
        return n;
    snprintf(buf, cap, "errno_%d", err);
    return buf;
}

void ga_addr_format(const ga_addr *a, char *buf, size_t cap)
{
    if (a->family == AF_INET)
        inet_ntop(AF_INET, a->addr, buf, (socklen_t)cap);
    else if (a->family == AF_INET6)
        inet_ntop(AF_INET6, a->addr, buf, (socklen_t)cap);
    else
        snprintf(buf, cap, "%s", "");
}

char *ga_attr_scratch_get(ga_attr_scratch *sc, size_t n)
{
    if (sc->used + n > sizeof sc->buf)
        return NULL;
    char *p = sc->buf + sc->used;
    sc->used += n;
    return p;
}

int ga_attr_add_str(ga_attr *out, int n, int max, const char *key, const char *s, size_t len)
{
    if (n >= max || s == NULL)
        return n;
    out[n] = (ga_attr){ .key = key, .type = GA_V_STR, .s = s, .slen = len };
    return n + 1;
}

int ga_attr_add_int(ga_attr *out, int n, int max, const char *key, int64_t v)
{
    if (n >= max)
        return n;
    out[n] = (ga_attr){ .key = key, .type = GA_V_INT, .i = v };
    return n + 1;
}

/* A peer address becomes network.peer.address, network.peer.port and network.type. */
static int ga__peer(ga_attr *out, int n, int max, const ga_addr *a, ga_attr_scratch *sc)
{
    if (a->family != AF_INET && a->family != AF_INET6)
        return n;
    char *p = ga_attr_scratch_get(sc, 48);
    if (p == NULL)
        return n;
    ga_addr_format(a, p, 48);
    n = ga_attr_add_str(out, n, max, "network.peer.address", p, strlen(p));
    n = ga_attr_add_int(out, n, max, "network.peer.port", a->port);
    const char *t = a->family == AF_INET ? "ipv4" : "ipv6";
    return ga_attr_add_str(out, n, max, "network.type", t, 4);
}

int ga_rec_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    int n = 0, family = 0;
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    const ga_op_desc *desc = ga_op_find(r);
    sc->used = 0;
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        int64_t iv = 0;
        if (type == GA_AT_INT && len == sizeof iv)
            memcpy(&iv, v, sizeof iv);
        switch (key) {
        case GA_A_PEER:
            if (type == GA_AT_ADDR && len == sizeof(ga_addr)) {
                ga_addr a;
                memcpy(&a, v, sizeof a);
                family = a.family;
                n = ga__peer(out, n, max, &a, sc);
            }
            break;
        case GA_A_UNIX_PATH:
            n = ga_attr_add_str(out, n, max, "network.peer.address", (const char *)v, len);
            break;
        case GA_A_TRANSPORT: {
            const char *t = family == AF_UNIX ? "unix" : iv == SOCK_DGRAM ? "udp" : "tcp";
            n = ga_attr_add_str(out, n, max, "network.transport", t, strlen(t));
            break;
        }
        case GA_A_ERRNO: {
            char *p = ga_attr_scratch_get(sc, 32);
            if (p != NULL) {
                const char *name = ga_errno_name((int)iv, p, 32);
                n = ga_attr_add_str(out, n, max, "error.type", name, strlen(name));
            }
            break;
        }
        default:
            if (key >= GA_A_PLUGIN_FIRST && desc != NULL && desc->attr != NULL)
                n = desc->attr(r, key, type, v, len, out, n, max, sc);
            break;
        }
    }
    return n;
}

/* Find one attribute of the record by key (first match). */
static int ga__find(const ga_rec *r, uint8_t want, const uint8_t **val, size_t *len)
{
    size_t off = 0;
    uint8_t key, type;
    while (ga_rec_next(r, &off, &key, &type, val, len))
        if (key == want)
            return 1;
    return 0;
}

void ga_rec_span_name(const ga_rec *r, char *buf, size_t cap)
{
    const uint8_t *v;
    size_t len;
    const ga_op_desc *d = ga_op_find(r);
    if (d != NULL && d->name != NULL) {
        d->name(r, buf, cap);
        return;
    }
    switch (r->h.proto == GA_PROTO_CORE ? r->h.op : GA_OP_NONE) {
    case GA_OP_CONNECT:
        if (ga__find(r, GA_A_UNIX_PATH, &v, &len)) {
            snprintf(buf, cap, "connect %.*s", (int)len, (const char *)v);
        } else if (ga__find(r, GA_A_PEER, &v, &len) && len == sizeof(ga_addr)) {
            ga_addr a;
            char host[48];
            memcpy(&a, v, sizeof a);
            ga_addr_format(&a, host, sizeof host);
            if (a.family == AF_INET6)
                snprintf(buf, cap, "connect [%s]:%u", host, a.port);
            else if (a.family == AF_INET)
                snprintf(buf, cap, "connect %s:%u", host, a.port);
            else
                snprintf(buf, cap, "connect");
        } else {
            snprintf(buf, cap, "connect");
        }
        break;
    default:
        snprintf(buf, cap, "genesis.op.%u.%u", r->h.proto, r->h.op);
        break;
    }
}
