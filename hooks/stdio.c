/* stdio.c — stdio output hooks for log capture (preload/logcap.h). glibc's stdio reaches the
 * kernel through its internal write, which no interposed write() sees; so what a program
 * hands to fwrite, fputs, puts, putc, printf and their fortified forms is captured here when
 * the stream's descriptor is a captured one (stdout, stderr, a GENESIS_LOGS_FILES file). The
 * real function is always called with the caller's arguments; a printf-family call is
 * formatted once more into a bounded buffer for the copy. With capture off each hook is a
 * test and a call of the real function. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hooks/hook.h"
#include "preload/logcap.h"
#include "preload/real.h"

/* The program's stdout, for the hooks of the functions that write to it (puts, putchar, the
 * printf forms). Looked up on the first such call rather than referenced: a reference would
 * be a symbol the loader looks up at every process start (~500 instructions), printing or
 * not. The lookup ends in dlsym(RTLD_DEFAULT), which finds libc's own when nothing else
 * answers: NULL would take a libc without stdout. */
static FILE *ga__stdout(void)
{
    static FILE **_Atomic var;
    FILE **v = atomic_load_explicit(&var, memory_order_relaxed);
    if (ga_unlikely(v == NULL)) {
        v = ga_real_data("stdout");
        if (v == NULL)
            return NULL;
        atomic_store_explicit(&var, v, memory_order_relaxed);
    }
    return *v;
}

GA_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
    ga_fwrite_fn f = GA_REAL(fwrite);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return 0;
    }
    size_t r = f(p, size, n, fp);
    if (ga_unlikely(ga_logs_on) && r > 0)
        ga_logcap_stdio(fp, p, r * size);
    return r;
}

GA_EXPORT int fputs(const char *s, FILE *fp)
{
    ga_fputs_fn f = GA_REAL(fputs);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return EOF;
    }
    int r = f(s, fp);
    if (ga_unlikely(ga_logs_on) && r >= 0)
        ga_logcap_stdio(fp, s, strlen(s));
    return r;
}

GA_EXPORT int puts(const char *s)
{
    ga_puts_fn f = GA_REAL(puts);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return EOF;
    }
    int r = f(s);
    if (ga_unlikely(ga_logs_on) && r >= 0) {
        ga_logcap_stdio(ga__stdout(), s, strlen(s));
        ga_logcap_stdio(ga__stdout(), "\n", 1);
    }
    return r;
}

/* fputc and putc: the real one (f), then the byte copied when it went out. */
static inline int ga__putc(int (*f)(int, FILE *), int c, FILE *fp)
{
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return EOF;
    }
    int r = f(c, fp);
    if (ga_unlikely(ga_logs_on) && r != EOF) {
        char ch = (char)c;
        ga_logcap_stdio(fp, &ch, 1);
    }
    return r;
}

GA_EXPORT int fputc(int c, FILE *fp)
{
    return ga__putc(GA_REAL(fputc), c, fp);
}

GA_EXPORT int putc(int c, FILE *fp)
{
    return ga__putc(GA_REAL(putc), c, fp);
}

GA_EXPORT int putchar(int c)
{
    ga_putchar_fn f = GA_REAL(putchar);
    if (ga_unlikely(f == NULL)) {
        errno = ENOSYS;
        return EOF;
    }
    int r = f(c);
    if (ga_unlikely(ga_logs_on) && r != EOF) {
        char ch = (char)c;
        ga_logcap_stdio(ga__stdout(), &ch, 1);
    }
    return r;
}

/* The printf family: every form ends in the real vfprintf or __vfprintf_chk. */
static int ga__vfprintf(FILE *fp, int flag, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int r;
    if (flag < 0) {
        ga_vfprintf_fn f = GA_REAL(vfprintf);
        r = f ? f(fp, fmt, ap) : (errno = ENOSYS, -1);
    } else {
        ga___vfprintf_chk_fn f = GA_REAL(__vfprintf_chk);
        r = f ? f(fp, flag, fmt, ap) : (errno = ENOSYS, -1);
    }
    if (ga_unlikely(ga_logs_on) && r > 0) {
        int saved = errno;
        ga_logcap_stdio_fmt(fp, fmt, cp);
        errno = saved;
    }
    va_end(cp);
    return r;
}

GA_EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
    return ga__vfprintf(fp, -1, fmt, ap);
}

GA_EXPORT int vprintf(const char *fmt, va_list ap)
{
    return ga__vfprintf(ga__stdout(), -1, fmt, ap);
}

GA_EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ga__vfprintf(fp, -1, fmt, ap);
    va_end(ap);
    return r;
}

GA_EXPORT int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ga__vfprintf(ga__stdout(), -1, fmt, ap);
    va_end(ap);
    return r;
}

GA_EXPORT int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
    return ga__vfprintf(fp, flag, fmt, ap);
}

int __vprintf_chk(int flag, const char *fmt, va_list ap);
GA_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
    return ga__vfprintf(ga__stdout(), flag, fmt, ap);
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
GA_EXPORT int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ga__vfprintf(fp, flag, fmt, ap);
    va_end(ap);
    return r;
}

int __printf_chk(int flag, const char *fmt, ...);
GA_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = ga__vfprintf(ga__stdout(), flag, fmt, ap);
    va_end(ap);
    return r;
}
