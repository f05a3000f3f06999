/* nats_inject.c — the pre-send step: decline fast when nothing is due, else plan, send,
 * account, and repeat while the write is not over (contracts in nats_inject.h). Runs on the
 * application thread inside a write hook.
 *
 * One application write may take several rounds: a round plans at most GA_NP_MSGS messages,
 * and a send that carried only bytes of ours did not carry any of the application's. Rounds
 * go on while every byte offered was taken, as the kernel's own write does on a blocking
 * socket; a short send ends the call with the application's bytes counted so far (a partial
 * write, as the kernel reports one), or with the error when none went out. */
#include <errno.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "plugins/nats/nats_inject.h"
#include "plugins/nats/nats_inject_int.h"
#include "preload/emit.h"
#include "preload/real.h"
#include "preload/scratch.h"

_Static_assert(sizeof(ga_np_plan) <= GA_SCRATCH_SIZE, "an injection plan fits a scratch slot");

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

ga_nats_sender_fn ga_nats_sender = ga__real_send;

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

/* Move src past `n` application bytes. */
static void ga__advance(ga_np_src *src, size_t n)
{
    while (n > 0 && src->i < src->cnt) {
        size_t left = src->v[src->i].iov_len - src->off;
        if (n < left) {
            src->off += n;
            return;
        }
        n -= left;
        src->i++;
        src->off = 0;
    }
    while (src->i < src->cnt && src->v[src->i].iov_len == src->off)
        src->i++, src->off = 0;
}

/* After a send: `w` wire bytes of pl's plan went out. Accounts and commits them (locked);
 * returns how many application bytes went out. errno is kept. */
static size_t ga__settle(int fd, ga_fd *e, ga_conn *c, uint32_t gen, const ga_np_src *src,
                         ga_np_plan *pl, size_t w)
{
    size_t app;
    int err = errno;
    uint64_t now = ga_now_ns();
    if (ga_conn_lock(c, fd, gen)) {
        ga_nats_state *st = ga_nats_st(c);
        app = ga_np_account(st, pl, w);
        ga_np_commit(st, pl, src, app, now);
        ga_nats_out_sent(st, e, app);
        ga_conn_unlock(c);
    } else {
        app = ga_np_account(NULL, pl, w);
    }
    errno = err;
    return app;
}

/* One round: plan (locked), send (unlocked), account and commit (locked). Returns 0 when the
 * first round finds nothing to do (the caller declines); else 1 with *w = the real call's
 * result, *app = application bytes that went out, *offered = wire bytes offered.
 * `pl`: the plan's memory. */
static int ga__round(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags, int use_msg,
                     int round, ga_np_src *src, ssize_t *w, size_t *app, size_t *offered,
                     ga_np_plan *pl)
{
    uint32_t gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
    if (!ga_conn_lock(c, fd, gen))
        return 0;
    ga_nats_state *st = ga_nats_st(c);
    if (!st->init)
        ga_nats_state_init(st, e, fd, gen);
    pl->now = ga_now_ns();
    st->send_ns = pl->now;                      /* the start of what data(out) may record */
    int due = ga_np_find(st, src, pl);
    ga_conn_unlock(c);
    if (!due && round == 0)
        return 0;
    ga_np_compose(st, pl, src);
    struct msghdr mh = *m;
    mh.msg_iov = pl->v;
    mh.msg_iovlen = (size_t)pl->niov;
    if (round > 0)
        mh.msg_control = NULL, mh.msg_controllen = 0;   /* ancillary data goes once */
    *offered = pl->wire_total;
    *w = *offered > 0 ? ga_nats_sender(fd, &mh, flags, use_msg) : 0;
    if (*w >= 0)
        *app = ga__settle(fd, e, c, gen, src, pl, (size_t)*w);
    return 1;
}

/* Rounds from `round` on, with `done` application bytes of the call of n bytes already sent
 * and src standing after them; `pl` is the plan's memory. Returns 1 when a round was made here
 * or before (*ret = the call's result, errno as the real call left it), 0 when the first
 * round found nothing due. */
static int ga__rounds_from(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                           int use_msg, size_t n, ssize_t *ret, ga_np_plan *pl, ga_np_src *src,
                           int round, size_t done)
{
    int handled = round > 0;
    for (; round < 65536 && done < n; round++) {
        ssize_t w = 0;
        size_t app = 0, offered = 0;
        if (!ga__round(fd, e, c, m, flags, use_msg, round, src, &w, &app, &offered, pl))
            break;
        handled = 1;
        if (w < 0) {
            if (done > 0)
                *ret = (ssize_t)done;           /* the bytes that did go out: a partial write */
            else
                *ret = -1;                      /* errno as the real call left it */
            return 1;
        }
        done += app;
        if (done >= n)
            break;                              /* all of it: the common case */
        if ((size_t)w < offered && app > 0)
            break;                              /* a short write: report it as the kernel does */
        if (offered == 0 && app == 0)
            break;                              /* nothing could be planned: cannot happen */
        ga__advance(src, app);
    }
    *ret = (ssize_t)done;
    return handled;
}

