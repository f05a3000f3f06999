/* inbound.c — the read driver of inbound rewrites (contracts in inbound.h and
 * preload/inbound.h). Runs on the application thread inside a receive hook.
 *
 * One round: output the slot kept from before (only after a read into a buffer smaller than
 * a pending control line), else read into the application's buffer after room for the
 * slot's tail, show the raw bytes to the parsers (spans, counters), put the tail in front and
 * rewrite the whole in place. The slot's lock is never held across the real call. */
#include <string.h>
#include <sys/uio.h>
#include "hooks/hook.h"
#include "hooks/inbound.h"
#include "preload/inbound.h"

#define GA__AGAIN (-2)                  /* a round gave the application nothing: read again */

static ssize_t ga__raw(int fd, const ga_inb_call *c, void *dst, size_t cap)
{
    if (c->kind == GA_INB_READ) {
        ga_read_fn f = GA_REAL(read);
        return f ? f(fd, dst, cap) : syscall(SYS_read, fd, dst, cap);
    }
    if (c->kind == GA_INB_RECVFROM) {
        ga_recvfrom_fn f = GA_REAL(recvfrom);
        return f ? f(fd, dst, cap, c->flags, c->from, c->fromlen)
                 : syscall(SYS_recvfrom, fd, dst, cap, c->flags, c->from, c->fromlen);
    }
    struct iovec one = { dst, cap };
    struct msghdr m = *c->msg;
    m.msg_iov = &one;
    m.msg_iovlen = 1;
    ga_recvmsg_fn f = GA_REAL(recvmsg);
    ssize_t r = f ? f(fd, &m, c->flags) : syscall(SYS_recvmsg, fd, &m, c->flags);
    if (r >= 0) {
        c->msg->msg_namelen = m.msg_namelen;
        c->msg->msg_controllen = m.msg_controllen;
        c->msg->msg_flags = m.msg_flags;
    }
    return r;
}

/* The slot still serves this descriptor's life (its number was not closed and reused while
 * the real call ran). */
static int ga__mine(const ga_fd *e, const ga_inbound *s, uint32_t gen)
{
    return ga_inbound_of(e) == s && s->gen == gen;
}

/* Output kept in the slot: give what fits. With the slot locked. */
static size_t ga__give_ready(ga_inbound *s, uint8_t *buf, size_t cap)
{
    size_t k = cap < s->ready ? cap : s->ready;
    memcpy(buf, s->buf, k);
    memmove(s->buf, s->buf + k, s->ready - k + s->held);
    s->ready -= (uint32_t)k;
    return k;
}

/* The application's buffer holds more than the tail: read after it, rewrite in place. */
static ssize_t ga__round(int fd, ga_fd *e, ga_inbound *s, uint32_t gen, uint8_t *buf, size_t cap,
                         const ga_inb_call *c, size_t h)
{
    ssize_t r = ga__raw(fd, c, buf + h, cap - h);
    if (r <= 0)
        return r;
    ga_io_done(fd, r, 0, 1, buf + h);           /* the parsers see what the server sent */
    ga_inbound_lock(s);
    if (!ga__mine(e, s, gen) || s->held != h || s->ready != 0) {
        ga_inbound_unlock(s);                   /* a concurrent reader of the same socket */
        memmove(buf, buf + h, (size_t)r);
        return r;
    }
    memcpy(buf, s->buf, h);
    size_t t, o = s->fn(s->st, buf, h + (size_t)r, &t);
    memcpy(s->buf, buf + o, t);
    s->held = (uint32_t)t;
    ga_inbound_unlock(s);
    return o > 0 ? (ssize_t)o : GA__AGAIN;
}

/* The application's buffer cannot hold the tail: read a little into the slot itself. */
static ssize_t ga__round_small(int fd, ga_fd *e, ga_inbound *s, uint32_t gen, uint8_t *buf,
                               size_t cap, const ga_inb_call *c, size_t h)
{
    uint8_t tmp[GA_INBOUND_SMALL];
    ssize_t r = ga__raw(fd, c, tmp, sizeof tmp);
    if (r <= 0)
        return r;
    ga_io_done(fd, r, 0, 1, tmp);
    ga_inbound_lock(s);
    if (!ga__mine(e, s, gen) || s->held != h || s->ready != 0 || h + (size_t)r > GA_INBOUND_CAP) {
        ga_inbound_unlock(s);
        size_t k = cap < (size_t)r ? cap : (size_t)r;   /* cannot happen but by misuse */
        memcpy(buf, tmp, k);
        return (ssize_t)k;
    }
    memcpy(s->buf + h, tmp, (size_t)r);
    size_t t, o = s->fn(s->st, s->buf, h + (size_t)r, &t);
    s->ready = (uint32_t)o;
    s->held = (uint32_t)t;
    size_t k = ga__give_ready(s, buf, cap);
    ga_inbound_unlock(s);
    return k > 0 ? (ssize_t)k : GA__AGAIN;
}

/* One read: at least one byte for the application, EOF, or an error. */
static ssize_t ga__once(int fd, uint8_t *buf, size_t cap, const ga_inb_call *c)
{
    ga_fd *e = ga_fd_peek(fd);
    ga_inbound *s = e ? ga_inbound_of(e) : NULL;
    if (s == NULL || cap == 0)
        return ga__raw(fd, c, buf, cap);
    uint32_t gen = s->gen;
    for (;;) {
        ga_inbound_lock(s);
        if (!ga__mine(e, s, gen)) {
            ga_inbound_unlock(s);
            return ga__raw(fd, c, buf, cap);
        }
        if (s->ready > 0) {
            size_t k = ga__give_ready(s, buf, cap);
            ga_inbound_unlock(s);
            return (ssize_t)k;
        }
        size_t h = s->held;
        ga_inbound_unlock(s);
        ssize_t r = cap > h ? ga__round(fd, e, s, gen, buf, cap, c, h)
                            : ga__round_small(fd, e, s, gen, buf, cap, c, h);
        if (r != GA__AGAIN)
            return r;
        /* Everything read was dropped (a header block) or kept (a control line's start):
         * read again, as the application's own call would still be waiting. */
        if (!ga__mine(e, s, gen))
            return ga__raw(fd, c, buf, cap);
    }
}

ssize_t ga_inbound_read(int fd, void *buf, size_t cap, const ga_inb_call *c)
{
    size_t got = 0;
    do {
        ssize_t r = ga__once(fd, (uint8_t *)buf + got, cap - got, c);
        if (r <= 0)
            return got > 0 ? (ssize_t)got : r;
        got += (size_t)r;
    } while (c->kind != GA_INB_READ && (c->flags & MSG_WAITALL) && got < cap);
    return (ssize_t)got;
}

ssize_t ga_inbound_readv(int fd, const struct iovec *iov, int cnt, ga_inb_call *c)
{
    for (int i = 0; i < cnt; i++)
        if (iov[i].iov_len > 0)
            return ga_inbound_read(fd, iov[i].iov_base, iov[i].iov_len, c);
    return ga__raw(fd, c, NULL, 0);
}
