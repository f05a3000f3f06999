/* otlp_http.c — OTLP/HTTP transport over a lazily dlopen'ed libcurl (see otlp_http.h).
 *
 * Layout: the libcurl loader (once per process), the pure helpers (Retry-After, backoff,
 * status classes), curl's callbacks, the per-send state machine
 *     IDLE --send--> RUNNING --answer--> DONE
 *                      ^    \--retryable--> BACKOFF --time--/
 * and the component plumbing (pollfds / events / tick / wait).
 *
 * Memory: libcurl is handed our malloc/free (curl_global_init_mem) so that, loaded with
 * RTLD_DEEPBIND, it cannot mix glibc's allocator with a host allocator that interposes
 * malloc (jemalloc in redis-server): libc's strdup would allocate from the host's and
 * curl's free() would bind to glibc's. */
#define CURL_DISABLE_DEPRECATION 1
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include "exporter/otlp_common.h"
#include "exporter/otlp_http.h"
#include "google/rpc/status.pb-c.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/fdtable.h"
#include "preload/log.h"

/* ---- the libcurl loader ------------------------------------------------------------------ */

/* Only what this file calls; resolved with dlsym from libcurl's own handle. */
static struct {
    CURLcode (*global_init_mem)(long, curl_malloc_callback, curl_free_callback,
                                curl_realloc_callback, curl_strdup_callback, curl_calloc_callback);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    void (*easy_cleanup)(CURL *);
    CURLMcode (*multi_cleanup)(CURLM *);
    void (*slist_free_all)(struct curl_slist *);
} C;

enum { L_UNTRIED, L_LOADING, L_OK, L_FAILED };
static int ga__curl_state;

/* Allocation callbacks for libcurl: the process's malloc, whatever it is. */
static void *ga__c_malloc(size_t n) { return malloc(n); }
static void ga__c_free(void *p) { free(p); }
static void *ga__c_realloc(void *p, size_t n) { return realloc(p, n); }
static void *ga__c_calloc(size_t n, size_t m) { return calloc(n, m); }
static char *ga__c_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

/* Sanitizer runtimes abort the process on dlopen(RTLD_DEEPBIND) (google/sanitizers#611). */
static int ga__sanitizer_present(void)
{
    static const char *const syms[] = {"__asan_init", "__tsan_init", "__msan_init", "__hwasan_init",
                                       "__lsan_init", "__interceptor_dlopen", "___interceptor_dlopen"};
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (dlsym(RTLD_DEFAULT, syms[i]) != NULL)
            return 1;
    return 0;
}

static int ga__curl_syms(void *lib)
{
#define GA__SYM(field, name) (*(void **)&C.field = dlsym(lib, name)) != NULL
    return GA__SYM(global_init_mem, "curl_global_init_mem") && GA__SYM(easy_init, "curl_easy_init") &&
           GA__SYM(easy_setopt, "curl_easy_setopt") && GA__SYM(easy_getinfo, "curl_easy_getinfo") &&
           GA__SYM(easy_strerror, "curl_easy_strerror") && GA__SYM(slist_append, "curl_slist_append") &&
           GA__SYM(multi_init, "curl_multi_init") && GA__SYM(multi_setopt, "curl_multi_setopt") &&
           GA__SYM(multi_add_handle, "curl_multi_add_handle") &&
           GA__SYM(multi_remove_handle, "curl_multi_remove_handle") &&
           GA__SYM(multi_socket_action, "curl_multi_socket_action") &&
           GA__SYM(multi_info_read, "curl_multi_info_read") && GA__SYM(easy_cleanup, "curl_easy_cleanup") &&
           GA__SYM(multi_cleanup, "curl_multi_cleanup") && GA__SYM(slist_free_all, "curl_slist_free_all");
#undef GA__SYM
}

/* OpenSSL's OPENSSL_init_crypto, when libcurl brought a libcrypto (NULL otherwise). */
static int (*ga__ossl_init)(uint64_t, const void *);
#define GA__OSSL_NO_ATEXIT 0x00080000ull    /* OPENSSL_INIT_NO_ATEXIT */

