/* otlp_http.c — OTLP/HTTP transport over a lazily dlopen'ed libcurl (see otlp_http.h; the
 * loader is otlp_curl.c, the retry policy otlp_retry.c).
 *
 * Layout: the per-send state machine (curl's callbacks and handles are otlp_http_curl.c)
 *     IDLE --send--> RUNNING --answer--> DONE
 *                      ^    \--retryable--> BACKOFF --time--/
 * and the component plumbing (pollfds / events / tick / wait). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "exporter/otlp_health.h"
#include "exporter/otlp_http_int.h"
#include "exporter/otlp_probe.h"
#include "exporter/otlp_resp.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/fdtable.h"
#include "preload/log.h"

/* ---- one transport --------------------------------------------------------------------- */

ga_otlp_http *ga_otlp_http_new(const ga_otlp_cfg *cfg, const char *what)
{
    ga_otlp_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->cfg = *cfg;
    h->what = what;
    h->gzip = ga_otlp_gzip;
    h->retry_after_ms = -1;
    return h;
}

int ga_otlp_http_warm(const ga_otlp_cfg *cfg)
{
    if (ga_otlp_curl_settled())
        return ga_otlp_http_prepare();
    uint64_t now = ga_mono_ms();
    if (ga_otlp_health_down(cfg->url, now))
        return -1;                  /* loaded later, when the collector may be tried again */
    if (ga_otlp_probe_refused(cfg->url, 100)) {
        uint8_t r[8];
        uint64_t rnd;
        ga_random_span_id(r);
        memcpy(&rnd, r, sizeof rnd);
        ga_otlp_health_report(cfg->url, 0, now, rnd);
        return -1;
    }
    return ga_otlp_http_prepare();
}

void ga_otlp_http_set_gzip(ga_otlp_http *h, int (*gzip)(const void *in, size_t n, ga_buf *out))
{
    h->gzip = gzip;
}

int ga_otlp_http_busy(const ga_otlp_http *h)
{
    return h->state == H_RUNNING || h->state == H_BACKOFF;
}

/* ---- the send state machine ------------------------------------------------------------ */

static const char *ga__reason_text(enum ga_fail_reason why)
{
    switch (why) {
    case GA_FAIL_CONNECT:     return "cannot connect";
    case GA_FAIL_TIMEOUT:     return "no answer within the export timeout";
    case GA_FAIL_HTTP_4XX:    return "rejected";
    case GA_FAIL_HTTP_5XX:    return "server error";
    case GA_FAIL_THROTTLED:   return "throttled";
    case GA_FAIL_UNAVAILABLE: return "libcurl unavailable";
    default:                  return "failed";
    }
}

/* The message of a google.rpc.Status error body, if there is one, into buf. */
static void ga__status_message(const ga_otlp_http *h, char *buf, size_t cap)
{
    char m[256];
    buf[0] = '\0';
    if (h->resp.len == 0 || h->resp.failed)
        return;
    if (ga_otlp_resp_status((const uint8_t *)h->resp.data, h->resp.len, m, sizeof m) == 0 && m[0])
        snprintf(buf, cap, ": %.200s", m);
}

static void ga__finish(ga_otlp_http *h, int ok, enum ga_fail_reason why)
{
    h->state = H_DONE;
    h->has_res = 1;
    h->res = (ga_otlp_result){ .ok = ok, .why = why, .status = h->status, .attempts = h->attempts,
                               .body = ok ? (const uint8_t *)h->resp.data : NULL,
                               .body_len = ok ? h->resp.len : 0 };
    if (ok || why == GA_FAIL_UNAVAILABLE)
        return;                     /* (unavailable was reported by the loader) */
    char msg[256];
    ga__status_message(h, msg, sizeof msg);
    if (msg[0] == '\0' && h->status == 0 && h->curl_err != CURLE_OK && why != GA_FAIL_TIMEOUT &&
        ga_curl.easy_strerror != NULL)
        snprintf(msg, sizeof msg, ": %s", ga_curl.easy_strerror((CURLcode)h->curl_err));
    if (h->refused)
        snprintf(msg, sizeof msg, ": connection refused");
    if (h->gated && h->attempts == 0)
        snprintf(msg, sizeof msg, " (it was unreachable when last tried, by this process or one "
                 "forked from the same parent; not tried again before its back-off ends)");
    char status[32] = "", url[256], tries[32] = "";
    if (h->status)
        snprintf(status, sizeof status, " (HTTP %ld)", h->status);
    if (h->attempts > 0)
        snprintf(tries, sizeof tries, " after %d attempt%s", h->attempts, h->attempts == 1 ? "" : "s");
    ga_warn(why == GA_FAIL_HTTP_4XX ? GA_LK_EXPORT_REJECT : GA_LK_EXPORT,
            "OTLP %s export to %s: %s%s%s%s; data dropped (later failures are only counted)",
            h->what, ga_otlp_url_redacted(h->cfg.url, url, sizeof url),
            ga__reason_text(why), status, msg, tries);
}

