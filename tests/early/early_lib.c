/* early_lib.c — a shared library whose constructor uses sockets while the process is still
 * starting: with the library preloaded, these calls can reach the hooks before the
 * library's own constructor has run (or while it runs). It checks return values and errno
 * and prints one line per check; early_main prints them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

char early_report[1024];

static void note(const char *name, int ok)
{
    size_t n = strlen(early_report);
    snprintf(early_report + n, sizeof early_report - n, "%s %s\n", ok ? "ok" : "FAIL", name);
}

__attribute__((constructor(101))) static void early_ctor(void)
{
    int sv[2];
    note("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    note("write", write(sv[0], "ping", 4) == 4);
    char buf[8] = {0};
    note("read", read(sv[1], buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
    close(sv[0]);
    close(sv[1]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    errno = 0;
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    note("connect_refused", r == -1 && errno == ECONNREFUSED);
    close(fd);
    errno = 0;
    note("ebadf", write(-1, "x", 1) == -1 && errno == EBADF);
}
