/* exit_threads.c — exit() while threads are in the middle of connecting.
 *
 * Usage: exit_threads [threads=8] [run_ms=150]
 * Starts <threads> threads that connect (refused, to a bound but not listening port of this
 * program) in a tight loop forever, lets them run for <run_ms> ms, prints "exiting" and calls
 * exit(0) while they are still connecting. The library's exit flush must stay within
 * GENESIS_EXIT_FLUSH_MS and never crash or hang the process (the test measures the wall time). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;
static volatile long loops;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s >= 0) {
            if (connect(s, (struct sockaddr *)&target, sizeof target) == 0)
                abort();   /* nothing listens: success would be a bug */
            close(s);
        }
        __atomic_add_fetch(&loops, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 8;
    int run_ms = argc > 2 ? atoi(argv[2]) : 150;
    int r = socket(AF_INET, SOCK_STREAM, 0);
    memset(&target, 0, sizeof target);
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof target;
    if (r < 0 || bind(r, (struct sockaddr *)&target, sizeof target) < 0
        || getsockname(r, (struct sockaddr *)&target, &len) < 0) {
        perror("setup");
        return 2;
    }
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, worker, NULL) != 0) {
            perror("pthread_create");
            return 2;
        }
    }
    struct timespec ts = {run_ms / 1000, (long)(run_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    printf("exiting%s\n", __atomic_load_n(&loops, __ATOMIC_RELAXED) > 0 ? "" : " (no connect happened)");
    fflush(stdout);
    exit(0);
}