/* The time the attempts may still use from `now`: 0 = no limit, else >= 1. */
static uint64_t ga__left(const ga_otlp_http *h, uint64_t now)
{
    if (h->end_ms == 0)
        return 0;
    return h->end_ms > now ? h->end_ms - now : 1;
}

static uint64_t ga__rnd(void)
{
    uint8_t r[8];
    uint64_t rnd;
    ga_random_span_id(r);
    memcpy(&rnd, r, sizeof rnd);
    return rnd;
}

/* An attempt that the probe found refused: a connection failure like any other (retried after
 * the back-off if the time allows), without libcurl. */
static void ga__refused(ga_otlp_http *h, uint64_t now)
{
    uint64_t rnd = ga__rnd();
    h->attempts++;
    h->status = 0;
    h->curl_err = CURLE_OK;
    h->refused = 1;
    h->why = GA_FAIL_CONNECT;
    ga_otlp_health_report(h->cfg.url, 0, now, rnd);
    uint64_t delay = ga_otlp_backoff_ms(h->attempts, rnd);
    if (h->end_ms && now + delay >= h->end_ms) {
        ga__finish(h, 0, GA_FAIL_CONNECT);
        return;
    }
    h->state = H_BACKOFF;
    h->retry_at = now + delay;
}

static void ga__start_attempt(ga_otlp_http *h, uint64_t now)
{
    if (h->end_ms && now >= h->end_ms) {
        ga__finish(h, 0, h->attempts ? h->why : GA_FAIL_TIMEOUT);
        return;
    }
    /* What this process, or its fork family, learned: a collector known unreachable is not
     * tried again before its back-off ends; after it, one member tries while others wait. */
    uint64_t until, probe_ms = ga__left(h, now);
    if (probe_ms == 0 || probe_ms > 10000)
        probe_ms = 10000;
    if (!ga_otlp_health_gate(h->cfg.url, now, probe_ms, &until)) {
        if (h->attempts == 0)
            h->why = GA_FAIL_CONNECT;
        if (h->end_ms && until >= h->end_ms) {
            h->gated = 1;
            ga__finish(h, 0, h->why);
            return;
        }
        h->state = H_BACKOFF;
        h->retry_at = until;
        return;
    }
    /* Before libcurl is loaded, a refused connection is learned without it (otlp_probe.h). */
    h->refused = 0;
    if (!ga_otlp_curl_settled() && ga_otlp_probe_refused(h->cfg.url, (int)(probe_ms < 100 ? probe_ms : 100))) {
        ga__refused(h, now);
        return;
    }
    if (ga_otlp_http_prepare() < 0) {
        ga__finish(h, 0, GA_FAIL_UNAVAILABLE);
        return;
    }
    (void)ga_otlp_http_stolen(h);            /* stale handles are dropped and made anew */
    if (ga_otlp_http_handles(h) < 0) {
        ga__finish(h, 0, GA_FAIL_OTHER);
        return;
    }
    if (strncasecmp(h->cfg.url, "https:", 6) == 0 && !ga_otlp_openssl_alive()) {
        ga__finish(h, 0, GA_FAIL_UNAVAILABLE);  /* TLS after OPENSSL_cleanup would crash */
        return;
    }
    long left = (long)ga__left(h, now);
    ga_buf_reset(&h->resp);
    h->resp_too_big = 0;
    h->retry_after_ms = -1;
    h->status = 0;
    h->attempts++;
    ga_curl.easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, left);
    ga_curl.easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, left);
    ga_curl.easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(h->req.len - h->req_start));
    h->req_pos = h->req_start;      /* the body goes through ga__on_read */
    if (ga_curl.multi_add_handle(h->multi, h->easy) != CURLM_OK) {
        ga__finish(h, 0, GA_FAIL_OTHER);
        return;
    }
    h->state = H_RUNNING;
}

