/* otlp_http_curl.c — the OTLP/HTTP transport's libcurl glue (state in otlp_http_int.h): the
 * callbacks curl calls (sockets opened and closed as the library's own descriptors, the
 * request body, the answer, what to poll and when), the headers and options of the handles,
 * and the check that the application has not taken one of curl's sockets. The send state
 * machine that drives it is otlp_http.c. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "exporter/otlp_http_int.h"
#include "preload/config.h"
#include "preload/log.h"

/* ---- curl callbacks ---------------------------------------------------------------------- */

/* Every socket curl uses is opened here and becomes one of the library's descriptors (a
 * ga_own token). One that cannot be remembered is never handed to curl. */
static curl_socket_t ga__open_sock(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
    ga_otlp_http *h = data;
    (void)purpose;
    if (h->nfds == GA_OTLP_HTTP_SOCKS)
        return CURL_SOCKET_BAD;
    int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    ga_own o = ga_fd_own(fd);
    if (o.fd < 0) {
        if (fd >= 0)
            syscall(SYS_close, fd); /* the table cannot hold it: unusable, known to nobody */
        return CURL_SOCKET_BAD;
    }
    h->fds[h->nfds++] = o;
    return o.fd;
}

/* curl closes a socket: only one of ours, and only while it is still ours. A number the
 * application took is answered 0 without a system call; a number we never opened is left
 * alone. */
static int ga__close_sock(void *data, curl_socket_t fd)
{
    ga_otlp_http *h = data;
    for (int i = 0; i < h->nfds; i++)
        if (h->fds[i].fd == fd) {
            ga_own o = h->fds[i];
            h->fds[i] = h->fds[--h->nfds];
            return ga_fd_own_close(&o);
        }
    return 0;
}

/* n bytes from s to d, 32 at a time. The body is handed to curl through its read callback,
 * copied once into curl's upload buffer by this loop rather than by curl (POSTFIELDS) with
 * `rep movsb`, which instruction counts charge one per byte. */
static void ga__copy(char *d, const char *s, size_t n)
{
    for (; n >= 32; d += 32, s += 32, n -= 32) {
        uint64_t w[4];
        memcpy(w, s, 32);
        memcpy(d, w, 32);
    }
    memcpy(d, s, n);
}

static size_t ga__on_read(char *p, size_t size, size_t n, void *data)
{
    ga_otlp_http *h = data;
    size_t end = h->req.len, left = end > h->req_pos ? end - h->req_pos : 0;
    size_t k = size * n < left ? size * n : left;
    if (k > 0)
        ga__copy(p, h->req.data + h->req_pos, k);
    h->req_pos += k;
    return k;
}

