/* proto.c — protocol detection and dispatch on the application thread (see proto.h). */
#include <errno.h>
#include "preload/proto.h"
#include "preload/plugin.h"

ga_presend_fn ga_presend_tab[GA_PROTO_COUNT] GA_START_DATA;
uint32_t ga_proto_eof_mask GA_START_DATA;

void ga_proto_init(int propagate)
{
    ga_foreach_plugin(p) {
        unsigned id = (unsigned)(p_it - ga_plugins);
        if (p == NULL)
            continue;
        if (p->wants_eof)
            ga_proto_eof_mask |= 1u << id;
        if (propagate && p->presend != NULL) {
            ga_presend_tab[id] = p->presend;
            if (p->presend_unknown && ga_presend_tab[GA_PROTO_UNKNOWN] == NULL)
                ga_presend_tab[GA_PROTO_UNKNOWN] = p->presend;
        }
        if (p->init != NULL)
            p->init();
    }
}

GA_FORK_PATH void ga_proto_after_fork(void)
{
    ga_foreach_plugin(p)
        if (p != NULL && p->after_fork != NULL)
            p->after_fork();
}

/* TLS records and the HTTP/2 preface are recognised here so no parser mistakes them. */
static int ga__is_tls(const uint8_t *p, size_t n)
{
    return n >= 3 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04;
}

/* Decide the protocol from the first non-empty chunk of a connection. */
static int ga__detect(ga_fd *e, int out, const uint8_t *p, size_t n)
{
    if (ga__is_tls(p, n))
        return GA_PROTO_TLS;
    ga_foreach_plugin(h)
        if (h != NULL && h->detect != NULL && h->detect(e, out, p, n))
            return (int)(h_it - ga_plugins);
    return GA_PROTO_NONE;
}

/* The locked state of the connection, allocating it on first use; NULL = do not parse. */
static ga_conn *ga__conn(int fd, ga_fd *e, int proto, uint32_t gen)
{
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    if (c == NULL) {
        ga_conn *nc = ga_conn_alloc(fd, gen, (uint8_t)proto);
        if (nc == NULL) {
            atomic_store_explicit(&e->proto, GA_PROTO_NONE, memory_order_relaxed);
            return NULL;
        }
        if (!atomic_compare_exchange_strong(&e->conn, &c, nc))
            ga_conn_release(nc);            /* another thread installed one first: use it */
        else
            c = nc;
    }
    return ga_conn_lock(c, fd, gen) ? c : NULL;
}

/* The plug-in that follows this connection (detecting it on its first bytes), or NULL. */
static const ga_plugin *ga__prepare(ga_fd *e, int out, const uint8_t *p, size_t n)
{
    int proto = atomic_load_explicit(&e->proto, memory_order_relaxed);
    if (ga_likely(proto == GA_PROTO_NONE || proto == GA_PROTO_TLS))
        return NULL;
    if (proto == GA_PROTO_UNKNOWN) {
        if (n == 0 || p == NULL || e->socktype != SOCK_STREAM)
            return NULL;
        proto = ga__detect(e, out, p, n);
        uint8_t left = atomic_load_explicit(&e->resync, memory_order_relaxed);
        if (ga_unlikely(left != 0)) {           /* inherited across fork (fdtable.h) */
            atomic_store_explicit(&e->resync, proto == GA_PROTO_NONE ? left - 1 : 0,
                                  memory_order_relaxed);
            if (proto == GA_PROTO_NONE && left > 1)
                return NULL;                    /* not a message start: wait for one */
        }
        atomic_store_explicit(&e->proto, (uint8_t)proto, memory_order_relaxed);
    }
    return ga_plugin_get((unsigned)proto);
}

/* The plug-in that follows the connection of fd (entry e) with its state *cp locked for
 * (fd, *gen), or NULL (nothing to parse, or the state is gone). The common case — the protocol
 * known, the state allocated — is a few loads; a connection's first bytes (p[0..n)) detect the
 * protocol and allocate its state. */