/* Classify a finished attempt: 1 = success; else *why and whether it may be retried. */
static int ga__classify(ga_otlp_http *h, CURLcode cc, int *retry, enum ga_fail_reason *why)
{
    *retry = 0;
    if (cc == CURLE_OK) {
        if (h->status >= 200 && h->status < 300)
            return 1;
        *retry = ga_otlp_status_retryable(h->status);
        *why = ga_otlp_status_reason(h->status);
        return 0;
    }
    switch (cc) {
    case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
        *retry = 1;
        *why = GA_FAIL_CONNECT;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        *why = GA_FAIL_TIMEOUT;     /* the attempt had all the time left: none remains */
        break;
    default:
        *why = GA_FAIL_OTHER;       /* TLS, too big an answer, bad URL, ... */
        break;
    }
    return 0;
}

/* What a failed attempt says of the collector: 1 it answered, 0 it could not be reached (no
 * connection, or closed before any answer, or the time ran out before a connection was
 * made), -1 nothing certain (TLS, a local error, a timeout on an open connection). */
static int ga__reachable(ga_otlp_http *h, CURLcode cc, enum ga_fail_reason why)
{
    if (h->status != 0)
        return 1;
    if (why == GA_FAIL_CONNECT)
        return 0;
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t connected = 0;
        if (ga_curl.easy_getinfo(h->easy, CURLINFO_CONNECT_TIME_T, &connected) == CURLE_OK && connected == 0)
            return 0;
    }
    return -1;
}

static void ga__attempt_done(ga_otlp_http *h, CURLcode cc, uint64_t now)
{
    ga_curl.easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
    h->curl_err = cc;
    int retry;
    enum ga_fail_reason why = GA_FAIL_OTHER;
    if (ga__classify(h, cc, &retry, &why)) {
        ga_otlp_health_report(h->cfg.url, 1, now, 0);
        ga__finish(h, 1, GA_FAIL_OTHER);
        return;
    }
    if (cc != CURLE_OK && cc != CURLE_OPERATION_TIMEDOUT)
        ga_debug("OTLP %s attempt %d: %s", h->what, h->attempts, ga_curl.easy_strerror(cc));
    h->why = why;
    uint8_t r[8];
    uint64_t rnd;
    ga_random_span_id(r);
    memcpy(&rnd, r, sizeof rnd);
    int reach = ga__reachable(h, cc, why);
    if (reach >= 0)
        ga_otlp_health_report(h->cfg.url, reach, now, rnd);
    if (!retry) {
        ga__finish(h, 0, why);
        return;
    }
    uint64_t delay = h->retry_after_ms >= 0 ? (uint64_t)(h->retry_after_ms < 100 ? 100 : h->retry_after_ms)
                                            : ga_otlp_backoff_ms(h->attempts, rnd);
    if (h->end_ms && now + delay >= h->end_ms) {
        ga__finish(h, 0, why);      /* waiting would only end in the same failure */
        return;
    }
    h->state = H_BACKOFF;
    h->retry_at = now + delay;
}

