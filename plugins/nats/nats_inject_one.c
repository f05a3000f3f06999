/* nats_inject_one.c — the injector's shortcut for the write raw clients make most: one buffer
 * holding exactly one whole PUB message, on a connection where nothing is owed and the out
 * parser stands between messages (contracts in nats_inject_int.h, ga_np_one).
 *
 * The general way (nats_inject_plan.c, nats_inject_acct.c) makes a plan of pieces for any
 * mix of messages, iovecs and debts; for this one shape it would plan one new head in place of
 * the old one, so the shortcut writes that head, sends it and the rest of the buffer, and
 * leaves the state as the plan's commit would: the out parser after the message, its
 * PRODUCER record, the bytes counted as fed. A short send hands the shortcut's facts to the
 * general way (ga_np_one_short), which settles it as the plan would have. Runs on the
 * application thread inside a write hook. */
#include <errno.h>
#include <limits.h>
#include "plugins/nats/nats_inject.h"
#include "plugins/nats/nats_inject_int.h"
#include "plugins/nats/nats_rec.h"
#include "preload/emit.h"

/* With c locked: may the PUB at the start of this call be rewritten (what ga_np_find's
 * shortcut and ga__may ask)? Its rewritten head's size, or 0. */
static size_t ga__may_one(const ga_nats_state *st, const ga_nats_line *l)
{
    if (!st->init || st->dead || ga_nats_ctx.fmt == 0 || st->owe_off < st->owe_len ||
        st->del_len != 0 || st->out.off < st->next_ok || !ga_np_between(st))
        return 0;
    return ga_np_pub_size(l, st->max_payload);
}

/* With c locked, after every byte went out: the out parser after the message (what the dry
 * run's shortcut leaves in pl->after), its record, the bytes counted. */
static void ga__commit_one(ga_nats_state *st, ga_fd *e, const ga_np_one_msg *om, size_t n,
                           uint64_t end)
{
    st->out.line_off = om->base;
    st->out.off = om->base + n;
    st->out.op = GA_NATS_PUB;
    st->out.hdr_left = st->out.body_left = 0;
    ga_nats_emit_publish(st, &om->line, &om->ids, om->start_ns, end, GA_NATS_I_INJECTED);
    /* ga_nats_update_inject would find what ga__may_one found: nothing owed, the facts as
     * they were */
    ga_nats_out_sent(st, e, n);
}

int ga_np_one(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags, int use_msg,
              ssize_t *ret)
{
    const uint8_t *p = m->msg_iov[0].iov_base;
    size_t n = m->msg_iov[0].iov_len;
    ga_np_one_msg om;
    if (ga_np_fast_off || n > SSIZE_MAX || ga_np_pub_at(p, n, &om.line) != n)
        return -1;                              /* not exactly one whole PUB */
    uint32_t gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
    if (!ga_conn_lock(c, fd, gen))
        return -1;
    ga_nats_state *st = ga_nats_st(c);
    om.head_new = ga__may_one(st, &om.line);
    if (om.head_new == 0) {
        ga_conn_unlock(c);
        return -1;                              /* the general way decides (and declines) */
    }
    om.now = om.start_ns = ga_now_ns();
    st->send_ns = om.now;
    om.base = st->out.off;
    ga_conn_unlock(c);
    uint8_t head[GA_NATS_OWE_CAP];
    ga_nats_producer_ids(st, &om.line, &om.ids, &om.start_ns);
    ga_np_pub_text(head, &om.line, &om.ids, om.head_new);
    om.head = head;
    size_t k = om.line.len, wire = om.head_new + (n - k);
    struct iovec v[2] = { { head, om.head_new }, { (void *)(p + k), n - k } };
    struct msghdr mh = *m;
    mh.msg_iov = v;
    mh.msg_iovlen = 2;
    ssize_t w = ga_nats_sender(fd, &mh, flags, use_msg);
    if (w < 0) {
        *ret = -1;                              /* errno as the real call left it */
        return 1;
    }
    if (ga_unlikely((size_t)w != wire))
        return ga_np_one_short(fd, e, c, m, flags, use_msg, gen, &om, w, ret);
    int err = errno;
    uint64_t end = ga_now_ns();
    if (ga_conn_lock(c, fd, gen)) {
        ga__commit_one(st, e, &om, n, end);
        ga_conn_unlock(c);
    }
    errno = err;
    *ret = (ssize_t)n;
    return 1;
}
