/* fdtable.c — the per-descriptor table (contract in fdtable.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <netinet/in.h>
#include "preload/fdtable.h"
#include "preload/log.h"
#include "preload/connect.h"
#include "preload/proto.h"
#include "preload/logcap.h"
#include "preload/inbound.h"

ga_fd *_Atomic ga_fd_chunks[GA_FD_TOP];
static ga_fd ga__chunk0[GA_FD_CHUNK];   /* descriptors 0 .. GA_FD_CHUNK - 1 (ga_fd_get) */
static _Atomic unsigned ga__top_used GA_START_DATA;     /* highest chunk index allocated + 1 */
/* Highest descriptor number + 1 handed out by ga_fd_get, the door of every entry that can
 * become a socket, one of ours, or hold a pending connect or parser: the entries above it are
 * as mapped (zero) or merely marked OTHER, and the fork handler does not look at them (reading
 * a page the process never touched costs a page fault in each forked child). */
static _Atomic unsigned ga__hwm GA_START_DATA;

/* The high-water mark raised to at least n, starting from the guess cur of its value. */
static void ga__hwm_raise_from(unsigned cur, unsigned n)
{
    while (cur < n && !atomic_compare_exchange_weak_explicit(&ga__hwm, &cur, n, memory_order_relaxed,
                                                              memory_order_relaxed))
        ;
}

static void ga__hwm_raise(unsigned n)
{
    ga__hwm_raise_from(atomic_load_explicit(&ga__hwm, memory_order_relaxed), n);
}

/* The first chunk (descriptors 0 to 255, where almost every process stays) is in .bss: no
 * mmap, and no first call into libc from the constructor's marking of stdout. Compare-and-swap
 * without a load before: the first access to each page is then a write (ga_fd_prepare). */
static void ga__chunk0_install(void)
{
    ga_fd *expected = NULL;
    atomic_compare_exchange_strong(&ga_fd_chunks[0], &expected, ga__chunk0);
    unsigned used = 0;
    atomic_compare_exchange_strong(&ga__top_used, &used, 1);
}

GA_INIT_PATH void ga_fd_prepare(void)
{
    /* Writes first: a page's first access decides its first fault, and a read maps the zero
     * page, which the write then faults on a second time. */
    ga__chunk0_install();
    ga__hwm_raise_from(0, 3);
}

ga_fd *ga_fd_get(int fd)
{
    if ((unsigned)fd >= GA_FD_MAX)
        return NULL;
    if (ga_unlikely((unsigned)fd >= atomic_load_explicit(&ga__hwm, memory_order_relaxed)))
        ga__hwm_raise((unsigned)fd + 1);
    ga_fd *e = ga_fd_peek(fd);
    if (e != NULL)
        return e;
    size_t bytes = GA_FD_CHUNK * sizeof(ga_fd);
    unsigned top = (unsigned)fd >> GA_FD_CHUNK_BITS;
    if (top == 0) {
        ga__chunk0_install();
        return ga_fd_peek(fd);
    }
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        ga_error(GA_LK_FDTABLE, "cannot map the descriptor table; some sockets are not observed");
        return NULL;
    }
    ga_fd *expected = NULL;
    if (!atomic_compare_exchange_strong(&ga_fd_chunks[top], &expected, (ga_fd *)m))
        munmap(m, bytes);       /* another thread installed it first */
    unsigned used = atomic_load(&ga__top_used);
    while (used < top + 1 && !atomic_compare_exchange_weak(&ga__top_used, &used, top + 1))
        ;
    return ga_fd_peek(fd);
}

void ga_addr_from_sockaddr(ga_addr *out, const struct sockaddr *sa, socklen_t len)
{
    memset(out, 0, sizeof *out);
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        out->family = AF_INET;
        out->port = ntohs(in->sin_port);
        memcpy(out->addr, &in->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        out->port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            /* ::ffff:a.b.c.d on a dual-stack socket (Java's are all AF_INET6) is an IPv4 peer:
             * reported as such, so its spans and metric series are those of any IPv4 client. */
            out->family = AF_INET;
            memcpy(out->addr, &in6->sin6_addr.s6_addr[12], 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->addr, &in6->sin6_addr, 16);
        }
    } else if (sa->sa_family == AF_UNIX) {
        out->family = AF_UNIX;
    }
}

