/* errno_check.c — the return-value / errno contract of the socket calls the library intercepts.
 *
 * Checks, each printed as "ok <name>" or "FAIL <name> <details>" on stdout (exit 1 if any failed):
 * ECONNREFUSED on a blocking connect; EBADF and ENOTSOCK on bad fds; EAGAIN on empty non-blocking
 * sockets; EINPROGRESS then completion via poll + getsockopt(SO_ERROR) (success and refusal) or
 * via a second connect() (the hiredis way: still one connection, so one span);
 * partial writes until EAGAIN on a full TCP / AF_UNIX buffer (every byte arrives, in order);
 * dup/dup2/dup3 over and onto tracked fds; close_range (+ CLOSE_RANGE_CLOEXEC) and fd reuse;
 * MSG_PEEK then recv; readv/writev, sendmsg/recvmsg (+ SCM_RIGHTS), sendmmsg/recvmmsg, sendfile;
 * EINTR from a signal without SA_RESTART; errno left untouched by successful calls; AF_UNIX
 * connect; and the fortified __recv_chk / __read_chk / __recvfrom_chk entry points (this file is
 * compiled with -O2 -D_FORTIFY_SOURCE=2; the #error below makes sure of it).
 *
 * Output never contains ports, pids or byte counts that vary between runs, so it is identical with
 * and without the library. When ERRNO_CHECK_INFO names a file, one line is written there for every
 * stream connection attempted (one per connection, not per connect() call):
 * "connect <role> <name>", where <name> is what the contract calls the span ("127.0.0.1:<port>" or
 * the unix path), and "udp <port>" for the connected UDP socket (which must produce no span). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#if !defined(__USE_FORTIFY_LEVEL) || __USE_FORTIFY_LEVEL < 2
#error "errno_check.c must be compiled with -O2 -D_FORTIFY_SOURCE=2"
#endif

static int failures;
static FILE *info;

static void report(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(const char *name, int ok, const char *fmt, ...)
{
    if (ok) {
        printf("ok %s\n", name);
        return;
    }
    failures++;
    printf("FAIL %s ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

#define CHECK(name, cond, ...) report((name), (cond) ? 1 : 0, __VA_ARGS__)

static void die(const char *what)
{
    printf("FAIL setup %s: %s\n", what, strerror(errno));
    exit(2);
}

static void note_connect(const char *role, int port)
{
    if (info)
        fprintf(info, "connect %s 127.0.0.1:%d\n", role, port);
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int bound_socket(int type, int *port)
{
    int s = socket(AF_INET, type, 0);
    if (s < 0)
        die("socket");
    struct sockaddr_in a = loopback(0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
        die("bind");
    socklen_t len = sizeof a;
    if (getsockname(s, (struct sockaddr *)&a, &len) < 0)
        die("getsockname");
    *port = ntohs(a.sin_port);
    return s;
}

/* A TCP listener on 127.0.0.1:<ephemeral>. */
static int listener(int *port)
{
    int s = bound_socket(SOCK_STREAM, port);
    if (listen(s, 64) < 0)
        die("listen");
    return s;
}

/* A bound but not listening TCP socket: connects to its port are refused, and the port stays
 * reserved for as long as the socket lives (no race with other processes). */
static int refuser(int *port)
{
    return bound_socket(SOCK_STREAM, port);
}

static int connect_to(int s, int port)
{
    struct sockaddr_in a = loopback(port);
    return connect(s, (struct sockaddr *)&a, sizeof a);
}

/* A connected TCP pair over loopback: *c is the connecting side (tracked), *p the accepted one. */
static void tcp_pair(const char *role, int *c, int *p)
{
    int port;
    int l = listener(&port);
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*c < 0)
        die("socket");
    note_connect(role, port);
    if (connect_to(*c, port) < 0)
        die("connect");
    *p = accept(l, NULL, NULL);
    if (*p < 0)
        die("accept");
    close(l);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read exactly n bytes (blocking); returns bytes read before EOF/error. */
static size_t read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static unsigned char pattern(size_t i)
{
    return (unsigned char)((i * 7u + 3u) % 251u);
}

/* ---- checks ---------------------------------------------------------------------------- */

