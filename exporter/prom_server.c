/* prom_server.c — the Prometheus endpoint as an exporter-thread component
 * (OTEL_METRICS_EXPORTER=prometheus): a non-blocking listener on
 * OTEL_EXPORTER_PROMETHEUS_HOST:PORT served from the thread's poll loop, no extra thread.
 *
 * Contracts:
 * - Never stalls the loop: every socket is non-blocking; each connection has its own state
 *   and is served independently of the others; at most GA_PROM_MAX_CLIENTS connections —
 *   the listener is always polled, and a connection arriving when all are in use closes the
 *   slowest one (the one still sending its request for the longest time, else the oldest),
 *   so slow or stuck clients (a request a byte at a time, or never finished) cannot keep a
 *   scrape out; a request must be complete within GA_PROM_READ_MS and at most
 *   GA_PROM_REQ_MAX bytes, else it is dropped or answered 400; a response not taken within
 *   GA_PROM_WRITE_MS is dropped.
 * - One response per connection (`Connection: close`); then the write side is shut and the
 *   socket drained briefly so unread request bytes never turn the close into a reset.
 * - Port in use or bad host: one `genesis:` warning, no endpoint, the host is unaffected.
 * - Our sockets are the library's descriptors (ga_own tokens, checked before every use): a
 *   number the application closed under us is forgotten, never used or closed again; when it
 *   was the listener's, the endpoint listens again on a new descriptor.
 * - Fork: the child never serves the parent's listener (the fd table closed it). In a family
 *   (metrics_family.h: the region mapped before the first fork) any member may bind; the one
 *   that does serves the family's sums, the others say nothing and, once a second, check
 *   whether the serving member is still alive and try to take the port over when it is not.
 *   Without a family (the region could not be mapped) the child never binds if its parent
 *   tried to, and a worker that loses the race to a sibling is silent. See docs/metrics.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "exporter/components.h"
#include "exporter/exporter.h"
#include "exporter/metrics_conf.h"
#include "exporter/metrics_family.h"
#include "exporter/metrics_reg.h"
#include "exporter/prom.h"
#include "exporter/prom_server.h"
#include "preload/config.h"
#include "preload/fdtable.h"
#include "preload/ga.h"
#include "preload/log.h"

ga_own ga_prom_lfd = { .fd = -1 };
ga_prom_client ga_prom_cl[GA_PROM_MAX_CLIENTS];
static int ga__tried, ga__forbidden, ga__is_child;
static int ga__serving;                 /* listening was wanted and worked: keep it up */
static uint64_t ga__relisten_at;        /* next attempt while the listener is gone */
static unsigned ga__relisten_ms;        /* the delay after the next failure */
static int ga__relisten_quiet;          /* failures still expected: say nothing yet */
static uint64_t ga__takeover_at;        /* family: next check of the serving member */
static ga_buf ga__body;

