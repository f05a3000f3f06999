/* prom_conn.c — the Prometheus endpoint's connections inside the exporter thread's poll:
 * accept, read the request, write the response, linger, time out (contracts in
 * prom_server.c / prom_server.h). Nothing here blocks: every call is on a non-blocking
 * socket and gives up on EAGAIN until poll says otherwise. Every call on a connection is
 * preceded by the check that its descriptor is still the library's (ga__ours). */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exporter/exporter.h"
#include "exporter/prom_server.h"
#include "preload/fdtable.h"

static int ga__map[1 + GA_PROM_MAX_CLIENTS];   /* pollfd index → client, -1 = listener */

/* Forget connections whose number the application took (closed or replaced): they are
 * never polled, read, written or closed again. */
static void ga__check_ours(void)
{
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        if (ga_prom_cl[i].state != GA_CL_FREE && !ga_fd_own_valid(ga_prom_cl[i].own)) {
            ga_prom_cl[i].own = GA_OWN_NONE;
            ga_prom_drop(&ga_prom_cl[i]);
        }
}

/* Is this connection still ours? If not, it is forgotten (its slot freed, nothing closed). */
static int ga__ours(ga_prom_client *c)
{
    if (ga_fd_own_valid(c->own))
        return 1;
    c->own = GA_OWN_NONE;
    ga_prom_drop(c);
    return 0;
}

static ga_prom_client *ga__free_slot(void)
{
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        if (ga_prom_cl[i].state == GA_CL_FREE)
            return &ga_prom_cl[i];
    return NULL;
}

int ga_prom_pollfds(struct pollfd *p, int max)
{
    int n = 0;
    ga__check_ours();
    ga_prom_relisten(ga_mono_ms());
    if (ga_fd_own_valid(ga_prom_lfd) && n < max) {    /* always: a new client may evict */
        p[n] = (struct pollfd){ .fd = ga_prom_lfd.fd, .events = POLLIN };
        ga__map[n++] = -1;
    }
    for (int i = 0; i < GA_PROM_MAX_CLIENTS && n < max; i++) {
        ga_prom_client *c = &ga_prom_cl[i];
        if (c->state == GA_CL_FREE)
            continue;
        p[n] = (struct pollfd){ .fd = c->own.fd, .events = c->state == GA_CL_WRITE ? POLLOUT : POLLIN };
        ga__map[n++] = i;
    }
    return n;
}

/* A slot for a new connection: a free one, else the slowest client's — the one that has been
 * sending its request for the longest time, else (every one is being answered) the oldest.
 * Never waits: a slow client costs the others nothing. */
static ga_prom_client *ga__slot_for_new(void)
{
    ga_prom_client *c = ga__free_slot(), *reader = NULL, *oldest = NULL;
    if (c != NULL)
        return c;
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++) {
        c = &ga_prom_cl[i];
        if (c->state == GA_CL_READ && (reader == NULL || c->since_ms < reader->since_ms))
            reader = c;
        if (oldest == NULL || c->since_ms < oldest->since_ms)
            oldest = c;
    }
    c = reader != NULL ? reader : oldest;
    ga_prom_drop(c);
    return c;
}

static void ga__accept(void)
{
    for (int k = 0; k < GA_PROM_BACKLOG && ga_fd_own_valid(ga_prom_lfd); k++) {
        int fd = accept4(ga_prom_lfd.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;                     /* EAGAIN, or a transient error: poll again later */
        ga_prom_client *c = ga__slot_for_new();
        c->own = ga_fd_own(fd);
        if (c->own.fd < 0) {
            syscall(SYS_close, fd);     /* the table cannot hold it: unusable, known to nobody */
            return;
        }
        c->state = GA_CL_READ;
        c->inlen = c->off = 0;
        c->since_ms = ga_mono_ms();
        c->deadline_ms = c->since_ms + GA_PROM_READ_MS;
    }
}

static void ga__write(ga_prom_client *c)
{
    while (c->off < c->out.len) {
        if (!ga__ours(c))
            return;
        ssize_t w = send(c->own.fd, c->out.data + c->off, c->out.len - c->off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            ga_prom_drop(c);
            return;
        }
        c->off += (size_t)w;
    }
    if (!ga__ours(c))
        return;
    shutdown(c->own.fd, SHUT_WR);           /* response complete: FIN, then drain what is left */
    ga_buf_free(&c->out);
    c->state = GA_CL_LINGER;
    c->deadline_ms = ga_mono_ms() + GA_PROM_LINGER_MS;
}

static void ga__read(ga_prom_client *c)
{
    char discard[512];
    int linger = c->state == GA_CL_LINGER;
    char *dst = linger ? discard : c->in + c->inlen;
    size_t room = linger ? sizeof discard : GA_PROM_REQ_MAX - c->inlen;
    if (!ga__ours(c))
        return;
    ssize_t r = recv(c->own.fd, dst, room, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0 || linger) {
        if (r <= 0)
            ga_prom_drop(c);            /* EOF or error; while reading: incomplete request */
        return;
    }
    c->inlen += (size_t)r;
    ga_prom_req req;
    int st = ga_prom_parse_request(c->in, c->inlen, &req);
    if (st == 0 && c->inlen == GA_PROM_REQ_MAX)
        st = -1;                        /* headers too large */
    if (st < 0)
        ga_prom_error(c, 400);
    else if (st > 0)
        ga_prom_serve(c, &req);
    if (c->state == GA_CL_WRITE)
        ga__write(c);                   /* usually fits the socket buffer at once */
}

void ga_prom_events(const struct pollfd *p, int n)
{
    for (int i = 0; i < n && i < 1 + GA_PROM_MAX_CLIENTS; i++) {
        if (p[i].revents == 0)
            continue;
        if (ga__map[i] < 0) {
            if (p[i].fd == ga_prom_lfd.fd)
                ga__accept();
            continue;
        }
        ga_prom_client *c = &ga_prom_cl[ga__map[i]];
        if (c->own.fd != p[i].fd || c->state == GA_CL_FREE)
            continue;
        if (c->state == GA_CL_WRITE)
            ga__write(c);
        else if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
            ga__read(c);
    }
}

int ga_prom_tick(uint64_t now_ms)
{
    int next = -1;
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++) {
        ga_prom_client *c = &ga_prom_cl[i];
        if (c->state == GA_CL_FREE)
            continue;
        if (now_ms >= c->deadline_ms) {
            ga_prom_drop(c);            /* slow or idle client: never wait for it */
            continue;
        }
        int left = (int)(c->deadline_ms - now_ms);
        if (next < 0 || left < next)
            next = left;
    }
    return next;
}

void ga_prom_close_all(void)
{
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        if (ga_prom_cl[i].state != GA_CL_FREE)
            ga_prom_drop(&ga_prom_cl[i]);
    ga_prom_release(&ga_prom_lfd);
}
