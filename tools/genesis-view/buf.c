/* genesis-view: growable byte buffer (see buf.h). */
#include "tools/genesis-view/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gv_buf_reserve(struct gv_buf *b, size_t extra)
{
    if (b->cap - b->len > extra)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("genesis-view: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void gv_buf_add(struct gv_buf *b, const void *data, size_t n)
{
    gv_buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void gv_buf_adds(struct gv_buf *b, const char *s)
{
    gv_buf_add(b, s, strlen(s));
}

void gv_buf_addc(struct gv_buf *b, char c)
{
    gv_buf_add(b, &c, 1);
}

void gv_buf_printf(struct gv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    gv_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gv_buf_consume(struct gv_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->p, b->p + n, b->len - n);
        b->len -= n;
    }
    if (b->p)
        b->p[b->len] = '\0';
}

void gv_buf_clear(struct gv_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void gv_buf_free(struct gv_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
