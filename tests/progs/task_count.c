/* task_count.c — how many threads does the process have after using sockets?
 *
 * Connects once to a listening socket of its own (and accepts it) and once to a refused port,
 * sends a byte, waits 200 ms (time for a lazily started exporter thread to appear), then counts
 * the entries of /proc/self/task and prints "tasks=<n>". Bare it prints tasks=1; with the library
 * disabled (OTEL_SDK_DISABLED / GENESIS_DISABLED / excluded) it must print the same. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in bind_any(int s)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(s, (struct sockaddr *)&a, &len) < 0)
        perror("bind");
    return a;
}

int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = bind_any(l);
    listen(l, 4);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    int rc1 = connect(c, (struct sockaddr *)&la, sizeof la);
    int p = accept(l, NULL, NULL);
    ssize_t w = send(c, "x", 1, 0);
    char b;
    ssize_t r = recv(p, &b, 1, 0);
    int rf = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in ra = bind_any(rf);
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    int rc2 = connect(c2, (struct sockaddr *)&ra, sizeof ra);
    int e2 = errno;
    close(c2);
    close(rf);
    close(c);
    close(p);
    close(l);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                n++;
        closedir(d);
    }
    printf("tasks=%d\n", n);
    int ok = rc1 == 0 && p >= 0 && w == 1 && r == 1 && rc2 == -1 && e2 == ECONNREFUSED;
    if (!ok)
        printf("FAIL connect=%d accept=%d send=%zd recv=%zd refused=%d/%d\n", rc1, p, w, r, rc2, e2);
    return ok ? 0 : 1;
}
