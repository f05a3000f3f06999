/* sig_send.c — hooks re-entered from a signal handler.
 *
 * A SIGALRM handler (setitimer, every 500 us) calls send() on a tracked TCP connection, and every
 * 8th time also socket() + connect() (refused) + close(), while the main loop itself keeps
 * connecting (refused), sending and receiving on other tracked sockets. A hook interrupted by a
 * signal whose handler enters a hook must neither crash nor deadlock (the test runs this under
 * `timeout`). The loop runs until at least `iterations` rounds are done AND `signals` handler
 * calls happened. Prints "iterations=<n> handler_ran=yes main_errors=0 handler_errors=0" and
 * exits 0 when every call returned what it should. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct sockaddr_in refused, listening;
static int sig_sock;                       /* tracked socket the handler sends on */
static volatile sig_atomic_t handled, handler_errors;

static struct sockaddr_in bound(int s)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(s, (struct sockaddr *)&a, &len) < 0) {
        perror("bind");
        exit(2);
    }
    return a;
}

static void on_alarm(int sig)
{
    int saved = errno;
    (void)sig;
    handled++;
    ssize_t w = send(sig_sock, "s", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w != 1 && !(w == -1 && errno == EAGAIN))
        handler_errors++;
    if (handled % 8 == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&refused, sizeof refused) != -1 || errno != ECONNREFUSED)
            handler_errors++;
        if (s >= 0)
            close(s);
    }
    errno = saved;
}

static int connect_listening(int l)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    while (connect(s, (struct sockaddr *)&listening, sizeof listening) < 0) {
        if (errno != EINTR) {
            perror("connect");
            exit(2);
        }
        /* interrupted: the connection completes in the background */
        close(s);
        s = socket(AF_INET, SOCK_STREAM, 0);
    }
    (void)l;
    return s;
}

static int accept_retry(int l)
{
    int p;
    while ((p = accept(l, NULL, NULL)) < 0 && errno == EINTR)
        ;
    return p;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 3000;
    long min_signals = argc > 2 ? atol(argv[2]) : 300;
    signal(SIGPIPE, SIG_IGN);
    int r = socket(AF_INET, SOCK_STREAM, 0);
    refused = bound(r);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    listening = bound(l);
    if (listen(l, 128) < 0) {
        perror("listen");
        return 2;
    }
    sig_sock = connect_listening(l);
    int sig_peer = accept_retry(l);
    fcntl(sig_peer, F_SETFL, O_NONBLOCK);
    int data = connect_listening(l);
    int data_peer = accept_retry(l);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 500}, {0, 500}};
    setitimer(ITIMER_REAL, &it, NULL);

    long main_errors = 0, i;
    char buf[4096];
    for (i = 0; i < iterations || handled < min_signals; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int rc = connect(s, (struct sockaddr *)&refused, sizeof refused);
        if (rc != -1 || (errno != ECONNREFUSED && errno != EINTR))
            main_errors++;
        close(s);
        ssize_t w;
        while ((w = send(data, "0123456789", 10, MSG_NOSIGNAL)) < 0 && errno == EINTR)
            ;
        size_t got = 0;
        while (got < 10) {
            ssize_t n = recv(data_peer, buf, 10 - got, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (w != 10 || got != 10)
            main_errors++;
        while (recv(sig_peer, buf, sizeof buf, 0) > 0)   /* drain what the handler sent */
            ;
        if (i > 1000000) {
            main_errors++;
            break;
        }
    }
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    printf("iterations>=%ld handler_ran=%s main_errors=%ld handler_errors=%d\n", iterations,
           handled >= min_signals ? "yes" : "no", main_errors, (int)handler_errors);
    close(data);
    close(data_peer);
    close(sig_sock);
    close(sig_peer);
    close(l);
    close(r);
    return main_errors || handler_errors || handled < min_signals ? 1 : 0;
}
