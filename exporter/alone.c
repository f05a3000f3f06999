/* alone.c — the exporter thread's "am I the last live thread?" (alone.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "exporter/alone.h"

/* Up to `cap - 1` bytes of a /proc file, NUL-terminated; -1 on any failure. Raw calls: the
 * descriptor lives for three system calls on this thread and is never seen by the hooks. */
static int ga__read_proc(const char *path, char *buf, size_t cap)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    long n = syscall(SYS_read, fd, buf, cap - 1);
    syscall(SYS_close, fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return (int)n;
}

/* The field after the command name in a stat line (which may hold spaces and parentheses):
 * `pos` fields after the state, 0 = the state itself. NULL when the line is not as expected. */
static const char *ga__stat_field(const char *line, int pos)
{
    const char *p = strrchr(line, ')');
    if (p == NULL || p[1] != ' ')
        return NULL;
    p += 2;
    for (int i = 0; i < pos; i++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return NULL;
        p++;
    }
    return p;
}

/* Is thread `tid` of this process ended (zombie or dead)? 0 when it lives or is unreadable. */
static int ga__task_ended(long tid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    if (ga__read_proc(path, line, sizeof line) < 0)
        return 0;
    const char *st = ga__stat_field(line, 0);
    return st != NULL && (*st == 'Z' || *st == 'X');
}

int ga_exporter_alone(void)
{
    char line[1024];
    if (ga__read_proc("/proc/self/stat", line, sizeof line) < 0)
        return 0;
    const char *nt = ga__stat_field(line, 17);         /* field 20: num_threads */
    if (nt == NULL)
        return 0;
    long threads = strtol(nt, NULL, 10);
    if (threads == 1)
        return 1;
    if (threads != 2)
        return 0;
    /* Two: this thread and one other, which must be the leader (tid = pid) and ended. */
    long self = (long)syscall(SYS_gettid), pid = (long)getpid();
    return self != pid && ga__task_ended(pid);
}
