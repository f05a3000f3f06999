/* im_buf.c — the growable byte buffer and JSON string escaping of the IM example programs. */
#include "im_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void im_buf_init(im_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

void im_buf_free(im_buf *b)
{
    free(b->data);
    im_buf_init(b);
}

void im_buf_reset(im_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the terminating NUL. */
static int im_buf_reserve(im_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int im_buf_append(im_buf *b, const void *p, size_t n)
{
    if (im_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int im_buf_puts(im_buf *b, const char *s)
{
    return im_buf_append(b, s, strlen(s));
}

int im_buf_printf(im_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || im_buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *im_buf_str(const im_buf *b)
{
    return b->data ? b->data : "";
}

/* The escape for one byte, or NULL when it goes out as it is. */
static const char *im_json_escape(unsigned char c, char tmp[8])
{
    switch (c) {
    case '"':  return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default:
        if (c >= 0x20 && c != 0x7f)
            return NULL;
        snprintf(tmp, 8, "\\u%04x", c);
        return tmp;
    }
}

int im_buf_json_str(im_buf *b, const char *s)
{
    char tmp[8];
    im_buf_append(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        const char *esc = im_json_escape((unsigned char)*s, tmp);
        if (!esc)
            continue;
        im_buf_append(b, run, (size_t)(s - run));
        im_buf_puts(b, esc);
        run = s + 1;
    }
    im_buf_append(b, run, (size_t)(s - run));
    return im_buf_append(b, "\"", 1);
}
