/* buf.h — a growable byte buffer for the exporter thread (malloc is fine there), with the
 * JSON helpers the console exporter needs. On allocation failure the buffer is marked
 * failed and further appends are ignored: the caller drops that output and counts it. */
#ifndef GA_BUF_H
#define GA_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ga_buf {
    char *data;
    size_t len, cap;
    int failed;
} ga_buf;

void ga_buf_reset(ga_buf *b);
void ga_buf_free(ga_buf *b);
void ga_buf_put(ga_buf *b, const void *p, size_t n);
void ga_buf_puts(ga_buf *b, const char *s);
void ga_buf_printf(ga_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Room for n more bytes: a pointer to write them at (b->data + b->len; the caller adds what
 * it wrote to b->len), or NULL when memory is short (the buffer is then marked failed). */
void *ga_buf_room(ga_buf *b, size_t n);

/* A JSON string literal (with quotes) of n bytes, escaping per RFC 8259; bytes that are not
 * valid UTF-8 are written as \ufffd so the output always parses. */
void ga_json_str(ga_buf *b, const char *s, size_t n);

#endif