/* curl rewinds the body when it must send it again (a reused connection that was closed). */
static int ga__on_seek(void *data, curl_off_t off, int origin)
{
    ga_otlp_http *h = data;
    if (origin != SEEK_SET || off < 0 || (size_t)off > h->req.len - h->req_start)
        return CURL_SEEKFUNC_FAIL;
    h->req_pos = h->req_start + (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t ga__on_body(char *p, size_t size, size_t n, void *data)
{
    ga_otlp_http *h = data;
    size_t len = size * n;
    if (h->resp.len + len > GA_OTLP_MAX_RESPONSE) {
        h->resp_too_big = 1;
        return 0;                   /* aborts the transfer (CURLE_WRITE_ERROR) */
    }
    ga_buf_put(&h->resp, p, len);
    return len;
}

static size_t ga__on_header(char *p, size_t size, size_t n, void *data)
{
    ga_otlp_http *h = data;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        h->retry_after_ms = -1;     /* a new answer (after a 100 Continue, ...) */
    else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        h->retry_after_ms = ga_otlp_retry_after_ms(p + 12, len - 12, time(NULL));
    return len;
}

static int ga__on_socket(CURL *e, curl_socket_t fd, int what, void *data, void *sockp)
{
    ga_otlp_http *h = data;
    (void)e;
    (void)sockp;
    int i = 0;
    while (i < h->nsocks && h->socks[i].fd != fd)
        i++;
    if (what == CURL_POLL_REMOVE) {
        if (i < h->nsocks)
            h->socks[i] = h->socks[--h->nsocks];
        return 0;
    }
    if (i == h->nsocks) {
        if (h->nsocks == GA_OTLP_HTTP_SOCKS)
            return 0;               /* not polled: curl's timer still moves it along */
        h->nsocks++;
    }
    h->socks[i].fd = fd;
    h->socks[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
                                 ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    return 0;
}

static int ga__on_timer(CURLM *m, long ms, void *data)
{
    ga_otlp_http *h = data;
    (void)m;
    h->timer_on = ms >= 0;
    h->timer_at = ga_mono_ms() + (ms > 0 ? (uint64_t)ms : 0);
    return 0;
}

/* ---- handles ------------------------------------------------------------------------------ */

/* Headers every request carries, then the configured ones (minus those we own). */
static struct curl_slist *ga__headers(const ga_otlp_cfg *cfg)
{
    static const char ours[][18] = {"content-type", "content-length", "content-encoding",
                                       "transfer-encoding", "expect"};
    struct curl_slist *l = ga_curl.slist_append(NULL, "Content-Type: application/x-protobuf");
    l = l ? ga_curl.slist_append(l, "Expect:") : NULL;       /* no 100-continue round trip */
    if (l && cfg->gzip)
        l = ga_curl.slist_append(l, "Content-Encoding: gzip");
    for (int i = 0; l && i < cfg->n_headers; i++) {
        const char *name = ga_otlp_header_name(cfg, i), *value = ga_otlp_header_value(cfg, i);
        int skip = 0;
        for (size_t k = 0; k < sizeof ours / sizeof ours[0]; k++)
            skip |= strcasecmp(name, ours[k]) == 0;
        if (skip)
            continue;
        char line[4200];
        /* "Name;" is curl's way to send a header with an empty value. */
        snprintf(line, sizeof line, *value ? "%s: %s" : "%s;", name, value);
        l = ga_curl.slist_append(l, line);
    }
    return l;
}

/* SPECS §1.1: the distribution's token, then the exporter's. */
#define GA__USER_AGENT "genesis-auto/" GA_VERSION " OTel-OTLP-Exporter-C/" GA_VERSION

/* Options that never change. 0, or -1 if one is refused. */
static int ga__easy_setup(ga_otlp_http *h)
{
    CURL *e = h->easy;
    const ga_otlp_cfg *c = &h->cfg;
    int bad = 0;
    bad |= ga_curl.easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_USERAGENT, GA__USER_AGENT) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, ga__on_body) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_WRITEDATA, h) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_READFUNCTION, ga__on_read) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_READDATA, h) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_SEEKFUNCTION, ga__on_seek) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_SEEKDATA, h) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, ga__on_header) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_HEADERDATA, h) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, ga__open_sock) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_OPENSOCKETDATA, h) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, ga__close_sock) != CURLE_OK;
    bad |= ga_curl.easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h) != CURLE_OK;
    if (ga_curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)     /* < 7.85 */
        bad |= ga_curl.easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
    if (c->certificate[0])
        bad |= ga_curl.easy_setopt(e, CURLOPT_CAINFO, c->certificate) != CURLE_OK;
    if (c->client_certificate[0])
        bad |= ga_curl.easy_setopt(e, CURLOPT_SSLCERT, c->client_certificate) != CURLE_OK;
    if (c->client_key[0])
        bad |= ga_curl.easy_setopt(e, CURLOPT_SSLKEY, c->client_key) != CURLE_OK;
    return bad ? -1 : 0;
}

/* The multi and easy handles (kept for the process's life: the connection stays alive). */
int ga_otlp_http_handles(ga_otlp_http *h)
{
    if (h->multi != NULL)
        return 0;
    CURLM *m = ga_curl.multi_init();
    CURL *e = ga_curl.easy_init();
    struct curl_slist *hdrs = ga__headers(&h->cfg);
    if (m == NULL || e == NULL || hdrs == NULL)
        return -1;                  /* leaked: failing here means memory is short anyway */
    h->easy = e;
    h->hdrs = hdrs;
    if (ga_curl.multi_setopt(m, CURLMOPT_SOCKETFUNCTION, ga__on_socket) != CURLM_OK ||
        ga_curl.multi_setopt(m, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
        ga_curl.multi_setopt(m, CURLMOPT_TIMERFUNCTION, ga__on_timer) != CURLM_OK ||
        ga_curl.multi_setopt(m, CURLMOPT_TIMERDATA, h) != CURLM_OK || ga__easy_setup(h) < 0)
        return -1;
    h->multi = m;
    return 0;
}

/* Did the application close or replace one of curl's sockets? Then curl would read, write or
 * close an application descriptor: drop the handles without touching them (leaked, not freed:
 * freeing would close that descriptor, or write a TLS close_notify into it), and close the
 * sockets that are still ours, which the leaked handles will never use again. */
int ga_otlp_http_stolen(ga_otlp_http *h)
{
    int stolen = 0;
    for (int i = 0; i < h->nfds && !stolen; i++)
        stolen = !ga_fd_own_valid(h->fds[i]);
    if (!stolen)
        return 0;
    for (int i = 0; i < h->nfds; i++)
        ga_fd_own_close(&h->fds[i]);        /* (a taken number: nothing is closed) */
    h->multi = NULL;
    h->easy = NULL;
    h->hdrs = NULL;
    h->nfds = h->nsocks = 0;
    h->timer_on = 0;
    return 1;
}

void ga_otlp_http_free(ga_otlp_http *h)
{
    if (h == NULL)
        return;
    if (ga_otlp_http_busy(h) && h->multi)
        ga_curl.multi_remove_handle(h->multi, h->easy);
    if (h->multi && !ga_otlp_http_stolen(h)) {   /* (stolen: leaked, see ga_otlp_http_stolen) */
        ga_curl.easy_cleanup(h->easy);                /* closes the connection through our callback */
        ga_curl.multi_cleanup(h->multi);
        ga_curl.slist_free_all(h->hdrs);
    }
    ga_buf_free(&h->req);
    ga_buf_free(&h->resp);
    free(h);
}
