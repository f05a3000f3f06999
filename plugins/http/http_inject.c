/* http_inject.c — the pre-send step: decline fast when nothing is due, else plan, send,
 * account, and repeat while only our own bytes went out (contracts in http_inject.h; the
 * proof sketch in docs/http.md). Runs on the application thread inside a write hook. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "plugins/http/http_inject.h"
#include "plugins/http/http_inject_int.h"
#include "plugins/http/http_replay.h"
#include "preload/real.h"
#include "preload/emit.h"
#include "preload/scratch.h"

_Static_assert(sizeof(ga_inj_plan) <= GA_SCRATCH_SIZE, "an injection plan fits a scratch slot");

static ssize_t ga__real_send(int fd, const struct msghdr *m, int flags, int use_msg)
{
    if (!use_msg) {
        ga_writev_fn f = GA_REAL(writev);
        return f ? f(fd, m->msg_iov, (int)m->msg_iovlen)
                 : syscall(SYS_writev, fd, m->msg_iov, (int)m->msg_iovlen);
    }
    ga_sendmsg_fn f = GA_REAL(sendmsg);
    return f ? f(fd, m, flags) : syscall(SYS_sendmsg, fd, m, flags);
}

ga_http_sender_fn ga_http_sender = ga__real_send;

/* Total of an iovec array; SIZE_MAX when it does not fit an ssize_t (the kernel says EINVAL). */
static size_t ga__total(const struct iovec *v, size_t cnt)
{
    size_t n = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (v[i].iov_len > (size_t)SSIZE_MAX - n)
            return SIZE_MAX;
        n += v[i].iov_len;
    }
    return n;
}

/* First bytes of a client socket: claim it for HTTP when they begin a request. */
static ga_conn *ga__claim(int fd, ga_fd *e, const struct iovec *v, size_t cnt)
{
    size_t i = 0;
    while (i < cnt && v[i].iov_len == 0)
        i++;
    if (i == cnt || e->socktype != SOCK_STREAM || !ga_h1_request_prefix(v[i].iov_base, v[i].iov_len))
        return NULL;
    uint8_t unknown = GA_PROTO_UNKNOWN;
    if (!atomic_compare_exchange_strong(&e->proto, &unknown, GA_PROTO_HTTP) &&
        unknown != GA_PROTO_HTTP)
        return NULL;
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    if (c != NULL)
        return c;
    ga_conn *nc = ga_conn_alloc(fd, atomic_load_explicit(&e->gen, memory_order_relaxed), GA_PROTO_HTTP);
    if (nc == NULL) {
        atomic_store_explicit(&e->proto, GA_PROTO_NONE, memory_order_relaxed);
        return NULL;
    }
    if (!atomic_compare_exchange_strong(&e->conn, &c, nc)) {
        ga_conn_release(nc);        /* another thread installed one first: use it */
        return c;
    }
    return nc;
}

/* With the connection locked: the client state, set up if new; NULL if not a client. */
static ga_http_state *ga__client(ga_conn *c, ga_fd *e)
{
    ga_http_state *st = ga_http_st(c);
    if (!st->init)
        ga_http_state_init(st, GA_HTTP_SIDE_CLIENT, &e->peer, c->fd, c->fd_gen);
    return st->side == GA_HTTP_SIDE_CLIENT ? st : NULL;
}

/* One round: plan (locked), send (unlocked), account (locked). Returns 0 when the first
 * round finds nothing to do; else 1 with *w = the real call's result and *app = app bytes.
 * If the connection state went away meanwhile (another thread closed the fd), a later
 * round still sends the app's bytes, as the application asked. `pl`: the plan's memory. */