static void check_refused(void)
{
    int port;
    int r = refuser(&port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    note_connect("refused", port);
    errno = 0;
    int rc = connect_to(s, port);
    int e = errno;
    CHECK("connect_econnrefused", rc == -1 && e == ECONNREFUSED, "rc=%d errno=%s", rc, strerror(e));
    close(s);
    close(r);
}

static void check_blocking_ok(void)
{
    int port;
    int l = listener(&port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    note_connect("blocking_ok", port);
    int rc = connect_to(s, port);
    int e = errno;
    CHECK("connect_blocking_ok", rc == 0, "rc=%d errno=%s", rc, strerror(e));
    int p = accept(l, NULL, NULL);
    CHECK("accept_ok", p >= 0, "rc=%d errno=%s", p, strerror(errno));
    close(p);
    close(s);
    close(l);
}

static void check_ebadf(void)
{
    static const int bad[] = {-1, 999999};
    char buf[16] = "x";
    struct sockaddr_in a = loopback(9);
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    int all = 1;
    char what[128] = "";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = bad[i];
        struct { const char *n; long rc; int e; } r[15];
        int k = 0;
#define T(nm, call) do { errno = 0; long rc_ = (long)(call); r[k].n = (nm); r[k].rc = rc_; r[k].e = errno; k++; } while (0)
        T("send", send(fd, buf, 1, 0));
        T("recv", recv(fd, buf, 1, 0));
        T("read", read(fd, buf, 1));
        T("write", write(fd, buf, 1));
        T("connect", connect(fd, (struct sockaddr *)&a, sizeof a));
        T("sendto", sendto(fd, buf, 1, 0, NULL, 0));
        T("recvfrom", recvfrom(fd, buf, 1, 0, NULL, NULL));
        T("sendmsg", sendmsg(fd, &mh, 0));
        T("recvmsg", recvmsg(fd, &mh, 0));
        T("readv", readv(fd, &iov, 1));
        T("writev", writev(fd, &iov, 1));
        T("shutdown", shutdown(fd, SHUT_RDWR));
        T("accept", accept(fd, NULL, NULL));
        T("dup", dup(fd));
        T("close", close(fd));
#undef T
        for (int j = 0; j < k; j++)
            if (r[j].rc != -1 || r[j].e != EBADF) {
                all = 0;
                snprintf(what, sizeof what, "fd=%d %s rc=%ld errno=%s", fd, r[j].n, r[j].rc, strerror(r[j].e));
            }
    }
    CHECK("ebadf", all, "%s", what);
}

static void check_enotsock(void)
{
    int p[2];
    if (pipe(p) < 0)
        die("pipe");
    char buf[8] = "abc";
    struct sockaddr_in a = loopback(9);
    errno = 0;
    ssize_t r1 = send(p[1], buf, 3, 0);
    int e1 = errno;
    errno = 0;
    ssize_t r2 = recv(p[0], buf, 3, MSG_DONTWAIT);
    int e2 = errno;
    errno = 0;
    int r3 = connect(p[1], (struct sockaddr *)&a, sizeof a);
    int e3 = errno;
    CHECK("enotsock", r1 == -1 && e1 == ENOTSOCK && r2 == -1 && e2 == ENOTSOCK && r3 == -1 && e3 == ENOTSOCK,
          "send=%zd/%s recv=%zd/%s connect=%d/%s", r1, strerror(e1), r2, strerror(e2), r3, strerror(e3));
    ssize_t w = write(p[1], "pipe", 4);
    ssize_t rd = read(p[0], buf, sizeof buf);
    CHECK("pipe_io", w == 4 && rd == 4 && memcmp(buf, "pipe", 4) == 0, "write=%zd read=%zd", w, rd);
    close(p[0]);
    close(p[1]);
}

static void check_eagain(void)
{
    int c, p;
    tcp_pair("eagain", &c, &p);
    char buf[16];
    set_nonblock(p);
    errno = 0;
    ssize_t r1 = recv(p, buf, sizeof buf, 0);
    int e1 = errno;
    errno = 0;
    ssize_t r2 = read(p, buf, sizeof buf);
    int e2 = errno;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    errno = 0;
    ssize_t r3 = recvmsg(p, &mh, 0);
    int e3 = errno;
    errno = 0;
    ssize_t r4 = recv(c, buf, sizeof buf, MSG_DONTWAIT);   /* blocking socket, per-call flag */
    int e4 = errno;
    CHECK("eagain_recv", r1 == -1 && e1 == EAGAIN && r2 == -1 && e2 == EAGAIN && r3 == -1 && e3 == EAGAIN
                         && r4 == -1 && e4 == EAGAIN,
          "recv=%zd/%s read=%zd/%s recvmsg=%zd/%s dontwait=%zd/%s", r1, strerror(e1), r2, strerror(e2),
          r3, strerror(e3), r4, strerror(e4));
    /* The blocking socket is still blocking after the MSG_DONTWAIT call; data then flows. */
    int fl = fcntl(c, F_GETFL);
    ssize_t w = send(p, "z", 1, 0);
    ssize_t r5 = recv(c, buf, sizeof buf, 0);
    CHECK("eagain_then_data", !(fl & O_NONBLOCK) && w == 1 && r5 == 1 && buf[0] == 'z',
          "flags=%#x send=%zd recv=%zd", fl, w, r5);
    close(c);
    close(p);

    int port;
    int l = listener(&port);
    set_nonblock(l);
    errno = 0;
    int a1 = accept(l, NULL, NULL);
    int ea = errno;
    errno = 0;
    int a2 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    int eb = errno;
    CHECK("eagain_accept", a1 == -1 && ea == EAGAIN && a2 == -1 && eb == EAGAIN,
          "accept=%d/%s accept4=%d/%s", a1, strerror(ea), a2, strerror(eb));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    note_connect("accept4", port);
    int rc = connect_to(s, port);
    struct pollfd pf = {l, POLLIN, 0};
    poll(&pf, 1, 2000);
    int a3 = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    int afl = a3 >= 0 ? fcntl(a3, F_GETFL) : 0, afd = a3 >= 0 ? fcntl(a3, F_GETFD) : 0;
    CHECK("accept4_flags", rc == 0 && a3 >= 0 && (afl & O_NONBLOCK) && (afd & FD_CLOEXEC),
          "connect=%d accept4=%d fl=%#x fd=%#x", rc, a3, afl, afd);
    close(a3);
    close(s);
    close(l);
}

static void check_einprogress(void)
{
    int port;
    int l = listener(&port);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    note_connect("nonblock_ok", port);
    errno = 0;
    int rc = connect_to(s, port);
    int e = errno;
    CHECK("nonblock_connect_einprogress", rc == -1 && e == EINPROGRESS, "rc=%d errno=%s", rc, strerror(e));
    struct pollfd pf = {s, POLLOUT, 0};
    int pr = poll(&pf, 1, 5000);
    int soerr = -1;
    socklen_t len = sizeof soerr;
    int gr = getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len);
    CHECK("nonblock_connect_completes", pr == 1 && (pf.revents & POLLOUT) && gr == 0 && soerr == 0,
          "poll=%d revents=%#x getsockopt=%d so_error=%d", pr, pf.revents, gr, soerr);
    ssize_t w = send(s, "x", 1, 0);
    int p = accept(l, NULL, NULL);
    char c = 0;
    ssize_t r = p >= 0 ? recv(p, &c, 1, 0) : -1;
    CHECK("nonblock_connect_io", w == 1 && r == 1 && c == 'x', "send=%zd recv=%zd", w, r);
    close(p);
    close(s);
    close(l);

    int rs = refuser(&port);
    s = socket(AF_INET, SOCK_STREAM, 0);
    set_nonblock(s);
    note_connect("nonblock_refused", port);
    errno = 0;
    rc = connect_to(s, port);
    e = errno;
    CHECK("nonblock_refused_einprogress", rc == -1 && e == EINPROGRESS, "rc=%d errno=%s", rc, strerror(e));
    pf.fd = s;
    pf.events = POLLOUT;
    pf.revents = 0;
    pr = poll(&pf, 1, 5000);
    soerr = -1;
    len = sizeof soerr;
    gr = getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len);
    CHECK("nonblock_refused_so_error", pr == 1 && gr == 0 && soerr == ECONNREFUSED,
          "poll=%d revents=%#x getsockopt=%d so_error=%d", pr, pf.revents, gr, soerr);
    /* SO_ERROR is cleared by reading it. */
    soerr = -1;
    gr = getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len);
    CHECK("so_error_cleared", gr == 0 && soerr == 0, "getsockopt=%d so_error=%d", gr, soerr);
    close(s);
    close(rs);
}

