/* im_http_wire.c — HTTP/1.x wire helpers shared by the IM server and client: the end of a header
 * section, header fields, Content-Length values, writing everything, socket timeouts. */
#include "im_http.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

size_t im_http_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* The end of the line starting at pos (the offset of its '\n'), or len. */
static size_t im_http_line_end(const char *head, size_t len, size_t pos)
{
    const char *nl = memchr(head + pos, '\n', len - pos);
    return nl ? (size_t)(nl - head) : len;
}

static void im_http_trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
        (*n)--;
}

int im_http_next_field(const char *head, size_t len, size_t *pos, im_http_field *f)
{
    if (*pos >= len)
        return 0;
    size_t end = im_http_line_end(head, len, *pos);
    const char *line = head + *pos;
    size_t n = end - *pos;
    *pos = end + 1;
    if (n == 0 || (n == 1 && line[0] == '\r'))
        return 0;
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
        return -1;
    f->name = line;
    f->name_len = (size_t)(colon - line);
    if (memchr(f->name, ' ', f->name_len) || memchr(f->name, '\t', f->name_len))
        return -1;
    f->value = colon + 1;
    f->value_len = n - f->name_len - 1;
    im_http_trim(&f->value, &f->value_len);
    return 1;
}

int im_http_field_is(const im_http_field *f, const char *name)
{
    return strlen(name) == f->name_len && strncasecmp(f->name, name, f->name_len) == 0;
}

int im_http_value_is(const im_http_field *f, const char *value)
{
    return strlen(value) == f->value_len && strncasecmp(f->value, value, f->value_len) == 0;
}

int im_http_parse_length(const char *v, size_t n, size_t *out)
{
    size_t x = 0;
    if (n == 0 || n > 15)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

int im_http_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? IM_HTTP_ETIMEOUT : IM_HTTP_EIO;
        p += n;
        len -= (size_t)n;
    }
    return IM_HTTP_OK;
}

int im_http_set_timeouts(int fd, int seconds)
{
    struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
        return -1;
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}