/* Collect the finished transfer, if any. */
static void ga__check_done(ga_otlp_http *h)
{
    CURLMsg *m;
    int left;
    while (h->multi && (m = ga_curl.multi_info_read(h->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE || m->easy_handle != h->easy || h->state != H_RUNNING)
            continue;
        CURLcode cc = m->data.result;
        ga_curl.multi_remove_handle(h->multi, h->easy);
        ga__attempt_done(h, cc, ga_mono_ms());
    }
}

void ga_otlp_http_send(ga_otlp_http *h, ga_buf *body, uint64_t deadline_ms)
{
    ga_otlp_http_send_from(h, body, 0, deadline_ms);
}

void ga_otlp_http_send_from(ga_otlp_http *h, ga_buf *body, size_t start, uint64_t deadline_ms)
{
    if (ga_otlp_http_busy(h))
        return;                     /* contract: never while busy; the body stays the caller's */
    uint64_t now = ga_mono_ms();
    h->attempts = 0;
    h->status = 0;
    h->curl_err = CURLE_OK;
    h->has_res = 0;
    h->gated = 0;
    h->refused = 0;
    h->why = GA_FAIL_OTHER;
    h->end_ms = h->cfg.timeout_ms ? now + h->cfg.timeout_ms : 0;
    if (deadline_ms && (h->end_ms == 0 || deadline_ms < h->end_ms))
        h->end_ms = deadline_ms;
    if (start > body->len)
        start = body->len;
    if (h->cfg.gzip) {
        if (h->gzip(body->data + start, body->len - start, &h->req) < 0) {
            ga__finish(h, 0, GA_FAIL_ENCODE);
            return;
        }
        h->req_start = 0;
    } else {
        ga_buf t = h->req;
        h->req = *body;
        *body = t;
        h->req_start = start;
    }
    ga__start_attempt(h, now);
}

int ga_otlp_http_result(ga_otlp_http *h, ga_otlp_result *out)
{
    if (!h->has_res)
        return 0;
    h->has_res = 0;
    h->state = H_IDLE;
    *out = h->res;
    return 1;
}

/* ---- component plumbing ---------------------------------------------------------------- */

/* May the descriptor curl wants polled be polled? Only a socket of ours (curl's other
 * descriptors, such as its resolver's wake-up pair, are left to curl's own timers). */
static int ga__ours(const ga_otlp_http *h, int fd)
{
    for (int i = 0; i < h->nfds; i++)
        if (h->fds[i].fd == fd)
            return ga_fd_own_valid(h->fds[i]);
    return 0;
}

int ga_otlp_http_pollfds(ga_otlp_http *h, struct pollfd *p, int max)
{
    int n = 0;
    if (h->state != H_RUNNING)
        return 0;
    for (int i = 0; i < h->nsocks && n < max; i++)
        if (ga__ours(h, h->socks[i].fd))
            p[n++] = (struct pollfd){ .fd = h->socks[i].fd, .events = h->socks[i].events };
    return n;
}

void ga_otlp_http_events(ga_otlp_http *h, const struct pollfd *p, int n)
{
    if (h->state != H_RUNNING)
        return;
    if (ga_otlp_http_stolen(h)) {
        ga__finish(h, 0, GA_FAIL_CONNECT);
        return;
    }
    for (int i = 0; i < n && h->multi; i++) {
        if (p[i].revents == 0)
            continue;
        int ev = ((p[i].revents & (POLLIN | POLLHUP)) ? CURL_CSELECT_IN : 0) |
                 ((p[i].revents & POLLOUT) ? CURL_CSELECT_OUT : 0) |
                 ((p[i].revents & (POLLERR | POLLNVAL)) ? CURL_CSELECT_ERR : 0);
        int running;
        ga_curl.multi_socket_action(h->multi, p[i].fd, ev, &running);
    }
    ga__check_done(h);
}

int ga_otlp_http_tick(ga_otlp_http *h, uint64_t now)
{
    if (h->state == H_RUNNING && (h->multi == NULL || ga_otlp_http_stolen(h)))
        ga__finish(h, 0, GA_FAIL_CONNECT);
    if (h->state == H_RUNNING && h->end_ms && now > h->end_ms + 1000) {
        ga_curl.multi_remove_handle(h->multi, h->easy);   /* curl's own timeout never came */
        ga__finish(h, 0, GA_FAIL_TIMEOUT);
    }
    for (int i = 0; i < 8 && h->state == H_RUNNING && h->timer_on && now >= h->timer_at; i++) {
        int running;
        h->timer_on = 0;
        ga_curl.multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        ga__check_done(h);
        now = ga_mono_ms();
    }
    if (h->state == H_BACKOFF && now >= h->retry_at)
        ga__start_attempt(h, now);
    if (h->state == H_RUNNING && h->timer_on)
        return h->timer_at > now ? (int)(h->timer_at - now) : 0;
    if (h->state == H_BACKOFF)
        return (int)(h->retry_at - now);
    return -1;
}

void ga_otlp_http_wait(ga_otlp_http *h, uint64_t deadline_ms)
{
    if (h->end_ms == 0 || deadline_ms < h->end_ms)
        h->end_ms = deadline_ms;    /* no new attempt or backoff past the deadline */
    struct pollfd p[GA_OTLP_HTTP_SOCKS];
    for (;;) {
        uint64_t now = ga_mono_ms();
        int next = ga_otlp_http_tick(h, now);
        if (h->state == H_BACKOFF && h->retry_at >= deadline_ms)
            ga__finish(h, 0, h->why);   /* the retry would come too late */
        if (!ga_otlp_http_busy(h))
            return;
        now = ga_mono_ms();
        if (now >= deadline_ms)
            break;
        uint64_t wait = deadline_ms - now;
        if (next >= 0 && (uint64_t)next < wait)
            wait = (uint64_t)next;
        int n = ga_otlp_http_pollfds(h, p, GA_OTLP_HTTP_SOCKS);
        if (poll(p, (nfds_t)n, (int)wait) > 0)
            ga_otlp_http_events(h, p, n);
    }
    if (h->state == H_RUNNING && h->multi)
        ga_curl.multi_remove_handle(h->multi, h->easy);   /* abandon the transfer */
    ga__finish(h, 0, GA_FAIL_TIMEOUT);
}
