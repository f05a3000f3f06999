/* metrics_bytes.c — bytes sent/received per peer (genesis.network.io), from the final totals
 * of closed sockets (GA_OP_CONN_CLOSE) and from scans of the fd table for sockets still open
 * (contract in metrics_reg.h).
 *
 * Pairing: each socket seen open by a scan gets a `live` entry keyed by (fd, generation)
 * remembering how much was already counted. Its CONN_CLOSE record adds only the rest and
 * removes the entry. An entry whose socket disappeared is kept until its CONN_CLOSE record
 * has surely been drained (two exporter loops and one second later), because the record is
 * committed before the fd entry changes but drained afterwards; if the record never comes
 * (ring full), the entry is then forgotten. Live entries are capped (GA_LIVE_MAX): sockets
 * beyond the cap are counted at close only. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include "exporter/exporter.h"
#include "exporter/metrics_reg.h"
#include "preload/fdtable.h"

#define GA_LIVE_MAX 65536

typedef struct ga_live {
    UT_hash_handle hh;
    uint64_t id;                    /* fd << 32 | generation */
    uint64_t in, out;               /* already counted */
    ga_series *s_in, *s_out;
    uint64_t seen_scan;             /* last scan that saw the socket open */
    uint64_t gone_loop, gone_ms;    /* when a scan first missed it (0 = not missed) */
} ga_live;

static ga_live *ga__live;
static unsigned ga__nlive;
static uint64_t ga__scan_no, ga__loop_no;

/* Attributes of one direction of a peer: address, port (not for accepted connections: the
 * client's ephemeral port would explode the cardinality), type, transport, direction. */
static int ga__peer_attrs(const ga_addr *p, int socktype, int role, int out_dir, ga_attr *a, char *host)
{
    int n = 0;
    ga_addr_format(p, host, 48);
    a[n++] = (ga_attr){ .key = "network.peer.address", .type = GA_V_STR, .s = host, .slen = strlen(host) };
    if (role != GA_ROLE_SERVER)
        a[n++] = (ga_attr){ .key = "network.peer.port", .type = GA_V_INT, .i = p->port };
    a[n++] = (ga_attr){ .key = "network.type", .type = GA_V_STR, .s = p->family == AF_INET ? "ipv4" : "ipv6",
                        .slen = 4 };
    const char *t = socktype == SOCK_DGRAM ? "udp" : "tcp";
    a[n++] = (ga_attr){ .key = "network.transport", .type = GA_V_STR, .s = t, .slen = 3 };
    const char *d = out_dir ? "transmit" : "receive";
    a[n++] = (ga_attr){ .key = "network.io.direction", .type = GA_V_STR, .s = d, .slen = strlen(d) };
    return n;
}

static ga_series *ga__series(const ga_addr *p, int socktype, int role, int out_dir)
{
    ga_attr a[5];
    char host[48];
    int n = ga__peer_attrs(p, socktype, role, out_dir, a, host);
    return ga_series_get(&ga_minst[GA_MI_NET_IO], a, n);
}

static void ga__add(ga_series **sp, const ga_addr *p, int socktype, int role, int out_dir, uint64_t v)
{
    if (v == 0)
        return;
    if (*sp == NULL)
        *sp = ga__series(p, socktype, role, out_dir);
    ga_counter_add(*sp, v);
}

static void ga__drop(ga_live *l)
{
    HASH_DEL(ga__live, l);
    free(l);
    ga__nlive--;
}

/* A CONN_CLOSE record: count what scans have not counted yet. */
void ga_bytes_on_close(const ga_rec *r)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    ga_addr peer = {0};
    int64_t iv[GA_A_KEY_COUNT] = {0};
    while (ga_rec_next(r, &off, &key, &type, &v, &len)) {
        if (key == GA_A_PEER && type == GA_AT_ADDR && len == sizeof peer)
            memcpy(&peer, v, sizeof peer);
        else if (key < GA_A_KEY_COUNT && type == GA_AT_INT && len == sizeof(int64_t))
            memcpy(&iv[key], v, sizeof(int64_t));
    }
    if (peer.family != AF_INET && peer.family != AF_INET6)
        return;
    uint64_t in = (uint64_t)iv[GA_A_BYTES_IN], out = (uint64_t)iv[GA_A_BYTES_OUT];
    uint64_t id = (uint64_t)(uint32_t)iv[GA_A_FD] << 32 | (uint32_t)iv[GA_A_FD_GEN];
    ga_live *l = NULL;
    HASH_FIND(hh, ga__live, &id, sizeof id, l);
    ga_series *s_in = NULL, *s_out = NULL;
    if (l != NULL) {
        in = in > l->in ? in - l->in : 0;
        out = out > l->out ? out - l->out : 0;
        s_in = l->s_in;
        s_out = l->s_out;
        ga__drop(l);
    }
    int socktype = (int)iv[GA_A_TRANSPORT], role = (int)iv[GA_A_ROLE];
    ga__add(&s_in, &peer, socktype, role, 0, in);
    ga__add(&s_out, &peer, socktype, role, 1, out);
}