/* The hiredis pattern: non-blocking connect, poll, then connect() again to learn the outcome
 * (returns 0 once the connection is established). Still one connection. */
static void check_nonblock_recheck(void)
{
    int port;
    int l = listener(&port);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    note_connect("nonblock_recheck", port);
    errno = 0;
    int rc = connect_to(s, port);
    int e = errno;
    struct pollfd pf = {s, POLLOUT, 0};
    int pr = poll(&pf, 1, 5000);
    errno = 0;
    int rc2 = connect_to(s, port);
    int e2 = errno;
    CHECK("nonblock_connect_recheck", rc == -1 && e == EINPROGRESS && pr == 1 && rc2 == 0,
          "connect=%d/%s poll=%d reconnect=%d/%s", rc, strerror(e), pr, rc2, strerror(e2));
    int p = accept(l, NULL, NULL);
    ssize_t w = send(s, "r", 1, 0);
    char c = 0;
    ssize_t r = p >= 0 ? recv(p, &c, 1, 0) : -1;
    CHECK("nonblock_recheck_io", w == 1 && r == 1 && c == 'r', "send=%zd recv=%zd", w, r);
    close(p);
    close(s);
    close(l);
}

/* Fill a non-blocking stream socket until EAGAIN, then drain the peer and verify every byte. */
static void fill_and_drain(const char *name, int w, int r)
{
    enum { CHUNK = 65536 };
    static unsigned char out[CHUNK], in[CHUNK];
    size_t total = 0;
    int bad_rc = 0, calls = 0;
    ssize_t last = 0;
    int last_errno = 0;
    set_nonblock(w);
    for (;;) {
        for (size_t i = 0; i < CHUNK; i++)
            out[i] = pattern(total + i);
        errno = 0;
        last = send(w, out, CHUNK, 0);
        last_errno = errno;
        if (last < 0)
            break;
        calls++;
        if (last == 0 || last > CHUNK)
            bad_rc = 1;
        total += (size_t)last;
        if (total > (size_t)512 << 20)
            break;
    }
    CHECK(name, last == -1 && last_errno == EAGAIN && !bad_rc && calls > 0 && total > 0,
          "last=%zd errno=%s bad_rc=%d calls=%d", last, strerror(last_errno), bad_rc, calls);
    /* A write on the full buffer keeps failing with EAGAIN, also through writev. */
    struct iovec iov = {out, CHUNK};
    errno = 0;
    ssize_t wv = writev(w, &iov, 1);
    int ewv = errno;
    char nm[64];
    snprintf(nm, sizeof nm, "%s_writev_eagain", name);
    CHECK(nm, wv == -1 && ewv == EAGAIN, "writev=%zd errno=%s", wv, strerror(ewv));
    /* Drain: exactly `total` bytes arrive, in order. */
    size_t got = 0;
    int mismatch = 0;
    while (got < total) {
        size_t want = total - got < CHUNK ? total - got : CHUNK;
        size_t n = read_full(r, in, want);
        if (n != want)
            break;
        for (size_t i = 0; i < n; i++)
            if (in[i] != pattern(got + i))
                mismatch = 1;
        got += n;
    }
    set_nonblock(r);
    errno = 0;
    ssize_t extra = recv(r, in, 1, 0);
    int ee = errno;
    snprintf(nm, sizeof nm, "%s_drained", name);
    CHECK(nm, got == total && !mismatch && extra == -1 && ee == EAGAIN, "got!=total:%d mismatch=%d extra=%zd",
          got != total, mismatch, extra);
}

