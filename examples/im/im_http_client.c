/* im_http_client.c — the IM programs' HTTP client: one request on a new connection (5 s
 * timeouts), the response read until its Content-Length or EOF, the status code parsed. */
#include "im_http.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "im_util.h"

const char *im_http_strerror(int err)
{
    switch (err) {
    case IM_HTTP_OK:       return "ok";
    case IM_HTTP_ECONNECT: return "cannot connect";
    case IM_HTTP_ETIMEOUT: return "timed out";
    case IM_HTTP_EIO:      return "connection failed";
    case IM_HTTP_EBADRESP: return "bad response";
    case IM_HTTP_ENOMEM:   return "out of memory";
    default:               return "unknown error";
    }
}

/* A connect() interrupted by a signal goes on in the background: wait for its outcome. */
static int im_cli_connect_wait(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int err = 0, n;
    socklen_t len = sizeof err;
    double deadline = im_now_ms() + IM_HTTP_TIMEOUT_S * 1000.0;
    do {
        int left = (int)(deadline - im_now_ms());
        n = poll(&p, 1, left > 0 ? left : 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return IM_HTTP_ETIMEOUT;
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
        return IM_HTTP_ECONNECT;
    return IM_HTTP_OK;
}

static int im_cli_connect(const im_addr *to, int *fd_out)
{
    struct sockaddr_in sin;
    im_addr_sockaddr(to, &sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return IM_HTTP_ECONNECT;
    int rc = IM_HTTP_OK;
    if (im_http_set_timeouts(fd, IM_HTTP_TIMEOUT_S) != 0)
        rc = IM_HTTP_ECONNECT;
    else if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
        rc = errno == EINTR ? im_cli_connect_wait(fd)
           : (errno == EINPROGRESS || errno == EAGAIN) ? IM_HTTP_ETIMEOUT : IM_HTTP_ECONNECT;
    if (rc != IM_HTTP_OK) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return IM_HTTP_OK;
}

static void im_cli_build(im_buf *out, const im_addr *to, const char *method, const char *target,
                         const char *ctype, const char *body, size_t len)
{
    im_buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: %s\r\n", method, target,
                  to->host, to->port, im_prog());
    if (ctype)
        im_buf_printf(out, "Content-Type: %s\r\n", ctype);
    if (ctype || len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        im_buf_printf(out, "Content-Length: %zu\r\n", len);
    im_buf_puts(out, "Accept: application/json\r\nConnection: close\r\n\r\n");
    im_buf_append(out, body, len);
}

/* Once the header section is in: 1 with *total (head + body), 0 if the body runs to EOF,
 * -1 if we cannot read it (chunked, bad Content-Length). */
static int im_cli_expected(const im_buf *in, size_t head_len, size_t *total)
{
    size_t pos = (size_t)((const char *)memchr(in->data, '\n', head_len) - in->data) + 1;
    im_http_field f;
    int rc, known = 0;
    while ((rc = im_http_next_field(in->data, head_len, &pos, &f)) == 1) {
        if (im_http_field_is(&f, "transfer-encoding"))
            return -1;
        if (im_http_field_is(&f, "content-length")) {
            if (im_http_parse_length(f.value, f.value_len, total) != 0)
                return -1;
            *total += head_len;
            known = 1;
        }
    }
    return rc < 0 ? -1 : known;
}

/* Reads the response into in; *head_len is set. IM_HTTP_OK or an error. */
static int im_cli_read(int fd, im_buf *in, size_t *head_len)
{
    char chunk[4096];
    size_t total = 0;
    int known = 0;
    *head_len = 0;
    for (;;) {
        if (known == 1 && in->len >= total)
            return IM_HTTP_OK;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? IM_HTTP_ETIMEOUT : IM_HTTP_EIO;
        if (n == 0 && *head_len == 0)
            return IM_HTTP_EBADRESP;            /* closed before a whole header section */
        if (n == 0)
            return known == 0 ? IM_HTTP_OK : IM_HTTP_EIO;   /* EOF ends the body, or cuts it */
        if (in->len + (size_t)n > IM_HTTP_MAX_RESP || im_buf_append(in, chunk, (size_t)n) != 0)
            return IM_HTTP_EBADRESP;
        if (*head_len == 0 && (*head_len = im_http_head_end(in->data, in->len)) != 0 &&
            (known = im_cli_expected(in, *head_len, &total)) < 0)
            return IM_HTTP_EBADRESP;
    }
}

/* "HTTP/1.x NNN ..." and the body. */
static int im_cli_parse(const im_buf *in, size_t head_len, im_http_result *res)
{
    const char *s = in->data;
    if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        strspn(s + 9, "0123456789") != 3 || (s[12] != ' ' && s[12] != '\r' && s[12] != '\n'))
        return IM_HTTP_EBADRESP;
    res->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (res->status < 200)
        return IM_HTTP_EBADRESP;   /* we never ask for 100-continue */
    size_t total;
    size_t end = im_cli_expected(in, head_len, &total) == 1 ? total : in->len;
    return im_buf_append(&res->body, in->data + head_len, end - head_len) ? IM_HTTP_ENOMEM : IM_HTTP_OK;
}

int im_http_call(const im_addr *to, const char *method, const char *target, const char *ctype,
                 const char *body, size_t len, im_http_result *res)
{
    im_buf out, in;
    size_t head_len = 0;
    int fd = -1, rc;
    res->status = 0;
    im_buf_init(&res->body);
    im_buf_init(&out);
    im_buf_init(&in);
    im_cli_build(&out, to, method, target, ctype, body, len);
    rc = out.oom ? IM_HTTP_ENOMEM : im_cli_connect(to, &fd);
    if (rc == IM_HTTP_OK)
        rc = im_http_write_all(fd, out.data, out.len);
    if (rc == IM_HTTP_OK)
        rc = im_cli_read(fd, &in, &head_len);
    if (rc == IM_HTTP_OK)
        rc = im_cli_parse(&in, head_len, res);
    if (fd >= 0)
        close(fd);
    im_buf_free(&out);
    im_buf_free(&in);
    return rc;
}