/* Is OpenSSL (if any) usable? OpenSSL registers OPENSSL_cleanup with atexit() at its first
 * initialisation; registered after our exit handler, it runs before the exit flush. So:
 * initialise it first *without* that handler (a no-op when the host initialised it), and
 * learn from the same call whether the host's cleanup already ran (it returns 0 then:
 * calling into libcurl's SSL init or into TLS after that crashes). */
static int ga__openssl_alive(void)
{
    return ga__ossl_init == NULL || ga__ossl_init(GA__OSSL_NO_ATEXIT, NULL) == 1;
}

/* dlopen + dlsym; NULL on success, else why not. */
static const char *ga__curl_open(const char *name)
{
    int flags = RTLD_NOW | RTLD_LOCAL | (ga__sanitizer_present() ? 0 : RTLD_DEEPBIND);
    void *lib = dlopen(name, flags);
    if (lib == NULL)
        return dlerror();
    if (!ga__curl_syms(lib))
        return "a libcurl function is missing";
    *(void **)&ga__ossl_init = dlsym(lib, "OPENSSL_init_crypto");
    if (!ga__openssl_alive())
        return "the process has already shut OpenSSL down";
    if (C.global_init_mem(CURL_GLOBAL_NOTHING, ga__c_malloc, ga__c_free, ga__c_realloc,
                          ga__c_strdup, ga__c_calloc) != CURLE_OK)
        return "curl_global_init failed";
    return NULL;
}

/* The loader runs once, on whichever thread comes first: the exporter thread (when an OTLP
 * exporter opens) or an application thread running the exit barrier. */
static pthread_mutex_t ga__load_mu = PTHREAD_MUTEX_INITIALIZER;

/* Load under the lock (held by the caller). */
static void ga__load_locked(void)
{
    if (ga__curl_state != L_UNTRIED)
        return;
    ga__curl_state = L_LOADING;
    const char *name = ga_otlp_libcurl_name();
    const char *why = ga__curl_open(name);
    if (why != NULL)
        ga_warn(GA_LK_OTLP, "cannot use %s (%s); OTLP export is off, telemetry is dropped",
                name, why);
    __atomic_store_n(&ga__curl_state, why ? L_FAILED : L_OK, __ATOMIC_RELEASE);
}

/* Does an OTLP exporter of this process use https? (Its exit flush then runs in the
 * barrier, while OpenSSL is still alive.) */
static int ga__https_configured(void)
{
    static ga_otlp_cfg c;           /* the barrier runs once per process */
    int sig[2] = {GA_OTLP_TRACES, GA_OTLP_METRICS};
    unsigned on[2] = {ga_cfg.traces_exporters, ga_cfg.metrics_exporters};
    for (int i = 0; i < 2; i++) {
        if (!(on[i] & GA_EXP_OTLP))
            continue;
        ga_otlp_cfg_load(sig[i], &c);
        if (strncasecmp(c.url, "https:", 6) == 0)
            return 1;
    }
    return 0;
}

