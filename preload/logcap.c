/* logcap.c — log capture on the application thread (contract in logcap.h). */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include "preload/logcap.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/emit.h"
#include "preload/ring.h"
#include "preload/vars.h"

int ga_logs_on;
int ga_logs_files_on;
_Atomic uint64_t ga_logs_dropped_queue, ga_logs_binary_writes, ga_logs_skipped_bytes;

static char ga__globs[512];
static char ga__paths[GA_LOGS_MAX_FILES][256];
static _Atomic unsigned ga__npaths;

static void ga__add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

void ga_logcap_mark_std(int fd)
{
    if (!ga_logs_on || (fd != 1 && fd != 2))
        return;
    ga_fd *e = ga_fd_get(fd);
    if (e == NULL)
        return;
    e->logs = (uint8_t)(fd == 1 ? GA_LOGS_STDOUT : GA_LOGS_STDERR);
    atomic_store_explicit(&e->state, GA_FD_LOG, memory_order_release);
}

void ga_logcap_init(void)
{
    ga_logs_on = ga_cfg.logs_capture && ga_cfg.logs_exporters != 0;
    if (!ga_logs_on)
        return;
    const char *g = ga_var_raw(GA_VAR(GENESIS_LOGS_FILES));
    if (g != NULL && strlen(g) < sizeof ga__globs) {
        strcpy(ga__globs, g);
        ga_logs_files_on = 1;
    }
    ga_logcap_mark_std(1);
    ga_logcap_mark_std(2);
}

/* Copy n bytes (one call's, already known to hold no NUL) as chunk records of stream s. */
static void ga__chunks(uint8_t s, uint8_t prio, const uint8_t *p, size_t n, int skipped)
{
    uint32_t cap = ga_ring_capacity();
    if (ga_unlikely(cap != 0 && ga_ring_depth() > cap / 2)) {
        ga__add(&ga_logs_dropped_queue, 1);
        return;
    }
    uint64_t now = ga_now_ns();
    const ga_span_ctx *a = &ga_tls_active;
    while (n > 0) {
        ga_rec *r = ga_emit_begin(GA_PROTO_CORE, GA_OP_LOG, 0, NULL, now, now);
        if (r == NULL) {
            ga__add(&ga_logs_dropped_queue, 1);
            return;
        }
        size_t k = n < GA_REC_ATTR_CAP ? n : GA_REC_ATTR_CAP;
        r->h.reserved = s;
        r->h.status = prio;
        r->h.has_parent = (uint8_t)((n > k ? GA_LOGF_MORE : 0) | (n == k && skipped ? GA_LOGF_SKIP : 0));
        if (a->valid) {
            r->h.trace_flags = a->flags;
            memcpy(r->h.trace_id, a->trace_id, 16);
            memcpy(r->h.span_id, a->span_id, 8);
        }
        memcpy(r->attrs, p, k);
        r->h.attr_len = (uint16_t)k;
        ga_emit_commit(r);
        p += k;
        n -= k;
    }
}

void ga_logcap_write(const ga_fd *e, const void *buf, size_t n)
{
    if (n == 0 || buf == NULL)
        return;
    int saved = errno, skipped = 0;
    ga_tls_busy = 1;
    if (ga_unlikely(n > GA_LOGCAP_WRITE_MAX)) {
        ga__add(&ga_logs_skipped_bytes, n - GA_LOGCAP_WRITE_MAX);
        n = GA_LOGCAP_WRITE_MAX;
        skipped = 1;
    }
    if (ga_unlikely(memchr(buf, 0, n) != NULL))
        ga__add(&ga_logs_binary_writes, 1);
    else
        ga__chunks(e->logs, 0, buf, n, skipped);
    ga_tls_busy = 0;
    errno = saved;
}

