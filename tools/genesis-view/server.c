/* genesis-view: the ppoll() loop: accepts, reads, runs the connection state machines, writes,
 * and wakes up for --delay-ms answers and the waterfall settle timer. */
#include "tools/genesis-view/server.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/genesis-view/clock.h"
#include "tools/genesis-view/conn.h"

#define MAX_CONNS 1000
#define READ_CHUNK 65536
#define MAX_BUFFERED (GV_MAX_BODY + GV_MAX_HEAD + READ_CHUNK)
#define LINGER_MS 2000 /* drain input after an answer-then-close, so it is not lost to a RST */

struct conns {
    struct gv_conn **v;
    size_t n, cap;
};

static void accept_all(int lfd, struct conns *cs)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN or a transient error: try again next turn */
        if (cs->n >= MAX_CONNS) { close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (cs->n == cs->cap) {
            cs->cap = cs->cap ? cs->cap * 2 : 16;
            cs->v = realloc(cs->v, cs->cap * sizeof *cs->v);
            if (!cs->v) abort();
        }
        cs->v[cs->n++] = gv_conn_new(fd);
    }
}

static void read_some(struct gv_conn *k)
{
    for (int i = 0; i < 16 && k->in.len < MAX_BUFFERED; i++) {
        gv_buf_reserve(&k->in, READ_CHUNK);
        ssize_t n = recv(k->fd, k->in.p + k->in.len, k->in.cap - k->in.len - 1, 0);
        if (n > 0) { k->in.len += (size_t)n; k->in.p[k->in.len] = '\0'; continue; }
        if (n == 0) k->peer_eof = 1;
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) k->dead = 1;
        return;
    }
}

static void write_some(struct gv_conn *k)
{
    while (k->out.len) {
        ssize_t n = send(k->fd, k->out.p, k->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) { gv_buf_consume(&k->out, (size_t)n); continue; }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        k->dead = 1;
        return;
    }
}

static void service(struct gv_ctx *c, struct gv_conn *k, short revents, int64_t now)
{
    if (revents & (POLLIN | POLLHUP | POLLERR))
        read_some(k);
    if (!k->dead)
        gv_conn_process(c, k, now);
    if (!k->dead && gv_conn_wants_write(k, now))
        write_some(k);
    if (k->out.len || k->dead)
        return;
    if (k->state == GV_C_CLOSING) {
        if (!k->shut) {
            shutdown(k->fd, SHUT_WR);
            k->shut = 1;
            k->linger_until = now + LINGER_MS;
        }
        if (k->peer_eof || now >= k->linger_until)
            k->dead = 1;
    } else if (k->peer_eof && k->state != GV_C_HOLD) {
        k->dead = 1;
    }
}

static int next_timeout(const struct gv_ctx *c, const struct conns *cs, int64_t now)
{
    int64_t t = gv_wf_deadline(&c->wf);
    for (size_t i = 0; i < cs->n; i++) {
        const struct gv_conn *k = cs->v[i];
        int64_t kt = k->state == GV_C_HOLD ? k->hold_until : k->shut ? k->linger_until : -1;
        if (kt >= 0 && (t < 0 || kt < t))
            t = kt;
    }
    if (t < 0) return -1;
    return t <= now ? 0 : (int)(t - now > 3600000 ? 3600000 : t - now);
}

static size_t fill_pollfds(struct pollfd *p, int lfd, const struct conns *cs, int64_t now)
{
    p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (size_t i = 0; i < cs->n; i++) {
        const struct gv_conn *k = cs->v[i];
        short ev = 0;
        if (!k->peer_eof && k->in.len < MAX_BUFFERED) ev |= POLLIN;
        if (gv_conn_wants_write(k, now)) ev |= POLLOUT;
        p[i + 1] = (struct pollfd){.fd = k->fd, .events = ev};
    }
    return cs->n + 1;
}

static void reap(struct conns *cs)
{
    size_t j = 0;
    for (size_t i = 0; i < cs->n; i++) {
        if (cs->v[i]->dead) gv_conn_free(cs->v[i]);
        else cs->v[j++] = cs->v[i];
    }
    cs->n = j;
}

void gv_serve(struct gv_ctx *c, int lfd, volatile sig_atomic_t *stop, const sigset_t *waitmask)
{
    struct conns cs = {0};
    struct pollfd *pfd = malloc((MAX_CONNS + 1) * sizeof *pfd);
    if (!pfd) abort();
    while (!*stop) {
        int64_t now = gv_now_ms();
        gv_wf_tick(&c->wf, now);
        int timeout = next_timeout(c, &cs, now);
        size_t np = fill_pollfds(pfd, lfd, &cs, now);
        struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
        if (ppoll(pfd, np, timeout < 0 ? NULL : &ts, waitmask) < 0 && errno != EINTR) {
            perror("genesis-view: ppoll");
            break;
        }
        now = gv_now_ms();
        for (size_t i = 0; i + 1 < np; i++)
            service(c, cs.v[i], pfd[i + 1].revents, now);
        if (pfd[0].revents & POLLIN)
            accept_all(lfd, &cs);
        reap(&cs);
    }
    for (size_t i = 0; i < cs.n; i++) gv_conn_free(cs.v[i]);
    free(cs.v);
    free(pfd);
}