static void check_partial_writes(void)
{
    int c, p;
    tcp_pair("partial_tcp", &c, &p);
    fill_and_drain("partial_write_tcp", c, p);
    close(c);
    close(p);
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
        die("socketpair");
    fill_and_drain("partial_write_unix", sp[0], sp[1]);
    close(sp[0]);
    close(sp[1]);
}

static void check_dup(void)
{
    char buf[16];
    /* dup2 of a pipe over a tracked socket: the fd number now means the pipe. */
    int c, p;
    tcp_pair("dup2_over", &c, &p);
    int pp[2];
    if (pipe(pp) < 0)
        die("pipe");
    int d = dup2(pp[1], c);
    ssize_t w = write(c, "abc", 3);
    ssize_t r = read(pp[0], buf, sizeof buf);
    errno = 0;
    ssize_t s1 = send(c, "x", 1, 0);
    int e1 = errno;
    ssize_t eof = recv(p, buf, sizeof buf, 0);   /* the socket's last reference went away */
    CHECK("dup2_over_tracked", d == c && w == 3 && r == 3 && memcmp(buf, "abc", 3) == 0 && s1 == -1
                               && e1 == ENOTSOCK && eof == 0,
          "dup2=%d write=%zd read=%zd send=%zd/%s peer=%zd", d, w, r, s1, strerror(e1), eof);
    close(c);
    close(pp[0]);
    close(pp[1]);
    close(p);

    /* dup2 of a tracked socket onto another fd: both numbers work; the peer sees EOF only when
     * the last one is closed. */
    tcp_pair("dup2_onto", &c, &p);
    int target = open("/dev/null", O_RDONLY);
    d = dup2(c, target);
    ssize_t a1 = send(target, "hi", 2, 0);
    ssize_t b1 = recv(p, buf, sizeof buf, 0);
    close(c);
    ssize_t a2 = send(target, "yo", 2, 0);
    ssize_t b2 = recv(p, buf + 2, sizeof buf - 2, 0);
    int holder = open("/dev/null", O_RDONLY);     /* a number we own, replaced by dup3 */
    int d3 = dup3(target, holder, O_CLOEXEC);
    int fdfl = fcntl(d3, F_GETFD);
    ssize_t a3 = send(d3, "z", 1, 0);
    ssize_t b3 = recv(p, buf + 4, 1, 0);
    int d4 = dup(d3);
    ssize_t a4 = send(d4, "w", 1, 0);
    ssize_t b4 = recv(p, buf + 5, 1, 0);
    close(target);
    close(d3);
    ssize_t b5 = recv(p, buf + 6, 1, MSG_DONTWAIT);
    int e5 = errno;
    close(d4);
    ssize_t b6 = recv(p, buf + 6, 1, 0);
    CHECK("dup2_onto_tracked", d == target && a1 == 2 && b1 == 2 && a2 == 2 && b2 == 2 && d3 == holder
                               && (fdfl & FD_CLOEXEC) && a3 == 1 && b3 == 1 && a4 == 1 && b4 == 1
                               && memcmp(buf, "hiyozw", 6) == 0 && b5 == -1 && e5 == EAGAIN && b6 == 0,
          "dup2=%d %zd/%zd %zd/%zd dup3=%d fl=%#x %zd/%zd %zd/%zd b5=%zd b6=%zd", d, a1, b1, a2, b2, d3, fdfl,
          a3, b3, a4, b4, b5, b6);
    close(p);
}