void ga_otlp_http_exit_barrier(void)
{
    if (!((ga_cfg.traces_exporters | ga_cfg.metrics_exporters) & GA_EXP_OTLP) || ga_cfg.disabled)
        return;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += (time_t)(ga_cfg.exit_flush_ms / 1000);
    dl.tv_nsec += (long)(ga_cfg.exit_flush_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int saved = errno;
    if (pthread_mutex_timedlock(&ga__load_mu, &dl) == 0) {
        ga__load_locked();
        pthread_mutex_unlock(&ga__load_mu);
    }
    if (__atomic_load_n(&ga__curl_state, __ATOMIC_ACQUIRE) == L_OK && ga__https_configured())
        ga_exporter_flush_at_exit(ga_cfg.exit_flush_ms);
    errno = saved;
}

/* Set in a child forked while the parent's loader was half-way (see after_fork). */
static int ga__fork_caught_loader;
static int ga__fork_holds_lock;

/* fork() waits (a bounded time) for a load in progress, so that children do not inherit a
 * half-loaded libcurl: a prefork server that made its first connection just before forking
 * its workers would otherwise get workers without OTLP export. */
static void ga__fork_prepare(void)
{
    int st = __atomic_load_n(&ga__curl_state, __ATOMIC_ACQUIRE);
    if (st == L_OK || st == L_FAILED)
        return;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 200 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int saved = errno;
    ga__fork_holds_lock = pthread_mutex_timedlock(&ga__load_mu, &dl) == 0;
    errno = saved;
}

static void ga__fork_parent(void)
{
    if (ga__fork_holds_lock) {
        ga__fork_holds_lock = 0;
        pthread_mutex_unlock(&ga__load_mu);
    }
}

int ga_otlp_http_prepare(void)
{
    int st = __atomic_load_n(&ga__curl_state, __ATOMIC_ACQUIRE);
    if (st == L_FAILED && ga__fork_caught_loader)
        ga_warn(GA_LK_OTLP, "this process was forked while libcurl was being loaded; "
                "OTLP export is off in it, telemetry is dropped");
    if (st == L_OK || st == L_FAILED)
        return st == L_OK ? 0 : -1;
    static int registered;          /* inherited by forked children: registered once */
    if (!registered && atexit(ga_otlp_http_exit_barrier) == 0 &&
        pthread_atfork(ga__fork_prepare, ga__fork_parent, NULL) == 0)
        registered = 1;
    pthread_mutex_lock(&ga__load_mu);
    ga__load_locked();
    pthread_mutex_unlock(&ga__load_mu);
    return __atomic_load_n(&ga__curl_state, __ATOMIC_ACQUIRE) == L_OK ? 0 : -1;
}

void ga_otlp_http_after_fork(void)
{
    /* The fork may have caught the loader half-way, its lock held by a thread that does
     * not exist here. */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&ga__load_mu, &fresh, sizeof fresh);
    ga__fork_holds_lock = 0;
    if (ga__curl_state == L_LOADING) {
        ga__curl_state = L_FAILED;  /* a half-loaded libcurl is not to be trusted */
        ga__fork_caught_loader = 1;
    }
}

/* ---- pure helpers -------------------------------------------------------------------------- */

int ga_otlp_status_retryable(long s)
{
    return s == 429 || s == 502 || s == 503 || s == 504;
}

enum ga_fail_reason ga_otlp_status_reason(long s)
{
    return (s == 429 || s == 503) ? GA_FAIL_THROTTLED : (s >= 400 && s < 500) ? GA_FAIL_HTTP_4XX
         : (s >= 500 && s < 600) ? GA_FAIL_HTTP_5XX : GA_FAIL_OTHER;
}

uint64_t ga_otlp_backoff_ms(int attempt, uint64_t rnd)
{
    uint64_t base = 1000;
    for (int i = 1; i < attempt && base < 5000; i++)
        base *= 2;
    if (base > 5000)
        base = 5000;
    return base / 2 + rnd % (base / 2 + 1);
}

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" → epoch seconds, or -1. Locale-free. */
static time_t ga__imf_fixdate(const char *v, size_t n)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4], wd[4], tz[4];
    int d, y, hh, mm, ss, used = 0;
    char tmp[64];
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    if (sscanf(tmp, "%3s %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &d, mon, &y, &hh, &mm, &ss, tz, &used) != 8 ||
        (size_t)used != n || strcmp(tz, "GMT") != 0 || strlen(wd) != 3)
        return -1;
    const char *m = strstr(months, mon);
    if (m == NULL || strlen(mon) != 3 || (m - months) % 3 != 0)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = (int)(m - months) / 3, .tm_mday = d,
                     .tm_hour = hh, .tm_min = mm, .tm_sec = ss };
    return timegm(&tm);
}

long ga_otlp_retry_after_ms(const char *v, size_t n, time_t now)
{
    while (n > 0 && isspace((unsigned char)*v)) { v++; n--; }
    while (n > 0 && isspace((unsigned char)v[n - 1])) n--;
    if (n == 0)
        return -1;
    size_t digits = 0;
    while (digits < n && isdigit((unsigned char)v[digits]))
        digits++;
    if (digits == n) {
        long s = 0;
        for (size_t i = 0; i < n && s < 86400; i++)
            s = s * 10 + (v[i] - '0');
        return (s > 86400 ? 86400 : s) * 1000;
    }
    char with_comma[64];            /* the weekday is followed by a comma: drop it for sscanf */
    if (n < 5 || n >= sizeof with_comma || v[3] != ',')
        return -1;
    memcpy(with_comma, v, 3);
    memcpy(with_comma + 3, v + 4, n - 4);
    time_t t = ga__imf_fixdate(with_comma, n - 1);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : (t - now > 86400 ? 86400 : (long)(t - now)) * 1000;
}

