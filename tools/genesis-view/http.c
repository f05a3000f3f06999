/* genesis-view: HTTP/1.1 request head parsing and response writing (RFC 9112 subset). */
#include "tools/genesis-view/http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t gv_http_head_len(const char *p, size_t n)
{
    const char *e = memmem(p, n, "\r\n\r\n", 4);
    return e ? (size_t)(e - p) + 4 : 0;
}

static void copy_lower(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)s[i]);
    dst[i] = '\0';
}

static int parse_target(struct gv_req *r, const char *t, size_t n)
{
    if (n > 7 && strncasecmp(t, "http://", 7) == 0) { /* absolute-form */
        const char *slash = memchr(t + 7, '/', n - 7);
        if (!slash) { r->path[0] = '/'; r->path[1] = '\0'; return 0; }
        n -= (size_t)(slash - t);
        t = slash;
    }
    if (n == 0 || t[0] != '/') return 400;
    const char *q = memchr(t, '?', n);
    if (q) n = (size_t)(q - t);
    if (n >= sizeof r->path) return 414;
    memcpy(r->path, t, n);
    r->path[n] = '\0';
    return 0;
}

static int parse_request_line(struct gv_req *r, const char *line, size_t n)
{
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof r->method) return 400;
    const char *rest = sp1 + 1;
    const char *sp2 = memchr(rest, ' ', n - (size_t)(rest - line));
    if (!sp2) return 400;
    size_t vlen = n - (size_t)(sp2 + 1 - line);
    const char *ver = sp2 + 1;
    if (vlen != 8 || memcmp(ver, "HTTP/", 5) != 0 || !isdigit((unsigned char)ver[5]) ||
        ver[6] != '.' || !isdigit((unsigned char)ver[7]))
        return 400;
    if (ver[5] != '1') return 505;
    memcpy(r->method, line, (size_t)(sp1 - line));
    r->method[sp1 - line] = '\0';
    r->keep_alive = ver[7] != '0';
    return parse_target(r, rest, (size_t)(sp2 - rest));
}

static int parse_length(struct gv_req *r, const char *v, size_t n)
{
    int64_t len = 0;
    if (n == 0 || n > 18) return 400;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)v[i])) return 400;
        len = len * 10 + (v[i] - '0');
    }
    if (r->content_length >= 0 && r->content_length != len) return 400;
    r->content_length = len;
    return 0;
}

static int header(struct gv_req *r, const char *name, size_t nl, const char *v, size_t vl)
{
    char low[64];
    if (nl == 14 && strncasecmp(name, "content-length", nl) == 0) return parse_length(r, v, vl);
    if (nl == 17 && strncasecmp(name, "transfer-encoding", nl) == 0) {
        copy_lower(low, sizeof low, v, vl);
        if (strcmp(low, "chunked") != 0) return 501;
        r->chunked = 1;
    } else if (nl == 12 && strncasecmp(name, "content-type", nl) == 0) {
        const char *semi = memchr(v, ';', vl);
        size_t l = semi ? (size_t)(semi - v) : vl;
        while (l && (v[l - 1] == ' ' || v[l - 1] == '\t')) l--;
        copy_lower(r->content_type, sizeof r->content_type, v, l);
    } else if (nl == 16 && strncasecmp(name, "content-encoding", nl) == 0) {
        copy_lower(r->content_encoding, sizeof r->content_encoding, v, vl);
    } else if (nl == 10 && strncasecmp(name, "connection", nl) == 0) {
        copy_lower(low, sizeof low, v, vl);
        if (strstr(low, "close")) r->keep_alive = 0;
        else if (strstr(low, "keep-alive")) r->keep_alive = 1;
    } else if (nl == 6 && strncasecmp(name, "expect", nl) == 0) {
        copy_lower(low, sizeof low, v, vl);
        r->expect_continue = strcmp(low, "100-continue") == 0;
    }
    return 0;
}

static int header_line(struct gv_req *r, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line) return 400;
    for (const char *p = line; p < colon; p++)
        if (*p == ' ' || *p == '\t' || (unsigned char)*p < 0x21) return 400;
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    return header(r, line, (size_t)(colon - line), v, (size_t)(end - v));
}

int gv_http_parse_head(const char *head, size_t head_len, struct gv_req *r)
{
    memset(r, 0, sizeof *r);
    r->content_length = -1;
    const char *p = head, *end = head + head_len - 2; /* drop the final blank line */
    int first = 1, rc;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) return 400;
        size_t n = (size_t)(eol - p);
        rc = first ? parse_request_line(r, p, n) : header_line(r, p, n);
        if (rc) return rc;
        first = 0;
        p = eol + 2;
    }
    if (first) return 400;
    if (r->chunked && r->content_length >= 0) return 400; /* smuggling guard (RFC 9112 §6.3) */
    return 0;
}