static void check_close_range(void)
{
    enum { BASE = 600, N = 4 };
    int peers[N];
    int ok_setup = 1;
    for (int i = 0; i < N; i++) {
        int c;
        tcp_pair("close_range", &c, &peers[i]);
        if (dup2(c, BASE + i) != BASE + i)
            ok_setup = 0;
        close(c);
    }
    int rc = close_range(BASE, BASE + N - 1, 0);
    int closed = 1, eofs = 1;
    char b;
    for (int i = 0; i < N; i++) {
        errno = 0;
        if (fcntl(BASE + i, F_GETFD) != -1 || errno != EBADF)
            closed = 0;
        if (recv(peers[i], &b, 1, 0) != 0)
            eofs = 0;
        close(peers[i]);
    }
    CHECK("close_range", ok_setup && rc == 0 && closed && eofs, "setup=%d rc=%d closed=%d eofs=%d", ok_setup,
          rc, closed, eofs);

    /* Reuse one of the numbers for a new connection: it must behave like a fresh socket. */
    int c, p;
    tcp_pair("close_range_reuse", &c, &p);
    int d = dup2(c, BASE + 1);
    close(c);
    ssize_t w = send(d, "re", 2, 0);
    char buf[4];
    ssize_t r = recv(p, buf, sizeof buf, 0);
    int rc2 = close_range(BASE + 1, BASE + 1, CLOSE_RANGE_CLOEXEC);
    int fl = fcntl(BASE + 1, F_GETFD);
    ssize_t w2 = send(BASE + 1, "!", 1, 0);
    ssize_t r2 = recv(p, buf, sizeof buf, 0);
    CHECK("close_range_reuse", d == BASE + 1 && w == 2 && r == 2 && rc2 == 0 && fl >= 0 && (fl & FD_CLOEXEC)
                               && w2 == 1 && r2 == 1,
          "dup2=%d send=%zd recv=%zd cloexec_rc=%d fl=%d send2=%zd recv2=%zd", d, w, r, rc2, fl, w2, r2);
    close(BASE + 1);
    close(p);
}

static void check_peek(void)
{
    int c, p;
    tcp_pair("peek", &c, &p);
    char buf[32];
    ssize_t w = send(p, "hello world", 11, 0);
    memset(buf, 0, sizeof buf);
    ssize_t r1 = recv(c, buf, 5, MSG_PEEK);
    int m1 = memcmp(buf, "hello", 5) == 0;
    memset(buf, 0, sizeof buf);
    ssize_t r2 = recv(c, buf, 5, MSG_PEEK);
    int m2 = memcmp(buf, "hello", 5) == 0;
    memset(buf, 0, sizeof buf);
    ssize_t r3 = recv(c, buf, 11, MSG_WAITALL);
    int m3 = memcmp(buf, "hello world", 11) == 0;
    CHECK("msg_peek", w == 11 && r1 == 5 && m1 && r2 == 5 && m2 && r3 == 11 && m3,
          "send=%zd peek=%zd/%d peek2=%zd/%d recv=%zd/%d", w, r1, m1, r2, m2, r3, m3);
    close(c);
    close(p);
}

/* writev / readv on the TCP pair (c, p). */
static void check_rwv(int c, int p)
{
    char a[] = "ab", b[] = "cde", d[] = "fghi";
    struct iovec out[3] = {{a, 2}, {b, 3}, {d, 4}};
    ssize_t w = writev(c, out, 3);
    char x[4], y[5];
    struct iovec in[2] = {{x, 4}, {y, 5}};
    ssize_t got = 0, r;
    while (got < 9 && (r = readv(p, in, 2)) > 0) {
        got += r;
        /* advance the iovecs past what was read */
        size_t k = (size_t)r;
        for (int i = 0; i < 2 && k; i++) {
            size_t t = k < in[i].iov_len ? k : in[i].iov_len;
            in[i].iov_base = (char *)in[i].iov_base + t;
            in[i].iov_len -= t;
            k -= t;
        }
    }
    CHECK("writev_readv", w == 9 && got == 9 && memcmp(x, "abcd", 4) == 0 && memcmp(y, "efghi", 5) == 0,
          "writev=%zd readv=%zd", w, got);
}