/* ---- one transport --------------------------------------------------------------------- */

enum { H_IDLE, H_RUNNING, H_BACKOFF, H_DONE };
#define GA__MAX_SOCKS 16

struct ga_otlp_http {
    ga_otlp_cfg cfg;
    const char *what;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    int state;
    ga_buf req, resp;               /* request body as sent; answer (capped) */
    int resp_too_big;
    long retry_after_ms;            /* from the last answer; -1 = none */
    uint64_t end_ms;                /* all attempts end here; 0 = no limit */
    uint64_t retry_at;
    int attempts;
    long status;
    int curl_err;                   /* CURLcode of the last attempt */
    enum ga_fail_reason why;
    int timer_on;
    uint64_t timer_at;
    struct { int fd; short events; } socks[GA__MAX_SOCKS];  /* what curl wants polled */
    int nsocks;
    int fds[GA__MAX_SOCKS];         /* sockets we opened for curl and it has not closed */
    int nfds;
    ga_otlp_result res;
    int has_res;
};

ga_otlp_http *ga_otlp_http_new(const ga_otlp_cfg *cfg, const char *what)
{
    ga_otlp_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->cfg = *cfg;
    h->what = what;
    h->retry_after_ms = -1;
    return h;
}

int ga_otlp_http_busy(const ga_otlp_http *h)
{
    return h->state == H_RUNNING || h->state == H_BACKOFF;
}

/* ---- curl callbacks ---------------------------------------------------------------------- */

/* Through our socket()/close() hooks: the fd table marks the socket internal. */
static curl_socket_t ga__open_sock(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
    ga_otlp_http *h = data;
    (void)purpose;
    int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD;
    if (h->nfds < GA__MAX_SOCKS)
        h->fds[h->nfds++] = fd;
    return fd;
}

static int ga__close_sock(void *data, curl_socket_t fd)
{
    ga_otlp_http *h = data;
    for (int i = 0; i < h->nfds; i++)
        if (h->fds[i] == fd) {
            h->fds[i] = h->fds[--h->nfds];
            break;
        }
    return close(fd);               /* the hook refuses a number the application took */
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
        if (h->nsocks == GA__MAX_SOCKS)
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
    static const char *const ours[] = {"content-type", "content-length", "content-encoding",
                                       "transfer-encoding", "expect"};
    struct curl_slist *l = C.slist_append(NULL, "Content-Type: application/x-protobuf");
    l = l ? C.slist_append(l, "Expect:") : NULL;       /* no 100-continue round trip */
    if (l && cfg->gzip)
        l = C.slist_append(l, "Content-Encoding: gzip");
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
        l = C.slist_append(l, line);
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
    bad |= C.easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_USERAGENT, GA__USER_AGENT) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_WRITEFUNCTION, ga__on_body) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_WRITEDATA, h) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_HEADERFUNCTION, ga__on_header) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_HEADERDATA, h) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, ga__open_sock) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_OPENSOCKETDATA, h) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, ga__close_sock) != CURLE_OK;
    bad |= C.easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h) != CURLE_OK;
    if (C.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)     /* < 7.85 */
        bad |= C.easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
    if (c->certificate[0])
        bad |= C.easy_setopt(e, CURLOPT_CAINFO, c->certificate) != CURLE_OK;
    if (c->client_certificate[0])
        bad |= C.easy_setopt(e, CURLOPT_SSLCERT, c->client_certificate) != CURLE_OK;
    if (c->client_key[0])
        bad |= C.easy_setopt(e, CURLOPT_SSLKEY, c->client_key) != CURLE_OK;
    return bad ? -1 : 0;
}

