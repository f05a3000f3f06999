/* log.c — once-per-kind diagnostics on stderr (see log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "preload/family.h"
#include "preload/ga.h"
#include "preload/log.h"

int ga_log_level = GA_LOG_WARN;
static _Atomic uint64_t ga__log_seen;

void ga_log(int level, int kind, const char *fmt, ...)
{
    if (level > ga_log_level || level == GA_LOG_OFF)
        return;
    if (kind >= GA_LK_DEDUP_FIRST) {
        uint64_t bit = 1ull << ((unsigned)kind & 63);
        if (atomic_fetch_or(&ga__log_seen, bit) & bit)
            return;
        /* ... and once per fork family: a child or a sibling never repeats the line. */
        ga_family *f = atomic_load_explicit(&ga_family_page, memory_order_acquire);
        if (f != NULL && (atomic_fetch_or(&f->log_seen, bit) & bit))
            return;
    }
    char buf[512];
    int n = snprintf(buf, sizeof buf, "genesis: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    n += m;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    /* A raw syscall: not observed, and errno is restored so callers never see it move. */
    int saved = errno;
    (void)syscall(SYS_write, 2, buf, (size_t)n);
    errno = saved;
}