/* sendmsg / recvmsg, sendmmsg and sendto / recvfrom on the TCP pair (c, p): one byte stream. */
static void check_msg_calls(int c, int p)
{
    char a[] = "ab", b[] = "cde", d[] = "fghi";
    struct iovec out[3] = {{a, 2}, {b, 3}, {d, 4}};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = out;
    mh.msg_iovlen = 3;
    ssize_t sm = sendmsg(c, &mh, MSG_NOSIGNAL);
    char buf[16];
    memset(buf, 0, sizeof buf);
    struct iovec one = {buf, 9};
    struct msghdr rh;
    memset(&rh, 0, sizeof rh);
    rh.msg_iov = &one;
    rh.msg_iovlen = 1;
    ssize_t rm = recvmsg(p, &rh, MSG_WAITALL);
    CHECK("sendmsg_recvmsg", sm == 9 && rm == 9 && memcmp(buf, "abcdefghi", 9) == 0 && rh.msg_flags == 0,
          "sendmsg=%zd recvmsg=%zd flags=%#x", sm, rm, rh.msg_flags);

    /* sendmmsg on a TCP socket: two messages, one byte stream. */
    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    struct iovec i1 = {a, 2}, i2 = {b, 3};
    mm[0].msg_hdr.msg_iov = &i1;
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &i2;
    mm[1].msg_hdr.msg_iovlen = 1;
    int sn = sendmmsg(c, mm, 2, 0);
    memset(buf, 0, sizeof buf);
    ssize_t rr = recv(p, buf, 5, MSG_WAITALL);
    CHECK("sendmmsg_tcp", sn == 2 && mm[0].msg_len == 2 && mm[1].msg_len == 3 && rr == 5
                          && memcmp(buf, "abcde", 5) == 0,
          "sendmmsg=%d len0=%u len1=%u recv=%zd", sn, mm[0].msg_len, mm[1].msg_len, rr);

    /* sendto / recvfrom on the stream */
    ssize_t st = sendto(c, "to", 2, 0, NULL, 0);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t rf = recvfrom(p, buf, 2, MSG_WAITALL, (struct sockaddr *)&from, &flen);
    CHECK("sendto_recvfrom_tcp", st == 2 && rf == 2 && memcmp(buf, "to", 2) == 0, "sendto=%zd recvfrom=%zd",
          st, rf);
}

/* sendfile on the TCP pair (c, p): from a temporary file, with an offset pointer and with the
 * file position. */
static void check_sendfile(int c, int p)
{
    char path[] = "/tmp/errno_check.XXXXXX";
    int f = mkstemp(path);
    if (f < 0)
        die("mkstemp");
    unlink(path);
    enum { FSZ = 10000 };
    static unsigned char fbuf[FSZ], rbuf[FSZ];
    for (size_t i = 0; i < FSZ; i++)
        fbuf[i] = pattern(i);
    if (write(f, fbuf, FSZ) != FSZ)
        die("write tmp");
    off_t off = 100;
    ssize_t sent = 0, s1;
    while (sent < FSZ - 100 && (s1 = sendfile(c, f, &off, (size_t)(FSZ - 100 - sent))) > 0)
        sent += s1;
    size_t n1 = read_full(p, rbuf, FSZ - 100);
    int m1 = n1 == FSZ - 100 && memcmp(rbuf, fbuf + 100, FSZ - 100) == 0;
    lseek(f, 0, SEEK_SET);
    ssize_t s2 = sendfile(c, f, NULL, 500);
    off_t pos = lseek(f, 0, SEEK_CUR);
    size_t n2 = read_full(p, rbuf, 500);
    int m2 = n2 == 500 && memcmp(rbuf, fbuf, 500) == 0;
    CHECK("sendfile", sent == FSZ - 100 && off == FSZ && m1 && s2 == 500 && pos == 500 && m2,
          "sent=%zd off=%ld m1=%d s2=%zd pos=%ld m2=%d", sent, (long)off, m1, s2, (long)pos, m2);
    close(f);
}