void ga_logcap_writev(const ga_fd *e, const struct iovec *iov, int cnt, size_t n)
{
    /* Gather what was written into one bounded buffer so that a line split over iovecs
     * (writev of "text", "\n") is one call's bytes, in order. */
    uint8_t tmp[4096];
    size_t o = 0, left = n;
    for (int i = 0; i < cnt && left > 0; i++) {
        size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
        left -= k;
        if (o + k > sizeof tmp) {
            if (o > 0)
                ga_logcap_write(e, tmp, o);
            o = 0;
            if (k > sizeof tmp) {
                ga_logcap_write(e, iov[i].iov_base, k);
                continue;
            }
        }
        memcpy(tmp + o, iov[i].iov_base, k);
        o += k;
    }
    if (o > 0)
        ga_logcap_write(e, tmp, o);
}

/* The LOG entry of fp's descriptor, or NULL (any other stream: one load and a branch more). */
static const ga_fd *ga__stdio_entry(FILE *fp)
{
    if (!ga_logs_on || fp == NULL || ga_tls_busy || ga_tls_internal)
        return NULL;
    ga_fd *e = ga_fd_peek(fileno_unlocked(fp));
    return e != NULL && ga_fd_state(e) == GA_FD_LOG ? e : NULL;
}

void ga_logcap_stdio(FILE *fp, const void *buf, size_t n)
{
    const ga_fd *e = ga__stdio_entry(fp);
    if (e != NULL)
        ga_logcap_write(e, buf, n);
}

void ga_logcap_stdio_fmt(FILE *fp, const char *fmt, va_list ap)
{
    const ga_fd *e = ga__stdio_entry(fp);
    if (e == NULL || fmt == NULL)
        return;
    int saved = errno;
    char msg[2048];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(msg, sizeof msg, fmt, cp);
    va_end(cp);
    errno = saved;
    if (n > 0)
        ga_logcap_write(e, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

void ga_logcap_syslog(int pri, const char *msg, size_t n)
{
    while (n > 0 && (msg[n - 1] == '\n'))
        n--;
    if (n == 0)
        return;
    int saved = errno;
    ga_tls_busy = 1;
    if (memchr(msg, 0, n) == NULL)
        ga__chunks(GA_LOGS_SYSLOG, (uint8_t)((pri & 7) + 1), (const uint8_t *)msg, n, 0);
    ga_tls_busy = 0;
    errno = saved;
}

static int ga__glob_match(const char *path)
{
    char buf[sizeof ga__globs];
    memcpy(buf, ga__globs, sizeof buf);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok && fnmatch(tok, path, 0) == 0)
            return 1;
    }
    return 0;
}

void ga_logcap_opened(int fd, const char *path)
{
    if (fd < 0 || path == NULL || !ga__glob_match(path))
        return;
    int saved = errno;
    unsigned i, n = atomic_load_explicit(&ga__npaths, memory_order_acquire);
    for (i = 0; i < n && strcmp(ga__paths[i], path) != 0; i++)
        ;
    if (i == n) {                       /* a new path: claim a slot (rare: at open) */
        if (n >= GA_LOGS_MAX_FILES || strlen(path) >= sizeof ga__paths[0]) {
            errno = saved;
            return;
        }
        static _Atomic int lock;
        while (atomic_exchange_explicit(&lock, 1, memory_order_acquire))
            ;
        n = atomic_load_explicit(&ga__npaths, memory_order_relaxed);
        for (i = 0; i < n && strcmp(ga__paths[i], path) != 0; i++)
            ;
        if (i == n && n < GA_LOGS_MAX_FILES) {
            strcpy(ga__paths[n], path);
            atomic_store_explicit(&ga__npaths, n + 1, memory_order_release);
        }
        atomic_store_explicit(&lock, 0, memory_order_release);
        if (i >= GA_LOGS_MAX_FILES) {
            errno = saved;
            return;
        }
    }
    ga_fd *e = ga_fd_get(fd);
    if (e != NULL) {
        e->logs = (uint8_t)(GA_LOGS_FILE0 + i);
        atomic_store_explicit(&e->state, GA_FD_LOG, memory_order_release);
    }
    errno = saved;
}

const char *ga_logcap_path(unsigned i)
{
    return i < atomic_load_explicit(&ga__npaths, memory_order_acquire) ? ga__paths[i] : NULL;
}
