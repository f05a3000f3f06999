/* logcap.c — log capture on the application thread (contract in logcap.h). */
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <string.h>
#include "preload/logcap.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/emit.h"
#include "preload/ring.h"
#include "preload/scratch.h"
#include "preload/vars.h"

int ga_logs_on GA_START_DATA;
int ga_logs_files_on GA_START_DATA;
_Atomic uint64_t ga_logs_dropped_queue, ga_logs_binary_writes, ga_logs_skipped_bytes;

static char ga__globs[512];
static char ga__paths[GA_LOGS_MAX_FILES][256];
static _Atomic unsigned ga__npaths;

static void ga__add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

/* A network socket as stdout or stderr (inetd, socat EXEC:, systemd socket activation with
 * StandardOutput=socket) carries a protocol, not log lines: it is left to the socket hooks.
 * Unix sockets (journald's stream) are captured. One fstat, and a getsockopt for sockets.
 * 1 = network socket, 0 = anything else that is open, -1 = not open. */
static int ga__is_network_socket(int fd)
{
    struct stat st;
    if (ga_sys5(SYS_fstat, fd, (long)&st, 0, 0, 0) != 0)
        return -1;                      /* closed (a daemon): whatever opens it later is no stdout */
    if (!S_ISSOCK(st.st_mode))
        return 0;
    int family = 0;
    socklen_t l = sizeof family;
    if (ga_sys5(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, (long)&family, (long)&l) != 0)
        return 0;
    return family != AF_UNIX;
}

void ga_logcap_mark_std(int fd)
{
    if (!ga_logs_on || (fd != 1 && fd != 2))
        return;
    int saved = errno;
    int net = ga__is_network_socket(fd);
    errno = saved;
    if (net != 0)
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
    static const int modes[] = { GA_INJECT_OFF, GA_INJECT_JSON, GA_INJECT_TEXT, GA_INJECT_AUTO };
    ga_logs_inject = modes[ga_var_enum(GA_VAR(GENESIS_LOGS_INJECT))];
    ga_fd_prepare();
    ga_logcap_mark_std(1);
    ga_logcap_mark_std(2);
}

/* One chunk record of stream s: n <= GA_REC_ATTR_CAP bytes, the time, this thread's context. */
static inline int ga__chunk(uint8_t s, uint8_t prio, uint8_t flags, const void *p, size_t n, uint64_t now)
{
    ga_rec *r = ga_emit_begin_log(now);
    if (ga_unlikely(r == NULL)) {
        ga__add(&ga_logs_dropped_queue, 1);
        return -1;
    }
    r->h.reserved = s;
    r->h.status = prio;
    r->h.has_parent = flags;
    const ga_span_ctx *a = ga_active();
    if (a != NULL) {
        r->h.trace_flags = a->flags;
        memcpy(r->h.trace_id, a->trace_id, 16);
        memcpy(r->h.span_id, a->span_id, 8);
    }
    memcpy(r->attrs, p, n);
    r->h.attr_len = (uint16_t)n;
    ga_emit_commit(r);
    return 0;
}

/* Copy n bytes of one call as chunk records of stream s (GA_LOGF_MORE on all but the last). */
static void ga__chunks(uint8_t s, uint8_t prio, const uint8_t *p, size_t n, int skipped)
{
    uint64_t now = ga_now_ns();
    while (n > GA_REC_ATTR_CAP) {
        if (ga__chunk(s, prio, GA_LOGF_MORE, p, GA_REC_ATTR_CAP, now) < 0)
            return;
        p += GA_REC_ATTR_CAP;
        n -= GA_REC_ATTR_CAP;
    }
    if (n > 0)
        ga__chunk(s, prio, skipped ? GA_LOGF_SKIP : 0, p, n, now);
}

