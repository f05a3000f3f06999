/* im_http_request.c — reading and parsing one incoming HTTP/1.x request: the request line, the
 * header fields that matter (Content-Length, Transfer-Encoding, Expect, Content-Type), the body,
 * and the form parameters of the query string and the body. */
#include "im_http.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* What the header fields say. */
typedef struct im_req_head {
    size_t content_length;
    int    has_length;
    int    expect_continue;
    int    form_body;   /* no Content-Type, or application/x-www-form-urlencoded */
} im_req_head;

void im_http_req_init(im_http_req *req)
{
    memset(req, 0, sizeof *req);
    req->query = "";
    req->body = "";
    im_params_init(&req->params);
    im_buf_init(&req->raw);
}

void im_http_req_free(im_http_req *req)
{
    im_params_free(&req->params);
    im_buf_free(&req->raw);
}

static int im_req_fail(im_http_req *req, int status, const char *why)
{
    req->error = why;
    return status;
}

/* Reads more bytes into req->raw: >0 bytes, 0 EOF, -1 error or timeout. */
static ssize_t im_req_recv(int fd, im_http_req *req)
{
    char chunk[4096];
    ssize_t n;
    do {
        n = recv(fd, chunk, sizeof chunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0 && im_buf_append(&req->raw, chunk, (size_t)n) != 0)
        return -1;
    return n;
}

/* Reads until the blank line: 0, 413, or -1. */
static int im_req_read_head(int fd, im_http_req *req)
{
    while ((req->head_len = im_http_head_end(req->raw.data, req->raw.len)) == 0) {
        if (req->raw.len > IM_HTTP_MAX_HEAD)
            return im_req_fail(req, 413, "header section too large");
        if (im_req_recv(fd, req) <= 0)
            return -1;
    }
    if (req->head_len > IM_HTTP_MAX_HEAD)
        return im_req_fail(req, 413, "header section too large");
    return 0;
}

/* Checks the method token and the version of the request line. */
static int im_req_check_line(const char *line, size_t mlen, const char *version, size_t vlen)
{
    if (mlen == 0 || mlen >= 16 || strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") < mlen)
        return -1;
    if (vlen != 8 || (strncmp(version, "HTTP/1.1", 8) != 0 && strncmp(version, "HTTP/1.0", 8) != 0))
        return -1;
    return 0;
}

/* "METHOD /path?query HTTP/1.1": method, path and the query's place. 0 or 400. */
static int im_req_start_line(im_http_req *req)
{
    const char *line = req->raw.data;
    const char *nl = memchr(line, '\n', req->head_len);
    size_t n = (size_t)(nl - line);
    if (n && line[n - 1] == '\r')
        n--;
    const char *sp1 = memchr(line, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line)) : NULL;
    if (!sp2)
        return im_req_fail(req, 400, "malformed request line");
    size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - sp1 - 1);
    if (im_req_check_line(line, mlen, sp2 + 1, n - (size_t)(sp2 + 1 - line)) != 0)
        return im_req_fail(req, 400, "malformed request line");
    const char *target = sp1 + 1, *q = memchr(target, '?', tlen);
    size_t plen = q ? (size_t)(q - target) : tlen;
    if (tlen == 0 || target[0] != '/' || plen >= sizeof req->path)
        return im_req_fail(req, 400, "bad request target");
    memcpy(req->method, line, mlen);
    memcpy(req->path, target, plen);
    req->path[plen] = '\0';
    req->query_off = q ? (size_t)(q + 1 - line) : 0;
    req->query_len = q ? tlen - plen - 1 : 0;
    return 0;
}

/* One header field into h. 0 or 400. */
static int im_req_field(im_http_req *req, const im_http_field *f, im_req_head *h)
{
    if (im_http_field_is(f, "content-length")) {
        size_t v;
        if (im_http_parse_length(f->value, f->value_len, &v) != 0 ||
            (h->has_length && v != h->content_length))
            return im_req_fail(req, 400, "bad Content-Length");
        h->content_length = v;
        h->has_length = 1;
    } else if (im_http_field_is(f, "transfer-encoding")) {
        return im_req_fail(req, 400, "Transfer-Encoding is not supported, send Content-Length");
    } else if (im_http_field_is(f, "expect")) {
        h->expect_continue = im_http_value_is(f, "100-continue");
    } else if (im_http_field_is(f, "content-type")) {
        h->form_body = f->value_len >= 33 &&
                       strncasecmp(f->value, "application/x-www-form-urlencoded", 33) == 0;
    }
    return 0;
}

static int im_req_fields(im_http_req *req, im_req_head *h)
{
    const char *head = req->raw.data;
    size_t pos = (size_t)((const char *)memchr(head, '\n', req->head_len) - head) + 1;
    im_http_field f;
    int rc;
    h->form_body = 1;
    while ((rc = im_http_next_field(head, req->head_len, &pos, &f)) == 1)
        if (im_req_field(req, &f, h) != 0)
            return 400;
    if (rc < 0)
        return im_req_fail(req, 400, "malformed header field");
    if (h->content_length > IM_HTTP_MAX_BODY)
        return im_req_fail(req, 413, "request body too large (64 KiB at most)");
    return 0;
}

/* Reads the rest of the body (after "100 Continue" when the client waits for it). 0 or -1. */
static int im_req_read_body(int fd, im_http_req *req, const im_req_head *h)
{
    size_t want = req->head_len + h->content_length;
    if (h->expect_continue && req->raw.len < want) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (im_http_write_all(fd, cont, sizeof cont - 1) != IM_HTTP_OK)
            return -1;
    }
    while (req->raw.len < want)
        if (im_req_recv(fd, req) <= 0)
            return -1;
    return 0;
}

/* Parameters from the query string, then from a form body. 0 or 400. */
static int im_req_params(im_http_req *req, const im_req_head *h)
{
    req->query = req->query_off ? req->raw.data + req->query_off : "";
    req->body = req->raw.data + req->head_len;
    req->body_len = h->content_length;
    if (im_form_parse(&req->params, req->query, req->query_len) != IM_FORM_OK)
        return im_req_fail(req, 400, "malformed query string");
    if (h->form_body && im_form_parse(&req->params, req->body, req->body_len) != IM_FORM_OK)
        return im_req_fail(req, 400, "malformed form body");
    return 0;
}

int im_http_read_request(int fd, im_http_req *req)
{
    im_req_head h = { 0 };
    int rc = im_req_read_head(fd, req);
    if (rc == 0)
        rc = im_req_start_line(req);
    if (rc == 0)
        rc = im_req_fields(req, &h);
    if (rc != 0) {
        req->unread = 1;
        return rc;
    }
    if (im_req_read_body(fd, req, &h) != 0)
        return -1;
    return im_req_params(req, &h);
}