/* Give an entry a new life; returns its new generation. Two resets of one entry are ordered
 * by the kernel (a close happens before the socket() that reuses the number), which a race
 * detector cannot see: the acquire load of `gen` here pairs with the release increment at the
 * end of the previous reset, making that order explicit. */
static uint32_t ga__reset(ga_fd *e, int state, int family, int socktype, int role)
{
    (void)atomic_load_explicit(&e->gen, memory_order_acquire);
    struct ga_conn *c = atomic_exchange_explicit(&e->conn, NULL, memory_order_acq_rel);
    if (c != NULL)
        ga_proto_closed(c);
    if (atomic_load_explicit(&e->xin, memory_order_relaxed) != 0)
        ga_inbound_detach(e);
    atomic_store_explicit(&e->proto, GA_PROTO_UNKNOWN, memory_order_relaxed);
    atomic_store_explicit(&e->resync, 0, memory_order_relaxed);
    atomic_store_explicit(&e->pending, 0, memory_order_relaxed);
    e->family = (uint8_t)family;
    e->socktype = (uint8_t)socktype;
    e->role = (uint8_t)role;
    e->logs = 0;
    memset(&e->peer, 0, sizeof e->peer);
    memset(&e->local, 0, sizeof e->local);
    atomic_store_explicit(&e->bytes_in, 0, memory_order_relaxed);
    atomic_store_explicit(&e->bytes_out, 0, memory_order_relaxed);
    atomic_store_explicit(&e->state, (uint8_t)state, memory_order_release);
    return atomic_fetch_add_explicit(&e->gen, 1, memory_order_release) + 1;
}

/* The same for the library's own descriptors (made ours, or closed by us), touching only the
 * atomic fields: those are the resets the kernel does not order against the application's —
 * a daemon's close loop may close our brand-new number while we mark it. An entry of ours
 * needs no address, family or role. */
static uint32_t ga__renew(ga_fd *e, int state)
{
    (void)atomic_load_explicit(&e->gen, memory_order_acquire);
    struct ga_conn *c = atomic_exchange_explicit(&e->conn, NULL, memory_order_acq_rel);
    if (c != NULL)
        ga_proto_closed(c);
    if (atomic_load_explicit(&e->xin, memory_order_relaxed) != 0)
        ga_inbound_detach(e);
    atomic_store_explicit(&e->proto, GA_PROTO_UNKNOWN, memory_order_relaxed);
    atomic_store_explicit(&e->pending, 0, memory_order_relaxed);
    atomic_store_explicit(&e->bytes_in, 0, memory_order_relaxed);
    atomic_store_explicit(&e->bytes_out, 0, memory_order_relaxed);
    atomic_store_explicit(&e->state, (uint8_t)state, memory_order_release);
    return atomic_fetch_add_explicit(&e->gen, 1, memory_order_release) + 1;
}

ga_fd *ga_fd_new_socket(int fd, int family, int socktype, int role)
{
    ga_fd *e = ga_fd_get(fd);
    if (e != NULL)
        ga__reset(e, ga_tls_internal ? GA_FD_INTERNAL : GA_FD_SOCKET, family, socktype, role);
    return e;
}

/* First successful use of a descriptor we have not seen created: one fstat decides, plus
 * two getsockopt for sockets inherited across exec (e.g. a listener from a supervisor). */