/* The multi and easy handles (kept for the process's life: the connection stays alive). */
static int ga__handles(ga_otlp_http *h)
{
    if (h->multi != NULL)
        return 0;
    CURLM *m = C.multi_init();
    CURL *e = C.easy_init();
    struct curl_slist *hdrs = ga__headers(&h->cfg);
    if (m == NULL || e == NULL || hdrs == NULL)
        return -1;                  /* leaked: failing here means memory is short anyway */
    h->easy = e;
    h->hdrs = hdrs;
    if (C.multi_setopt(m, CURLMOPT_SOCKETFUNCTION, ga__on_socket) != CURLM_OK ||
        C.multi_setopt(m, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
        C.multi_setopt(m, CURLMOPT_TIMERFUNCTION, ga__on_timer) != CURLM_OK ||
        C.multi_setopt(m, CURLMOPT_TIMERDATA, h) != CURLM_OK || ga__easy_setup(h) < 0)
        return -1;
    h->multi = m;
    return 0;
}

/* Did the application close or replace one of curl's sockets? Then curl would read or write
 * an application descriptor: drop the handles without touching them (leaked, not freed:
 * freeing would close that descriptor, or write a TLS close_notify into it). */
static int ga__stolen(ga_otlp_http *h)
{
    for (int i = 0; i < h->nfds; i++)
        if (!ga_fd_internal_may_use(h->fds[i])) {
            h->multi = NULL;
            h->easy = NULL;
            h->hdrs = NULL;
            h->nfds = h->nsocks = 0;
            h->timer_on = 0;
            return 1;
        }
    return 0;
}

void ga_otlp_http_free(ga_otlp_http *h)
{
    if (h == NULL)
        return;
    if (ga_otlp_http_busy(h) && h->multi)
        C.multi_remove_handle(h->multi, h->easy);
    if (h->multi && !ga__stolen(h)) {           /* (stolen: leaked, see ga__stolen) */
        C.easy_cleanup(h->easy);                /* closes the connection through our callback */
        C.multi_cleanup(h->multi);
        C.slist_free_all(h->hdrs);
    }
    ga_buf_free(&h->req);
    ga_buf_free(&h->resp);
    free(h);
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
    buf[0] = '\0';
    if (h->resp.len == 0 || h->resp.failed)
        return;
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, h->resp.len, (const uint8_t *)h->resp.data);
    if (st == NULL)
        return;
    if (st->message && st->message[0])
        snprintf(buf, cap, ": %.200s", st->message);
    google__rpc__status__free_unpacked(st, NULL);
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
    if (msg[0] == '\0' && h->status == 0 && h->curl_err != CURLE_OK && why != GA_FAIL_TIMEOUT)
        snprintf(msg, sizeof msg, ": %s", C.easy_strerror((CURLcode)h->curl_err));
    char status[32] = "", url[256];
    if (h->status)
        snprintf(status, sizeof status, " (HTTP %ld)", h->status);
    ga_warn(why == GA_FAIL_HTTP_4XX ? GA_LK_EXPORT_REJECT : GA_LK_EXPORT,
            "OTLP %s export to %s: %s%s%s after %d attempt%s; data dropped (later failures are "
            "only counted)", h->what, ga_otlp_url_redacted(h->cfg.url, url, sizeof url),
            ga__reason_text(why), status, msg, h->attempts, h->attempts == 1 ? "" : "s");
}

/* The time the attempts may still use from `now`: 0 = no limit, else >= 1. */
static uint64_t ga__left(const ga_otlp_http *h, uint64_t now)
{
    if (h->end_ms == 0)
        return 0;
    return h->end_ms > now ? h->end_ms - now : 1;
}

