/* genesis-view: minimal HTTP/1.1 server-side framing (request head, chunked bodies, responses). */
#ifndef GV_HTTP_H
#define GV_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "tools/genesis-view/buf.h"

#define GV_MAX_HEAD (64 * 1024)

struct gv_req {
    char method[16];
    char path[1024];           /* request target path, query string removed */
    int keep_alive;
    int expect_continue;
    int chunked;
    int64_t content_length;    /* -1: absent */
    char content_type[128];    /* lowercased media type, parameters removed */
    char content_encoding[64]; /* lowercased */
};

/* Parse a request head (request line + headers + blank line, head_len bytes).
 * Returns 0, or the HTTP status to answer with before closing (400, 414, 501, 505). */
int gv_http_parse_head(const char *head, size_t head_len, struct gv_req *r);

/* Length of the head at p (through the blank line), 0 if not complete yet. */
size_t gv_http_head_len(const char *p, size_t n);

struct gv_chunked {
    int state;
    uint64_t remaining;
};

enum { GV_CHUNK_MORE = 0, GV_CHUNK_DONE = 1, GV_CHUNK_BAD = -1, GV_CHUNK_TOO_BIG = -2 };

/* Decode chunked framing from in[0..n) into body; *used = bytes consumed. */
int gv_chunked_feed(struct gv_chunked *c, const char *in, size_t n, size_t *used,
                    struct gv_buf *body, size_t limit);

struct gv_resp_head {
    int status;
    const char *content_type; /* NULL: no Content-Type */
    int keep_alive;
    int retry_after;          /* -1: no Retry-After */
    const char *allow;        /* Allow header for 405, or NULL */
};

void gv_http_write_response(struct gv_buf *out, const struct gv_resp_head *h, const void *body,
                            size_t len);
const char *gv_http_reason(int status);

#endif