static int ga__round(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                     int use_msg, int round, ssize_t *w, size_t *app, ga_inj_plan *pl)
{
    uint32_t gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
    pl->owe_len = 0;
    pl->nh = 0;
    pl->base = 0;
    int locked = ga_conn_lock(c, fd, gen);
    ga_http_state *st = locked ? ga__client(c, e) : NULL;
    if (st != NULL && round == 0)
        st->send_ns = ga_now_ns();  /* a request starting in these bytes starts now */
    int due = st != NULL && ga_inj_find(st, m->msg_iov, m->msg_iovlen, pl);
    if (locked)
        ga_conn_unlock(c);
    if (!due && round == 0)
        return 0;
    if (!due)
        pl->owe_len = 0, pl->nh = 0;  /* a later round with nothing of ours: the app's bytes */
    ga_inj_compose(pl, m->msg_iov, m->msg_iovlen);
    struct msghdr mh = *m;
    mh.msg_iov = pl->v;
    mh.msg_iovlen = (size_t)pl->nv;
    if (round > 0)
        mh.msg_control = NULL, mh.msg_controllen = 0;   /* ancillary data goes once */
    *w = ga_http_sender(fd, &mh, flags, use_msg);
    if (*w < 0)
        return 1;
    int err = errno;
    if (st != NULL && ga_conn_lock(c, fd, gen)) {
        *app = ga_inj_account(st, pl, (size_t)*w);
        if (st->dead)
            ga_http_give_up(st, e);
        else
            ga_http_quiet_after_send(st);
        ga_conn_unlock(c);
    } else {
        *app = ga_inj_account(NULL, pl, (size_t)*w);
    }
    errno = err;
    return 1;
}

/* The rounds of one application call, with `pl` as the plan's memory. Returns 1 when the
 * call was made here (*ret = its result), 0 when nothing was due. */
static int ga__rounds(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                      int use_msg, ssize_t *ret, ga_inj_plan *pl)
{
    int handled = 0;
    for (int round = 0; round < 1024; round++) {
        ssize_t w = 0;
        size_t app = 0;
        if (!ga__round(fd, e, c, m, flags, use_msg, round, &w, &app, pl))
            break;
        handled = 1;
        *ret = w < 0 ? -1 : (ssize_t)app;
        if (w <= 0 || app > 0)
            break;                  /* an error, or the app's own bytes went out */
        /* Only bytes of ours went out: the app's call is not over. A blocking socket goes
         * on as the kernel would; a non-blocking one answers EAGAIN in the next round. */
    }
    return handled;
}

/* Every scratch slot is taken (more than GA_SCRATCH_SLOTS threads inside injecting writes at
 * once): the plan goes on this thread's stack, as it always did before the pool. */
static __attribute__((noinline)) int ga__rounds_on_stack(int fd, ga_fd *e, ga_conn *c,
                                                        const struct msghdr *m, int flags,
                                                        int use_msg, ssize_t *ret)
{
    ga_inj_plan pl;
    return ga__rounds(fd, e, c, m, flags, use_msg, ret, &pl);
}

int ga_http_send(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg, ssize_t *ret)
{
    ga_http_rec_drop();             /* a record is for the write that made it only */
    if (e->socktype != SOCK_STREAM)
        return 0;                   /* connected UDP and the like: never HTTP/1.x */
    size_t n = ga__total(m->msg_iov, m->msg_iovlen);
    if (n == 0 || n == SIZE_MAX || (flags & (MSG_OOB | MSG_ZEROCOPY)))
        return 0;
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    if (c != NULL && n <= atomic_load_explicit(&ga_http_st(c)->quiet, memory_order_relaxed))
        return 0;                   /* the common case: nothing due in these bytes */
    ga_tls_busy = 1;
    if (c == NULL)
        c = ga__claim(fd, e, m->msg_iov, m->msg_iovlen);
    int handled = 0;
    if (c != NULL) {
        ga_inj_plan *pl = ga_scratch_get();
        handled = pl != NULL ? ga__rounds(fd, e, c, m, flags, use_msg, ret, pl)
                             : ga__rounds_on_stack(fd, e, c, m, flags, use_msg, ret);
        ga_scratch_put(pl);
    }
    if (handled && *ret <= 0)
        ga_http_rec_drop();         /* no bytes for the data hook */
    ga_tls_busy = 0;
    return handled;
}
