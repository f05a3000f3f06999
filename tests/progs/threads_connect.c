/* threads_connect.c — many threads connecting at once (the ring under contention).
 *
 * Usage: threads_connect [threads=64] [per_thread=1000]
 * Every thread does socket() + connect() + close() per_thread times against one port of this
 * program that is bound but not listening, so each connect is refused immediately by the kernel:
 * fast, deterministic, no accept loop and no TIME_WAIT. Each connect must fail with ECONNREFUSED.
 * Prints "threads=<n> per_thread=<m> connects=<n*m> unexpected=<k>" and exits 1 if k != 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in target;
static int per_thread;
static pthread_barrier_t start;

static void *worker(void *arg)
{
    long unexpected = 0;
    (void)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < per_thread; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) {
            unexpected++;
            continue;
        }
        errno = 0;
        if (connect(s, (struct sockaddr *)&target, sizeof target) != -1 || errno != ECONNREFUSED)
            unexpected++;
        close(s);
    }
    return (void *)unexpected;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 64;
    per_thread = argc > 2 ? atoi(argv[2]) : 1000;
    if (nthreads <= 0 || nthreads > 1024 || per_thread < 0) {
        fprintf(stderr, "usage: threads_connect [threads] [per_thread]\n");
        return 2;
    }
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
    pthread_t *t = calloc((size_t)nthreads, sizeof *t);
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
            perror("pthread_create");
            return 2;
        }
    long unexpected = 0;
    for (int i = 0; i < nthreads; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        unexpected += (long)ret;
    }
    printf("threads=%d per_thread=%d connects=%ld unexpected=%ld\n", nthreads, per_thread,
           (long)nthreads * per_thread, unexpected);
    close(r);
    free(t);
    return unexpected ? 1 : 0;
}
