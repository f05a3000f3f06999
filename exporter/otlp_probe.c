/* otlp_probe.c — a TCP connect to a collector's address, without libcurl (see otlp_probe.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "exporter/otlp_probe.h"
#include "preload/fdtable.h"

enum { P_REFUSED, P_OPEN, P_UNKNOWN };

/* One address: refused (or unreachable: nothing can listen there), open, or no answer. */
static int ga__probe(const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ga_own o = ga_fd_own(fd);
    if (o.fd < 0) {
        if (fd >= 0)
            syscall(SYS_close, fd);
        return P_UNKNOWN;
    }
    int r = P_UNKNOWN;
    if (connect(o.fd, sa, len) == 0) {
        r = P_OPEN;
    } else if (errno == ECONNREFUSED || errno == ENETUNREACH || errno == EADDRNOTAVAIL ||
               errno == EAFNOSUPPORT) {
        r = P_REFUSED;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = { .fd = o.fd, .events = POLLOUT };
        int err = 0;
        socklen_t el = sizeof err;
        if (poll(&p, 1, timeout_ms) == 1 && ga_fd_own_valid(o) &&
            getsockopt(o.fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0)
            r = err == 0 ? P_OPEN : (err == ECONNREFUSED || err == ENETUNREACH) ? P_REFUSED : P_UNKNOWN;
    }
    ga_fd_own_close(&o);
    return r;
}

int ga_otlp_probe_refused(const char *url, int timeout_ms)
{
    const char *h = strstr(url, "://");
    if (h == NULL)
        return 0;
    int https = (size_t)(h - url) == 5 && strncasecmp(url, "https", 5) == 0;
    h += 3;
    size_t auth = strcspn(h, "/?#");
    const char *at = memchr(h, '@', auth);
    if (at != NULL) {                       /* user:pass@ */
        auth -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    char host[64];
    const char *port_s = NULL;
    size_t hl;
    if (h[0] == '[') {
        const char *rb = memchr(h, ']', auth);
        if (rb == NULL)
            return 0;
        hl = (size_t)(rb - h - 1);
        if (hl >= sizeof host)
            return 0;
        memcpy(host, h + 1, hl);
        if ((size_t)(rb + 1 - h) < auth && rb[1] == ':')
            port_s = rb + 2;
    } else {
        const char *colon = memchr(h, ':', auth);
        hl = colon ? (size_t)(colon - h) : auth;
        if (hl >= sizeof host)
            return 0;
        memcpy(host, h, hl);
        port_s = colon ? colon + 1 : NULL;
    }
    host[hl] = '\0';
    long port = https ? 443 : 80;
    if (port_s != NULL) {
        char *end;
        port = strtol(port_s, &end, 10);
        if (end == port_s || port <= 0 || port > 65535)
            return 0;
    }
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
    int r;
    if (strcasecmp(host, "localhost") == 0) {
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a6.sin6_addr = (struct in6_addr)IN6ADDR_LOOPBACK_INIT;    /* a constant: no symbol to bind */
        r = ga__probe((struct sockaddr *)&a4, sizeof a4, timeout_ms);
        if (r == P_REFUSED)
            r = ga__probe((struct sockaddr *)&a6, sizeof a6, timeout_ms);
    } else if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
        r = ga__probe((struct sockaddr *)&a4, sizeof a4, timeout_ms);
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        r = ga__probe((struct sockaddr *)&a6, sizeof a6, timeout_ms);
    } else {
        return 0;                           /* a name: left to libcurl's resolver */
    }
    return r == P_REFUSED;
}
