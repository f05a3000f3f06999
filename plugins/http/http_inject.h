/* http_inject.h — the pre-send step of the write hooks: W3C trace-context injection into
 * outgoing HTTP/1.x requests (design and proof sketch: docs/http.md, "Injection").
 *
 * A client socket's outgoing byte stream S (what the application wrote, as it believes)
 * reaches the wire as W: S with one `traceparent` (+ `tracestate`) header line inserted
 * before the blank line that ends each request's header section — unless the request
 * already carries a traceparent. The write hooks call ga_http_send() for client sockets
 * whose protocol is HTTP or not yet known (the plug-in's `presend` slot, preload/plugin.h);
 * it either declines (0: the hook makes the application's call unchanged) or makes the real
 * call(s) itself (1) and returns, in *ret and errno, exactly what the application must see:
 * a count of its own bytes only. Installed only while propagation is on (GENESIS_PROPAGATE).
 *
 * Cost when nothing is due (inside a request body of known length): ga_http_send() compares
 * the write's length with the connection's `quiet` budget and declines. */
#ifndef GA_HTTP_INJECT_H
#define GA_HTTP_INJECT_H

#include <sys/socket.h>
#include <sys/types.h>
#include "preload/fdtable.h"

/* The application asks to send the bytes of m->msg_iov[0..msg_iovlen) on client socket fd
 * (entry e): with sendmsg(fd, m, flags) when use_msg, else with writev(fd, iov, cnt) (write,
 * writev). m's name and control are passed on as given. Returns 0 to decline (nothing was
 * sent; the caller makes its own call), or 1 with *ret = the application's result
 * (its bytes accepted, or -1 with errno). Called with ga_tls_busy clear; leaves it clear. */
int ga_http_send(int fd, ga_fd *e, const struct msghdr *m, int flags, int use_msg, ssize_t *ret);

/* For tests: the real sending function (default: the real writev/sendmsg). */
typedef ssize_t (*ga_http_sender_fn)(int fd, const struct msghdr *m, int flags, int use_msg);
extern ga_http_sender_fn ga_http_sender;

#endif