/* The rounds of one application call of n bytes, with `pl` as the plan's memory. Returns 1
 * when the call was made here (*ret = its result, errno as the real call left it), 0 when
 * nothing was due. */
static int ga__rounds(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                      int use_msg, size_t n, ssize_t *ret, ga_np_plan *pl)
{
    ga_np_src src = { m->msg_iov, m->msg_iovlen, 0, 0 };
    if (src.v[0].iov_len == 0)
        ga__advance(&src, 0);                   /* to the first non-empty iovec */
    return ga__rounds_from(fd, e, c, m, flags, use_msg, n, ret, pl, &src, 0, 0);
}

/* Every scratch slot is taken: the plan goes on this thread's stack, as before the pool. */
static __attribute__((noinline)) int ga__rounds_on_stack(int fd, ga_fd *e, ga_conn *c,
                                                        const struct msghdr *m, int flags,
                                                        int use_msg, size_t n, ssize_t *ret)
{
    ga_np_plan pl;
    return ga__rounds(fd, e, c, m, flags, use_msg, n, ret, &pl);
}

/* The shortcut's short send, settled in the plan `pl`, then the rounds after the first. */
static int ga__one_short_in(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                            int use_msg, uint32_t gen, const ga_np_one_msg *om, ssize_t w,
                            ssize_t *ret, ga_np_plan *pl)
{
    ga_np_src src = { m->msg_iov, 1, 0, 0 };
    size_t n = m->msg_iov[0].iov_len;
    ga_np_plan_one(pl, om, &src);
    size_t app = ga__settle(fd, e, c, gen, &src, pl, (size_t)w);
    if (app > 0) {
        *ret = (ssize_t)app;                    /* a short write, as the kernel reports one */
        return 1;
    }
    ga__advance(&src, 0);
    return ga__rounds_from(fd, e, c, m, flags, use_msg, n, ret, pl, &src, 1, 0);
}

static __attribute__((noinline)) int ga__one_short_on_stack(int fd, ga_fd *e, ga_conn *c,
                                                           const struct msghdr *m, int flags,
                                                           int use_msg, uint32_t gen,
                                                           const ga_np_one_msg *om, ssize_t w,
                                                           ssize_t *ret)
{
    ga_np_plan pl;
    return ga__one_short_in(fd, e, c, m, flags, use_msg, gen, om, w, ret, &pl);
}

int ga_np_one_short(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                    int use_msg, uint32_t gen, const ga_np_one_msg *om, ssize_t w, ssize_t *ret)
{
    ga_np_plan *pl = ga_scratch_get();
    int handled = pl != NULL ? ga__one_short_in(fd, e, c, m, flags, use_msg, gen, om, w, ret, pl)
                             : ga__one_short_on_stack(fd, e, c, m, flags, use_msg, gen, om, w, ret);
    ga_scratch_put(pl);
    return handled;
}

/* The general way: the call planned in rounds. Returns as ga_nats_send. */
static int ga__send_planned(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                            int use_msg, ssize_t *ret)
{
    size_t n = ga__total(m->msg_iov, m->msg_iovlen);
    if (n == 0 || n == SIZE_MAX)
        return 0;
    ga_np_plan *pl = ga_scratch_get();
    int handled = pl != NULL ? ga__rounds(fd, e, c, m, flags, use_msg, n, ret, pl)
                             : ga__rounds_on_stack(fd, e, c, m, flags, use_msg, n, ret);
    ga_scratch_put(pl);
    return handled;
}

int ga_nats_send(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg, ssize_t *ret)
{
    ga_tls_presend_fed = 0;                     /* a mark left by a call that was not observed */
    if (e->socktype != SOCK_STREAM)
        return 0;
    ga_conn *c = atomic_load_explicit(&e->conn, memory_order_acquire);
    if (c == NULL || !atomic_load_explicit(&ga_nats_st(c)->inject, memory_order_relaxed))
        return 0;                               /* the common case: no headers, nothing owed */
    if (flags & (MSG_OOB | MSG_ZEROCOPY))
        return 0;
    ga_tls_busy = 1;
    int handled = m->msg_iovlen == 1 ? ga_np_one(fd, e, c, m, flags, use_msg, ret) : -1;
    if (handled < 0)
        handled = ga__send_planned(fd, e, c, m, flags, use_msg, ret);
    /* Every application byte counted in *ret went to the out parser in its round's commit
     * (ga_nats_out_sent did what ga_nats_data would): the write hook need not hand them over
     * again. Its dispatch, lock and skip cost more than the rest of the follow-up. */
    if (handled && *ret > 0 &&
        atomic_load_explicit(&e->proto, memory_order_relaxed) == GA_PROTO_NATS)
        ga_tls_presend_fed = fd + 1;            /* (not after giving up: no dispatch to skip) */
    ga_tls_busy = 0;
    return handled;
}
