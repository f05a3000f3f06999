/* im_http_server.c — the IM programs' HTTP server: listening, the accept loop (one connection,
 * one request, answered on this thread, then closed), routing, responses and the log line. */
#include "im_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "im_util.h"

int im_http_listen(const im_addr *a, int *fd_out)
{
    struct sockaddr_in sin;
    int one = 1;
    im_addr_sockaddr(a, &sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        im_log("socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 128) != 0) {
        im_log("cannot listen on %s:%u: %s", a->host, a->port, strerror(errno));
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

void im_http_announce(int lfd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    char host[INET_ADDRSTRLEN] = "?";
    if (getsockname(lfd, (struct sockaddr *)&sin, &len) == 0)
        inet_ntop(AF_INET, &sin.sin_addr, host, sizeof host);
    im_log("listening on %s:%u", host, ntohs(sin.sin_port));
}

const char *im_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

void im_http_json_error(im_http_resp *r, int status, const char *msg)
{
    r->status = status;
    im_buf_reset(&r->body);
    im_buf_puts(&r->body, "{\"error\":");
    im_buf_json_str(&r->body, msg);
    im_buf_puts(&r->body, "}");
}

void im_http_what(im_http_resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof r->what, fmt, ap);
    va_end(ap);
}

void im_http_note(im_http_resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
}

void im_http_healthz(void *ctx, const im_http_req *req, im_http_resp *resp)
{
    resp->status = 200;
    im_buf_puts(&resp->body, "{\"ok\":true}");
}

/* The route for the path; 404 or 405 when there is none for the request. */
static void im_srv_dispatch(const im_route *routes, size_t n, void *ctx, const im_http_req *req,
                            im_http_resp *resp)
{
    const char *allow = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(routes[i].path, req->path) != 0)
            continue;
        if (strcmp(routes[i].method, req->method) == 0) {
            routes[i].fn(ctx, req, resp);
            return;
        }
        allow = routes[i].method;
    }
    if (!allow) {
        im_http_json_error(resp, 404, "not found");
        return;
    }
    im_http_json_error(resp, 405, "method not allowed");
    resp->allow = allow;
}

static int im_srv_respond(int fd, const im_http_resp *r)
{
    im_buf out;
    im_buf_init(&out);
    im_buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n",
                  r->status, im_http_reason(r->status), r->body.len);
    if (r->allow)
        im_buf_printf(&out, "Allow: %s\r\n", r->allow);
    im_buf_puts(&out, "\r\n");
    im_buf_append(&out, im_buf_str(&r->body), r->body.len);
    int rc = out.oom ? IM_HTTP_ENOMEM : im_http_write_all(fd, out.data, out.len);
    im_buf_free(&out);
    return rc;
}

/* After refusing a request whose body was not read: stop sending, and read what the client is
 * still sending for a moment, so that closing does not reset the connection under our answer. */
static void im_srv_drain(int fd)
{
    char junk[4096];
    size_t total = 0;
    shutdown(fd, SHUT_WR);
    im_http_set_timeouts(fd, 1);
    for (;;) {
        ssize_t n = recv(fd, junk, sizeof junk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (total += (size_t)n) > 4 * IM_HTTP_MAX_BODY)
            return;
    }
}

static void im_srv_log(const im_http_req *req, const im_http_resp *r, double t0)
{
    im_log("%s %s%s%s -> %d%s%s (%.1f ms)", req->method[0] ? req->method : "-",
           req->path[0] ? req->path : "-", r->what[0] ? " " : "", r->what, r->status,
           r->note[0] ? " " : "", r->note, im_now_ms() - t0);
}

static void im_srv_conn(int fd, const im_route *routes, size_t n, void *ctx)
{
    double t0 = im_now_ms();
    im_http_req req;
    im_http_resp resp;
    im_http_req_init(&req);
    memset(&resp, 0, sizeof resp);
    im_buf_init(&resp.body);
    im_http_set_timeouts(fd, IM_HTTP_TIMEOUT_S);
    int rc = im_http_read_request(fd, &req);
    if (rc < 0 && req.raw.len > 0)
        im_log("incomplete request dropped after %zu bytes (client closed or stalled)",
               req.raw.len);
    if (rc >= 0) {
        if (rc > 0)
            im_http_json_error(&resp, rc, req.error);
        else
            im_srv_dispatch(routes, n, ctx, &req, &resp);
        if (resp.body.oom)
            im_http_json_error(&resp, 500, "out of memory");
        if (rc > 0)
            im_http_note(&resp, "(%s)", req.error);
        im_srv_respond(fd, &resp);
        if (req.unread)
            im_srv_drain(fd);
        im_srv_log(&req, &resp, t0);
    }
    im_buf_free(&resp.body);
    im_http_req_free(&req);
}

int im_http_serve(int lfd, const im_route *routes, size_t n, void *ctx)
{
    while (!im_stop_requested) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                struct timespec pause = { 0, 100 * 1000 * 1000 };
                im_log("accept: %s (retrying)", strerror(errno));
                nanosleep(&pause, NULL);
                continue;
            }
            im_log("accept: %s", strerror(errno));
            return -1;
        }
        im_srv_conn(fd, routes, n, ctx);
        close(fd);
    }
    return 0;
}
