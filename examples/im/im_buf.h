/* im_buf.h — a growable, always NUL-terminated byte buffer and JSON string escaping.
 *
 * Appends never fail loudly: on out-of-memory the buffer sets its sticky `oom` flag and every
 * later append returns -1, so a caller can build a whole text and check once at the end. */
#ifndef IM_BUF_H
#define IM_BUF_H

#include <stddef.h>

typedef struct im_buf {
    char  *data;   /* NULL until the first append; im_buf_str() never returns NULL */
    size_t len;
    size_t cap;
    int    oom;    /* an append failed: the content is incomplete */
} im_buf;

void        im_buf_init(im_buf *b);
void        im_buf_free(im_buf *b);
void        im_buf_reset(im_buf *b);
int         im_buf_append(im_buf *b, const void *p, size_t n);
int         im_buf_puts(im_buf *b, const char *s);
int         im_buf_printf(im_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *im_buf_str(const im_buf *b);

/* Appends s as a JSON string literal, quotes included. Bytes >= 0x80 are copied as they are
 * (the texts are UTF-8); control characters are escaped. */
int         im_buf_json_str(im_buf *b, const char *s);

#endif