ga_fd *ga_fd_classify(int fd)
{
    ga_fd *e = ga_fd_get(fd);
    if (e == NULL || ga_fd_state(e) != GA_FD_UNKNOWN)
        return e && ga_fd_state(e) == GA_FD_SOCKET ? e : NULL;
    int saved = errno;
    struct stat st;
    int is_sock = syscall(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode);
    if (!is_sock) {
        errno = saved;
        uint8_t unknown = GA_FD_UNKNOWN;
        atomic_compare_exchange_strong(&e->state, &unknown, GA_FD_OTHER);
        return NULL;
    }
    int family = 0, type = 0;
    socklen_t l = sizeof family;
    syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &family, &l);
    l = sizeof type;
    syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &l);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    errno = saved;
    ga__reset(e, GA_FD_SOCKET, family, type, GA_ROLE_NONE);
    if (syscall(SYS_getpeername, fd, &ss, &sl) == 0)
        ga_addr_from_sockaddr(&e->peer, (struct sockaddr *)&ss, sl);
    errno = saved;
    return e;
}

void ga_fd_closed(int fd)
{
    ga_fd *e = ga_fd_peek(fd);
    if (e == NULL)
        return;
    int st = ga_fd_state(e);
    if (st == GA_FD_OTHER)
        return;                     /* a file, pipe or tty: nothing to end, free or renew */
    if (st == GA_FD_UNKNOWN) {      /* never used through a hook: no state, no token */
        atomic_store_explicit(&e->state, GA_FD_OTHER, memory_order_release);
        return;
    }
    if (st == GA_FD_SOCKET) {
        if (atomic_load_explicit(&e->pending, memory_order_relaxed))
            ga_connect_finish_on_close(fd, e);
        if (!ga_tls_internal)
            ga_conn_closed(fd, e);
    }
    /* Whatever it was — one of ours included, closed by the application — the number is free
     * and any later socket on it comes through a hook; the new generation kills every token. */
    ga__reset(e, GA_FD_OTHER, 0, 0, GA_ROLE_NONE);
}

void ga_fd_duped(int oldfd, int newfd)
{
    if (oldfd == newfd)
        return;
    ga_fd_closed(newfd);            /* dup2/dup3 silently close the target first */
    ga_fd *src = ga_fd_peek(oldfd);
    int st = src ? ga_fd_state(src) : GA_FD_UNKNOWN;
    if (st == GA_FD_UNKNOWN) {
        ga_fd *dst = ga_fd_peek(newfd);
        if (dst != NULL)
            ga__reset(dst, GA_FD_UNKNOWN, 0, 0, GA_ROLE_NONE);
        ga_logcap_mark_std(newfd);
        return;
    }
    ga_fd *dst = ga_fd_get(newfd);
    if (dst == NULL)
        return;
    if (st == GA_FD_INTERNAL)
        st = GA_FD_OTHER;           /* a copy of one of ours is not ours: no token names it */
    ga__reset(dst, st, src->family, src->socktype, src->role);
    dst->peer = src->peer;
    dst->local = src->local;
    if (st == GA_FD_LOG)
        dst->logs = src->logs;      /* a copy of a captured stream (2>&1 keeps "stderr") */
    else
        ga_logcap_mark_std(newfd);  /* anything else made stdout or stderr is captured as such */
}

ga_own ga_fd_own(int fd)
{
    ga_fd *e = fd >= 0 ? ga_fd_get(fd) : NULL;
    if (e == NULL)
        return GA_OWN_NONE;
    return (ga_own){ .fd = fd, .gen = ga__renew(e, GA_FD_INTERNAL) };
}

int ga_fd_own_close(ga_own *o)
{
    ga_own t = *o;
    *o = GA_OWN_NONE;
    if (!ga_fd_own_valid(t))
        return 0;                   /* the application took the number: nothing of ours is left */
    ga__renew(ga_fd_peek(t.fd), GA_FD_OTHER);   /* before the close: reusable at once */
    int saved = errno;
    int r = (int)syscall(SYS_close, t.fd);
    errno = saved;
    return r;
}

int ga_fd_internal_may_use(int fd)
{
    ga_fd *e = ga_fd_peek(fd);
    return e != NULL && ga_fd_state(e) == GA_FD_INTERNAL;
}

