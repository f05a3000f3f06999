/* otlp_curl.c — loading libcurl once per process, on demand, isolated from the host
 * (dlopen RTLD_LOCAL|RTLD_DEEPBIND, the process's allocator), and the OpenSSL/exit/fork
 * hazards that come with it: see otlp_http.h for the contracts of ga_otlp_http_prepare,
 * ga_otlp_http_exit_barrier and ga_otlp_http_after_fork.
 *
 * Memory: libcurl is handed our malloc/free (curl_global_init_mem) so that, loaded with
 * RTLD_DEEPBIND, it cannot mix glibc's allocator with a host allocator that interposes
 * malloc (jemalloc in redis-server): libc's strdup would allocate from the host's and
 * curl's free() would bind to glibc's. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "exporter/otlp_curl.h"
#include "exporter/otlp_health.h"
#include "exporter/otlp_http.h"
#include "preload/config.h"
#include "preload/log.h"

ga_curl_api ga_curl;

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
    static const char syms[][22] = {"__asan_init", "__tsan_init", "__msan_init", "__hwasan_init",
                                       "__lsan_init", "__interceptor_dlopen", "___interceptor_dlopen"};
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (dlsym(RTLD_DEFAULT, syms[i]) != NULL)
            return 1;
    return 0;
}

static int ga__curl_syms(void *lib)
{
#define GA__SYM(field, name) (*(void **)&ga_curl.field = dlsym(lib, name)) != NULL
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
int ga_otlp_openssl_alive(void)
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
    if (!ga_otlp_openssl_alive())
        return "the process has already shut OpenSSL down";
    if (ga_curl.global_init_mem(CURL_GLOBAL_NOTHING, ga__c_malloc, ga__c_free, ga__c_realloc,
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
    /* Atomic: the exit barrier, fork and ga_otlp_http_prepare read the state without the
     * lock (a plain store beside their loads is a data race; ThreadSanitizer reports it). */
    __atomic_store_n(&ga__curl_state, L_LOADING, __ATOMIC_RELAXED);
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
    int sig[3] = {GA_OTLP_TRACES, GA_OTLP_METRICS, GA_OTLP_LOGS};
    unsigned on[3] = {ga_cfg.traces_exporters, ga_cfg.metrics_exporters,
                      ga_cfg.logs_capture ? ga_cfg.logs_exporters : 0};
    for (int i = 0; i < 3; i++) {
        if (!(on[i] & GA_EXP_OTLP))
            continue;
        ga_otlp_cfg_load(sig[i], &c);
        if (strncasecmp(c.url, "https:", 6) == 0)
            return 1;
    }
    return 0;
}

int ga_otlp_curl_settled(void)
{
    int st = __atomic_load_n(&ga__curl_state, __ATOMIC_ACQUIRE);
    return st == L_OK || st == L_FAILED;
}

GA_FORK_PATH void ga_otlp_http_exit_barrier(void)
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
    /* A process that never loaded libcurl because its collectors are down does not load it
     * now just to fail: the exit flush will not try them (otlp_health.h). */
    if (!ga_otlp_curl_settled() && ga_otlp_health_all_failing()) {
        errno = saved;
        return;
    }
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
