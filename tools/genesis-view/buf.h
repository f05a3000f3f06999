/* genesis-view: growable byte buffer used for sockets, bodies and JSON text. */
#ifndef GV_BUF_H
#define GV_BUF_H

#include <stddef.h>

struct gv_buf {
    char *p;
    size_t len;
    size_t cap;
};

/* All functions abort on out-of-memory (a viewer has nothing sensible to fall back to). */
void gv_buf_reserve(struct gv_buf *b, size_t extra);
void gv_buf_add(struct gv_buf *b, const void *data, size_t n);
void gv_buf_adds(struct gv_buf *b, const char *s);
void gv_buf_addc(struct gv_buf *b, char c);
void gv_buf_printf(struct gv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gv_buf_consume(struct gv_buf *b, size_t n); /* drop n bytes from the front */
void gv_buf_clear(struct gv_buf *b);
void gv_buf_free(struct gv_buf *b);

#endif