int ga_prom_port(void)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (!ga_fd_own_valid(ga_prom_lfd) || getsockname(ga_prom_lfd.fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

void ga_prom_release(ga_own *o)
{
    ga_fd_own_close(o);
}

void ga_prom_drop(ga_prom_client *c)
{
    ga_prom_release(&c->own);
    c->state = GA_CL_FREE;
    c->inlen = c->off = 0;
    ga_buf_free(&c->out);
}

/* Fill `ss` with the listen address: "localhost" means 127.0.0.1; IPv4 and IPv6 literals
 * (also "[::1]"); anything else is resolved (getaddrinfo, first answer). */
static int ga__resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *sl)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    char h[256];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
        snprintf(h, sizeof h, "%.*s", (int)(n - 2), host + 1);
    else
        snprintf(h, sizeof h, "%s", strcmp(host, "localhost") == 0 ? "127.0.0.1" : host);
    if (inet_pton(AF_INET, h, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *sl = sizeof *in;
        return 0;
    }
    if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *in6;
        return 0;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res = NULL;
    if (getaddrinfo(h, NULL, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET)
        in->sin_port = htons((uint16_t)port);
    else
        in6->sin6_port = htons((uint16_t)port);
    return 0;
}

/* One warning (a forked child losing the port to a sibling, or a listener being made again
 * while the application's close of the old one is still under way, only say so at debug
 * level). */
static void ga__bind_failed(const char *what, int err)
{
    if (((ga__is_child || ga_process_forked() || ga_family_on()) && err == EADDRINUSE) ||
        ga__relisten_quiet)
        ga_debug("prometheus endpoint %s:%d already served by another process", ga_mconf.prom_host,
                 ga_mconf.prom_port);
    else
        ga_warn(GA_LK_PROM, "prometheus endpoint %s:%d not available (%s: %s); metrics are not served",
                ga_mconf.prom_host, ga_mconf.prom_port, what, err ? strerror(err) : "unknown host");
}

/* A listening socket of the library's own on the configured address, or GA_OWN_NONE. */
static ga_own ga__listen(void)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (ga__resolve(ga_mconf.prom_host, ga_mconf.prom_port, &ss, &sl) < 0) {
        ga__bind_failed("resolve", 0);
        return GA_OWN_NONE;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = errno;
    ga_own o = ga_fd_own(fd);
    if (o.fd < 0) {
        if (fd >= 0)
            syscall(SYS_close, fd); /* the table cannot hold it: unusable, known to nobody */
        ga__bind_failed("socket", fd < 0 ? err : ENOMEM);
        return GA_OWN_NONE;
    }
    int one = 1;
    setsockopt(o.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(o.fd, (struct sockaddr *)&ss, sl) != 0 || listen(o.fd, GA_PROM_BACKLOG) != 0) {
        err = errno;
        ga_prom_release(&o);
        ga__bind_failed("bind", err);
        return GA_OWN_NONE;
    }
    return o;
}

static int ga__prom_open(void)
{
    if (!(ga_cfg.metrics_exporters & GA_EXP_PROMETHEUS) || !ga_metrics_on || ga__forbidden)
        return -1;
    ga__tried = 1;
    for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
        ga_prom_cl[i].own = GA_OWN_NONE;
    /* A family member whose sibling (or parent) already serves does not even try: a fork
     * storm's children pay no socket and bind each. Nor does, at first, the child of a parent
     * whose exporter was running when it forked: the parent may not have bound yet (its thread
     * was slow to open its components), and the endpoint stays the parent's; the child takes
     * it over (ga__takeover, a second later at the earliest) only if nobody serves by then. */
    int defer = ga_family_on() && (ga_family_server_alive() ||
                                   (ga__is_child && ga_exporter_forked_from_running));
    ga_prom_lfd = defer ? GA_OWN_NONE : ga__listen();
    ga__serving = ga_prom_lfd.fd >= 0;
    ga__relisten_ms = 100;
    if (ga__serving)
        ga_family_set_server(1);
    ga__takeover_at = ga_mono_ms() + GA_FAM_TAKEOVER_MS;
    return ga__serving || ga_family_on() ? 0 : -1;  /* a family member may take over later */
}

/* Family member without the endpoint: once a second, when the serving member is gone (exited,
 * or never was), try to bind the port (quietly: a sibling may be faster). */
static void ga__takeover(uint64_t now_ms)
{
    if (!ga_family_on() || ga__forbidden || now_ms < ga__takeover_at)
        return;
    ga__takeover_at = now_ms + GA_FAM_TAKEOVER_MS;
    if (ga_family_server_alive())
        return;
    ga__relisten_quiet = 1;
    ga_prom_lfd = ga__listen();
    ga__relisten_quiet = 0;
    if (ga_prom_lfd.fd >= 0) {
        ga__serving = 1;
        ga__relisten_ms = 100;
        ga_family_set_server(1);
    }
}

/* The table hears of a close before the kernel does it, so the first attempts may find the
 * port still bound to the old listener: they are quiet; a warning comes only if the endpoint
 * is still not back after about three seconds. */
void ga_prom_relisten(uint64_t now_ms)
{
    if (!ga__serving) {
        ga__takeover(now_ms);
        return;
    }
    if (ga_fd_own_valid(ga_prom_lfd))
        return;
    if (ga_prom_lfd.fd >= 0) {          /* just taken: the port is free again, try at once */
        ga_prom_lfd = GA_OWN_NONE;
        ga__relisten_at = now_ms;
        ga__relisten_ms = 100;
    }
    if (now_ms < ga__relisten_at)
        return;
    ga__relisten_quiet = ga__relisten_ms < 3200;
    ga_prom_lfd = ga__listen();
    ga__relisten_quiet = 0;
    if (ga_prom_lfd.fd < 0 && ga_family_on()) {
        ga__serving = 0;                /* family: retried once a second, like any member */
        ga_family_set_server(0);
        return;
    }
    if (ga_prom_lfd.fd < 0) {
        ga__relisten_at = now_ms + ga__relisten_ms;
        ga__relisten_ms = ga__relisten_ms < 30000 ? ga__relisten_ms * 2 : 60000;
    }
}

/* Queue the whole response (status line, headers, body unless HEAD) for writing. */
static void ga__respond(ga_prom_client *c, int code, const char *ctype, const ga_buf *body, int head)
{
    static const char reasons[][19] = {[0] = "OK", [1] = "Bad Request", [2] = "Not Found",
                                          [3] = "Method Not Allowed"};
    int r = code == 200 ? 0 : code == 400 ? 1 : code == 404 ? 2 : 3;
    ga_buf_reset(&c->out);
    ga_buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                  "Connection: close\r\n\r\n", code, reasons[r], ctype, body->len,
                  code == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (!head)
        ga_buf_put(&c->out, body->data, body->len);
    if (c->out.failed) {
        ga_prom_drop(c);                    /* out of memory: this scrape fails, nothing else */
        return;
    }
    c->state = GA_CL_WRITE;
    c->off = 0;
    c->deadline_ms = ga_mono_ms() + GA_PROM_WRITE_MS;
}

void ga_prom_error(ga_prom_client *c, int code)
{
    ga_buf b = {0};
    ga_buf_puts(&b, code == 400 ? "bad request\n" : code == 404 ? "not found: try /metrics\n"
                                                                : "method not allowed\n");
    ga__respond(c, code, "text/plain; charset=utf-8", &b, 0);
    ga_buf_free(&b);
}

void ga_prom_serve(ga_prom_client *c, const ga_prom_req *req)
{
    if (req->method == GA_PROM_OTHER) {
        ga_prom_error(c, 405);
        return;
    }
    if (!req->path_ok) {
        ga_prom_error(c, 404);
        return;
    }
    ga_metrics_collect();
    ga_buf_reset(&ga__body);
    if (ga_family_on()) {                   /* the family's sums, this process's part included */
        ga_instrument *list[GA_FAM_INSTS + GA_MI_MAX];
        ga_family_publish(ga_minst, ga_minst_count, 100);
        int n = ga_family_view(ga_minst, ga_minst_count, list, (int)GA_ARRAY_LEN(list));
        ga_prom_render_list(&ga__body, req->om, list, n);
    } else {
        ga_prom_render(&ga__body, req->om);
    }
    if (ga__body.failed) {
        ga_prom_drop(c);                    /* out of memory: this scrape fails, nothing else */
        return;
    }
    ga__respond(c, 200, req->om ? GA_PROM_CT_OM : GA_PROM_CT_TEXT, &ga__body, req->method == GA_PROM_HEAD);
}

/* At exit: close the endpoint, so a scrape during the last moments fails fast instead of
 * waiting on a parked thread. */
static void ga__prom_flush(int final, uint64_t deadline_ms)
{
    (void)deadline_ms;
    if (final) {
        if (ga__serving)
            ga_family_set_server(0);        /* another member may take the port over */
        ga__serving = 0;                    /* no listening again while the process exits */
        ga_prom_close_all();
        ga_buf_free(&ga__body);
    }
}

/* Child: the fd table already closed the parent's listener and connections here. Their
 * buffers may be mid-update: leak them. Never bind if the parent tried to. */
static void ga__prom_after_fork(void)
{
    ga_prom_lfd = GA_OWN_NONE;
    ga__serving = 0;
    if (ga__tried) {            /* else never written: still zero, and not copied by the kernel
                                 * (100 KB: 25 page faults in every child of a fork storm) */
        memset(ga_prom_cl, 0, sizeof ga_prom_cl);
        for (int i = 0; i < GA_PROM_MAX_CLIENTS; i++)
            ga_prom_cl[i].own = GA_OWN_NONE;
    }
    ga__body = (ga_buf){0};
    ga__forbidden = !ga_family_on() && (ga__forbidden || ga__tried || ga_exporter_forked_from_running);
    ga__is_child = 1;
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_prom_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "prometheus",
        .open = ga__prom_open,
        .pollfds = ga_prom_pollfds,
        .events = ga_prom_events,
        .tick = ga_prom_tick,
        .flush = ga__prom_flush,
        .after_fork = ga__prom_after_fork,
    };
}
