/* resolve_race.c — first calls of hooked functions racing each other and the loader.
 *
 * The library resolves each real libc function on its first call (preload/real.h). This
 * program makes those first calls as hard as it can: THREADS threads released together by a
 * barrier each make the process's first socket calls (socketpair, send/recv, sendto/recvfrom,
 * sendmsg/recvmsg, writev/readv, write/read, dup/dup2/dup3, fcntl, getsockopt, close) and check
 * every result, while the main thread dlopens and dlcloses libraries in a loop (the loader
 * appends to and unlinks from the chain of loaded objects meanwhile). Before that, the first
 * write of the process is made in a signal handler. Prints one "ok <what>" line per check,
 * in a fixed order, so that bare and preloaded runs print the same thing.
 *
 * usage: resolve_race [ROUNDS]   (dlopen/dlclose rounds while the threads run; default 200) */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define THREADS 8

static pthread_barrier_t start;
static int sig_pipe[2];
static volatile sig_atomic_t sig_wrote;
static char fails[THREADS][128];

static void on_signal(int sig)
{
    (void)sig;
    sig_wrote = write(sig_pipe[1], "s", 1) == 1;    /* the process's first write() call */
}

/* One check: on failure, remember the first one per thread. */
#define CHECK(t, cond, what)                                                        \
    do {                                                                            \
        if (!(cond) && fails[t][0] == '\0')                                         \
            snprintf(fails[t], sizeof fails[t], "%s (errno %d)", what, errno);      \
    } while (0)

static void round_trip(int t, int a, int b)
{
    char buf[64];
    CHECK(t, send(a, "ping", 4, 0) == 4 && recv(b, buf, sizeof buf, 0) == 4 &&
             memcmp(buf, "ping", 4) == 0, "send/recv");
    CHECK(t, sendto(b, "pong", 4, 0, NULL, 0) == 4 && recvfrom(a, buf, sizeof buf, 0, NULL, NULL) == 4 &&
             memcmp(buf, "pong", 4) == 0, "sendto/recvfrom");
    struct iovec v[2] = { { "ab", 2 }, { "cd", 2 } }, r = { buf, sizeof buf };
    struct msghdr m = { .msg_iov = v, .msg_iovlen = 2 }, rm = { .msg_iov = &r, .msg_iovlen = 1 };
    CHECK(t, sendmsg(a, &m, 0) == 4 && recvmsg(b, &rm, 0) == 4 && memcmp(buf, "abcd", 4) == 0,
          "sendmsg/recvmsg");
    struct iovec rv[2] = { { buf, 1 }, { buf + 1, 3 } };
    CHECK(t, writev(b, v, 2) == 4 && readv(a, rv, 2) == 4 && memcmp(buf, "abcd", 4) == 0, "writev/readv");
    CHECK(t, write(a, "wxyz", 4) == 4 && read(b, buf, sizeof buf) == 4 && memcmp(buf, "wxyz", 4) == 0,
          "write/read");
}

static void *worker(void *arg)
{
    int t = (int)(long)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < 50; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
            CHECK(t, 0, "socketpair");
            break;
        }
        round_trip(t, sv[0], sv[1]);
        int type = 0;
        socklen_t len = sizeof type;
        CHECK(t, getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM,
              "getsockopt");
        /* dup2/dup3 targets of this thread's own (other threads' descriptors stay below 200) */
        int t2 = 200 + 2 * t, t3 = 201 + 2 * t;
        int d1 = dup(sv[0]), d2 = dup2(sv[1], t2), d3 = dup3(sv[1], t3, O_CLOEXEC);
        CHECK(t, d1 >= 0 && d2 == t2 && d3 == t3, "dup/dup2/dup3");
        CHECK(t, fcntl(d3, F_GETFD) == FD_CLOEXEC, "fcntl");
        if (d2 >= 0)
            round_trip(t, d1, d2);
        CHECK(t, close(d1) == 0 && close(d2) == 0 && close(d3) == 0, "close of the dups");
        CHECK(t, close(sv[0]) == 0 && close(sv[1]) == 0, "close");
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    static const char *const libs[] = { "libz.so.1", "libm.so.6", "libresolv.so.2", "libutil.so.1" };

    if (pipe(sig_pipe) != 0)
        return perror("pipe"), 1;
    signal(SIGUSR1, on_signal);
    raise(SIGUSR1);
    char c = 0;
    printf("%s first write in a signal handler\n",
           sig_wrote && read(sig_pipe[0], &c, 1) == 1 && c == 's' ? "ok" : "FAILED");

    pthread_t th[THREADS];
    pthread_barrier_init(&start, NULL, THREADS + 1);
    for (long t = 0; t < THREADS; t++)
        if (pthread_create(&th[t], NULL, worker, (void *)t) != 0)
            return perror("pthread_create"), 1;
    pthread_barrier_wait(&start);
    int loads = 0;
    for (int i = 0; i < rounds; i++) {
        void *h = dlopen(libs[i % 4], RTLD_NOW | RTLD_LOCAL);
        if (h != NULL) {
            loads++;
            dlclose(h);
        }
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    printf("%s dlopen while the threads ran\n", loads > 0 ? "ok" : "FAILED");
    for (int t = 0; t < THREADS; t++)
        printf("%s thread %d%s%s\n", fails[t][0] ? "FAILED" : "ok", t, fails[t][0] ? ": " : "", fails[t]);
    return 0;
}
