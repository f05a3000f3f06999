/* fork_storm.c — many children forked without exec, each doing a little socket work and
 * returning through exit() (so the library's exit flush runs in every one of them).
 *
 * Usage: fork_storm <children> <at once> <port> [parent-first|-] [maps] [threads]
 * Each child connects once to 127.0.0.1:<port> (a port nobody listens on: refused), sends and
 * receives one byte over a socketpair, and exits 0 when both went as expected. At most <at once>
 * children run at the same time. With `parent-first` the parent makes the same connect before its
 * first fork (so the library is already active in it when the storm starts). Prints
 * "children ok <n>" and exits 0 when every child exited 0; otherwise prints what went wrong and
 * exits 1. With `maps`, then prints whether libcurl is mapped in the parent ("libcurl mapped" /
 * "libcurl not mapped"): every child forked from it would have carried it. With `threads`, each
 * child counts its threads (/proc/self/task) after its socket work, and the parent then prints
 * "children with a second thread <k>" (the library's exporter thread, if the child started one). */
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int refused_connect(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return 0;
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    int ok = rc == -1 && errno == ECONNREFUSED;
    close(s);
    return ok;
}

static int pair_echo(void)
{
    int sv[2];
    char c = 'x', d = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return 0;
    int ok = send(sv[0], &c, 1, 0) == 1 && recv(sv[1], &d, 1, 0) == 1 && d == 'x';
    close(sv[0]);
    close(sv[1]);
    return ok;
}

/* Threads of this process, from /proc/self/task (no socket: nothing the library records). */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

#define EXIT_THREADED 10        /* a child that was fine but had a second thread */

static int reap(int *bad, int *threaded)
{
    int st;
    pid_t p = wait(&st);
    if (p < 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_THREADED) {
        (*threaded)++;
        return 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (*bad < 5)
            fprintf(stderr, "child %d: %s %d\n", (int)p, WIFEXITED(st) ? "exit" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        (*bad)++;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: fork_storm <children> <at once> <port> [parent-first|-] [maps] [threads]\n");
        return 2;
    }
    int n = atoi(argv[1]), jobs = atoi(argv[2]), port = atoi(argv[3]);
    if (jobs < 1)
        jobs = 1;
    if (argc > 4 && strcmp(argv[4], "parent-first") == 0 && !refused_connect(port)) {
        fprintf(stderr, "parent: connect to %d was not refused\n", port);
        return 1;
    }
    int maps = 0, threads = 0;
    for (int i = 5; i < argc; i++) {
        maps |= strcmp(argv[i], "maps") == 0;
        threads |= strcmp(argv[i], "threads") == 0;
    }
    fflush(stdout);
    int running = 0, bad = 0, threaded = 0;
    for (int i = 0; i < n; i++) {
        while (running >= jobs && reap(&bad, &threaded))
            running--;
        pid_t p = fork();
        if (p < 0) {
            perror("fork");
            return 1;
        }
        if (p == 0) {
            int ok = refused_connect(port) && pair_echo();
            exit(!ok ? 3 : threads && thread_count() > 1 ? EXIT_THREADED : 0);
        }
        running++;
    }
    while (running > 0 && reap(&bad, &threaded))
        running--;
    if (bad) {
        printf("children failed %d of %d\n", bad, n);
        return 1;
    }
    printf("children ok %d\n", n);
    if (threads)
        printf("children with a second thread %d\n", threaded);
    if (maps) {
        FILE *m = fopen("/proc/self/maps", "r");
        char line[512];
        int curl = 0;
        while (m && fgets(line, sizeof line, m))
            curl |= strstr(line, "libcurl") != NULL;
        if (m)
            fclose(m);
        printf("libcurl %s\n", curl ? "mapped" : "not mapped");
    }
    return 0;
}