static inline __attribute__((always_inline)) const ga_plugin *
ga__acquire(int fd, ga_fd *e, int out, const void *p, size_t n, ga_conn **cp, uint32_t *gen)
{
    unsigned proto = atomic_load_explicit(&e->proto, memory_order_relaxed);
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    const ga_plugin *h;
    *gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
    if (ga_likely(proto >= GA_PROTO_FIRST_PLUGIN && proto < GA_PROTO_COUNT && c != NULL)) {
        h = ga_plugins[proto];
        if (ga_unlikely(h == NULL || h->data == NULL) || !ga_conn_lock(c, fd, *gen))
            return NULL;
    } else {
        h = ga__prepare(e, out, p, n);
        if (h == NULL || h->data == NULL)
            return NULL;
        c = ga__conn(fd, e, atomic_load_explicit(&e->proto, memory_order_relaxed), *gen);
        if (c == NULL)
            return NULL;
    }
    *cp = c;
    return h;
}

/* ga_proto_data for a connection whose protocol or state is not settled yet (detection,
 * allocation). Out of line: the settled case then keeps only the connection across the
 * plug-in's call, and saves one register where it saved six. */
static __attribute__((noinline)) void ga__data_slow(int fd, ga_fd *e, int out, const void *buf,
                                                    size_t n)
{
    ga_conn *c;
    uint32_t gen;
    const ga_plugin *h = ga__acquire(fd, e, out, buf, n, &c, &gen);
    if (h == NULL)
        return;
    h->data(fd, e, c, out, buf, n);
    ga_conn_unlock(c);
}

void ga_proto_data(int fd, ga_fd *e, int out, const void *buf, size_t n)
{
    /* ga__acquire's common case, each load once */
    unsigned proto = atomic_load_explicit(&e->proto, memory_order_relaxed);
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    uint32_t gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
    if (ga_unlikely(proto < GA_PROTO_FIRST_PLUGIN || proto >= GA_PROTO_COUNT || c == NULL)) {
        ga__data_slow(fd, e, out, buf, n);
        return;
    }
    const ga_plugin *h = ga_plugins[proto];
    if (ga_unlikely(h == NULL || h->data == NULL) || !ga_conn_lock(c, fd, gen))
        return;
    h->data(fd, e, c, out, buf, n);
    ga_conn_unlock(c);
}

void ga_proto_data_iov(int fd, ga_fd *e, int out, const struct iovec *iov, int cnt, size_t n)
{
    int first = 0;
    while (first < cnt && iov[first].iov_len == 0)
        first++;
    if (first == cnt)
        return;
    ga_conn *c;
    uint32_t gen;
    const ga_plugin *h = ga__acquire(fd, e, out, iov[first].iov_base,
                                     iov[first].iov_len < n ? iov[first].iov_len : n, &c, &gen);
    if (h == NULL)
        return;
    if (h->data_iov != NULL && h->data_iov(fd, e, c, out, iov + first, cnt - first, n)) {
        ga_conn_unlock(c);
        return;
    }
    for (int i = first; i < cnt && n > 0; i++) {
        size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;
        if (k > 0)
            h->data(fd, e, c, out, iov[i].iov_base, k);
        n -= k;
        if (ga_unlikely(c->dead | (c->fd != fd) | (c->fd_gen != gen)))
            break;                  /* lost while a plug-in yielded it (ga_conn_yield) */
    }
    ga_conn_unlock(c);
}

void ga_proto_closed(ga_conn *c)
{
    if (ga_tls_parsing) {
        /* A signal handler closed a socket while this thread holds a parser flag: never
         * spin on our own thread. If the flag is ours, leave the slot to the interrupted
         * code (it will unlock it; the slot is lost to the pool, a bounded leak). */
        if (!ga_conn_trylock(c, c->fd, c->fd_gen))
            return;
        ga_conn_unlock(c);
        ga_tls_parsing = 1;         /* the interrupted code still holds its own flag */
        ga_conn_release(c);
        return;
    }
    if (ga_conn_lock(c, c->fd, c->fd_gen)) {
        const ga_plugin *h = ga_plugin_get(c->proto);
        if (h != NULL && h->closed != NULL) {
            int saved = errno;
            h->closed(c);
            errno = saved;
        }
        ga_conn_unlock(c);
    }
    ga_conn_release(c);
}