/* sendmmsg / recvmmsg on UDP (a connected UDP socket: no connect span expected). */
static void check_mmsg_udp(void)
{
    char a[] = "ab", b[] = "cde", d[] = "fghi";
    int uport;
    int u1 = bound_socket(SOCK_DGRAM, &uport);
    int u2 = socket(AF_INET, SOCK_DGRAM, 0);
    if (info)
        fprintf(info, "udp %d\n", uport);
    int uc = connect_to(u2, uport);
    struct mmsghdr um[3];
    struct iovec uv[3] = {{a, 1}, {b, 2}, {d, 3}};
    memset(um, 0, sizeof um);
    for (int i = 0; i < 3; i++) {
        um[i].msg_hdr.msg_iov = &uv[i];
        um[i].msg_hdr.msg_iovlen = 1;
    }
    int us = sendmmsg(u2, um, 3, 0);
    char r0[8], r1b[8], r2b[8];
    struct iovec rv[3] = {{r0, 8}, {r1b, 8}, {r2b, 8}};
    struct mmsghdr rm3[3];
    memset(rm3, 0, sizeof rm3);
    for (int i = 0; i < 3; i++) {
        rm3[i].msg_hdr.msg_iov = &rv[i];
        rm3[i].msg_hdr.msg_iovlen = 1;
    }
    struct timespec to = {5, 0};
    int ur = recvmmsg(u1, rm3, 3, MSG_WAITFORONE, &to);
    int got3 = ur;
    while (got3 > 0 && got3 < 3) {   /* datagrams can be queued one by one */
        int more = recvmmsg(u1, rm3 + got3, (unsigned)(3 - got3), 0, &to);
        if (more <= 0)
            break;
        got3 += more;
    }
    CHECK("sendmmsg_recvmmsg_udp", uc == 0 && us == 3 && got3 == 3 && rm3[0].msg_len == 1 && rm3[1].msg_len == 2
                                   && rm3[2].msg_len == 3 && r0[0] == 'a' && memcmp(r1b, "cd", 2) == 0
                                   && memcmp(r2b, "fgh", 3) == 0,
          "connect=%d sendmmsg=%d recvmmsg=%d", uc, us, got3);
    close(u1);
    close(u2);
}

/* SCM_RIGHTS over an AF_UNIX socketpair: the passed fd works. */
static void check_scm_rights(void)
{
    char a[] = "a";
    int sp[2], pp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || pipe(pp) < 0)
        die("socketpair/pipe");
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cb;
    memset(&cb, 0, sizeof cb);
    struct iovec ci = {a, 1};
    struct msghdr cm;
    memset(&cm, 0, sizeof cm);
    cm.msg_iov = &ci;
    cm.msg_iovlen = 1;
    cm.msg_control = cb.b;
    cm.msg_controllen = sizeof cb.b;
    struct cmsghdr *h = CMSG_FIRSTHDR(&cm);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &pp[1], sizeof(int));
    ssize_t cs = sendmsg(sp[0], &cm, 0);
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } rb;
    memset(&rb, 0, sizeof rb);
    char rc1;
    struct iovec ri = {&rc1, 1};
    struct msghdr rmh;
    memset(&rmh, 0, sizeof rmh);
    rmh.msg_iov = &ri;
    rmh.msg_iovlen = 1;
    rmh.msg_control = rb.b;
    rmh.msg_controllen = sizeof rb.b;
    ssize_t cr = recvmsg(sp[1], &rmh, 0);
    int passed = -1;
    struct cmsghdr *rh2 = CMSG_FIRSTHDR(&rmh);
    if (rh2 && rh2->cmsg_level == SOL_SOCKET && rh2->cmsg_type == SCM_RIGHTS)
        memcpy(&passed, CMSG_DATA(rh2), sizeof(int));
    ssize_t pw = passed >= 0 ? write(passed, "fd", 2) : -1;
    char pb[2] = {0, 0};
    ssize_t pr = read(pp[0], pb, 2);
    CHECK("scm_rights", cs == 1 && cr == 1 && rc1 == 'a' && passed >= 0 && pw == 2 && pr == 2
                        && memcmp(pb, "fd", 2) == 0,
          "sendmsg=%zd recvmsg=%zd passed=%d write=%zd read=%zd", cs, cr, passed, pw, pr);
    if (passed >= 0)
        close(passed);
    close(sp[0]);
    close(sp[1]);
    close(pp[0]);
    close(pp[1]);
}

/* The vectored and message calls, sendfile, the mmsg calls and descriptor passing. The
 * stream calls share one TCP pair (one connect span, as the test expects). */
static void check_vectors(void)
{
    int c, p;
    tcp_pair("vectors", &c, &p);
    check_rwv(c, p);
    check_msg_calls(c, p);
    check_sendfile(c, p);
    close(c);
    close(p);
    check_mmsg_udp();
    check_scm_rights();
}