/* One open socket seen by a scan, read consistently: the generation did not move while we
 * read (seqlock-like), and the peer is read only once bytes moved: the application thread
 * writes the peer at connect/accept, before any transfer, and never again in a generation. */
static void ga__scan_one(int fd, ga_fd *e)
{
    uint32_t gen = atomic_load_explicit(&e->gen, memory_order_acquire);
    if (ga_fd_state(e) != GA_FD_SOCKET)
        return;
    uint64_t in = atomic_load_explicit(&e->bytes_in, memory_order_acquire);
    uint64_t out = atomic_load_explicit(&e->bytes_out, memory_order_acquire);
    if ((in | out) == 0)
        return;
    ga_addr peer = e->peer;
    int socktype = e->socktype, role = e->role;
    if (atomic_load_explicit(&e->gen, memory_order_acquire) != gen || ga_fd_state(e) != GA_FD_SOCKET)
        return;
    if (peer.family != AF_INET && peer.family != AF_INET6)
        return;
    uint64_t id = (uint64_t)(uint32_t)fd << 32 | gen;
    ga_live *l = NULL;
    HASH_FIND(hh, ga__live, &id, sizeof id, l);
    if (l == NULL) {
        if (ga__nlive >= GA_LIVE_MAX || (l = calloc(1, sizeof *l)) == NULL)
            return;
        l->id = id;
        HASH_ADD(hh, ga__live, id, sizeof l->id, l);
        ga__nlive++;
    }
    l->seen_scan = ga__scan_no;
    l->gone_loop = l->gone_ms = 0;
    if (in > l->in)
        ga__add(&l->s_in, &peer, socktype, role, 0, in - l->in);
    if (out > l->out)
        ga__add(&l->s_out, &peer, socktype, role, 1, out - l->out);
    l->in = in > l->in ? in : l->in;
    l->out = out > l->out ? out : l->out;
}

/* Chunks that can hold descriptors below the current RLIMIT_NOFILE. */
static unsigned ga__top_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= GA_FD_MAX)
        return GA_FD_TOP;
    return (unsigned)((rl.rlim_cur + GA_FD_CHUNK - 1) >> GA_FD_CHUNK_BITS);
}

/* Entries no scan saw this time: forget them once their CONN_CLOSE must have been drained. */
static void ga__age(void)
{
    uint64_t now = ga_mono_ms();
    ga_live *l, *tmp;
    HASH_ITER(hh, ga__live, l, tmp) {
        if (l->seen_scan == ga__scan_no)
            continue;
        if (l->gone_loop == 0) {
            l->gone_loop = ga__loop_no + 1;
            l->gone_ms = now;
        } else if (ga__loop_no >= l->gone_loop + 2 && now >= l->gone_ms + 1000) {
            ga__drop(l);
        }
    }
}

void ga_bytes_scan(void)
{
    ga__scan_no++;
    unsigned tops = ga__top_limit();
    for (unsigned top = 0; top < tops; top++) {
        ga_fd *c = atomic_load_explicit(&ga_fd_chunks[top], memory_order_acquire);
        if (c == NULL)
            continue;
        for (unsigned i = 0; i < GA_FD_CHUNK; i++)
            if (ga_fd_state(&c[i]) == GA_FD_SOCKET)
                ga__scan_one((int)(top * GA_FD_CHUNK + i), &c[i]);
    }
    ga__age();
}

void ga_bytes_tick(void)
{
    ga__loop_no++;
}

void ga_bytes_clear(int free_memory)
{
    ga_live *l, *tmp;
    if (free_memory) {
        HASH_ITER(hh, ga__live, l, tmp) {
            HASH_DEL(ga__live, l);
            free(l);
        }
    }
    ga__live = NULL;
    ga__nlive = 0;
}
