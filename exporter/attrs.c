/* attrs.c — record TLV → semantic-convention attributes and span names (see attrs.h). No
 * printf family here: this runs for every exported span. */
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include "exporter/attrs.h"
#include "exporter/fmt.h"
#include "exporter/ops.h"
#include "exporter/stack_sym.h"
#include "preload/plugin.h"

/* Every plug-in's op descriptors, written by its fill() on the first ga_op_find(). */
static ga_op_desc ga__ops[GA_PROTO_COUNT][GA_OPS_MAX];
static pthread_once_t ga__ops_once = PTHREAD_ONCE_INIT;

static void ga__ops_fill(void)
{
    ga_foreach_plugin(p)
        if (p != NULL && p->exp != NULL && p->exp->nops <= GA_OPS_MAX)
            p->exp->fill(ga__ops[p_it - ga_plugins]);
}

const ga_op_desc *ga_op_find(const ga_rec *r)
{
    const ga_plugin *p = ga_plugin_get(r->h.proto);
    if (p == NULL || p->exp == NULL || r->h.op == 0 || r->h.op > p->exp->nops ||
        p->exp->nops > GA_OPS_MAX)
        return NULL;
    pthread_once(&ga__ops_once, ga__ops_fill);
    return &ga__ops[r->h.proto][r->h.op - 1];
}

const char *ga_errno_name(int err, char *buf, size_t cap)
{
    const char *n = strerrorname_np(err);
    if (n != NULL)
        return n;
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_put(&b, "errno_", 6);
    if (err < 0)
        ga_sb_put(&b, "-", 1);
    ga_sb_u64(&b, err < 0 ? (uint64_t)0 - (uint64_t)(int64_t)err : (uint64_t)err);
    return buf;
}

void ga_addr_format(const ga_addr *a, char *buf, size_t cap)
{
    char tmp[GA_FMT_IP_MAX];
    if (cap == 0)
        return;
    if (cap >= GA_FMT_IP_MAX) {
        ga_fmt_ip(buf, a);
        return;
    }
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_put(&b, tmp, ga_fmt_ip(tmp, a));
}

char *ga_attr_scratch_get(ga_attr_scratch *sc, size_t n)
{
    if (sc->used + n > sizeof sc->buf)
        return NULL;
    char *p = sc->buf + sc->used;
    sc->used += n;
    return p;
}

const char *ga_attr_peer(ga_attr_scratch *sc, const ga_addr *a, size_t *len)
{
    if (!sc->peer_ok) {
        sc->peer = *a;
        sc->peer_len = (uint8_t)ga_fmt_ip(sc->peer_s, a);
        sc->peer_ok = 1;
    } else if (memcmp(&sc->peer, a, sizeof *a) != 0) {
        char *p = ga_attr_scratch_get(sc, GA_FMT_IP_MAX);     /* another address: the first */
        *len = p != NULL ? ga_fmt_ip(p, a) : 0;                /* one's text stays in use */
        return p;
    }
    *len = sc->peer_len;
    return sc->peer_s;
}

/* A peer address becomes network.peer.address, network.peer.port and network.type. */
static void ga__peer(ga_aw *w, const ga_addr *a)
{
    if (a->family != AF_INET && a->family != AF_INET6)
        return;
    size_t l;
    const char *p = ga_attr_peer(w->sc, a, &l);
    if (p == NULL)
        return;
    ga_aw_str(w, GA_K("network.peer.address"), p, l);
    ga_aw_int(w, GA_K("network.peer.port"), a->port);
    ga_aw_str(w, GA_K("network.type"), a->family == AF_INET ? "ipv4" : "ipv6", 4);
}

void ga_rec_attrs_w(const ga_rec *r, ga_aw *w)
{
    int family = 0;
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    const ga_op_desc *desc = ga_op_find(r);
    ga_attr_scratch_reset(w->sc);
    w->dup = 0;
    if (__builtin_expect(ga_semconv_active, 0) && desc != NULL && desc->semconv)
        w->dup = ga_semconv_dup_mode(desc->semconv, r->h.kind);
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
                ga__peer(w, &a);
            }
            break;
        case GA_A_UNIX_PATH:
            ga_aw_str(w, GA_K("network.peer.address"), (const char *)v, len);
            break;
        case GA_A_TRANSPORT:
            if (family == AF_UNIX)
                ga_aw_str(w, GA_K("network.transport"), "unix", 4);
            else if (iv == SOCK_DGRAM)
                ga_aw_str(w, GA_K("network.transport"), "udp", 3);
            else
                ga_aw_str(w, GA_K("network.transport"), "tcp", 3);
            break;
        case GA_A_ERRNO: {
            char *p = ga_attr_scratch_get(w->sc, 32);
            if (p != NULL) {
                const char *name = ga_errno_name((int)iv, p, 32);
                ga_aw_str(w, GA_K("error.type"), name, strlen(name));
            }
            break;
        }
        case GA_A_TAIL:                 /* exported by the tail sampler (exporter/tail.h) */
            if (iv == 1)
                ga_aw_str(w, GA_K("genesis.sampling.tail"), "error", 5);
            else if (iv == 2)
                ga_aw_str(w, GA_K("genesis.sampling.tail"), "slow", 4);
            break;
        case GA_A_STACK:
            ga_stack_attrs(w, v, len);
            break;
        default:
            if (key >= GA_A_PLUGIN_FIRST && desc != NULL && desc->attr != NULL)
                desc->attr(r, key, type, v, len, w);
            break;
        }
    }
    if (w->dup)
        ga_semconv_dup_end(w);
}

int ga_rec_attrs(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc)
{
    ga_aw w = ga_aw_array(out, max, sc);
    ga_rec_attrs_w(r, &w);
    return w.n;
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

/* `connect <path>`, `connect <ip>:<port>`, `connect [<ip6>]:<port>`, else `connect`. */
static size_t ga__connect_name(const ga_rec *r, char *buf, size_t cap)
{
    const uint8_t *v;
    size_t len;
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_put(&b, "connect", 7);
    if (ga__find(r, GA_A_UNIX_PATH, &v, &len)) {
        ga_sb_put(&b, " ", 1);
        ga_sb_put(&b, v, len);
    } else if (ga__find(r, GA_A_PEER, &v, &len) && len == sizeof(ga_addr)) {
        ga_addr a;
        char host[GA_FMT_IP_MAX + 8];
        memcpy(&a, v, sizeof a);
        size_t hl = ga_fmt_ip_port(host, &a);
        if (hl > 0) {
            ga_sb_put(&b, " ", 1);
            ga_sb_put(&b, host, hl);
        }
    }
    return b.len;
}

size_t ga_rec_span_name(const ga_rec *r, char *buf, size_t cap)
{
    const ga_op_desc *d = ga_op_find(r);
    if (cap == 0)
        return 0;
    if (d != NULL && d->name != NULL)
        return d->name(r, buf, cap);
    if (r->h.proto == GA_PROTO_CORE && r->h.op == GA_OP_CONNECT)
        return ga__connect_name(r, buf, cap);
    ga_sb b = ga_sb_init(buf, cap);
    ga_sb_put(&b, "genesis.op.", 11);
    ga_sb_u64(&b, r->h.proto);
    ga_sb_put(&b, ".", 1);
    ga_sb_u64(&b, r->h.op);
    return b.len;
}
