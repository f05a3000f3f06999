/* buf.c — growable buffer and JSON string escaping (see buf.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exporter/buf.h"

static int ga__grow(ga_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void ga_buf_reset(ga_buf *b) { b->len = 0; b->failed = 0; }

void *ga_buf_room(ga_buf *b, size_t n)
{
    return ga__grow(b, n) == 0 ? b->data + b->len : NULL;
}

void ga_buf_free(ga_buf *b)
{
    free(b->data);
    *b = (ga_buf){0};
}

void ga_buf_put(ga_buf *b, const void *p, size_t n)
{
    if (ga__grow(b, n) == 0) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

void ga_buf_puts(ga_buf *b, const char *s) { ga_buf_put(b, s, strlen(s)); }

void ga_buf_printf(ga_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ga__grow(b, (size_t)n + 1) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t ga__utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (need == 0 || need > n)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return need;
}

/* The worst case is reserved once (6 bytes per input byte: \u00XX or \ufffd), then the bytes
 * are written straight into the buffer: printable ASCII, the bulk of every text, costs a test
 * and a store per byte (this was a grow check and a one-byte copy per byte, ~40 instructions). */
void ga_json_str(ga_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    if (n > (SIZE_MAX - 2) / 6 || ga__grow(b, 6 * n + 2) < 0)
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
        } else if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
        } else if (c < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
            i++;
        } else {
            size_t l = ga__utf8_len(p + i, n - i);
            if (l == 0) {
                memcpy(o, "\\ufffd", 6);
                o += 6;
                l = 1;
            } else {
                memcpy(o, p + i, l);
                o += l;
            }
            i += l;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
}
