/* im_http.h — a minimal HTTP/1.1 server and client for the IM programs.
 *
 * Server: one request per connection, answered synchronously on the calling thread and closed
 * (`Connection: close`); JSON bodies; routes dispatched by path, then by method.
 * Client: a new connection per request, 5 s send/receive timeouts, the response read until its
 * Content-Length (or EOF), explicit error codes. */
#ifndef IM_HTTP_H
#define IM_HTTP_H

#include <stddef.h>

#include "im_args.h"
#include "im_buf.h"
#include "im_form.h"

#define IM_HTTP_MAX_HEAD  (64 * 1024)   /* request header section */
#define IM_HTTP_MAX_BODY  (64 * 1024)   /* request body; bigger is 413 */
#define IM_HTTP_MAX_RESP  (1024 * 1024) /* response read by the client */
#define IM_HTTP_TIMEOUT_S 5

/* ---- server ---- */

typedef struct im_http_req {
    char        method[16];
    char        path[1024];   /* the target without its query string */
    const char *query;        /* into raw; "" when absent */
    size_t      query_len;
    const char *body;         /* into raw */
    size_t      body_len;
    im_params   params;       /* query string, then form body */
    im_buf      raw;          /* the bytes read from the client */
    const char *error;        /* why the request was refused (400/413) */
    size_t      head_len;     /* internal: the header section's length in raw */
    size_t      query_off;    /* internal: the query string's offset in raw */
    int         unread;       /* internal: body bytes were left unread (answer, then drain) */
} im_http_req;

void im_http_req_init(im_http_req *req);
void im_http_req_free(im_http_req *req);

/* Reads one request from fd (im_http_request.c): 0 when complete with the parameters parsed;
 * an HTTP status (400, 413) to answer with req->error; -1 when there is nothing to answer (the
 * client went away or stalled). */
int  im_http_read_request(int fd, im_http_req *req);

typedef struct im_http_resp {
    int         status;
    im_buf      body;         /* JSON */
    const char *allow;        /* Allow: for 405 */
    char        what[256];    /* for the log line: the request, e.g. "from=alice to=bob" */
    char        note[256];    /* for the log line: the outcome, e.g. "id=17 delivered=1" */
} im_http_resp;

typedef void (*im_http_fn)(void *ctx, const im_http_req *req, im_http_resp *resp);

typedef struct im_route {
    const char *path;
    const char *method;
    im_http_fn  fn;
} im_route;

/* Binds and listens on a (port 0: any free port); *fd_out. 0 or -1 (logged). */
int  im_http_listen(const im_addr *a, int *fd_out);

/* Logs "<prog>: listening on HOST:PORT" (the real port) on stderr. */
void im_http_announce(int lfd);

/* Accepts and answers connections one at a time until im_stop_requested. 0, or -1 when
 * accept() fails for good. */
int  im_http_serve(int lfd, const im_route *routes, size_t nroutes, void *ctx);

/* Handler helpers. */
void im_http_json_error(im_http_resp *r, int status, const char *msg);
void im_http_what(im_http_resp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void im_http_note(im_http_resp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void im_http_healthz(void *ctx, const im_http_req *req, im_http_resp *resp);
const char *im_http_reason(int status);

/* ---- client ---- */

enum {
    IM_HTTP_OK = 0,
    IM_HTTP_ECONNECT = -1,   /* socket or connect failed (refused, unreachable...) */
    IM_HTTP_ETIMEOUT = -2,   /* no progress for IM_HTTP_TIMEOUT_S */
    IM_HTTP_EIO = -3,        /* send/recv failed, or the peer closed early */
    IM_HTTP_EBADRESP = -4,   /* not an HTTP/1.x response we understand, or too big */
    IM_HTTP_ENOMEM = -5,
};

typedef struct im_http_result {
    int    status;
    im_buf body;
} im_http_result;

/* One request to `to`: target is "/path?query"; ctype NULL when there is no body.
 * IM_HTTP_OK with res->status/res->body filled (the caller frees res->body), or an error. */
int  im_http_call(const im_addr *to, const char *method, const char *target, const char *ctype,
                  const char *body, size_t len, im_http_result *res);
const char *im_http_strerror(int err);

/* ---- wire helpers shared by both sides (im_http_wire.c) ---- */

typedef struct im_http_field {
    const char *name;
    size_t      name_len;
    const char *value;
    size_t      value_len;
} im_http_field;

/* Offset just past the blank line ending the header section in buf, or 0 if not there yet. */
size_t im_http_head_end(const char *buf, size_t len);

/* The next header field of head[0..len) at *pos (start at the offset past the start line).
 * 1 with *f filled, 0 at the blank line, -1 malformed. */
int    im_http_next_field(const char *head, size_t len, size_t *pos, im_http_field *f);
int    im_http_field_is(const im_http_field *f, const char *name);
int    im_http_value_is(const im_http_field *f, const char *value);

/* A Content-Length value: 0 with *out, -1 malformed. */
int    im_http_parse_length(const char *v, size_t n, size_t *out);

/* Writes all len bytes (partial writes, EINTR). IM_HTTP_OK, IM_HTTP_ETIMEOUT or IM_HTTP_EIO. */
int    im_http_write_all(int fd, const char *p, size_t len);

/* Sets SO_RCVTIMEO/SO_SNDTIMEO. 0 or -1. */
int    im_http_set_timeouts(int fd, int seconds);

#endif
