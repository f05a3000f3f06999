/* http_handler.c — the HTTP/1.x plug-in's wire entry points (preload/plugin.h): detection
 * of a request stream on a connection's first bytes, dispatch of each direction's bytes to
 * its parser, and the end of whatever is in flight when the connection closes.
 *
 * Client sockets (connect()ed) write requests and read responses; server sockets
 * (accept()ed) the reverse. A socket of unknown role is a client if its first request bytes
 * go out. TLS records and the HTTP/2 preface are never claimed (the first is recognised by
 * proto.c, the second is not a method we know). */
#include <string.h>
#include "plugins/http/http_plugin.h"
#include "plugins/http/http_state.h"
#include "plugins/http/http_xchg.h"
#include "plugins/http/http_rec.h"
#include "plugins/http/http_replay.h"
#include "preload/emit.h"

int ga_http_detect(const ga_fd *e, int out, const uint8_t *p, size_t n)
{
    if ((e->role == GA_ROLE_SERVER && out) || (e->role == GA_ROLE_CLIENT && !out))
        return 0;                   /* the first bytes must be a request */
    return ga_h1_request_prefix(p, n);
}

void ga_http_state_init(ga_http_state *st, int side, const ga_addr *peer, int fd, uint32_t gen)
{
    st->init = 1;
    st->fd = fd;
    st->fd_gen = gen;
    st->side = (uint8_t)side;
    st->cur = 0xff;
    st->ts_slot = 0xff;
    st->peer = *peer;
    ga_h1_init(&st->rq, GA_H1_REQ);
    ga_h1_init(&st->rs, GA_H1_RESP);
    atomic_store_explicit(&st->quiet, 0, memory_order_relaxed);
}

static int ga__owes(const ga_http_state *st)
{
    return st->side == GA_HTTP_SIDE_CLIENT && st->u.inj.owe_off < st->u.inj.owe_len;
}

void ga_http_update_quiet(ga_http_state *st)
{
    uint64_t q = ga__owes(st) ? 0 : st->dead ? UINT64_MAX : ga_h1_quiet(&st->rq);
    atomic_store_explicit(&st->quiet, q, memory_order_relaxed);
}

void ga_http_quiet_after_send(ga_http_state *st)
{
    if (ga__owes(st))
        atomic_store_explicit(&st->quiet, 0, memory_order_relaxed);
}

void ga_http_give_up(ga_http_state *st, ga_fd *e)
{
    st->dead = 1;
    if (!ga__owes(st))
        atomic_store_explicit(&e->proto, GA_PROTO_NONE, memory_order_relaxed);
    ga_http_update_quiet(st);
}


/* Client, response bytes read while no request is in flight, but another thread's write of one
 * has passed its pre-send step (send_ns set) and not yet reached its data hook (which records
 * the request and clears send_ns): clients that write on one thread and read on another
 * (Java's HttpClient) get the answer before the hook of the write that asked for it has run.
 * Let that thread record its request first: yield the connection until it has, for at most
 * ga_http_await_ns (GENESIS_HTTP_AWAIT_MS, 10 ms by default: a writer preempted between its call
 * and its hook). Returns 0 when the connection was closed or reused meanwhile. */
static __attribute__((noinline)) int ga__await_request(int fd, ga_conn *c, ga_http_state *st)
{
    uint32_t gen = c->fd_gen;
    uint64_t t0 = ga_now_ns();
    do {
        if (!ga_conn_yield(c, fd, gen))
            return 0;
    } while (st->q_len == 0 && st->send_ns != 0 && ga_now_ns() - t0 < ga_http_await_ns);
    return 1;
}

void ga_http_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n)
{
    ga_http_state *st = ga_http_st(c);
    if (!st->init)
        ga_http_state_init(st, (e->role == GA_ROLE_CLIENT || (e->role != GA_ROLE_SERVER && out))
                               ? GA_HTTP_SIDE_CLIENT : GA_HTTP_SIDE_SERVER, &e->peer, fd, c->fd_gen);
    if (st->dead)
        return;
    int request = (st->side == GA_HTTP_SIDE_CLIENT) == (out != 0);
    if (p != NULL && n == 0) {      /* end of stream (when the hooks report it) */
        if (!request)
            ga_http_response_eof(st);
        return;
    }
    if (ga_unlikely(!request && st->side == GA_HTTP_SIDE_CLIENT && st->q_len == 0 &&
                    st->send_ns != 0) && !ga__await_request(fd, c, st))
        return;                     /* the connection went away meanwhile */
    if (!(request && st->side == GA_HTTP_SIDE_CLIENT && p != NULL &&
          ga_http_replay(st, p, n, ga_http_request_cb())))
        ga_http_feed(st, request, p, n);    /* not the bytes the pre-send step just scanned */
    st->send_ns = 0;
    int ph = ga_h1_phase(request ? &st->rq : &st->rs);
    if (ph == GA_H1_ERROR || ph == GA_H1_STOPPED)
        ga_http_give_up(st, e);
    else if (st->side == GA_HTTP_SIDE_CLIENT)
        ga_http_update_quiet(st);   /* read by the write hooks of client sockets only */
}

void ga_http_state_free(ga_http_state *st)
{
    if (st->ext != NULL)
        ga_conn_release(st->ext);
    st->ext = NULL;
}

/* A read-until-close response ends here; anything else in flight failed. */
static void ga__finish(ga_http_state *st)
{
    uint64_t body = ga_h1_phase(&st->rs) == GA_H1_BODY ? st->rs.body : 0;
    if (ga_http_response_eof(st))
        body = 0;                   /* that response is complete; the rest got none */
    while (st->q_len > 0) {
        ga_http_pop(st, GA_HTTP_ERR_CLOSED, body);
        body = 0;
    }
}

/* The connection is closing (c locked). */
void ga_http_closed(ga_conn *c)
{
    ga_http_state *st = ga_http_st(c);
    if (!st->init)
        return;
    if (!st->dead)
        ga__finish(st);
    ga_http_state_free(st);
}

/* A vectored call's buffers: a server's response (a head and its body, as nginx writes them)
 * is fed buffer after buffer in one entry, with what ga_http_data does around each feed. Any
 * other call is declined (0): the core gives it to ga_http_data one buffer at a time. */
int ga_http_data_iov(int fd, ga_fd *e, ga_conn *c, int out, const struct iovec *iov, int cnt,
                     size_t n)
{
    ga_http_state *st = ga_http_st(c);
    (void)fd;
    if (!(st->init && st->side == GA_HTTP_SIDE_SERVER && out))
        return 0;
    for (int i = 0; i < cnt && n > 0 && !st->dead; i++) {
        size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;
        n -= k;
        if (k == 0)
            continue;
        ga_http_feed(st, 0, iov[i].iov_base, k);
        st->send_ns = 0;
        int ph = ga_h1_phase(&st->rs);
        if (ph == GA_H1_ERROR || ph == GA_H1_STOPPED)
            ga_http_give_up(st, e);
    }
    return 1;
}
