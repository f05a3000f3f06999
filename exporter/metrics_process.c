/* metrics_process.c — the process's own resource metrics (semantic conventions, SPECS-2 §8),
 * read from /proc/self at each collection (an OTLP push or a Prometheus scrape), on the
 * exporter thread only. The application thread never pays for them.
 *
 * Sources: /proc/self/stat (CPU times, page faults, start time), /proc/self/status (resident
 * and virtual size, threads, context switches), the entries of /proc/self/fd (minus the
 * directory's own descriptor), and `btime` of /proc/stat once per process. Files are opened
 * with raw system calls and held as ga_own tokens (preload/fdtable.h): if the application
 * closes the number under us, we neither read nor close what it opened there. A file that
 * cannot be read leaves its metrics at their last value. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "exporter/metrics_reg.h"
#include "preload/emit.h"
#include "preload/fdtable.h"

#define GA__UPDOWN(n, d, u) { .name = n, .description = d, .unit = u, .kind = GA_MK_UPDOWN, \
    .max_series = 4 }

static const ga_instrument ga__cpu_time = { .name = "process.cpu.time",
    .description = "Total CPU seconds broken down by different CPU modes.", .unit = "s",
    .kind = GA_MK_COUNTER, .is_double = 1, .max_series = 4 };
static const ga_instrument ga__mem_usage = GA__UPDOWN("process.memory.usage",
    "The amount of physical memory in use.", "By");
static const ga_instrument ga__mem_virtual = GA__UPDOWN("process.memory.virtual",
    "The amount of committed virtual memory.", "By");
/* Translated, these two would end in `_count`, which promtool rejects for a gauge (it reads
 * as a histogram's count): Prometheus gets the names of its own process collectors. */
static const ga_instrument ga__threads = { .name = "process.thread.count",
    .description = "Process threads count.", .unit = "{thread}", .kind = GA_MK_UPDOWN,
    .max_series = 4, .prom_name = "process_threads" };
static const ga_instrument ga__fds = { .name = "process.unix.file_descriptor.count",
    .description = "Number of unix file descriptors in use by the process.",
    .unit = "{file_descriptor}", .kind = GA_MK_UPDOWN, .max_series = 4, .prom_name = "process_open_fds" };
static const ga_instrument ga__ctx = { .name = "process.context_switches",
    .description = "Number of times the process has been context switched.",
    .unit = "{context_switch}", .kind = GA_MK_COUNTER, .max_series = 4 };
static const ga_instrument ga__faults = { .name = "process.paging.faults",
    .description = "Number of page faults the process has made.", .unit = "{fault}",
    .kind = GA_MK_COUNTER, .max_series = 4 };
static const ga_instrument ga__uptime = { .name = "process.uptime",
    .description = "The time the process has been running.", .unit = "s",
    .kind = GA_MK_GAUGE, .is_double = 1, .max_series = 2 };

/* Open a /proc path read-only as one of the library's descriptors (a token the application
 * cannot take over unnoticed). o->fd < 0 when it could not be opened or remembered. */
static void ga__open_own(const char *path, int flags, ga_own *o)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | flags);
    *o = fd < 0 ? (ga_own){ .fd = -1 } : ga_fd_own(fd);
    if (fd >= 0 && o->fd < 0)
        syscall(SYS_close, fd);
}