static void ga__start_attempt(ga_otlp_http *h, uint64_t now)
{
    if (h->end_ms && now >= h->end_ms) {
        ga__finish(h, 0, h->attempts ? h->why : GA_FAIL_TIMEOUT);
        return;
    }
    (void)ga__stolen(h);            /* stale handles are dropped and made anew */
    if (ga__handles(h) < 0) {
        ga__finish(h, 0, GA_FAIL_OTHER);
        return;
    }
    if (strncasecmp(h->cfg.url, "https:", 6) == 0 && !ga__openssl_alive()) {
        ga__finish(h, 0, GA_FAIL_UNAVAILABLE);  /* TLS after OPENSSL_cleanup would crash */
        return;
    }
    long left = (long)ga__left(h, now);
    ga_buf_reset(&h->resp);
    h->resp_too_big = 0;
    h->retry_after_ms = -1;
    h->status = 0;
    h->attempts++;
    C.easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, left);
    C.easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, left);
    C.easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->req.len);
    C.easy_setopt(h->easy, CURLOPT_POSTFIELDS, h->req.data);
    if (C.multi_add_handle(h->multi, h->easy) != CURLM_OK) {
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

static void ga__attempt_done(ga_otlp_http *h, CURLcode cc, uint64_t now)
{
    C.easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
    h->curl_err = cc;
    int retry;
    enum ga_fail_reason why = GA_FAIL_OTHER;
    if (ga__classify(h, cc, &retry, &why)) {
        ga__finish(h, 1, GA_FAIL_OTHER);
        return;
    }
    if (cc != CURLE_OK && cc != CURLE_OPERATION_TIMEDOUT)
        ga_debug("OTLP %s attempt %d: %s", h->what, h->attempts, C.easy_strerror(cc));
    h->why = why;
    if (!retry) {
        ga__finish(h, 0, why);
        return;
    }
    uint8_t r[8];
    uint64_t rnd;
    ga_random_span_id(r);
    memcpy(&rnd, r, sizeof rnd);
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
    while (h->multi && (m = C.multi_info_read(h->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE || m->easy_handle != h->easy || h->state != H_RUNNING)
            continue;
        CURLcode cc = m->data.result;
        C.multi_remove_handle(h->multi, h->easy);
        ga__attempt_done(h, cc, ga_mono_ms());
    }
}

void ga_otlp_http_send(ga_otlp_http *h, ga_buf *body, uint64_t deadline_ms)
{
    if (ga_otlp_http_busy(h))
        return;                     /* contract: never while busy; the body stays the caller's */
    uint64_t now = ga_mono_ms();
    h->attempts = 0;
    h->status = 0;
    h->curl_err = CURLE_OK;
    h->has_res = 0;
    h->why = GA_FAIL_OTHER;
    h->end_ms = h->cfg.timeout_ms ? now + h->cfg.timeout_ms : 0;
    if (deadline_ms && (h->end_ms == 0 || deadline_ms < h->end_ms))
        h->end_ms = deadline_ms;
    if (ga_otlp_http_prepare() < 0) {
        ga__finish(h, 0, GA_FAIL_UNAVAILABLE);
        return;
    }
    if (h->cfg.gzip) {
        if (ga_otlp_gzip(body->data, body->len, &h->req) < 0) {
            ga__finish(h, 0, GA_FAIL_ENCODE);
            return;
        }
    } else {
        ga_buf t = h->req;
        h->req = *body;
        *body = t;
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

int ga_otlp_http_pollfds(ga_otlp_http *h, struct pollfd *p, int max)
{
    int n = 0;
    if (h->state != H_RUNNING)
        return 0;
    for (int i = 0; i < h->nsocks && n < max; i++)
        if (ga_fd_internal_may_use(h->socks[i].fd))
            p[n++] = (struct pollfd){ .fd = h->socks[i].fd, .events = h->socks[i].events };
    return n;
}

void ga_otlp_http_events(ga_otlp_http *h, const struct pollfd *p, int n)
{
    if (h->state != H_RUNNING)
        return;
    if (ga__stolen(h)) {
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
        C.multi_socket_action(h->multi, p[i].fd, ev, &running);
    }
    ga__check_done(h);
}

int ga_otlp_http_tick(ga_otlp_http *h, uint64_t now)
{
    if (h->state == H_RUNNING && (h->multi == NULL || ga__stolen(h)))
        ga__finish(h, 0, GA_FAIL_CONNECT);
    if (h->state == H_RUNNING && h->end_ms && now > h->end_ms + 1000) {
        C.multi_remove_handle(h->multi, h->easy);   /* curl's own timeout never came */
        ga__finish(h, 0, GA_FAIL_TIMEOUT);
    }
    for (int i = 0; i < 8 && h->state == H_RUNNING && h->timer_on && now >= h->timer_at; i++) {
        int running;
        h->timer_on = 0;
        C.multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
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
    struct pollfd p[GA__MAX_SOCKS];
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
        int n = ga_otlp_http_pollfds(h, p, GA__MAX_SOCKS);
        if (poll(p, (nfds_t)n, (int)wait) > 0)
            ga_otlp_http_events(h, p, n);
    }
    if (h->state == H_RUNNING && h->multi)
        C.multi_remove_handle(h->multi, h->easy);   /* abandon the transfer */
    ga__finish(h, 0, GA_FAIL_TIMEOUT);
}