static void check_fortified(void)
{
    int c, p;
    tcp_pair("fortify", &c, &p);
    char buf[64];
    volatile size_t n = sizeof buf;      /* not a constant: the _chk variant is called */
    ssize_t w = send(p, "fortify", 7, 0);
    memset(buf, 0, sizeof buf);
    ssize_t r = recv(c, buf, n, 0);                   /* __recv_chk */
    int m = r == 7 && memcmp(buf, "fortify", 7) == 0;
    ssize_t w2 = send(p, "chk", 3, 0);
    memset(buf, 0, sizeof buf);
    ssize_t r2 = read(c, buf, n);                     /* __read_chk */
    int m2 = r2 == 3 && memcmp(buf, "chk", 3) == 0;
    ssize_t w3 = send(p, "from", 4, 0);
    memset(buf, 0, sizeof buf);
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t r3 = recvfrom(c, buf, n, 0, (struct sockaddr *)&from, &flen);   /* __recvfrom_chk */
    int m3 = r3 == 4 && memcmp(buf, "from", 4) == 0;
    set_nonblock(c);
    errno = 0;
    ssize_t r4 = recv(c, buf, n, 0);
    int e4 = errno;
    CHECK("fortified_recv_chk", w == 7 && m && w2 == 3 && m2 && w3 == 4 && m3 && r4 == -1 && e4 == EAGAIN,
          "recv=%zd read=%zd recvfrom=%zd empty=%zd/%s", r, r2, r3, r4, strerror(e4));
    close(c);
    close(p);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void check_eintr(void)
{
    int c, p;
    tcp_pair("eintr", &c, &p);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;   /* no SA_RESTART: the blocking recv must fail with EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 30000;
    setitimer(ITIMER_REAL, &it, NULL);
    char b;
    errno = 0;
    ssize_t r = recv(c, &b, 1, 0);
    int e = errno;
    sigaction(SIGALRM, &old, NULL);
    CHECK("eintr_recv", r == -1 && e == EINTR, "recv=%zd errno=%s", r, strerror(e));
    ssize_t w = send(p, "k", 1, 0);
    ssize_t r2 = recv(c, &b, 1, 0);
    CHECK("after_eintr", w == 1 && r2 == 1 && b == 'k', "send=%zd recv=%zd", w, r2);
    close(c);
    close(p);
}

static void check_errno_preserved(void)
{
    const int MAGIC = 4242;
    int port;
    int l = listener(&port);
    int bad = 0;
    const char *where = "";
    errno = MAGIC;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || errno != MAGIC) { bad = 1; where = "socket"; }
    note_connect("errno_preserved", port);
    errno = MAGIC;
    if ((connect_to(s, port) != 0 || errno != MAGIC) && !bad) { bad = 1; where = "connect"; }
    errno = MAGIC;
    int p = accept(l, NULL, NULL);
    if ((p < 0 || errno != MAGIC) && !bad) { bad = 1; where = "accept"; }
    errno = MAGIC;
    if ((send(s, "e", 1, 0) != 1 || errno != MAGIC) && !bad) { bad = 1; where = "send"; }
    char b;
    errno = MAGIC;
    if ((recv(p, &b, 1, 0) != 1 || errno != MAGIC) && !bad) { bad = 1; where = "recv"; }
    errno = MAGIC;
    if ((write(p, "f", 1) != 1 || errno != MAGIC) && !bad) { bad = 1; where = "write"; }
    errno = MAGIC;
    if ((read(s, &b, 1) != 1 || errno != MAGIC) && !bad) { bad = 1; where = "read"; }
    errno = MAGIC;
    if ((shutdown(s, SHUT_WR) != 0 || errno != MAGIC) && !bad) { bad = 1; where = "shutdown"; }
    errno = MAGIC;
    if ((close(s) != 0 || errno != MAGIC) && !bad) { bad = 1; where = "close"; }
    errno = MAGIC;
    if ((close(p) != 0 || errno != MAGIC) && !bad) { bad = 1; where = "close accepted"; }
    close(l);
    CHECK("errno_preserved_on_success", !bad, "%s changed errno to %d", where, errno);
}

static void check_unix_connect(void)
{
    char dir[] = "/tmp/errno_check_unix.XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp");
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/s.sock", dir);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0)
        die("unix listen");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (info)
        fprintf(info, "connect unix %s\n", a.sun_path);
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    int p = accept(l, NULL, NULL);
    ssize_t w = send(s, "u", 1, 0);
    char b = 0;
    ssize_t r = recv(p, &b, 1, 0);
    CHECK("unix_connect", rc == 0 && p >= 0 && w == 1 && r == 1 && b == 'u', "connect=%d accept=%d", rc, p);
    close(p);
    close(s);
    close(l);
    unlink(a.sun_path);
    rmdir(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const char *ip = getenv("ERRNO_CHECK_INFO");
    if (ip && *ip) {
        info = fopen(ip, "w");
        if (!info)
            die("fopen ERRNO_CHECK_INFO");
    }
    check_refused();
    check_blocking_ok();
    check_ebadf();
    check_enotsock();
    check_eagain();
    check_einprogress();
    check_nonblock_recheck();
    check_partial_writes();
    check_dup();
    check_close_range();
    check_peek();
    check_vectors();
    check_fortified();
    check_eintr();
    check_errno_preserved();
    check_unix_connect();
    if (info)
        fclose(info);
    printf("%s\n", failures ? "FAILED" : "ALL OK");
    return failures ? 1 : 0;
}