void ga_logcap_write(const ga_fd *e, const void *buf, size_t n)
{
    if (n == 0 || buf == NULL)
        return;
    ga_tls_busy = 1;
    if (ga_likely(n <= GA_REC_ATTR_CAP)) {
        /* A line: copied as it is. A NUL in it is found by the exporter's text check; only
         * bigger writes are searched here, so binary streams are not copied at all. errno is
         * not saved: nothing on this path sets it (the first ring mapping and the exporter
         * thread's start keep it themselves). */
        ga__chunk(e->logs, 0, 0, buf, n, ga_now_ns());
        ga_tls_busy = 0;
        return;
    }
    int saved = errno;
    {
        int skipped = 0;
        if (ga_unlikely(n > GA_LOGCAP_WRITE_MAX)) {
            ga__add(&ga_logs_skipped_bytes, n - GA_LOGCAP_WRITE_MAX);
            n = GA_LOGCAP_WRITE_MAX;
            skipped = 1;
        }
        if (ga_unlikely(memchr(buf, 0, n) != NULL))
            ga__add(&ga_logs_binary_writes, 1);
        else
            ga__chunks(e->logs, 0, buf, n, skipped);
    }
    ga_tls_busy = 0;
    errno = saved;
}

void ga_logcap_writev(const ga_fd *e, const struct iovec *iov, int cnt, size_t n)
{
    /* Gather what was written into one bounded buffer so that a line split over iovecs
     * (writev of "text", "\n") is one call's bytes, in order. The buffer is a scratch slot
     * (not the stack: scratch.h); without one, each iovec goes alone, which the per-stream
     * line assembly joins all the same. */
    enum { GA__GATHER = 4096 };
    uint8_t *tmp = ga_scratch_get();
    size_t o = 0, left = n;
    for (int i = 0; i < cnt && left > 0; i++) {
        size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
        left -= k;
        if (tmp == NULL || o + k > GA__GATHER) {
            if (o > 0)
                ga_logcap_write(e, tmp, o);
            o = 0;
            if (tmp == NULL || k > GA__GATHER) {
                ga_logcap_write(e, iov[i].iov_base, k);
                continue;
            }
        }
        memcpy(tmp + o, iov[i].iov_base, k);
        o += k;
    }
    if (o > 0)
        ga_logcap_write(e, tmp, o);
    ga_scratch_put(tmp);
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

enum { GA__FMT_CAP = 2048 };            /* a longer printf is captured cut here */

/* Format into msg[GA__FMT_CAP] and capture. */
static void ga__stdio_fmt_into(const ga_fd *e, char *msg, const char *fmt, va_list ap)
{
    int saved = errno;
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(msg, GA__FMT_CAP, fmt, cp);
    va_end(cp);
    errno = saved;
    if (n > 0)
        ga_logcap_write(e, msg, (size_t)n < GA__FMT_CAP ? (size_t)n : GA__FMT_CAP - 1);
}

/* Every scratch slot is taken: the buffer goes on this thread's stack, as before the pool. */
static __attribute__((noinline)) void ga__stdio_fmt_on_stack(const ga_fd *e, const char *fmt,
                                                            va_list ap)
{
    char msg[GA__FMT_CAP];
    ga__stdio_fmt_into(e, msg, fmt, ap);
}

void ga_logcap_stdio_fmt(FILE *fp, const char *fmt, va_list ap)
{
    const ga_fd *e = ga__stdio_entry(fp);
    if (e == NULL || fmt == NULL)
        return;
    char *msg = ga_scratch_get();       /* not the stack: scratch.h */
    if (msg != NULL)
        ga__stdio_fmt_into(e, msg, fmt, ap);
    else
        ga__stdio_fmt_on_stack(e, fmt, ap);
    ga_scratch_put(msg);
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

/* ---- injection ---------------------------------------------------------------------------- */

int ga_logs_inject GA_START_DATA;

static int ga__has(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    for (size_t i = 0; i + l <= n; i++)
        if (s[i] == lit[0] && memcmp(s + i, lit, l) == 0)
            return 1;
    return 0;
}

size_t ga_logcap_inject_lines(int mode, const char *buf, size_t n, const char trace_hex[32],
                              const char span_hex[16], char *out, size_t cap)
{
    size_t o = 0, i = 0;
    int changed = 0;
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - buf) : n;          /* the newline, or the end */
        size_t body = end;
        if (body > i && buf[body - 1] == '\r')
            body--;
        size_t a = i, z = body;                             /* the line without white space */
        while (a < z && (buf[a] == ' ' || buf[a] == '\t'))
            a++;
        while (z > a && (buf[z - 1] == ' ' || buf[z - 1] == '\t'))
            z--;
        int json = z - a >= 2 && buf[a] == '{' && buf[z - 1] == '}';
        int kind = 0;                                       /* 1 json, 2 text */
        if (z > a && nl != NULL) {
            if (json && (mode == GA_INJECT_JSON || mode == GA_INJECT_AUTO))
                kind = ga__has(buf + a, z - a, "\"trace_id\"") ? 0 : 1;
            else if (mode == GA_INJECT_TEXT || (mode == GA_INJECT_AUTO && !json))
                kind = ga__has(buf + i, body - i, "trace_id=") ? 0 : 2;
        }
        size_t cut = kind == 1 ? z - 1 : body;              /* where the ids go */
        size_t need = (end - i) + 1 + 80;
        if (o + need > cap)
            return 0;
        memcpy(out + o, buf + i, cut - i);
        o += cut - i;
        if (kind == 1) {
            int empty = 1;                                  /* "{}" or "{ }": no comma */
            for (size_t k = a + 1; k < z - 1; k++)
                if (buf[k] != ' ' && buf[k] != '\t')
                    empty = 0;
            if (!empty)
                out[o++] = ',';
            memcpy(out + o, "\"trace_id\":\"", 12);
            memcpy(out + o + 12, trace_hex, 32);
            memcpy(out + o + 44, "\",\"span_id\":\"", 13);
            memcpy(out + o + 57, span_hex, 16);
            out[o + 73] = '"';
            o += 74;
            changed = 1;
        } else if (kind == 2) {
            memcpy(out + o, " trace_id=", 10);
            memcpy(out + o + 10, trace_hex, 32);
            memcpy(out + o + 42, " span_id=", 9);
            memcpy(out + o + 51, span_hex, 16);
            o += 67;
            changed = 1;
        }
        size_t rest = (nl ? end + 1 : n) - cut;             /* "}", "\r\n", "\n" ... */
        memcpy(out + o, buf + cut, rest);
        o += rest;
        i = nl ? end + 1 : n;
    }
    return changed ? o : 0;
}