/* Read at most cap-1 bytes of a /proc file into buf (NUL-terminated); the length, or -1. */
static ssize_t ga__slurp(const char *path, char *buf, size_t cap)
{
    ga_own o;
    ga__open_own(path, 0, &o);
    if (o.fd < 0)
        return -1;
    int fd = o.fd;
    size_t n = 0;
    while (n + 1 < cap && ga_fd_own_valid(o)) {
        ssize_t r = syscall(SYS_read, fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    ga_fd_own_close(&o);
    buf[n] = '\0';
    return (ssize_t)n;
}

/* The decimal at *p (leading blanks skipped; a minus sign is skipped too: the fields read
 * here are never negative, but tpgid (-1) comes before them); *p moves past it. */
static uint64_t ga__num(const char **p)
{
    const char *s = *p;
    uint64_t v = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '-')
        s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    *p = s;
    return v;
}

/* The number after "key" at the start of a line of text (status, /proc/stat); 0 if absent. */
static uint64_t ga__field(const char *text, const char *key, int *found)
{
    size_t kl = strlen(key);
    for (const char *l = text; l != NULL && *l; ) {
        if (strncmp(l, key, kl) == 0) {
            const char *p = l + kl;
            *found = 1;
            return ga__num(&p);
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return 0;
}

/* Open descriptors: the entries of /proc/self/fd, minus the directory's own. -1 on failure. */
static long ga__count_fds(void)
{
    ga_own o;
    ga__open_own("/proc/self/fd", O_DIRECTORY, &o);
    if (o.fd < 0)
        return -1;
    int fd = o.fd;
    long n = 0;
    char buf[4096] __attribute__((aligned(8)));
    for (;;) {
        if (!ga_fd_own_valid(o)) {
            n = -1;
            break;
        }
        long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (r <= 0) {
            if (r < 0)
                n = -1;
            break;
        }
        for (long off = 0; off < r; ) {
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);     /* d_reclen in linux_dirent64 */
            if (buf[off + 19] != '.')                           /* not "." nor ".." */
                n++;
            off += reclen;
        }
    }
    ga_fd_own_close(&o);
    return n > 0 ? n - 1 : n;                                   /* the directory's own fd */
}

static void ga__set(const ga_instrument *def, const char *key, const char *val, int64_t v)
{
    ga_attr a = { .key = key, .type = GA_V_STR, .s = val, .slen = val ? strlen(val) : 0 };
    ga_instrument *m = ga_metrics_instrument(def);
    if (m != NULL)
        ga_series_set(ga_series_get(m, &a, key ? 1 : 0), v);
}

static void ga__set_double(const ga_instrument *def, const char *key, const char *val, double v)
{
    ga_attr a = { .key = key, .type = GA_V_STR, .s = val, .slen = val ? strlen(val) : 0 };
    ga_instrument *m = ga_metrics_instrument(def);
    if (m != NULL)
        ga_series_set_double(ga_series_get(m, &a, key ? 1 : 0), v);
}

/* Boot time (s since the epoch), read once per process: it does not change. 0 if unknown. */
static uint64_t ga__btime(void)
{
    static uint64_t btime;
    if (btime == 0) {
        static char buf[65536];                 /* one line per CPU precedes btime */
        int found = 0;
        if (ga__slurp("/proc/stat", buf, sizeof buf) > 0)
            btime = ga__field(buf, "btime", &found);
    }
    return btime;
}

/* /proc/self/stat: fields after the last ')' (comm may hold spaces and parentheses). */
static void ga__from_stat(double tck)
{
    char buf[1024];
    if (ga__slurp("/proc/self/stat", buf, sizeof buf) <= 0)
        return;
    const char *p = strrchr(buf, ')');
    if (p == NULL)
        return;
    p += 2;                                     /* ") " → field 3, the state */
    uint64_t f[25] = {0};
    while (*p && *p != ' ')
        p++;
    for (int i = 4; i <= 22; i++)
        f[i] = ga__num(&p);
    ga__set_double(&ga__cpu_time, "cpu.mode", "user", (double)f[14] / tck);
    ga__set_double(&ga__cpu_time, "cpu.mode", "system", (double)f[15] / tck);
    ga__set(&ga__faults, "system.paging.fault.type", "major", (int64_t)f[12]);
    ga__set(&ga__faults, "system.paging.fault.type", "minor", (int64_t)f[10]);
    uint64_t bt = ga__btime();
    if (bt != 0) {
        double start = (double)bt + (double)f[22] / tck, now = (double)ga_now_ns() / 1e9;
        ga__set_double(&ga__uptime, NULL, NULL, now > start ? now - start : 0.0);
    }
}

/* /proc/self/status: memory, threads, context switches. */
static void ga__from_status(void)
{
    char buf[4096];
    int ok = 0;
    if (ga__slurp("/proc/self/status", buf, sizeof buf) <= 0)
        return;
    uint64_t rss = ga__field(buf, "VmRSS:", &ok), vsz = ga__field(buf, "VmSize:", &ok);
    ga__set(&ga__mem_usage, NULL, NULL, (int64_t)(rss * 1024));
    ga__set(&ga__mem_virtual, NULL, NULL, (int64_t)(vsz * 1024));
    ga__set(&ga__threads, NULL, NULL, (int64_t)ga__field(buf, "Threads:", &ok));
    ga__set(&ga__ctx, "process.context_switch.type", "voluntary",
            (int64_t)ga__field(buf, "voluntary_ctxt_switches:", &ok));
    ga__set(&ga__ctx, "process.context_switch.type", "involuntary",
            (int64_t)ga__field(buf, "nonvoluntary_ctxt_switches:", &ok));
}

void ga_metrics_process_collect(void)
{
    long tck = sysconf(_SC_CLK_TCK);
    ga__from_stat(tck > 0 ? (double)tck : 100.0);
    ga__from_status();
    long fds = ga__count_fds();
    if (fds >= 0)
        ga__set(&ga__fds, NULL, NULL, fds);
}