void ga_fd_closed_range(unsigned first, unsigned last)
{
    if (last >= GA_FD_MAX)
        last = GA_FD_MAX - 1;
    unsigned used = atomic_load(&ga__top_used);
    for (unsigned top = first >> GA_FD_CHUNK_BITS; top <= last >> GA_FD_CHUNK_BITS && top < used; top++) {
        if (atomic_load_explicit(&ga_fd_chunks[top], memory_order_acquire) == NULL)
            continue;
        unsigned lo = top << GA_FD_CHUNK_BITS, hi = lo + GA_FD_CHUNK - 1;
        for (unsigned fd = lo < first ? first : lo; fd <= hi && fd <= last; fd++)
            ga_fd_closed((int)fd);
    }
}

/* A socket the child inherited: the parent's parser state stayed with the parent, so the
 * child follows the connection from scratch — a prefork worker serving what its parent
 * accepted, a child reusing its parent's client connection. It is detected again on the
 * child's next bytes; bytes in the wrong direction (the end of a reply to the parent, say) do
 * not settle it, up to GA_FD_RESYNC chunks: it joins at the next request. A TLS stream stays
 * unparsed; the byte totals start from zero (the parent reports its own). */
#define GA_FD_RESYNC 16
/* Store only what changes: an entry written in the child is a page the kernel copies, and a
 * child of a fork storm would otherwise copy the whole table it inherited. */
static inline void ga__set8(_Atomic uint8_t *p, uint8_t v)
{
    if (atomic_load_explicit(p, memory_order_relaxed) != v)
        atomic_store_explicit(p, v, memory_order_relaxed);
}

static inline void ga__set64(_Atomic uint64_t *p, uint64_t v)
{
    if (atomic_load_explicit(p, memory_order_relaxed) != v)
        atomic_store_explicit(p, v, memory_order_relaxed);
}

static void ga__inherit(ga_fd *e)
{
    if (ga_fd_state(e) == GA_FD_UNKNOWN)
        return;                     /* never seen: classified (and reset) at its first use */
    int proto = atomic_load_explicit(&e->proto, memory_order_relaxed);
    if (ga_fd_state(e) != GA_FD_SOCKET || e->socktype != SOCK_STREAM || proto == GA_PROTO_TLS) {
        ga__set8(&e->proto, proto == GA_PROTO_TLS ? GA_PROTO_TLS : GA_PROTO_NONE);
        return;
    }
    ga__set8(&e->proto, GA_PROTO_UNKNOWN);
    ga__set8(&e->resync, GA_FD_RESYNC);
    ga__set64(&e->bytes_in, 0);
    ga__set64(&e->bytes_out, 0);
}

GA_FORK_PATH void ga_fd_after_fork(void)
{
    unsigned used = atomic_load(&ga__top_used);
    unsigned hwm = atomic_load(&ga__hwm);
    for (unsigned top = 0; top < used; top++) {
        ga_fd *c = atomic_load_explicit(&ga_fd_chunks[top], memory_order_relaxed);
        if (c == NULL)
            continue;
        for (unsigned i = 0; i < GA_FD_CHUNK && top * GA_FD_CHUNK + i < hwm; i++) {
            if (ga_fd_state(&c[i]) == GA_FD_INTERNAL) {
                int saved = errno;
                syscall(SYS_close, (int)(top * GA_FD_CHUNK + i));
                errno = saved;
                ga__reset(&c[i], GA_FD_OTHER, 0, 0, GA_ROLE_NONE);
            }
            ga__set8(&c[i].pending, 0);
            /* The parent's parser states may be locked by threads that do not exist here. */
            if (atomic_load_explicit(&c[i].conn, memory_order_relaxed) != NULL)
                atomic_store_explicit(&c[i].conn, NULL, memory_order_relaxed);
            ga__inherit(&c[i]);
        }
    }
}