/* Write all of p[0..n) on fd; 0, or -1 with errno when nothing at all could be written. */
static int ga__write_all(int fd, const char *p, size_t n, ssize_t (*wr)(int, const void *, size_t))
{
    size_t done = 0;
    int waited = 0;
    while (done < n) {
        ssize_t w = wr(fd, p + done, n - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN && done > 0 && waited < 1000) {
            struct pollfd pf = { .fd = fd, .events = POLLOUT };
            if (poll(&pf, 1, 1) >= 0)
                waited++;
            continue;
        }
        return done > 0 ? 0 : -1;   /* a broken descriptor after a part: the rest is lost */
    }
    return 0;
}

int ga_logcap_inject_write(int fd, const ga_fd *e, const void *buf, size_t n,
                           ssize_t (*wr)(int, const void *, size_t), ssize_t *ret)
{
    const ga_span_ctx *a = ga_active();
    if (n == 0 || n > 4096 || buf == NULL || a == NULL || ((const char *)buf)[n - 1] != '\n' ||
        memchr(buf, 0, n) != NULL)
        return 0;
    enum { GA__OUT_CAP = 4096 + 32 * 80 };
    _Static_assert(GA__OUT_CAP <= GA_SCRATCH_SIZE, "the rewritten lines fit a scratch slot");
    char th[33], sh[17];
    char *out = ga_scratch_get();       /* not the stack (scratch.h); none free: no injection */
    if (out == NULL)
        return 0;
    ga_hex(a->trace_id, 16, th);
    ga_hex(a->span_id, 8, sh);
    size_t k = ga_logcap_inject_lines(ga_logs_inject, buf, n, th, sh, out, GA__OUT_CAP);
    if (k == 0) {
        ga_scratch_put(out);
        return 0;
    }
    ga_tls_busy = 1;
    int rc = ga__write_all(fd, out, k, wr);
    int saved = errno;
    ga_scratch_put(out);
    ga_tls_busy = 0;
    if (rc < 0) {
        errno = saved;
        *ret = -1;
        return 1;
    }
    ga_logcap_write(e, buf, n);
    errno = saved;
    *ret = (ssize_t)n;
    return 1;
}
