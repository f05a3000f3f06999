/* logs.c — the hooks only log capture needs (preload/logcap.h): pwrite/pwrite64 (the other
 * write calls are in io.c), syslog(3) and its fortified and va_list forms (the message is
 * formatted once more here, with the caller's errno for %m, then handed to the real function
 * unchanged), and open/openat/fopen, which mark a descriptor for capture when its path matches
 * GENESIS_LOGS_FILES. With capture off each is a test and a call of the real function. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include "hooks/hook.h"
#include "preload/logcap.h"

/* ---- pwrite ------------------------------------------------------------------------------ */

static __attribute__((noinline)) ssize_t ga__full_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ga_pwrite_fn f = GA_REAL(pwrite);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_pwrite64, fd, buf, n, off);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r = f(fd, buf, n, off);
    ga_log_done(fd, r, buf);
    return r;
}

GA_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ga_pwrite_fn f = GA_REAL_LOADED(pwrite);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, off));
    return ga__full_pwrite(fd, buf, n, off);
}

static __attribute__((noinline)) ssize_t ga__full_pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    ga_pwrite64_fn f = GA_REAL(pwrite64);
    if (ga_unlikely(f == NULL))
        return syscall(SYS_pwrite64, fd, buf, n, off);
    GA_INTERNAL_GUARD(fd, -1);
    ssize_t r = f(fd, buf, n, off);
    ga_log_done(fd, r, buf);
    return r;
}

GA_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    ga_pwrite64_fn f = GA_REAL_LOADED(pwrite64);
    GA_FAST_PATH_OTHER(fd, f, f(fd, buf, n, off));
    return ga__full_pwrite64(fd, buf, n, off);
}

/* ---- syslog ------------------------------------------------------------------------------ */

/* Capture the message of a syslog call the real function will log: formatted with a copy of
 * the arguments and the caller's errno (%m); not when the priority is masked out. */
static void ga__syslog_capture(int pri, const char *fmt, va_list ap)
{
    if (!ga_logs_on || fmt == NULL || !ga_observing())
        return;
    int saved = errno;
    ga_tls_busy = 1;
    int mask = setlogmask(0);
    ga_tls_busy = 0;
    if (mask & LOG_MASK(LOG_PRI(pri))) {
        char msg[1024];
        va_list cp;
        va_copy(cp, ap);
        errno = saved;
        int n = vsnprintf(msg, sizeof msg, fmt, cp);
        va_end(cp);
        if (n > 0)
            ga_logcap_syslog(pri, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    }
    errno = saved;
}

GA_EXPORT void vsyslog(int pri, const char *fmt, va_list ap)
{
    ga__syslog_capture(pri, fmt, ap);
    ga_vsyslog_fn f = GA_REAL(vsyslog);
    if (f != NULL)
        f(pri, fmt, ap);
}

GA_EXPORT void syslog(int pri, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsyslog(pri, fmt, ap);
    va_end(ap);
}

GA_EXPORT void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
    ga__syslog_capture(pri, fmt, ap);
    ga___vsyslog_chk_fn f = GA_REAL(__vsyslog_chk);
    if (f != NULL)
        f(pri, flag, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);
GA_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    __vsyslog_chk(pri, flag, fmt, ap);
    va_end(ap);
}

/* ---- open -------------------------------------------------------------------------------- */

static int ga__opened(int fd, const char *path)
{
    if (ga_unlikely(ga_logs_files_on) && fd >= 0 && ga_observing())
        ga_logcap_opened(fd, path);
    return fd;
}

static int ga__has_mode(int flags)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

GA_EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (ga__has_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    ga_open_fn f = GA_REAL(open);
    int fd = f ? f(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    return ga__opened(fd, path);
}

GA_EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (ga__has_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    ga_open64_fn f = GA_REAL(open64);
    int fd = f ? f(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_LARGEFILE, mode);
    return ga__opened(fd, path);
}

GA_EXPORT int openat(int dir, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (ga__has_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    ga_openat_fn f = GA_REAL(openat);
    int fd = f ? f(dir, path, flags, mode) : (int)syscall(SYS_openat, dir, path, flags, mode);
    return ga__opened(fd, path);
}

GA_EXPORT int openat64(int dir, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (ga__has_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    ga_openat64_fn f = GA_REAL(openat64);
    int fd = f ? f(dir, path, flags, mode) : (int)syscall(SYS_openat, dir, path, flags | O_LARGEFILE, mode);
    return ga__opened(fd, path);
}

GA_EXPORT FILE *fopen(const char *path, const char *how)
{
    ga_fopen_fn f = GA_REAL(fopen);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return NULL;
    }
    FILE *fp = f(path, how);
    if (fp != NULL && ga_unlikely(ga_logs_files_on)) {
        int saved = errno;
        ga__opened(fileno(fp), path);
        errno = saved;
    }
    return fp;
}

GA_EXPORT FILE *fopen64(const char *path, const char *how)
{
    ga_fopen64_fn f = GA_REAL(fopen64);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return NULL;
    }
    FILE *fp = f(path, how);
    if (fp != NULL && ga_unlikely(ga_logs_files_on)) {
        int saved = errno;
        ga__opened(fileno(fp), path);
        errno = saved;
    }
    return fp;
}
